"""The build gate of contracts §3: ERRORs gate like FAILs unless --no-fail-on-error, and the
summary line names the rule that decided the exit status.

The estate is the proxy scenario with its network ACLs unreadable (AccessDenied): the checks that
need them report ERROR (two critical, two high, one medium), the others PASS, and a config turns
off the two checks that FAIL there, and the guardrail family (ERROR there: the fixture holds no
IAM data), so that each combination isolates one rule.
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
ACCOUNT, REGION = "111122223333", "eu-west-1"
ERRORS = {"NET-001": "critical", "NET-004": "medium", "NET-005": "critical", "NET-006": "high", "NET-007": "high"}




def summary(err: str) -> str:
    (line,) = [line for line in err.splitlines() if line.startswith("safemaker: ") and " PASS, " in line]
    return line


def unreadable_acls() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(PROXY.read_text("utf-8"))
    doc["accounts"][ACCOUNT][REGION]["ec2"].pop("DescribeNetworkAcls")
    doc["errors"] = [{"account": ACCOUNT, "region": REGION, "service": "ec2", "operation": "DescribeNetworkAcls",
                      "resource": None, "error_code": "AccessDenied", "message": "denied"}]
    return doc


@pytest.fixture()
def estate(tmp_path: Path) -> dict[str, str]:
    snap = tmp_path / "errors.json"
    snap.write_text(json.dumps(unreadable_acls()), "utf-8")
    no_fails = tmp_path / "no-fails.toml"
    no_fails.write_text('[checks]\ndisable = ["SM-002", "VPCE-001", "GRD"]\n', "utf-8")
    suppressed = tmp_path / "suppressed.toml"
    suppressed.write_text('[checks]\ndisable = ["SM-002", "VPCE-001", "GRD"]\n' + "".join(
        f'[[suppress]]\ncheck = "{c}"\njustification = "ACL read being granted"\n' for c in ERRORS), "utf-8")
    only_lower = tmp_path / "lower.toml"
    only_lower.write_text('[checks]\ndisable = ["SM-002", "VPCE-001", "NET-001", "NET-005", "GRD"]\n', "utf-8")
    return {"snap": str(snap), "no_fails": str(no_fails), "suppressed": str(suppressed),
            "lower": str(only_lower)}


def test_the_estate_has_errors_and_no_fail(estate: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["analyze", estate["snap"], "--config", estate["no_fails"], "--no-fail-on-error"], capsys)
    found = {f["check_id"]: (f["status"], f["severity"]) for f in json.loads(out)["findings"]
             if f["status"] != "PASS"}
    assert found == {c: ("ERROR", s) for c, s in ERRORS.items()}


def test_an_error_gates_like_a_fail_by_default(estate: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", estate["snap"], "--config", estate["no_fails"]], capsys)
    assert code == 1
    assert summary(err) == (
        f"safemaker: 3 PASS, 0 FAIL, 5 ERROR; config {estate['no_fails']}; exit 1: 5 ERROR at or above --fail-on low "
        "(an ERROR is an estate that could not be read; --no-fail-on-error makes it report-only)")


def test_fail_on_counts_error_severities(estate: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", estate["snap"], "--config", estate["no_fails"], "--fail-on", "critical"], capsys)
    assert code == 1
    assert "; exit 1: 2 ERROR at or above --fail-on critical (" in summary(err)


def test_an_error_below_fail_on_does_not_gate(estate: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", estate["snap"], "--config", estate["lower"], "--fail-on", "critical"], capsys)
    assert code == 0
    assert summary(err).endswith(
        "; exit 0: no FAIL or ERROR at or above --fail-on critical counts (3 below the threshold)")


@pytest.mark.parametrize("fail_on", ["low", "critical"])
def test_no_fail_on_error_makes_errors_report_only(estate: dict[str, str], capsys: pytest.CaptureFixture[str],
                                                   fail_on: str) -> None:
    code, out, err = run(["analyze", estate["snap"], "--config", estate["no_fails"], "--fail-on", fail_on,
                          "--no-fail-on-error"], capsys)
    assert code == 0
    assert json.loads(out)["summary"]["ERROR"] == 5  # still reported in full
    reported = 5 if fail_on == "low" else 2
    below = "" if fail_on == "low" else "; 3 below the threshold"
    assert summary(err).endswith(f"; exit 0: no FAIL or ERROR at or above --fail-on {fail_on} counts "
                                 f"({reported} ERROR report-only by --no-fail-on-error{below})")


def test_a_fail_still_gates_with_no_fail_on_error(estate: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", estate["snap"], "--no-fail-on-error"], capsys)
    assert code == 1
    # without the config the guardrail checks run too: GRD-001/002 ERROR (no IAM data), 7 in all
    assert summary(err) == "safemaker: 3 PASS, 2 FAIL, 7 ERROR; exit 1: 2 FAIL at or above --fail-on low"


def test_fail_and_error_together_are_both_named(estate: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", estate["snap"]], capsys)
    assert code == 1
    assert "; exit 1: 2 FAIL and 7 ERROR at or above --fail-on low (" in summary(err)  # 5 NET + GRD-001/002


def test_suppressed_errors_do_not_gate(estate: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", estate["snap"], "--config", estate["suppressed"]], capsys)
    assert code == 0
    assert summary(err) == ("safemaker: 3 PASS, 0 FAIL, 5 ERROR (5 suppressed; 0 FAIL/ERROR count towards the exit "
                            f"status); config {estate['suppressed']}; exit 0: no FAIL or ERROR at or above --fail-on "
                            "low counts")


def test_errors_in_the_baseline_do_not_gate(estate: dict[str, str], tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["analyze", estate["snap"], "--config", estate["no_fails"]], capsys)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(out, "utf-8")
    code, _, err = run(["analyze", estate["snap"], "--config", estate["no_fails"], "--baseline", str(baseline)],
                       capsys)
    assert code == 0
    assert summary(err).endswith("; exit 0: no FAIL or ERROR at or above --fail-on low counts")


def test_a_scope_not_collected_gates_even_with_no_fail_on_error(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    doc = copy.deepcopy(unreadable_acls())
    doc["errors"].append({"account": ACCOUNT, "region": "us-east-1", "service": "sts", "operation": "AssumeRole",
                          "resource": None, "error_code": "AccessDenied", "message": "denied"})
    snap = tmp_path / "scope.json"
    snap.write_text(json.dumps(doc), "utf-8")
    code, _, err = run(["analyze", str(snap), "--no-fail-on-error", "--fail-on", "critical"], capsys)
    assert code == 1
    assert summary(err).endswith("; exit 1: 1 account/region scope(s) not collected (SCOPE-001 gates at any "
                                 "--fail-on, even with --no-fail-on-error)")


def test_scan_gates_errors_too(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import safemaker.scanner.cli as cli_mod

    monkeypatch.setattr(cli_mod, "_collect", lambda *_a, **_k: unreadable_acls())
    assert run(["scan", "--regions", REGION], capsys)[0] == 1
    assert run(["scan", "--regions", REGION, "--no-fail-on-error"], capsys)[0] == 1  # its FAILs
    code, _, err = run(["scan", "--regions", REGION, "--no-fail-on-error", "--fail-on", "critical"], capsys)
    assert code == 0
    assert "2 ERROR report-only by --no-fail-on-error" in summary(err)
