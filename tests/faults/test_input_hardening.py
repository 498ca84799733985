"""Bad snapshots and configs: one line on stderr naming the file and the place, exit 2, never a
traceback; and data that validates but does not add up (dangling references) gives ERROR findings
naming what is missing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.cli import main
from safemaker.scanner.snapshot import io as snapshot_module

from .samples import samples

ACCOUNT = "111122223333"
REGION = "eu-west-1"


def sample(name: str = "proxy") -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(samples()[name])
    return doc


def region(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = doc["accounts"][ACCOUNT][REGION]
    return data


def analyze(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(path), "--format", "json", *extra])
    out = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out.out, out.err


def rejected(path: Path, capsys: pytest.CaptureFixture[str], *extra: str, blamed: Path | None = None) -> str:
    code, out, err = analyze(path, capsys, *extra)
    assert code == 2, err
    assert out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(blamed or path) in lines[0]
    return lines[0]


def left_out(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """A problem inside a response: the run goes on without that response (its checks report
    ERROR) and one stderr line names the file and the place (tests/cli/test_partial_validity.py)."""
    code, out, err = analyze(path, capsys)
    assert code in (0, 1), err
    assert "Traceback" not in err and json.loads(out)["schema"] == "safemaker.findings/v1"
    lines = [line for line in err.splitlines() if "unreadable data treated as not collected" in line]
    assert len(lines) == 1, err
    assert str(path) in lines[0]
    return lines[0]


def write(tmp_path: Path, doc: Any, name: str = "snap.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), "utf-8")
    return path


@pytest.mark.parametrize(("raw", "needle"), [
    (b"", "not valid JSON"),
    (samples()["proxy"].encode()[:5000], "not valid JSON: "),
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"schema": ' + b"1" * 5000 + b"}", "not valid JSON"),
    (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    (b"[]", "expected a JSON object"),
    (b'{"schema": "safemaker.snapshot/v2", "created": "2026-01-01T00:00:00Z", "accounts": {}}',
     "unsupported schema 'safemaker.snapshot/v2'"),
    (b'{"schema": "safemaker.snapshot/v1", "created": 5, "accounts": {}}', "created: expected an ISO-8601"),
])
def test_unreadable_snapshots(raw: bytes, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(raw)
    assert needle in rejected(path, capsys)


def test_missing_file_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "cannot read file" in rejected(tmp_path / "absent.json", capsys)
    # A directory is refused by the command line parser itself: a usage error (exit 2) in
    # click's usual format, naming the path.
    folder = tmp_path / "folder.json"
    folder.mkdir()
    code, out, err = analyze(folder, capsys)
    assert code == 2 and out == "" and "Traceback" not in err and str(folder) in err and "is a directory" in err


def test_huge_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(snapshot_module, "MAX_BYTES", 1000)
    assert "larger than the 1000 byte limit" in rejected(write(tmp_path, sample()), capsys)


def test_deep_nesting_inside_a_response(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample()
    deep: Any = "x"
    for _ in range(300):
        deep = {"Tags": [deep]}
    region(doc)["ec2"]["DescribeVpcs"]["Vpcs"][0]["Tags"] = [deep]
    assert "DescribeVpcs.Vpcs[0].Tags[0]" in left_out(write(tmp_path, doc), capsys)


@pytest.mark.parametrize(("service", "operation", "where", "value", "place", "problem"), [
    ("ec2", "DescribeRouteTables", ("RouteTables", 0, "Routes", 0, "DestinationCidrBlock"), "10.0.0.0/33",
     "RouteTables[0].Routes[0].DestinationCidrBlock", "not a valid CIDR block: '10.0.0.0/33'"),
    ("ec2", "DescribeRouteTables", ("RouteTables", 0, "Routes", 0, "DestinationCidrBlock"), "::/0",
     "RouteTables[0].Routes[0].DestinationCidrBlock", "not a valid IPv4 CIDR block: '::/0' is IPv6"),
    ("ec2", "DescribeSubnets", ("Subnets", 0, "CidrBlock"), "10.0.1.0", "Subnets[0].CidrBlock",
     "not a valid CIDR block: '10.0.1.0'"),
    ("ec2", "DescribeSecurityGroups", ("SecurityGroups", 0, "IpPermissionsEgress", 0, "IpRanges", 0, "CidrIp"),
     "0.0.0.0/ 0", "IpRanges[0].CidrIp", "not a valid CIDR block"),
    ("ec2", "DescribeNetworkAcls", ("NetworkAcls", 0, "Entries", 0, "CidrBlock"), "any",
     "Entries[0].CidrBlock", "not a valid CIDR block: 'any'"),
    # Found by the long fuzz run: an interface with an empty address crashed six checks.
    ("ec2", "DescribeNetworkInterfaces", ("NetworkInterfaces", 0, "PrivateIpAddress"), "",
     "NetworkInterfaces[0].PrivateIpAddress", "not a valid IPv4 address: ''"),
])
def test_invalid_addresses_are_named_at_their_place(service: str, operation: str, where: tuple[Any, ...], value: str,
                                                place: str, problem: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample()
    target = region(doc)[service][operation]
    for part in where[:-1]:
        target = target[part]
    target[where[-1]] = value
    line = left_out(write(tmp_path, doc), capsys)
    assert f"{service}.{operation}." in line and place in line and problem in line


def test_invalid_cidrs_in_prefix_lists_and_rule_groups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample("tgw")
    entries = region(doc)["ec2"]["GetManagedPrefixListEntries"]
    first = next(iter(entries))
    entries[first]["Entries"][0]["Cidr"] = "192.168.0.0/99"
    line = left_out(write(tmp_path, doc), capsys)
    assert f'GetManagedPrefixListEntries.{first}.Entries[0].Cidr: not a valid CIDR block' in line

    doc = sample("firewall")
    groups = region(doc)["network-firewall"]["DescribeRuleGroup"]
    for response in groups.values():
        rules = (response["RuleGroup"]["RulesSource"].get("StatelessRulesAndCustomActions") or {}).get(
            "StatelessRules")
        if rules:
            rules[0]["RuleDefinition"]["MatchAttributes"]["Sources"] = [{"AddressDefinition": "10.0.0.0/8x"}]
            break
    else:
        pytest.fail("the firewall sample has no stateless rule")
    assert "Sources[0].AddressDefinition: not a valid CIDR block: '10.0.0.0/8x'" in \
        left_out(write(tmp_path, doc, "fw.json"), capsys)


def test_duplicated_ids_name_both_places(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample()
    subnets = region(doc)["ec2"]["DescribeSubnets"]["Subnets"]
    twin = copy.deepcopy(subnets[0])
    twin["CidrBlock"] = "10.0.9.0/24"
    subnets.append(twin)
    line = left_out(write(tmp_path, doc), capsys)
    assert f"DescribeSubnets.Subnets[{len(subnets) - 1}]: duplicate SubnetId '{twin['SubnetId']}'" in line
    assert "Subnets[0] has the same identifier with different content" in line


def test_entries_without_their_identifier_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample("tgw")
    attachments = region(doc)["ec2"]["DescribeTransitGatewayVpcAttachments"]["TransitGatewayVpcAttachments"]
    del attachments[1]["TransitGatewayAttachmentId"]
    line = left_out(write(tmp_path, doc), capsys)
    assert "TransitGatewayVpcAttachments[1].TransitGatewayAttachmentId: missing: every entry of " \
           "DescribeTransitGatewayVpcAttachments is identified by TransitGatewayAttachmentId" in line


def test_identical_repeats_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample()
    subnets = region(doc)["ec2"]["DescribeSubnets"]["Subnets"]
    subnets.append(copy.deepcopy(subnets[0]))  # a page handed out twice while the estate changed
    code, out, err = analyze(write(tmp_path, doc), capsys)
    assert code in (0, 1), err
    assert json.loads(out)["summary"] == json.loads(_clean_run(tmp_path, capsys))["summary"]


def _clean_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = analyze(write(tmp_path, sample(), "clean.json"), capsys)
    assert code in (0, 1), err
    return out


def test_an_interface_without_its_address_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Found by the long fuzz run: a notebook ENI without PrivateIpAddress (valid for botocore)
    crashed six checks; it is unknown data, so ERROR naming it."""
    doc = sample("tgw")
    enis = region(doc)["ec2"]["DescribeNetworkInterfaces"]["NetworkInterfaces"]
    notebook_eni = next(e for e in enis if "nb-spoke" in e.get("Description", ""))
    del notebook_eni["PrivateIpAddress"]
    code, out, err = analyze(write(tmp_path, doc), capsys)
    assert code in (0, 1) and "internal error" not in err and "Traceback" not in err
    findings = [f for f in json.loads(out)["findings"] if f["resource"]["id"] == "nb-spoke"
                and f["check_id"] in ("NET-001", "NET-004", "NET-005")]
    assert findings and all(f["status"] == "ERROR" and "has no PrivateIpAddress" in f["message"] for f in findings)


