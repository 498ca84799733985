"""--checks, --exclude-checks, --severity, --status (and [checks]/[report] in safemaker.toml),
safemaker.toml found in the working directory or through SAFEMAKER_CONFIG, and [[suppress]]
scoped by account, region and tag.

The estate is the NAT scenario: NET-001 (critical) FAILs on nb-nat, SM-002 (medium) FAILs too,
GRD-001/GRD-002 (high) are ERROR for the account (the fixture holds no IAM data: aws-global is
absent, so who may create what is unknown), and the rest PASS.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]
NAT = ROOT / "fixtures" / "scenarios" / "net-seed000-nat-added.json"
ACCOUNT, REGION = "111122223333", "eu-west-1"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), (json.loads(out) if out.strip() else {}), err


def results(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["check_id"], f["status"]) for f in doc["findings"]}


@pytest.fixture(autouse=True)
def clean_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in an empty folder with no SAFEMAKER_CONFIG, so no safemaker.toml is found by accident."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAFEMAKER_CONFIG", raising=False)
    return tmp_path


def test_the_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(["analyze", str(NAT)], capsys)
    assert code == 1
    fails = {(f["check_id"], f["severity"]) for f in doc["findings"] if f["status"] == "FAIL"}
    assert fails == {("NET-001", "critical"), ("SM-002", "medium")}


def test_checks_runs_only_those(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, _ = run(["analyze", str(NAT), "--checks", "NET-001,SM-002"], capsys)
    assert code == 1
    assert {c for c, _ in results(doc)} == {"NET-001", "SM-002"}
    _, doc, _ = run(["analyze", str(NAT), "--checks", "SM"], capsys)  # a family
    assert {c.split("-")[0] for c, _ in results(doc)} == {"SM"}


def test_exclude_checks_removes_them_and_can_turn_the_gate_green(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = run(["analyze", str(NAT), "--exclude-checks", "NET-001", "--exclude-checks", "SM-002,VPCE-001",
                          "--exclude-checks", "GRD"], capsys)
    assert code == 0
    assert not {"NET-001", "SM-002", "VPCE-001", "GRD-001", "GRD-002"} & {c for c, _ in results(doc)}
    assert "; exit 0: no FAIL or ERROR at or above --fail-on low counts" in err


def test_an_unknown_check_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = run(["analyze", str(NAT), "--checks", "NET-999"], capsys)
    assert (code, doc) == (2, {})
    assert "unknown check ID or family: NET-999 (see `safemaker checks`)" in err


def test_severity_and_status_narrow_the_output_not_the_gate(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = run(["analyze", str(NAT), "--severity", "high", "--status", "fail"], capsys)
    assert code == 1
    assert results(doc) == {("NET-001", "FAIL")}
    assert doc["summary"] == {"PASS": 0, "FAIL": 1, "ERROR": 0}
    # The gate still sees the medium FAIL that was not written out.
    code, doc, err = run(["analyze", str(NAT), "--severity", "critical", "--status", "FAIL", "--exclude-checks",
                          "NET-001,GRD"], capsys)
    assert code == 1 and doc["findings"] == []
    assert "; exit 1: 1 FAIL at or above --fail-on low" in err


def test_report_section_of_the_config_and_the_flags_override_it(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "safemaker.toml").write_text('[report]\nseverity = "medium"\nstatus = ["FAIL"]\n', "utf-8")
    _, doc, err = run(["analyze", str(NAT)], capsys)
    assert results(doc) == {("NET-001", "FAIL"), ("SM-002", "FAIL")}
    assert "; config safemaker.toml; exit 1:" in err
    _, doc, _ = run(["analyze", str(NAT), "--severity", "info", "--status", "PASS"], capsys)
    assert {s for _, s in results(doc)} == {"PASS"}


@pytest.mark.parametrize(("toml", "problem"), [
    ('[report]\nseverity = "urgent"\n', "safemaker.toml: report.severity: 'urgent' is not one of"),
    ('[report]\nstatus = ["WARN"]\n', "safemaker.toml: report.status: 'WARN' is not one of PASS, FAIL, ERROR"),
    ('[[suppress]]\ncheck = "NET-001"\njustification = "x"\ntags = ["env"]\n',
     "safemaker.toml: [[suppress]] #1 tags: must be a table of strings"),
    ('[[suppress]]\ncheck = "NET-001"\njustification = "x"\naccount = 1111\n',
     "safemaker.toml: [[suppress]] #1 account: must be a non-empty string (a glob)"),
])
def test_bad_new_keys_name_the_place(tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str,
                                     problem: str) -> None:
    (tmp_path / "safemaker.toml").write_text(toml, "utf-8")
    code, _, err = run(["analyze", str(NAT)], capsys)
    assert code == 2
    assert problem in err


def test_config_from_the_environment_wins_over_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "safemaker.toml").write_text('[checks]\nenable = ["SM-002"]\n', "utf-8")
    other = tmp_path / "elsewhere.toml"
    other.write_text('[checks]\nenable = ["VPCE-001"]\n', "utf-8")
    monkeypatch.setenv("SAFEMAKER_CONFIG", str(other))
    _, doc, err = run(["analyze", str(NAT)], capsys)
    assert {c for c, _ in results(doc)} == {"VPCE-001"}
    assert f"; config {other}; " in err
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('[checks]\nenable = ["NET-001"]\n', "utf-8")
    _, doc, err = run(["analyze", str(NAT), "--config", str(explicit)], capsys)
    assert {c for c, _ in results(doc)} == {"NET-001"}


def test_a_missing_file_named_by_the_environment_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SAFEMAKER_CONFIG", str(tmp_path / "gone.toml"))
    code, _, err = run(["analyze", str(NAT)], capsys)
    assert code == 2
    assert f"{tmp_path / 'gone.toml'}: cannot read file" in err


def test_without_a_config_the_summary_names_none(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(["analyze", str(NAT)], capsys)
    assert "config" not in next(line for line in err.splitlines() if " PASS, " in line)


def suppress(tmp_path: Path, scope: str) -> None:
    (tmp_path / "safemaker.toml").write_text(
        '[checks]\nenable = ["NET-001"]\n[[suppress]]\ncheck = "NET-001"\nresource = "nb-*"\n'
        f'justification = "sandbox accepted until the proxy lands"\n{scope}\n', "utf-8")


@pytest.mark.parametrize(("scope", "suppressed"), [
    (f'account = "{ACCOUNT}"', True),
    ('account = "999999999999"', False),
    ('region = "eu-*"', True),
    ('region = "us-east-1"', False),
    (f'account = "{ACCOUNT}"\nregion = "us-*"', False),
])
def test_suppression_scoped_by_account_and_region(tmp_path: Path, capsys: pytest.CaptureFixture[str], scope: str,
                                                  suppressed: bool) -> None:
    suppress(tmp_path, scope)
    code, doc, err = run(["analyze", str(NAT)], capsys)
    (finding,) = [f for f in doc["findings"] if f["status"] == "FAIL"]
    assert ("suppressed" in finding) is suppressed
    assert code == (0 if suppressed else 1)
    if not suppressed:
        assert "[[suppress]] #1 (NET-001 nb-*) matches no FAIL or ERROR finding; remove it?" in err


VPCE = ROOT / "fixtures" / "scenarios" / "vpce-s3-policies.json"


def tagged_endpoints(tmp_path: Path) -> Path:
    """The S3 endpoint scenario with two of its FAILing endpoints tagged env=sandbox-*, one env=prod."""
    doc = json.loads(VPCE.read_text("utf-8"))
    tags = {"vpce-0e0e0e0e000000001": "sandbox-1", "vpce-0e0e0e0e000000002": "sandbox-2",
            "vpce-0e0e0e0e000000005": "prod"}
    for endpoint in doc["accounts"][ACCOUNT][REGION]["ec2"]["DescribeVpcEndpoints"]["VpcEndpoints"]:
        if endpoint["VpcEndpointId"] in tags:
            endpoint["Tags"] = [{"Key": "env", "Value": tags[endpoint["VpcEndpointId"]]}]
        else:
            endpoint.pop("Tags", None)
    path = tmp_path / "tagged.json"
    path.write_text(json.dumps(doc), "utf-8")
    return path


def test_suppression_scoped_by_tag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = tagged_endpoints(tmp_path)
    (tmp_path / "safemaker.toml").write_text(
        '[checks]\nenable = ["VPCE-002"]\n[[suppress]]\ncheck = "VPCE-002"\njustification = "sandbox data only"\n'
        'tags = {env = "sandbox-*"}\n', "utf-8")
    _, doc, _ = run(["analyze", str(snap), "--no-fail-on-error"], capsys)
    suppressed = {f["resource"]["id"] for f in doc["findings"] if "suppressed" in f}
    # Tagged sandbox: suppressed. Tagged prod, or no tags recorded at all: unknown is no match.
    assert suppressed == {"vpce-0e0e0e0e000000001", "vpce-0e0e0e0e000000002"}
    still = {f["resource"]["id"] for f in doc["findings"] if f["status"] == "FAIL" and "suppressed" not in f}
    assert {"vpce-0e0e0e0e000000005", "vpce-0e0e0e0e000000006", "vpce-0e0e0e0e000000008"} == still


def test_tag_narrows_the_output_not_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = tagged_endpoints(tmp_path)
    code, doc, _ = run(["analyze", str(snap), "--checks", "VPCE-002", "--tag", "env=sandbox-*"], capsys)
    assert {f["resource"]["id"] for f in doc["findings"]} == {"vpce-0e0e0e0e000000001", "vpce-0e0e0e0e000000002"}
    assert code == 1  # the prod endpoint's FAIL still gates, written out or not
    _, doc, _ = run(["analyze", str(snap), "--checks", "VPCE-002", "--tag", "env=*", "--tag", "env=prod"], capsys)
    assert {f["resource"]["id"] for f in doc["findings"]} == {"vpce-0e0e0e0e000000005"}


def test_a_tag_filter_without_a_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", str(NAT), "--tag", "owner"], capsys)
    assert code == 2 and "'owner' is not KEY=VALUE" in err
