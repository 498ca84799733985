"""No traceback ever, and output folders that two runs cannot mix (issue 14 items 6 and 7).

Every failure is one line on stderr and exit 2: an unexpected exception (with the input's
path), a lone surrogate (with its JSON place), a file of millions of empty containers (before
parsing, not by MemoryError), an oversized safemaker.toml, an --output-dir that cannot be
created. A run finding the output folder locked by another waits, then gives up with one line;
a temp file left by a killed run is removed by the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
from pathlib import Path

import pytest

from safemaker.scanner import output, pipeline
from safemaker.scanner.cli import main
from safemaker.scanner.snapshot import io as snapshot_io

from .ledger import Ledger, tally_of_summary

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / "fixtures" / "scenarios" / "net-seed000-proxy.json"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, list[str]]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return int(exited.value.code or 0), out, err.splitlines()


@pytest.fixture(scope="module")
def clean() -> str:
    """The verdict counts of the untouched fixture, as the CLI reports them: each attack's baseline."""
    with pytest.raises(SystemExit) as exited, contextlib.redirect_stdout(io.StringIO()) as out:
        main(["analyze", str(PROXY), "--format", "json"])
    assert exited.value.code in (0, 1)
    return tally_of_summary(json.loads(out.getvalue())["summary"])


def test_an_unexpected_exception_is_one_line_naming_the_input(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str],
                                                              clean: str, ledger: Ledger) -> None:
    def broken(*_a: object, **_k: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(pipeline, "scope_findings", broken)
    code, out, err = run(["analyze", str(PROXY)], capsys)
    assert code == 2 and out == ""
    assert err[-1] == (f"safemaker: internal error, please report it with the command line (input: {PROXY}): "
                       "KeyError: 'boom'")
    ledger.refused("internal-error-during-analysis", clean, "exit 2, one line naming the input")


def test_a_lone_surrogate_is_rejected_with_its_place(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     clean: str, ledger: Ledger) -> None:
    text = PROXY.read_text("utf-8").replace('"Value": "private"', '"Value": "priv\\ud800ate"', 1)
    assert "\\ud800" in text
    bad = tmp_path / "surrogate.json"
    bad.write_text(text, "utf-8")
    code, out, err = run(["analyze", str(bad)], capsys)
    assert code == 2 and out == ""
    assert len(err) == 1
    assert err[0].startswith(f"safemaker: {bad}: accounts.111122223333.eu-west-1.ec2.")
    assert err[0].endswith(".Value: string holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text")
    ledger.refused("lone-surrogate-in-a-tag", clean, "exit 2, one line with the JSON place")


def test_a_valid_surrogate_pair_is_text(tmp_path: Path, capsys: pytest.CaptureFixture[str], clean: str,
                                        ledger: Ledger) -> None:
    text = PROXY.read_text("utf-8").replace('"Value": "private"', '"Value": "priv\\ud83d\\ude00ate"', 1)
    ok = tmp_path / "emoji.json"
    ok.write_text(text, "utf-8")
    code, out, _ = run(["analyze", str(ok)], capsys)
    report = json.loads(out)
    assert code in (0, 1) and report["schema"] == "safemaker.findings/v1"
    faulted = tally_of_summary(report["summary"])
    ledger.record("emoji-surrogate-pair-in-a-tag", clean, faulted,
                  [] if faulted == clean else ["verdicts changed by a tag value's emoji"])
    assert faulted == clean  # a Name tag labels the subnet and decides nothing


def test_millions_of_empty_lists_fail_fast_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], clean: str,
                                                          ledger: Ledger) -> None:
    """The shape of the 99 MB attack at a size a test can afford: the limit is lowered instead."""
    monkeypatch.setattr(snapshot_io, "MAX_CONTAINERS", 100_000)

    def no_parse(_text: str) -> None:
        raise AssertionError("parsed although the container count is over the limit")

    monkeypatch.setattr(snapshot_io, "_parse", no_parse)
    bad = tmp_path / "lists.json"
    bad.write_text("[" + ",".join(["[]"] * 150_000) + "]", "utf-8")
    code, _, err = run(["analyze", str(bad)], capsys)
    assert code == 2
    assert err == [f"safemaker: {bad}: holds 150001 JSON arrays/objects, more than the limit of 100000 "
                   "(no snapshot is built like this; refusing to load it)"]
    ledger.refused("150001-empty-lists", clean, "exit 2 before parsing, one line")


