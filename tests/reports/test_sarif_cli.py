"""The SARIF options end to end: `--sarif-category` and GitHub's result limits through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safemaker.reports import sarif
from safemaker.scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = str(ROOT / "fixtures" / "scenarios" / "net-workloads.json")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    captured = capsys.readouterr()
    return int(exc.value.code or 0), captured.out, captured.err


def test_category_reaches_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "analyze", SNAPSHOT, "--format", "sarif", "--sarif-category", "account-111122223333")
    assert code in (0, 1)
    assert json.loads(out)["runs"][0]["automationDetails"] == {"id": "account-111122223333/"}


def test_too_many_results_exit_2_and_write_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 1)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "analyze", SNAPSHOT, "--format", "json", "--format", "sarif",
                            "--output-dir", str(out))
    assert code == 2 and stdout == ""
    (line,) = [x for x in err.splitlines() if "GitHub code scanning accepts" in x]
    assert line.startswith("safemaker: SARIF: ") and "--severity" in line
    assert not (out / "findings.sarif").exists() and not (out / "findings.json").exists()


def test_over_the_display_limit_warns_on_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "SHOWN_RESULTS", 1)
    code, _, err = run(capsys, "analyze", SNAPSHOT, "--format", "sarif", "--output-dir", str(tmp_path))
    assert code in (0, 1)
    assert any(x.startswith("safemaker: SARIF: ") and "shows only 1 per upload" in x for x in err.splitlines())
    assert (tmp_path / "findings.sarif").is_file()
