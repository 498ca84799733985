"""`safemaker diff OLD NEW`: what changed between two findings files, by fingerprint and status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.cli import main
from safemaker.scanner.triage.diff import diff_findings


def finding(check_id: str, rid: str, status: str, fingerprint: str, message: str = "msg",
            severity: str = "high") -> dict[str, Any]:
    return {
        "check_id": check_id, "title": f"title of {check_id}", "status": status, "severity": severity,
        "resource": {"type": "AWS::SageMaker::NotebookInstance", "id": rid, "account": "111122223333",
                     "region": "eu-west-1"},
        "message": message, "evidence": {"paths": []}, "remediation": "", "fingerprint": fingerprint,
    }


def document(*findings: dict[str, Any]) -> dict[str, Any]:
    return {"schema": "safemaker.findings/v1", "tool": {"name": "safemaker", "version": "0.1.0"},
            "generated": "2026-11-23T10:00:05Z",
            "snapshot": {"created": "2026-11-23T10:00:00Z", "accounts": ["111122223333"], "regions": ["eu-west-1"]},
            "summary": {}, "findings": list(findings)}


OLD = document(
    finding("NET-001", "nb-a", "FAIL", "fp-net-a", "reaches igw-1 through nat-1", "critical"),
    finding("SM-001", "nb-b", "FAIL", "fp-sm-b", "root access is Enabled"),
    finding("SM-001", "nb-c", "FAIL", "fp-sm-c", "root access is Enabled"),
    finding("SM-002", "nb-d", "FAIL", "fp-sm2-d", "no KmsKeyId"),
    finding("SM-001", "nb-e", "PASS", "fp-sm-e", "root access is disabled"),
)
NEW = document(
    finding("NET-001", "nb-a", "FAIL", "fp-net-a", "reaches igw-1 through nat-1", "critical"),  # unchanged
    finding("SM-001", "nb-b", "PASS", "fp-sm-b", "root access is disabled"),  # fixed
    finding("SM-001", "nb-c", "ERROR", "fp-sm-c", "DescribeNotebookInstance missing"),  # undecided: new
    finding("SM-002", "nb-d", "FAIL", "fp-sm2-d", "no KmsKeyId"),  # unchanged
    finding("SM-001", "nb-e", "FAIL", "fp-sm-e", "root access is Enabled\x1b[31m\nsecond line"),  # new
    finding("NET-001", "nb-f", "FAIL", "fp-net-f", "new notebook, open", "critical"),  # new
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    code = exc.value.code
    return (code if isinstance(code, int) else 1), out, err


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(OLD))
    new.write_text(json.dumps(NEW))
    return str(old), str(new)


def test_groups_follow_the_fingerprint_and_status_rules() -> None:
    result = diff_findings(OLD["findings"], NEW["findings"])
    assert [(f["check_id"], f["resource"]["id"], f["status"]) for f in result.new] == [
        ("NET-001", "nb-f", "FAIL"), ("SM-001", "nb-c", "ERROR"), ("SM-001", "nb-e", "FAIL")]
    assert [(f["resource"]["id"], f["status"]) for f in result.fixed] == [("nb-b", "FAIL")]
    assert [f["resource"]["id"] for f in result.unchanged] == ["nb-a", "nb-d"]


def test_text_output(capsys: pytest.CaptureFixture[str], files: tuple[str, str]) -> None:
    old, new = files
    code, out, err = run(capsys, "diff", old, new)
    assert code == 0 and err == ""
    assert out == (
        f"safemaker diff {old} -> {new}\n"
        "3 new, 1 fixed, 2 unchanged (FAIL and ERROR findings, matched by fingerprint and status)\n"
        "\n"
        "New (3, in the new file only):\n"
        "  + NET-001 FAIL critical  nb-f  [AWS::SageMaker::NotebookInstance 111122223333/eu-west-1]\n"
        "      new notebook, open\n"
        "      fingerprint fp-net-f\n"
        "  + SM-001 ERROR high  nb-c  [AWS::SageMaker::NotebookInstance 111122223333/eu-west-1]\n"
        "      DescribeNotebookInstance missing\n"
        "      fingerprint fp-sm-c\n"
        "  + SM-001 FAIL high  nb-e  [AWS::SageMaker::NotebookInstance 111122223333/eu-west-1]\n"
        "      root access is Enabled\\x1b[31m\\x0asecond line\n"
        "      fingerprint fp-sm-e\n"
        "\n"
        "Fixed (1, no longer FAIL or ERROR):\n"
        "  - SM-001 FAIL high  nb-b  [AWS::SageMaker::NotebookInstance 111122223333/eu-west-1]\n"
        "      root access is Enabled\n"
        "      fingerprint fp-sm-b\n"
        "\n"
        "Unchanged (2, in both files):\n"
        "  = NET-001 FAIL critical  nb-a  [AWS::SageMaker::NotebookInstance 111122223333/eu-west-1]\n"
        "      reaches igw-1 through nat-1\n"
        "      fingerprint fp-net-a\n"
        "  = SM-002 FAIL high  nb-d  [AWS::SageMaker::NotebookInstance 111122223333/eu-west-1]\n"
        "      no KmsKeyId\n"
        "      fingerprint fp-sm2-d\n"
    )


def test_summary_flag_and_empty_groups(capsys: pytest.CaptureFixture[str], files: tuple[str, str]) -> None:
    old, _ = files
    code, out, _ = run(capsys, "diff", old, old, "--summary")
    assert code == 0
    assert out.splitlines()[1] == ("0 new, 0 fixed, 4 unchanged "
                                   "(FAIL and ERROR findings, matched by fingerprint and status)")
    assert "New: none" in out and "Fixed: none" in out
    assert "Unchanged (4, in both files):\n  (not listed; drop --summary to list them)" in out
    assert "fp-net-a" not in out


def test_json_output(capsys: pytest.CaptureFixture[str], files: tuple[str, str]) -> None:
    old, new = files
    code, out, _ = run(capsys, "diff", old, new, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["counts"] == {"new": 3, "fixed": 1, "unchanged": 2}
    assert (doc["old"], doc["new"]) == (old, new)
    assert [f["fingerprint"] for f in doc["new_findings"]] == ["fp-net-f", "fp-sm-c", "fp-sm-e"]
    assert doc["fixed"][0]["fingerprint"] == "fp-sm-b"
    assert out.isascii()


def test_a_findings_file_written_with_a_baseline_still_diffs(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    """Annotated files (baseline, suppressions) are ordinary findings files to `diff`."""
    annotated = document(*[{**f, "baseline": "new", "suppressed": {"justification": "x", "expires": None}}
                           for f in NEW["findings"]])
    annotated["baseline"] = {"file": "old.json", "new": 0, "unchanged": 0, "fixed": []}
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(annotated))
    b.write_text(json.dumps(NEW))
    code, out, _ = run(capsys, "diff", str(a), str(b))
    assert code == 0
    assert out.splitlines()[1].startswith("0 new, 0 fixed, 5 unchanged")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "not valid JSON"),
        ('{"schema": "safemaker.findings/v1", "findings": {}}', "findings: must be a list of objects"),
        ('{"schema": "safemaker.findings/v1", "findings": [{"fingerprint": "x"}]}',
         "findings[0].status: missing or not a string"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], files: tuple[str, str], tmp_path: Path,
                                      content: str, expected: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, out, err = run(capsys, "diff", files[0], str(bad))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert str(bad) in err and expected in err
