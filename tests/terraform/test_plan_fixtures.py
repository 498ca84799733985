"""`safemaker plan` on the committed plans of fixtures/terraform/: every fixture's translation
validates as a snapshot and gives the verdicts the demo's live estate gets for the same design
(scanner/devtools/demo.py DEMO_EXPECTED), without Terraform. A fixture whose proof needs live facts
keeps them in a small live.json, used as `--snapshot` would be."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot
from safemaker.scanner.terraform.plan import read_plan
from safemaker.scanner.terraform.translate import translate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "terraform"
EXPECTED: dict[str, dict[str, dict[str, str]]] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def verdicts(name: str, with_live: bool = True) -> dict[tuple[str, str], str]:
    """A fixture's verdicts; its live.json, when it has one, is the `--snapshot` laid under the plan
    (the live facts a plan cannot hold, such as AWS's S3 prefix list)."""
    path = FIXTURES / name / "plan.json"
    live = FIXTURES / name / "live.json"
    base = json.loads(live.read_text("utf-8")) if with_live and live.is_file() else None
    result = translate(read_plan(str(path)), "111122223333", None, base)
    assert result.unresolved == [] and result.unsupported == []
    validate_snapshot(result.doc, str(path))
    findings = run_checks(Snapshot(result.doc, str(path)), load_registry(entry_points=False))
    return {(f.check_id, f.resource.id): f.status.value for f in findings}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_verdicts(name: str) -> None:
    got = verdicts(name)
    wrong = {f"{check} {res}": (want, got.get((check, res), "missing"))
             for check, rows in EXPECTED[name].items() for res, want in rows.items() if got.get((check, res)) != want}
    assert not wrong, f"{name}: (expected, got) {wrong}"


def test_every_fixture_has_expectations() -> None:
    dirs = sorted(p.parent.name for p in FIXTURES.glob("*/plan.json"))
    assert dirs == sorted(EXPECTED)


def test_placeholders_name_the_terraform_address() -> None:
    path = FIXTURES / "seed000-nat-added" / "plan.json"
    doc = translate(read_plan(str(path)), "111122223333", None).doc
    tables = doc["accounts"]["111122223333"]["eu-west-1"]["ec2"]["DescribeRouteTables"]["RouteTables"]
    private = next(t for t in tables if t["RouteTableId"] == "rtb-module.net.aws_route_table.private")
    assert {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-module.net.aws_nat_gateway.temporary[0]",
            "Origin": "CreateRoute", "State": "active"} in private["Routes"]
    assert [a["SubnetId"] for a in private["Associations"]] == ["subnet-module.net.aws_subnet.private"]


def test_a_gateway_endpoint_route_needs_the_live_prefix_list() -> None:
    """Without a snapshot, AWS's S3 prefix list (its addresses) is unknown: the isolated notebook's
    paths are ERROR, never a guessed PASS; seed 003's live.json holds just that list."""
    got = verdicts("seed003-isolated-s3", with_live=False)
    assert got[("NET-001", "nb-isolated-s3")] == "ERROR"
    assert got[("NET-001", "nb-isolated-s3")] != verdicts("seed003-isolated-s3")[("NET-001", "nb-isolated-s3")]


def test_a_gateway_endpoint_with_private_dns_left_to_the_provider_is_still_proven(tmp_path: Path) -> None:
    """The provider leaves `private_dns_enabled` computed when the HCL omits it; a gateway endpoint
    has no private DNS, so that unknown must not make the region's endpoints unknown."""
    plan = json.loads((FIXTURES / "seed003-isolated-s3" / "plan.json").read_text("utf-8"))
    changed = 0
    for rc in plan["resource_changes"]:
        if rc["type"] == "aws_vpc_endpoint" and (rc["change"]["after"] or {}).get("vpc_endpoint_type") == "Gateway":
            rc["change"]["after"].pop("private_dns_enabled", None)
            rc["change"]["after_unknown"]["private_dns_enabled"] = True
            changed += 1
    assert changed == 1
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), "utf-8")
    live = json.loads((FIXTURES / "seed003-isolated-s3" / "live.json").read_text("utf-8"))
    result = translate(read_plan(str(path)), "111122223333", None, live)
    assert result.unresolved == []
    findings = run_checks(Snapshot(result.doc, str(path)), load_registry(entry_points=False))
    got = {(f.check_id, f.resource.id): f.status.value for f in findings}
    assert got[("NET-001", "nb-isolated-s3")] == "PASS"


