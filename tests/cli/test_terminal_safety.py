"""AWS-sourced text never reaches the terminal raw (issue 14 item 5).

Anyone who can tag a route table or write a lifecycle script controls text that safemaker
prints. Control characters (C0, C1, DEL, ESC/OSC sequences), bidi overrides and NUL are shown
escaped in explain, diff, and stderr lines; the JSON output keeps the exact value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_run import run

from safemaker.scanner import termsafe

ROOT = Path(__file__).resolve().parents[2]
NAT_ADDED = ROOT / "fixtures" / "scenarios" / "net-seed000-nat-added.json"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
HOSTILE = "\x1b]0;owned\x07\x1b[2J\u202egnp.exe\x00\x9b31m\x7f\u2066x\u2069"
SHOWN = "\\x1b]0;owned\\x07\\x1b[2J\\u202egnp.exe\\x00\\x9b31m\\x7f\\u2066x\\u2069"




def unsafe(text: str) -> list[str]:
    return [c for c in text if c != "\n" and (not c.isprintable() or c in termsafe.BIDI)]


def hostile_snapshot(tmp_path: Path) -> Path:
    doc: dict[str, Any] = json.loads(NAT_ADDED.read_text("utf-8"))
    region = doc["accounts"][ACCOUNT][REGION]
    for table in region["ec2"]["DescribeRouteTables"]["RouteTables"]:
        for tag in table.get("Tags") or []:
            if tag["Key"] == "Name":
                tag["Value"] = HOSTILE
    doc["errors"] = [{"account": "999988887777", "region": "", "service": "organizations",
                      "operation": "ListAccounts", "resource": None, "error_code": "CollectionError",
                      "message": f"not a member: {HOSTILE}"}]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc), "utf-8")
    return path


def test_the_escaping_itself() -> None:
    assert termsafe.line(HOSTILE) == SHOWN
    assert termsafe.line("a\nb\td") == "a\\x0ab\\x09d"
    assert termsafe.block("one\x1b\ntwo") == "one\\x1b\ntwo"
    assert termsafe.line("\ud800") == "\\ud800"
    assert termsafe.line("nb-ünïcode 名前") == "nb-ünïcode 名前"  # printable text is left alone


def test_explain_shows_hostile_names_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["explain", "nb-nat", str(hostile_snapshot(tmp_path))], capsys)
    assert code == 0, err
    assert unsafe(out) == []
    assert f"route table rtb-0000000000000000c ({SHOWN}): route 0.0.0.0/0 -> nat-00000000000000012" in out


def test_stderr_lines_are_escaped_and_json_keeps_the_exact_value(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["analyze", str(hostile_snapshot(tmp_path)), "--format", "json"], capsys)
    assert code == 1
    assert unsafe(err) == []
    assert f"organizations ListAccounts failed with CollectionError: not a member: {SHOWN}" in err
    scope = next(f for f in json.loads(out)["findings"] if f["check_id"] == "SCOPE-001")
    assert scope["message"].endswith(f"not a member: {HOSTILE}")


def test_diff_text_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def findings(message: str) -> str:
        return json.dumps({"schema": "safemaker.findings/v1", "findings": [
            {"check_id": "SM-001", "status": "FAIL", "severity": "high", "message": message,
             "fingerprint": f"fp-{HOSTILE}", "resource": {"type": "AWS::SageMaker::NotebookInstance",
                                                         "id": f"nb-{HOSTILE}", "account": ACCOUNT,
                                                         "region": REGION}}]})

    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"schema": "safemaker.findings/v1", "findings": []}), "utf-8")
    new.write_text(findings(f"root {HOSTILE}"), "utf-8")
    code, out, _ = run(["diff", str(old), str(new)], capsys)
    assert code == 0
    assert unsafe(out) == []
    assert f"  + SM-001 FAIL high  nb-{SHOWN}  [AWS::SageMaker::NotebookInstance {ACCOUNT}/{REGION}]" in out
    assert f"      root {SHOWN}" in out
