"""The terminal summary and what stdout carries (scanner/terminal.py).

- stdout a terminal, no --format: the readable summary instead of the findings JSON (checked on a
  real pseudo-terminal, exact text);
- stdout not a terminal, no --format: the findings JSON, as before (pipes and CI logs unchanged);
- --format json: the findings JSON on stdout, terminal or not (contracts §3);
- --output-dir on a terminal: the files, and the summary on stdout;
- colour only on a terminal, never with NO_COLOR (non-empty), TERM=dumb or --no-color;
- AWS-sourced text in the summary passes through termsafe, colour or not.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner import terminal, termsafe
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.cli import main
from safemaker.scanner.model import (
    Finding,
    Report,
    ResourceRef,
    ResourceType,
    Severity,
    SnapshotInfo,
    Status,
    Verdict,
)

ROOT = Path(__file__).resolve().parents[2]
FAILING = ROOT / "fixtures" / "scenarios" / "net-seed000-nat-added.json"
CHECKS = ["--checks", "NET-001,SM-001,SM-002"]  # a fixed selection: new checks do not change the text
SGR = re.compile(r"\x1b\[[0-9;]*m")

SUMMARY = """\
safemaker: 3 findings in 1 account, 1 region: 2 FAIL, 0 ERROR, 1 PASS

Severity     FAIL  ERROR   PASS
critical        1      0      0
high            0      0      1
medium          1      0      0
low             0      0      0
info            0      0      0

Check        FAIL  ERROR   PASS
NET-001         1      0      0  Notebook instance has an uninspected path to the internet
SM-001          0      0      1  Notebook instance has root access enabled
SM-002          1      0      0  Notebook instance volume has no customer-managed KMS key

FAIL and ERROR (2 FAIL, 0 ERROR)
  FAIL  critical  NET-001  nb-nat  AWS::SageMaker::NotebookInstance 111122223333/eu-west-1
        eni-00000000000000011 (notebook nb-nat): reaches the internet through igw-000000000000000...
  FAIL  medium    SM-002   nb-nat  AWS::SageMaker::NotebookInstance 111122223333/eu-west-1
        no KmsKeyId: the ML storage volume uses the AWS-managed default key
"""
GATE = "safemaker: 1 PASS, 2 FAIL, 0 ERROR; exit 1: 2 FAIL at or above --fail-on low"


def on_pty(args: list[str], env: dict[str, str], cwd: Path | None = None, columns: int = 100) -> tuple[int, str, str]:
    """Run safemaker with stdout and stderr each on its own pseudo-terminal of `columns` columns;
    (exit status, stdout, stderr) with the terminal's CRLF turned back into LF."""
    streams = []
    for _ in range(2):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        streams.append((master, slave))
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM", "SAFEMAKER_CONFIG", "COLUMNS")}
    full_env.update(env)
    proc = subprocess.Popen([sys.executable, "-m", "safemaker", *args], stdin=subprocess.DEVNULL,
                            stdout=streams[0][1], stderr=streams[1][1], env=full_env, cwd=cwd, close_fds=True)
    for _master, slave in streams:
        os.close(slave)
    data = {master: b"" for master, _ in streams}
    live = set(data)
    while live:
        ready, _, _ = select.select(list(live), [], [], 120)
        assert ready, "safemaker wrote nothing for 120 s"
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the other side is closed
                chunk = b""
            if chunk:
                data[fd] += chunk
            else:
                live.discard(fd)
    code = proc.wait(timeout=60)
    for master, _ in streams:
        os.close(master)
    out, err = (data[master].decode("utf-8").replace("\r\n", "\n") for master, _ in streams)
    return code, out, err


def test_a_terminal_gets_the_summary_instead_of_json() -> None:
    code, out, err = on_pty(["analyze", str(FAILING), *CHECKS], {"NO_COLOR": "1", "TERM": "xterm-256color"})
    assert code == 1
    assert out == SUMMARY
    assert err.endswith(f"\x1b[2K{GATE}\n")  # after the progress bar, erased


