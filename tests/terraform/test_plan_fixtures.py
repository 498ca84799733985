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
from safemaker.scanner.terraform.plan import Plan, read_plan
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


#: fixture -> (the same design as a collected snapshot in fixtures/scenarios, the live IDs AWS
#: gave that the plan names by Terraform address instead)
SAME_DESIGN_LIVE: dict[str, tuple[str, dict[str, str]]] = {
    "seed001-studio-firewall": ("net-seed001-firewall.json",
                                {"vpce-0000000000000001c": "vpce-module.studio.aws_vpc_endpoint.s3"}),
    "tgw-hub-egress": ("net-tgw-egress.json", {}),
}


@pytest.mark.parametrize("name", sorted(SAME_DESIGN_LIVE))
def test_a_plan_gets_the_verdicts_of_the_same_design_live(name: str) -> None:
    """A live snapshot of the design (seed 001: a notebook in the Studio subnet, the firewall, its
    policy and allowlist, the S3 gateway endpoint; the TGW hub: a spoke notebook and the egress
    VPC) and the plan of the same design get the same verdict for every finding of the snapshot."""
    scenario_name, same = SAME_DESIGN_LIVE[name]
    scenario = ROOT / "fixtures" / "scenarios" / scenario_name
    live = run_checks(Snapshot(json.loads(scenario.read_text("utf-8")), str(scenario)),
                      load_registry(entry_points=False))
    planned = verdicts(name)
    assert len(live) >= 9
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


def _translated(name: str, plan: dict[str, Any] | None = None, tmp_path: Path | None = None) -> dict[str, Any]:
    path = FIXTURES / name / "plan.json"
    if plan is not None:
        assert tmp_path is not None
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(plan), "utf-8")
    live = FIXTURES / name / "live.json"
    base = json.loads(live.read_text("utf-8")) if live.is_file() else None
    result = translate(read_plan(str(path)), "111122223333", None, base)
    return {"doc": result.doc, "unresolved": result.unresolved, "path": str(path)}


def _verdicts_of(t: dict[str, Any]) -> dict[tuple[str, str], str]:
    findings = run_checks(Snapshot(t["doc"], t["path"]), load_registry(entry_points=False))
    return {(f.check_id, f.resource.id): f.status.value for f in findings}


def test_the_default_route_table_of_a_transit_gateway() -> None:
    """Default association and propagation: AWS's default table (not a resource) holds both VPCs'
    CIDRs, propagated, and the static default route; both attachments are associated with it,
    the spoke's because its flags, left unset, are unknown in the plan and default to true."""
    ec2 = _translated("tgw-hub-default-rt")["doc"]["accounts"]["111122223333"]["eu-west-1"]["ec2"]
    table = "tgw-rtb-default-of-module.hub.aws_ec2_transit_gateway.hub"
    assert {a["TransitGatewayAttachmentId"]: a["Association"]["TransitGatewayRouteTableId"]
            for a in ec2["DescribeTransitGatewayAttachments"]["TransitGatewayAttachments"]} == {
        "tgw-attach-module.hub.aws_ec2_transit_gateway_vpc_attachment.egress": table,
        "tgw-attach-module.hub.aws_ec2_transit_gateway_vpc_attachment.spoke": table}
    routes = {(r["DestinationCidrBlock"], r["Type"], r["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"])
              for r in ec2["SearchTransitGatewayRoutes"][table]["Routes"]}
    attach = "tgw-attach-module.hub.aws_ec2_transit_gateway_vpc_attachment."
    assert routes == {("10.10.0.0/16", "propagated", attach + "spoke"),
                      ("10.99.0.0/16", "propagated", attach + "egress"), ("0.0.0.0/0", "static", attach + "egress")}


def test_an_explicit_transit_gateway_design_has_no_default_table() -> None:
    ec2 = _translated("tgw-hub-egress")["doc"]["accounts"]["111122223333"]["eu-west-1"]["ec2"]
    tables = {t["TransitGatewayRouteTableId"] for t in
              ec2["DescribeTransitGatewayRouteTables"]["TransitGatewayRouteTables"]}
    assert tables == {"tgw-rtb-module.hub.aws_ec2_transit_gateway_route_table.egress[0]",
                      "tgw-rtb-module.hub.aws_ec2_transit_gateway_route_table.spoke[0]"}
    egress = ec2["SearchTransitGatewayRoutes"]["tgw-rtb-module.hub.aws_ec2_transit_gateway_route_table.egress[0]"]
    assert [(r["DestinationCidrBlock"], r["Type"]) for r in egress["Routes"]] == [("10.10.0.0/16", "propagated")]