def test_dangling_references_are_errors_naming_the_missing_resource(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = sample()
    tables = region(doc)["ec2"]["DescribeRouteTables"]["RouteTables"]
    natted = next(t for t in tables if any(r.get("NatGatewayId") for r in t["Routes"]))
    route = next(r for r in natted["Routes"] if r.get("NatGatewayId"))
    route["NatGatewayId"] = "nat-0000000000000dead"
    code, out, err = analyze(write(tmp_path, doc), capsys)
    assert code in (0, 1) and "Traceback" not in err and "internal error" not in err
    findings = json.loads(out)["findings"]
    nat_notebook = next(f for f in findings if f["check_id"] == "NET-001" and f["resource"]["id"] == "nb-nat")
    assert nat_notebook["status"] == "ERROR"
    assert "nat-0000000000000dead" in nat_notebook["message"]


@pytest.mark.parametrize(("text", "needle"), [
    (b"\x80\x81", "not UTF-8"),
    (b"[checks\n", "not valid TOML"),
    (b"[checks]\ndisable = " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b"[checks]\nseverity = { x = " + b"9" * 5000 + b" }", "not valid TOML"),
    (b'["\\n"]\n', "unknown section"),
    (b"[checks]\nseverity = { \"NET-001\" = 3 }", "checks.severity.NET-001"),
    (b"[checks]\ndisable = \"NET-001\"", "checks.disable: must be a list of strings"),
    (b"[inspection]\nproxies = [1]", "inspection.proxies"),
])
def test_bad_configs(text: bytes, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "safemaker.toml"
    config.write_bytes(text)
    line = rejected(write(tmp_path, sample()), capsys, "--config", str(config), blamed=config)
    assert needle in line
