"""Secrets stay out of every output; outputs land whole or not at all; snapshots are owner-only."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner import pipeline
from safemaker.scanner.aws.lifecycle import parse_scripts, redact_proxy
from safemaker.scanner.cli import main
from safemaker.scanner.output import OutputError, write_all, write_atomic

SECRET = "s3cret"
ACCESS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def script(proxy_ip: str) -> str:
    return "\n".join([
        "#!/bin/bash",
        "set -e",
        f"export AWS_SECRET_ACCESS_KEY={ACCESS_SECRET}",
        f"export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjE{SECRET}token",
        f"export HTTPS_PROXY=http://svc-notebooks:{SECRET}@{proxy_ip}:3128",
        f"export https_proxy=\"http://svc:p@{SECRET}@{proxy_ip}:3128\"",
        f"echo 'http_proxy=svc:{SECRET}@{proxy_ip}:3128' >> /etc/environment",
        "export NO_PROXY=169.254.169.254,localhost",
        f"pip config set global.proxy http://svc:{SECRET}@{proxy_ip}:3128",
    ]) + "\n"


@pytest.fixture
def secret_snapshot(tmp_path: Path) -> Path:
    from estate import Estate  # tests/estate.py

    e = Estate()
    v = e.vpc("10.0.0.0/16")
    public = v.subnet("10.0.1.0/24")
    public.route_table().route("0.0.0.0/0", v.igw())
    proxy = public.instance(public_ip="203.0.113.10", tags={"safemaker:role": "proxy"}, name="squid")
    private = v.subnet("10.0.2.0/24")
    private.route_table()
    private.notebook("nb-secret", lifecycle=script(proxy.eni.private_ip), root_access=False)
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(e.build()), "utf-8")
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), captured.out, captured.err


def test_no_report_format_and_no_explanation_shows_credentials(
        secret_snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    code, stdout, stderr = run(["analyze", str(secret_snapshot), "--output-dir", str(out), "--format", "json",
                                "--format", "html", "--format", "sarif", "--format", "junit"], capsys)
    assert code in (0, 1), stderr
    texts = {p.name: p.read_text("utf-8") for p in out.iterdir()}
    assert set(texts) == {"findings.json", "report.html", "findings.sarif", "findings.junit.xml"}
    code, explained, stderr2 = run(["explain", "nb-secret", str(secret_snapshot)], capsys)
    assert code == 0, stderr2
    texts.update({"stdout": stdout, "stderr": stderr + stderr2, "explain": explained})
    for name, text in texts.items():
        for secret in (SECRET, ACCESS_SECRET, "svc-notebooks:", "svc:p@"):
            assert secret not in text, f"{secret!r} leaks into {name}"
    # The proxy settings are still shown, without their credentials.
    findings = json.loads(texts["findings.json"])["findings"]
    prx = next(f for f in findings if f["check_id"] == "PRX-002" and f["resource"]["id"] == "nb-secret")
    assert "***@" in json.dumps(prx)


@pytest.mark.parametrize("password", ["Zq9pass w0rdX", "Zq9pa/ss", "Zq9p@ss:w/rd%40X", "Zq9it's \"qu0te\""])
def test_passwords_with_spaces_slashes_and_quotes_reach_no_output(
        password: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The leak of issue 14: a quoted proxy URL whose password holds a space or `/`."""
    import shlex

    from estate import Estate  # tests/estate.py

    e = Estate()
    v = e.vpc("10.0.0.0/16")
    public = v.subnet("10.0.1.0/24")
    public.route_table().route("0.0.0.0/0", v.igw())
    proxy = public.instance(public_ip="203.0.113.10", tags={"safemaker:role": "proxy"}, name="squid")
    private = v.subnet("10.0.2.0/24")
    private.route_table()
    url = f"http://svc:{password}@{proxy.eni.private_ip}:3128"
    private.notebook("nb-secret", root_access=False, lifecycle=(
        f"#!/bin/bash\nexport HTTPS_PROXY={shlex.quote(url)}\n"
        f"echo {shlex.quote('export HTTP_PROXY=' + shlex.quote(url))} >> /etc/profile.d/proxy.sh\n"))
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(e.build()), "utf-8")
    out = tmp_path / "reports"
    code, stdout, stderr = run(["analyze", str(snap), "--output-dir", str(out), "--format", "json",
                                "--format", "html", "--format", "sarif", "--format", "junit"], capsys)
    assert code in (0, 1), stderr
    texts = {p.name: p.read_text("utf-8") for p in out.iterdir()}
    code, explained, stderr2 = run(["explain", "nb-secret", str(snap)], capsys)
    assert code == 0, stderr2
    texts.update({"stdout": stdout, "stderr": stderr + stderr2, "explain": explained})
    pieces = {password, "svc:", "Zq9", "w0rd", "qu0te"}
    for name, text in texts.items():
        for piece in pieces:
            for form in {piece, json.dumps(piece)[1:-1], piece.replace("'", "&#x27;").replace('"', "&quot;")}:
                assert form not in text, f"{piece!r} leaks into {name}"
    prx = next(f for f in json.loads(texts["findings.json"])["findings"]
               if f["check_id"] == "PRX-002" and f["resource"]["id"] == "nb-secret")
    assert f"HTTPS_PROXY/HTTP_PROXY=http://***@{proxy.eni.private_ip}:3128 but NO_PROXY is not set" in prx["message"]