def test_prefix_list_entries_decide_the_partner_path(tmp_path: Path) -> None:
    """The spoke routes only its prefix lists to the TGW: the partner's public range is the FAIL;
    without that entry, the remaining private ranges reach no internet (PASS). The corporate
    list's entry is a separate resource."""
    t = _translated("tgw-hub-partner-list")
    entries = t["doc"]["accounts"]["111122223333"]["eu-west-1"]["ec2"]["GetManagedPrefixListEntries"]
    assert entries["pl-module.hub.aws_ec2_managed_prefix_list.corporate"]["Entries"] == [
        {"Cidr": "192.168.0.0/16", "Description": "on-premises"}]
    assert _verdicts_of(t)[("NET-001", "nb-spoke")] == "FAIL"
    plan = json.loads((FIXTURES / "tgw-hub-partner-list" / "plan.json").read_text("utf-8"))
    for rc in plan["resource_changes"]:
        if rc["address"] == "module.hub.aws_ec2_managed_prefix_list.partners":
            rc["change"]["after"]["entry"] = [e for e in rc["change"]["after"]["entry"]
                                              if e["cidr"] != "198.51.100.0/24"]
            rc["change"]["after_unknown"]["entry"] = [{}]
    assert _verdicts_of(_translated("tgw-hub-partner-list", plan, tmp_path))[("NET-001", "nb-spoke")] == "PASS"


def test_an_unresolved_block_public_access_exclusion_leaves_the_block_out(tmp_path: Path) -> None:
    """Block Public Access makes the TGW hub's NET-001 a PASS. When an exclusion cannot be
    resolved, its scope is unknown: the options are left out (taken as off), so the path is a
    FAIL, never a PASS on a block that may not apply."""
    assert _verdicts_of(_translated("tgw-hub-bpa"))[("NET-001", "nb-spoke")] == "PASS"
    plan = json.loads((FIXTURES / "tgw-hub-bpa" / "plan.json").read_text("utf-8"))
    module = plan["configuration"]["root_module"]["module_calls"]["hub"]["module"]
    (exclusion,) = [r for r in module["resources"] if r["type"] == "aws_vpc_block_public_access_exclusion"]
    exclusion["expressions"]["vpc_id"] = {"references": ["local.excluded_vpc"]}
    t = _translated("tgw-hub-bpa", plan, tmp_path)
    assert t["unresolved"] == ["module.hub.aws_vpc_block_public_access_exclusion.spoke[0]: vpc_id is known only after "
                               "apply and it comes from local.excluded_vpc, which the plan does not record"]
    assert "DescribeVpcBlockPublicAccessOptions" not in t["doc"]["accounts"]["111122223333"]["eu-west-1"]["ec2"]
    assert _verdicts_of(t)[("NET-001", "nb-spoke")] == "FAIL"


def test_a_route_to_an_attachment_the_plan_cannot_name_is_error(tmp_path: Path) -> None:
    """A TGW route whose attachment comes from a local: the route tables' routes are unknown, so
    the spoke's path through the TGW is ERROR naming the route and attribute."""
    plan = json.loads((FIXTURES / "tgw-hub-egress" / "plan.json").read_text("utf-8"))
    module = plan["configuration"]["root_module"]["module_calls"]["hub"]["module"]
    (route,) = [r for r in module["resources"] if r["address"] == "aws_ec2_transit_gateway_route.spoke_default"]
    route["expressions"]["transit_gateway_attachment_id"] = {"references": ["local.egress_attachment"]}
    t = _translated("tgw-hub-egress", plan, tmp_path)
    assert t["unresolved"] == ["module.hub.aws_ec2_transit_gateway_route.spoke_default[0]: "
                               "transit_gateway_attachment_id is known only after apply and it comes from "
                               "local.egress_attachment, which the plan does not record"]
    assert _verdicts_of(t)[("NET-001", "nb-spoke")] == "ERROR"