def test_the_summary_in_colour_is_the_same_text_with_sgr_codes_only() -> None:
    code, out, _ = on_pty(["analyze", str(FAILING), *CHECKS], {"TERM": "xterm-256color"})
    assert code == 1
    assert "\x1b[1;31mFAIL  \x1b[0m\x1b[1;31mcritical  \x1b[0mNET-001" in out
    assert SGR.sub("", out) == SUMMARY
    assert [c for c in SGR.sub("", out) if not c.isprintable() and c != "\n"] == []


@pytest.mark.parametrize("env, flags", [
    ({"TERM": "xterm-256color", "NO_COLOR": "1"}, []),
    ({"TERM": "xterm-256color"}, ["--no-color"]),
    ({"TERM": "dumb"}, []),
])
def test_no_color_no_color_flag_and_dumb_terminals_get_no_colour(env: dict[str, str], flags: list[str]) -> None:
    code, out, err = on_pty(["analyze", str(FAILING), *CHECKS, *flags], env)
    assert code == 1
    assert out == SUMMARY
    assert "\x1b[3" not in err and "\x1b[1;3" not in err  # the bar may move the cursor, never colour
    if env["TERM"] == "dumb":  # nor is there a bar to move it for
        assert "\x1b" not in err


def test_an_empty_no_color_does_not_turn_colour_off() -> None:
    assert terminal.colour_allowed(environ={"NO_COLOR": "", "TERM": "xterm"})
    assert not terminal.colour_allowed(environ={"NO_COLOR": "0"})
    assert not terminal.colour_allowed(no_color=True, environ={})


def test_format_json_on_a_terminal_is_the_findings_json() -> None:
    code, out, _ = on_pty(["analyze", str(FAILING), *CHECKS, "--format", "json"], {"TERM": "xterm"})
    assert code == 1
    doc = json.loads(out)
    assert doc["schema"] == "safemaker.findings/v1" and doc["summary"] == {"PASS": 1, "FAIL": 2, "ERROR": 0}
    assert "\x1b" not in out


def test_output_dir_on_a_terminal_writes_the_files_and_shows_the_summary(tmp_path: Path) -> None:
    code, out, err = on_pty(["analyze", str(FAILING), *CHECKS, "--output-dir", "out", "--format", "html"],
                            {"NO_COLOR": "1", "TERM": "xterm"}, cwd=tmp_path)
    assert code == 1
    assert out == SUMMARY
    assert (tmp_path / "out" / "report.html").is_file()
    assert "wrote out/report.html" in err


def test_quiet_keeps_the_summary_and_the_gate_line_only() -> None:
    code, out, err = on_pty(["analyze", str(FAILING), *CHECKS, "--quiet"], {"NO_COLOR": "1", "TERM": "xterm"})
    assert code == 1
    assert out == SUMMARY
    assert err == GATE + "\n"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_not_a_terminal_and_no_format_is_the_findings_json_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["analyze", str(FAILING), *CHECKS], capsys)
    assert code == 1
    assert json.loads(out)["summary"] == {"PASS": 1, "FAIL": 2, "ERROR": 0}
    assert err.splitlines() == [f"safemaker: analyzing {FAILING} ({len(load_registry())} checks)", GATE]


