"""Exit statuses and stdout/stderr discipline of the CLI (README, CLI reference)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import run

ROOT = Path(__file__).resolve().parents[2]
FAILING = ROOT / "fixtures" / "scenarios" / "net-seed000-nat-added.json"
PASSING = ROOT / "fixtures" / "scenarios" / "net-seed000-proxy.json"




def test_fail_gives_exit_1_and_json_only_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["analyze", str(FAILING), "--format", "json"], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["schema"] == "safemaker.findings/v1"
    assert any(f["check_id"] == "NET-001" and f["status"] == "FAIL" for f in doc["findings"])
    assert "FAIL" in err


def test_fail_on_critical_ignores_lower_severities(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", str(PASSING), "--fail-on", "critical"], capsys)
    doc = json.loads(out)
    critical = [f for f in doc["findings"] if f["status"] == "FAIL" and f["severity"] == "critical"]
    assert critical == []
    assert code == 0


def test_fail_on_low_counts_every_fail(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", str(PASSING)], capsys)
    doc = json.loads(out)
    assert code == (1 if any(f["status"] == "FAIL" for f in doc["findings"]) else 0)


@pytest.mark.parametrize(
    ("content", "place"),
    [
        ("{", "line 1 column 2: not valid JSON"),
        ('{"schema": "safemaker.snapshot/v9", "accounts": {}}', "unsupported schema"),
        # A wrongly typed field inside a response is no longer fatal (tests/cli/test_partial_validity.py);
        # a key that places nothing still is.
        ('{"schema": "safemaker.snapshot/v1", "created": "2026-01-01T00:00:00Z", "accounts": '
         '{"111122223333": {"eu-west-1": {"ec3": {"DescribeVpcs": {"Vpcs": []}}}}}}',
         "accounts.111122223333.eu-west-1.ec3"),
    ],
)
def test_invalid_snapshot_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str,
                                             place: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    code, out, err = run(["analyze", str(bad), "--output-dir", str(tmp_path / "out")], capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(bad) in lines[0] and place in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", str(FAILING), "--format", "xml"], capsys)
    assert code == 2
    assert "xml" in err


def test_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", str(tmp_path / "nope.json")], capsys)
    assert code == 2
    assert "nope.json" in err and "Traceback" not in err


def test_output_dir_writes_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["analyze", str(FAILING), "--output-dir", str(tmp_path)]
    for fmt in ("json", "html", "sarif", "junit"):
        args += ["--format", fmt]
    code, out, _ = run(args, capsys)
    assert code == 1 and out == ""
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["findings.json", "findings.junit.xml", "findings.sarif", "report.html"]


def test_analyze_is_deterministic_apart_from_generated(capsys: pytest.CaptureFixture[str]) -> None:
    _, first, _ = run(["analyze", str(FAILING)], capsys)
    _, second, _ = run(["analyze", str(FAILING)], capsys)
    a, b = json.loads(first), json.loads(second)
    a.pop("generated")
    b.pop("generated")
    assert a == b


def test_installed_console_script_runs() -> None:
    exe = Path(sys.executable).with_name("safemaker")
    proc = subprocess.run([str(exe), "checks"], capture_output=True, text=True, env=dict(os.environ), check=False)
    assert proc.returncode == 0
    assert "NET-001" in proc.stdout and "VPCE-002" in proc.stdout