def test_a_pull_request_that_blackholes_the_hub_default_route_closes_the_path() -> None:
    """Overlay on a live estate with a transit gateway: the plan updates the spoke table's static
    default route to a blackhole (IDs known from the prior state); the live FAIL is fixed."""
    live = translate(read_plan(str(FIXTURES / "tgw-hub-egress" / "plan.json")), "111122223333", None).doc
    table = "tgw-rtb-module.hub.aws_ec2_transit_gateway_route_table.spoke[0]"
    before = {"blackhole": False, "destination_cidr_block": "0.0.0.0/0", "id": f"{table}_0.0.0.0/0",
              "transit_gateway_attachment_id": "tgw-attach-module.hub.aws_ec2_transit_gateway_vpc_attachment.egress",
              "transit_gateway_route_table_id": table}
    plan = {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": [{
        "address": "aws_ec2_transit_gateway_route.spoke_default", "mode": "managed",
        "type": "aws_ec2_transit_gateway_route", "name": "spoke_default",
        "change": {"actions": ["update"], "before": before,
                   "after": {**before, "blackhole": True, "transit_gateway_attachment_id": None},
                   "after_unknown": {}}}],
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {
            "region": {"constant_value": "eu-west-1"}}}}, "root_module": {}}}
    result = translate(Plan(plan, "pr.json"), "111122223333", None, live)
    assert result.unresolved == []
    routes = result.doc["accounts"]["111122223333"]["eu-west-1"]["ec2"]["SearchTransitGatewayRoutes"][table]["Routes"]
    assert routes == [{"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayAttachments": [], "Type": "static",
                       "State": "blackhole"}]
    assert result.origins[table] == ["aws_ec2_transit_gateway_route.spoke_default"]
    before_pr = {(f.check_id, f.resource.id): f.status.value for f in run_checks(
        Snapshot(live, "live"), load_registry(entry_points=False))}
    after_pr = {(f.check_id, f.resource.id): f.status.value for f in run_checks(
        Snapshot(result.doc, "pr"), load_registry(entry_points=False))}
    assert (before_pr[("NET-001", "nb-spoke")], after_pr[("NET-001", "nb-spoke")]) == ("FAIL", "PASS")


def test_block_public_access_turned_on_over_a_live_estate_without_its_exclusions() -> None:
    """A pull request that turns Block Public Access on, over a live snapshot that did not read
    the exclusions already in force (moto cannot; a denied call): they could lift the block, so
    it is left out (taken as off) and the hub's path stays a FAIL rather than a PASS."""
    live = translate(read_plan(str(FIXTURES / "tgw-hub-egress" / "plan.json")), "111122223333", None).doc
    plan = json.loads((FIXTURES / "tgw-hub-bpa" / "plan.json").read_text("utf-8"))
    plan["resource_changes"] = [rc for rc in plan["resource_changes"]
                                if rc["type"] == "aws_vpc_block_public_access_options"]
    result = translate(Plan(plan, "pr.json"), "111122223333", None, live)
    assert result.unresolved == ["module.hub.aws_vpc_block_public_access_options.this[0]: internet_gateway_block_mode "
                                 "is known only after apply and the live snapshot does not hold the exclusions in "
                                 "force, which could lift the block"]
    got = {(f.check_id, f.resource.id): f.status.value for f in run_checks(
        Snapshot(result.doc, "pr"), load_registry(entry_points=False))}
    assert got[("NET-001", "nb-spoke")] == "FAIL"
    live["accounts"]["111122223333"]["eu-west-1"]["ec2"]["DescribeVpcBlockPublicAccessExclusions"] = {
        "VpcBlockPublicAccessExclusions": []}
    result = translate(Plan(plan, "pr.json"), "111122223333", None, live)
    assert result.unresolved == []
    got = {(f.check_id, f.resource.id): f.status.value for f in run_checks(
        Snapshot(result.doc, "pr"), load_registry(entry_points=False))}
    assert got[("NET-001", "nb-spoke")] == "PASS"
