"""Empty is never clean, and one wrong field costs only what reads it (issue 14 items 2 and 9).

A snapshot or scan that collected no account or region, or whose `errors` name an account that
is not in it, must not pass: each missing scope is an ERROR finding (SCOPE-001), a stderr line
and exit 1. A wrongly typed field makes the verdicts that read that response ERROR, naming the
field's place, and leaves every other verdict as the clean run has it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from cli_run import run

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / "fixtures" / "scenarios" / "net-seed000-proxy.json"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
STRANGER = "999988887777"




def proxy_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(PROXY.read_text("utf-8"))
    return doc


def write(tmp_path: Path, doc: dict[str, Any], name: str = "snap.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), "utf-8")
    return path


def verdicts(out: str) -> dict[tuple[str, str], str]:
    return {(f["check_id"], f["resource"]["id"]): f["status"] for f in json.loads(out)["findings"]}


def messages(out: str) -> dict[tuple[str, str], str]:
    return {(f["check_id"], f["resource"]["id"]): f["message"] for f in json.loads(out)["findings"]}


def test_a_snapshot_with_no_account_is_an_error_not_a_green_build(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    empty = {"schema": "safemaker.snapshot/v1", "created": "2026-01-01T00:00:00Z", "accounts": {}, "errors": []}
    code, out, err = run(["analyze", str(write(tmp_path, empty))], capsys)
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [(f["check_id"], f["status"], f["severity"], f["resource"]) for f in findings] == [
        ("SCOPE-001", "ERROR", "critical",
         {"type": "AWS::Region", "id": "all accounts and regions", "account": "", "region": ""})]
    assert "safemaker: the snapshot holds no account and no region: nothing was checked" in err.splitlines()


def test_an_account_that_was_not_collected_gates_at_any_fail_on(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    clean_code, clean_out, _ = run(["analyze", str(PROXY), "--fail-on", "critical"], capsys)
    assert clean_code == 0
    doc = proxy_doc()
    doc["errors"] = [{"account": STRANGER, "region": "", "service": "organizations", "operation": "ListAccounts",
                      "resource": STRANGER, "error_code": "CollectionError",
                      "message": f"account {STRANGER} is not collected: it is not a member of the organization"}]
    code, out, err = run(["analyze", str(write(tmp_path, doc)), "--fail-on", "critical"], capsys)
    assert code == 1
    got = verdicts(out)
    scope = {k: v for k, v in got.items() if k[0] == "SCOPE-001"}
    assert scope == {("SCOPE-001", "all regions"): "ERROR"}
    assert {k: v for k, v in got.items() if k[0] != "SCOPE-001"} == verdicts(clean_out)  # the rest unchanged
    finding = next(f for f in json.loads(out)["findings"] if f["check_id"] == "SCOPE-001")
    assert finding["resource"] == {"type": "AWS::Region", "id": "all regions", "account": STRANGER, "region": ""}
    line = (f"safemaker: account {STRANGER}, all regions was not collected: organizations ListAccounts for "
            f"{STRANGER} failed with CollectionError: account {STRANGER} is not collected: it is not a member of "
            "the organization")
    assert line in err.splitlines()


def test_scan_shares_the_pipeline_an_empty_collection_fails(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import safemaker.scanner.cli as cli_mod

    empty = {"schema": "safemaker.snapshot/v1", "created": "2026-01-01T00:00:00Z", "accounts": {},
             "errors": [{"account": STRANGER, "region": "", "service": "organizations",
                         "operation": "ListAccounts", "resource": STRANGER, "error_code": "CollectionError",
                         "message": "it is not a member of the organization"}]}
    monkeypatch.setattr(cli_mod, "_collect", lambda *_a, **_k: empty)
    code, out, err = run(["scan", "--regions", REGION], capsys)
    assert code == 1
    assert verdicts(out) == {("SCOPE-001", "all regions"): "ERROR"}
    assert f"account {STRANGER}, all regions was not collected" in err
    assert "0 PASS, 0 FAIL, 1 ERROR" in err


def test_an_error_in_a_region_not_in_the_snapshot_is_a_missing_scope(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    doc = proxy_doc()
    doc["errors"] = [{"account": ACCOUNT, "region": "us-east-1", "service": "sts", "operation": "AssumeRole",
                      "resource": None, "error_code": "AccessDenied", "message": "denied"}]
    code, out, _ = run(["analyze", str(write(tmp_path, doc))], capsys)
    assert code == 1
    assert {k: v for k, v in verdicts(out).items() if k[0] == "SCOPE-001"} == {("SCOPE-001", "us-east-1"): "ERROR"}


# --------------------------------------------------------------------------------------------
# Partial validity


def test_a_wrong_field_in_a_list_response_makes_only_its_readers_error(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _, clean_out, _ = run(["analyze", str(PROXY)], capsys)
    clean = verdicts(clean_out)
    assert clean[("NET-001", "nb-proxy")] == "PASS" and clean[("SM-001", "nb-proxy")] == "PASS"
    doc = proxy_doc()
    doc["accounts"][ACCOUNT][REGION]["ec2"]["DescribeRouteTables"]["RouteTables"][0]["Routes"][0]["State"] = 7
    path = write(tmp_path, doc)
    code, out, err = run(["analyze", str(path)], capsys)
    assert code != 2
    place = f"accounts.{ACCOUNT}.{REGION}.ec2.DescribeRouteTables.RouteTables[0].Routes[0].State"
    assert (f"safemaker: unreadable data treated as not collected (its checks report ERROR): {path}: {place}: "
            "expected string, got integer 7") in err.splitlines()
    got = verdicts(out)
    for check in ("NET-001", "NET-004", "NET-005", "NET-007"):  # they prove paths through the route tables
        assert got[(check, "nb-proxy")] == "ERROR", check
        assert place in messages(out)[(check, "nb-proxy")]
    assert got[("SM-001", "nb-proxy")] == "PASS"  # root access reads no route table
    assert got[("SM-002", "nb-proxy")] == "FAIL"
    assert not [k for k, v in got.items() if v == "PASS" and clean.get(k) != "PASS"]


def test_a_wrong_field_in_one_resource_entry_spares_the_others(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    doc = proxy_doc()
    sm = doc["accounts"][ACCOUNT][REGION]["sagemaker"]
    twin = copy.deepcopy(sm["DescribeNotebookInstance"]["nb-proxy"])
    twin["NotebookInstanceName"] = "nb-twin"
    twin["NotebookInstanceArn"] = twin["NotebookInstanceArn"].replace("nb-proxy", "nb-twin")
    sm["DescribeNotebookInstance"]["nb-twin"] = twin
    summary = copy.deepcopy(next(n for n in sm["ListNotebookInstances"]["NotebookInstances"]
                                 if n["NotebookInstanceName"] == "nb-proxy"))
    summary["NotebookInstanceName"] = "nb-twin"
    summary["NotebookInstanceArn"] = twin["NotebookInstanceArn"]
    sm["ListNotebookInstances"]["NotebookInstances"].append(summary)
    _, clean_out, _ = run(["analyze", str(write(tmp_path, doc, "clean.json"))], capsys)
    clean = verdicts(clean_out)
    assert clean[("SM-001", "nb-twin")] == "PASS"
    twin["RootAccess"] = ["Disabled"]
    code, out, err = run(["analyze", str(write(tmp_path, doc))], capsys)
    assert code != 2
    got = verdicts(out)
    assert got[("SM-001", "nb-twin")] == "ERROR"
    assert "DescribeNotebookInstance.nb-twin.RootAccess" in messages(out)[("SM-001", "nb-twin")]
    assert {k: v for k, v in got.items() if k[1] != "nb-twin"} == {k: v for k, v in clean.items()
                                                                    if k[1] != "nb-twin"}
    assert "DescribeNotebookInstance.nb-twin.RootAccess: expected string, got array" in err