@pytest.mark.parametrize(("value", "shown"), [
    ("http://user:s3cret@proxy:3128", "http://***@proxy:3128"),
    ("http://user:p@ss@w0rd@proxy:3128/path", "http://***@proxy:3128/path"),
    ("user:s3cret@10.0.0.1:3128", "***@10.0.0.1:3128"),
    ("socks5h://u:s3cret@proxy.corp:1080", "socks5h://***@proxy.corp:1080"),
    ("http://proxy:3128", "http://proxy:3128"),
    ("10.0.0.1:3128", "10.0.0.1:3128"),
])
def test_proxy_values_are_shown_without_credentials(value: str, shown: str) -> None:
    assert redact_proxy(value) == shown
    settings = parse_scripts([f"export HTTPS_PROXY={value}\n"])
    assert [p.url for p in settings.proxies] == [shown]


def test_a_failure_while_rendering_leaves_no_file(
        secret_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    (out / "findings.json").write_text("previous run\n", "utf-8")
    real = pipeline.render

    def render(report: Any, fmt: str, registry: Any, *args: Any, **kwargs: Any) -> str:
        if fmt == "sarif":
            raise RuntimeError("renderer bug")
        return real(report, fmt, registry, *args, **kwargs)

    monkeypatch.setattr(pipeline, "render", render)
    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(secret_snapshot), "--output-dir", str(out), "--format", "json", "--format", "html",
              "--format", "sarif"])
    # the last-resort handler: one line naming the input, exit 2, no traceback
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"safemaker: internal error, please report it with the command line (input: {secret_snapshot}): " \
           "RuntimeError: renderer bug" in err and "Traceback" not in err
    assert sorted(os.listdir(out)) == ["findings.json"]  # no new file, no temp file
    assert (out / "findings.json").read_text("utf-8") == "previous run\n"  # the old one untouched


def test_a_failure_while_writing_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "b.txt").write_text("old b\n", "utf-8")
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second file of the set hits a full disk
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OutputError, match="No space left on device"):
        write_all({str(tmp_path / "a.txt"): "new a\n", str(tmp_path / "b.txt"): "new b\n"})
    assert sorted(os.listdir(tmp_path)) == ["b.txt"]  # a.txt was staged but never installed
    assert (tmp_path / "b.txt").read_text("utf-8") == "old b\n"

    with pytest.raises(UnicodeEncodeError):
        write_atomic(str(tmp_path / "c.txt"), "bad \ud800 surrogate")
    assert sorted(os.listdir(tmp_path)) == ["b.txt"]


def test_interrupt_while_writing_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(tmp_path / "snap.json"), "{}", private=True)
    assert os.listdir(tmp_path) == []


def test_unwritable_output_is_one_line_exit_2(secret_snapshot: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing-dir" / "merged.json"
    code, _out, err = run(["merge", str(secret_snapshot), "-o", str(target)], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and str(target) in err and "Traceback" not in err


def test_snapshots_are_owner_only_whatever_the_umask(secret_snapshot: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    merged = tmp_path / "merged.json"
    merged.write_text("{}", "utf-8")
    os.chmod(merged, 0o644)
    old = os.umask(0)
    try:
        code, _out, err = run(["merge", str(secret_snapshot), "-o", str(merged)], capsys)
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE(merged.stat().st_mode) == 0o600
    write_atomic(str(tmp_path / "report.txt"), "x")
    assert stat.S_IMODE((tmp_path / "report.txt").stat().st_mode) == 0o644