def test_the_terminal_decision_is_injectable(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """With the TTY check forced, the same summary comes out of an in-process run."""
    monkeypatch.setattr(terminal, "isatty", lambda stream: stream is sys.stdout)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = run(["analyze", str(FAILING), *CHECKS], capsys)
    assert code == 1
    assert out == SUMMARY
    assert err.splitlines()[-1] == GATE


def test_severity_and_status_narrow_the_summary_not_the_gate(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(terminal, "isatty", lambda stream: stream is sys.stdout)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = run(["analyze", str(FAILING), *CHECKS, "--severity", "high"], capsys)
    assert code == 1  # SM-002's medium FAIL still gates
    assert out.splitlines()[0] == "safemaker: 2 findings in 1 account, 1 region: 1 FAIL, 0 ERROR, 1 PASS"
    assert "SM-002" not in out
    assert err.splitlines()[-1] == GATE


HOSTILE = "\x1b]0;owned\x07\x1b[2J\u202enb\x00"


def finding(status: Status, severity: Severity, rid: str, message: str, **ref: Any) -> Finding:
    verdict = Verdict.error(message)
    return Finding(check_id="SM-001", title="Notebook instance has root access enabled", status=status,
                   severity=severity, resource=ResourceRef(ResourceType.NOTEBOOK_INSTANCE, rid, "111122223333",
                                                           "eu-west-1", **ref),
                   message=message, evidence=verdict.evidence, remediation="r", fingerprint=rid)


def report(*findings: Finding) -> Report:
    return Report(tool_version="0", generated="2026-01-01T00:00:00Z",
                  snapshot=SnapshotInfo("2026-01-01T00:00:00Z", ("111122223333",), ("eu-west-1",)),
                  findings=tuple(findings))


@pytest.mark.parametrize("colour", [False, True])
def test_hostile_names_and_messages_are_escaped_in_the_summary(colour: bool) -> None:
    text = terminal.render_summary(report(finding(Status.FAIL, Severity.HIGH, f"nb-{HOSTILE}", f"why {HOSTILE}",
                                                  name=f"Name {HOSTILE}")), colour=colour, width=200)
    plain = SGR.sub("", text)
    assert [c for c in plain if c != "\n" and (not c.isprintable() or c in termsafe.BIDI)] == []
    shown = termsafe.line(HOSTILE)
    assert f"  FAIL  high      SM-001  nb-{shown} (Name {shown})  AWS::SageMaker::NotebookInstance " \
           "111122223333/eu-west-1" in plain
    assert f"        why {shown}" in plain
    if colour:  # the only escape sequences are the summary's own colours
        assert set(re.findall(r"\x1b\[[^m]*m", text)) <= {"\x1b[0m", *terminal._STYLES.values()}


def test_an_all_pass_report_and_an_empty_one() -> None:
    passing = terminal.render_summary(report(finding(Status.PASS, Severity.HIGH, "nb-a", "no root")))
    assert passing.endswith("\nNo FAIL and no ERROR.\n")
    empty = terminal.render_summary(report())
    assert empty == ("safemaker: 0 findings in 1 account, 1 region: 0 FAIL, 0 ERROR, 0 PASS\n\n"
                     "Nothing was checked: no resource of a selected check is in the snapshot.\n")


def test_long_reasons_are_cut_to_the_terminal_width() -> None:
    text = terminal.render_summary(report(finding(Status.ERROR, Severity.LOW, "nb-a", "x" * 500)), width=70)
    reason = text.splitlines()[-1]
    assert reason == "        " + "x" * 59 + "..."
    assert max(len(line) for line in text.splitlines()) <= 90  # the head line names the resource in full


def test_shell_completion_is_clicks() -> None:
    env = {**os.environ, "_SAFEMAKER_COMPLETE": "bash_complete", "COMP_WORDS": "safemaker analyze x --format ",
           "COMP_CWORD": "4"}
    proc = subprocess.run([sys.executable, "-m", "safemaker"], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [f"plain,{f}" for f in ("json", "html", "sarif", "junit", "asff", "ocsf")]
    source = subprocess.run([sys.executable, "-m", "safemaker"], env={**os.environ, "_SAFEMAKER_COMPLETE":
                            "zsh_source"}, capture_output=True, text=True, timeout=60, check=False)
    assert "#compdef safemaker" in source.stdout


def test_the_summary_says_how_long_a_finding_has_been_open() -> None:
    old = dataclasses.replace(finding(Status.FAIL, Severity.HIGH, "nb-old", "why"), first_seen="2025-12-02T00:00:00Z")
    new = finding(Status.FAIL, Severity.HIGH, "nb-new", "why")
    text = terminal.render_summary(report(old, new), width=200)
    assert "SM-001  nb-old  AWS::SageMaker::NotebookInstance 111122223333/eu-west-1  [open 30 days]" in text
    assert "nb-new  AWS::SageMaker::NotebookInstance 111122223333/eu-west-1\n" in text