def _plan_and_live(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = json.loads((FIXTURES / name / "plan.json").read_text("utf-8"))
    live = json.loads((FIXTURES / name / "live.json").read_text("utf-8"))
    return plan, live


def test_seed001_plan_gets_the_verdicts_of_the_same_design_live() -> None:
    """fixtures/scenarios/net-seed001-firewall.json is seed 001 as a collected snapshot (a notebook
    in the Studio subnet, the firewall, its policy and allowlist, the S3 gateway endpoint): the plan
    of the same design gets the same verdict for every finding of that snapshot."""
    scenario = ROOT / "fixtures" / "scenarios" / "net-seed001-firewall.json"
    live = run_checks(Snapshot(json.loads(scenario.read_text("utf-8")), str(scenario)),
                      load_registry(entry_points=False))
    same = {"vpce-0000000000000001c": "vpce-module.studio.aws_vpc_endpoint.s3"}  # IDs AWS gives, not names
    planned = verdicts("seed001-studio-firewall")
    assert len(live) >= 15
    differ = {(f.check_id, f.resource.id): (f.status.value, planned.get((f.check_id, same.get(f.resource.id,
                                                                                               f.resource.id))))
              for f in live if planned.get((f.check_id, same.get(f.resource.id, f.resource.id))) != f.status.value}
    assert not differ, f"(live, plan) {differ}"


def test_routes_to_the_firewall_endpoint_read_as_that_endpoint() -> None:
    """Both ways of writing the endpoint (`one(...sync_states[*].attachment[0].endpoint_id)` and
    `tolist(...sync_states)[0]...`) reach the plan cut at `sync_states`; with the firewall in one
    zone they are its endpoint there, and the edge table is the internet gateway's."""
    _, live = _plan_and_live("seed001-studio-firewall")
    doc = translate(read_plan(str(FIXTURES / "seed001-studio-firewall" / "plan.json")), "111122223333", None,
                    live).doc
    tables = {t["RouteTableId"]: t for t in
              doc["accounts"]["111122223333"]["eu-west-1"]["ec2"]["DescribeRouteTables"]["RouteTables"]}
    endpoint = "vpce-module.studio.aws_networkfirewall_firewall.this-eu-west-1a"
    nat = tables["rtb-module.studio.aws_route_table.nat"]
    assert {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": endpoint, "Origin": "CreateRoute",
            "State": "active"} in nat["Routes"]
    edge = tables["rtb-module.studio.aws_route_table.edge"]
    assert [a.get("GatewayId") for a in edge["Associations"]] == ["igw-module.studio.aws_internet_gateway.igw"]
    assert {"DestinationCidrBlock": "10.2.2.0/24", "GatewayId": endpoint, "Origin": "CreateRoute",
            "State": "active"} in edge["Routes"]
    firewall = doc["accounts"]["111122223333"]["eu-west-1"]["network-firewall"]["DescribeFirewall"]
    (fw,) = firewall.values()
    assert fw["FirewallStatus"]["SyncStates"]["eu-west-1a"]["Attachment"] == {
        "SubnetId": "subnet-module.studio.aws_subnet.firewall", "EndpointId": endpoint, "Status": "READY"}


@pytest.mark.parametrize("references", [["aws_vpc.this.arn", "aws_vpc.this"], []])
def test_an_endpoint_policy_unknown_for_another_reason_than_null_is_error(tmp_path: Path,
                                                                          references: list[str]) -> None:
    """seed 001's S3 endpoint policy is `var.s3_bucket == "" ? null : jsonencode(...)`: unknown in
    the plan only because it is null (AWS's full-access default, read as such). A policy computed
    from a value known only after apply, or by a function with no reference (uuid()), is not null:
    ERROR naming the attribute, never AWS's default."""
    plan, live = _plan_and_live("seed001-studio-firewall")
    module = plan["configuration"]["root_module"]["module_calls"]["studio"]["module"]
    (s3,) = [r for r in module["resources"] if r["address"] == "aws_vpc_endpoint.s3"]
    s3["expressions"]["policy"] = {"references": references}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), "utf-8")
    result = translate(read_plan(str(path)), "111122223333", None, live)
    assert result.unresolved == ["module.studio.aws_vpc_endpoint.s3: policy is known only after apply and the plan "
                                 "cannot resolve it"]
    findings = run_checks(Snapshot(result.doc, str(path)), load_registry(entry_points=False))
    got = {(f.check_id, f.resource.id): f.status.value for f in findings}
    assert got[("NET-006", "nb-firewall")] == "ERROR"