def test_brackets_inside_strings_do_not_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str], clean: str,
                                              ledger: Ledger) -> None:
    doc = json.loads(PROXY.read_text("utf-8"))
    doc["errors"] = [{"account": "111122223333", "region": "eu-west-1", "service": "ec2",
                      "operation": "DescribeAddresses", "resource": None, "error_code": "X",
                      "message": "[" * 5000}]
    path = tmp_path / "brackets.json"
    path.write_text(json.dumps(doc), "utf-8")
    monkeypatch.setattr(snapshot_io, "MAX_CONTAINERS", 4000)
    code, out, _ = run(["analyze", str(path)], capsys)
    report = json.loads(out)
    assert code in (0, 1) and report["schema"] == "safemaker.findings/v1"
    # the extra errors entry is about DescribeAddresses, which none of these verdicts rests on
    faulted = tally_of_summary(report["summary"])
    ledger.record("5000-brackets-in-an-error-message", clean, faulted,
                  [] if faulted == clean else ["verdicts changed by an error message's text"])
    assert faulted == clean


def test_an_oversized_config_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], clean: str,
                                        ledger: Ledger) -> None:
    config = tmp_path / "safemaker.toml"
    config.write_text("# padding\n" * 120_000, "utf-8")  # 1.2 MB
    code, _, err = run(["analyze", str(PROXY), "--config", str(config)], capsys)
    assert code == 2
    assert err == [f"safemaker: {config}: larger than the 1048576 byte limit for a configuration file"]
    ledger.refused("1.2-MB-safemaker.toml", clean, "exit 2, one line")


def test_an_output_dir_that_cannot_be_created(tmp_path: Path, capsys: pytest.CaptureFixture[str], clean: str,
                                              ledger: Ledger) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", "utf-8")
    target = blocker / "reports"
    code, out, err = run(["analyze", str(PROXY), "--output-dir", str(target)], capsys)
    assert code == 2 and out == ""
    assert err[-1] == f"safemaker: {target}: cannot create the output folder: Not a directory"
    ledger.refused("output-dir-under-a-file", clean, "exit 2, one line")


def test_a_locked_output_dir_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], clean: str, ledger: Ledger) -> None:
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    monkeypatch.setattr(output, "LOCK_WAIT_SECONDS", 0.0)
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another run is writing
        code, _, err = run(["analyze", str(PROXY), "--output-dir", str(out_dir)], capsys)
    finally:
        os.close(fd)
    assert code == 2
    assert err[-1] == (f"safemaker: {out_dir}: another safemaker run is writing here and did not finish within "
                       "0 s; nothing was written")
    assert os.listdir(out_dir) == []
    ledger.refused("output-dir-locked-by-another-run", clean, "exit 2, nothing written")


def test_a_killed_runs_temp_file_is_removed_by_the_next_run(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             clean: str, ledger: Ledger) -> None:
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    (out_dir / ".safemaker-k1ll3d.tmp").write_text("half a report", "utf-8")
    (out_dir / "notes.txt").write_text("mine", "utf-8")
    code, _, _ = run(["analyze", str(PROXY), "--output-dir", str(out_dir), "--format", "json"], capsys)
    assert code in (0, 1)
    assert sorted(os.listdir(out_dir)) == ["findings.json", "notes.txt"]
    faulted = tally_of_summary(json.loads((out_dir / "findings.json").read_text("utf-8"))["summary"])
    ledger.record("temp-file-left-by-a-killed-run", clean, faulted,
                  [] if faulted == clean else ["verdicts changed by a stale temp file"])
    assert faulted == clean
