"""Scenario tests for the rules of docs/forwarding-rules.md that tests/graph/test_semantics.py leaves to
other checks: 13 and 13b (endpoints, virtual private gateways), 15 (return path, NET-008),
17 and 18 (domain lists and HOME_NET, FW-002), 19 (DNS), 26-28 (Studio, jobs, the SageMaker API).

Same style: a small estate from `tests/estate.py`, the real engine, one PASS and one FAIL per
rule, asserting the per-resource verdict and the evidence that makes it right.
"""

from __future__ import annotations

import json
from functools import cache

from estate import Estate
from estate_scan import Scan, destinations, hop_ids, scan
from make_fixtures import SCENARIOS, centralised_inspection, firewall_front_nat, home_net_spoke_outside
from test_semantics import NB, inspected_lab, nat_lab, seed001_lab, tgw_lab

from safemaker.checks import fw, net
from safemaker.checks.net import DNS_LIMITATION
from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import Registry
from safemaker.scanner.config import Config
from safemaker.scanner.snapshot.io import Snapshot

API = "com.amazonaws.eu-west-1.sagemaker.api"
RUNTIME = "com.amazonaws.eu-west-1.sagemaker.runtime"


@cache
def _registry() -> Registry:
    reg = Registry()
    for func in [*net.CHECKS, *fw.CHECKS]:
        reg.register(func)
    return reg


def scan_fw(estate: Estate | dict[str, object]) -> Scan:
    """Network and firewall checks together (FW-002 reads the network proof for HOME_NET)."""
    doc = estate.build() if isinstance(estate, Estate) else estate
    findings = run_checks(Snapshot(doc, "scenario"), _registry(), Config())
    return Scan(doc, {(f.check_id, f.resource.id): f for f in findings}, Config())


# --- rule 13: interface endpoints reach only their service -------------------------------------
def closed_lab(*services: str) -> Estate:
    """A notebook in a subnet with only the local route and interface endpoints."""
    lab = nat_lab()
    for service in services:
        lab.v.interface_endpoint(service, [lab.priv])
    return lab.e


def test_rule13_interface_endpoints_only_passes() -> None:
    result = scan(closed_lab("sagemaker.api", "sagemaker.runtime", "sts"))
    assert result.status("NET-001", NB) == "PASS"
    assert result.status("VPCE-001", NB) == "PASS"
    proof = result.proof(NB)
    assert not proof.reaches_internet and not proof.gateway_endpoints  # the endpoints lead nowhere else
    assert {API, RUNTIME} <= set(proof.interface_endpoints)
    assert "interface endpoints for sagemaker.api and sagemaker.runtime exist" in result.finding("VPCE-001", NB).message


def test_rule13_missing_sagemaker_api_endpoint_fails() -> None:
    result = scan(closed_lab("sagemaker.runtime", "sts"))
    assert result.status("NET-001", NB) == "PASS"
    assert result.status("VPCE-001", NB) == "FAIL"
    message = result.finding("VPCE-001", NB).message
    assert API in message and RUNTIME not in message and "no path to the internet" in message


# --- rule 13b: virtual private gateways lead to on-premises ------------------------------------
def test_rule13b_default_route_to_vgw_passes_and_says_on_premises() -> None:
    lab = nat_lab()
    vgw = lab.v.vgw()
    lab.rt.route("0.0.0.0/0", vgw)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert not result.proof(NB).reaches_internet
    notes = result.finding("NET-001", NB).evidence.notes
    assert any(vgw.id in n and "leaves to on-premises" in n for n in notes)


def test_rule13b_vgw_for_a_slash_8_and_nat_for_the_rest_fails() -> None:
    lab = nat_lab(default_route=True)
    vgw = lab.v.vgw()
    lab.rt.route("11.0.0.0/8", vgw)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    dests = destinations(result.paths("NET-001", NB))
    assert "12.0.0.0/6" in dests and not any(d.startswith("11.") for d in dests)
    assert any(vgw.id in b and "on-premises" in b for b in result.proof(NB).blocked)


# --- rule 15: return traffic through the same endpoint -----------------------------------------
def test_rule15_seed001_edge_route_table_returns_through_endpoint_passes() -> None:
    lab = seed001_lab()
    result = lab.scan()
    assert result.status("NET-008", "fw") == "PASS"
    assert "come back through the same endpoint" in result.finding("NET-008", "fw").message


def test_rule15_propagated_default_route_listed_first_does_not_hide_the_gateway_fails() -> None:
    # The firewall subnet's static 0.0.0.0/0 -> IGW beats a propagated 0.0.0.0/0 -> VGW (rule 2),
    # whatever order the API lists them in; without an edge route table, replies bypass the
    # endpoint. Reading the first-listed route instead made this a PASS.
    lab = seed001_lab()
    (edge,) = [rt for rt in lab.e.route_tables if rt.edge_gateways]
    edge.edge_gateways.clear()
    (fw_table,) = [rt for rt in lab.e.route_tables if rt.name == "firewall"]
    fw_table.route("0.0.0.0/0", lab.v.vgw(), origin="EnableVgwRoutePropagation")
    fw_table.routes.insert(0, fw_table.routes.pop())
    result = lab.scan()
    assert result.status("NET-008", "fw") == "FAIL"
    assert "no edge route table" in result.finding("NET-008", "fw").message


def test_rule15_edge_route_table_sends_nat_subnet_elsewhere_fails() -> None:
    lab = seed001_lab()
    (edge,) = [rt for rt in lab.e.route_tables if rt.edge_gateways]
    other = lab.v.subnet("10.2.9.0/24").instance(source_dest_check=False)
    edge.remove(lab.pub.cidr).route(lab.pub.cidr, other)
    result = lab.scan()
    assert result.status("NET-008", "fw") == "FAIL"
    message = result.finding("NET-008", "fw").message
    assert lab.pub.cidr in message and edge.id in message and other.eni.id in message


def test_rule15_edge_route_table_to_another_az_endpoint_fails() -> None:
    lab = seed001_lab()
    assert lab.fw is not None
    fwsub_b = lab.v.subnet("10.2.11.0/24", az="eu-west-1b", name="firewall-b")
    fwsub_b.route_table("firewall-b").route("0.0.0.0/0", lab.igw)
    endpoint_b = lab.fw.add_subnet(fwsub_b)
    (edge,) = [rt for rt in lab.e.route_tables if rt.edge_gateways]
    edge.remove(lab.pub.cidr).route(lab.pub.cidr, endpoint_b)
    result = lab.scan()
    assert result.status("NET-008", "fw") == "FAIL"
    (path,) = result.paths("NET-008", "fw")
    assert hop_ids(path)[1] == lab.fw.endpoint("eu-west-1a").id and endpoint_b.id in path.hops[-1].detail


def test_rule15_firewall_in_front_of_nat_with_return_route_passes() -> None:
    result = scan(firewall_front_nat())
    assert result.status("NET-008", "fw-front-nat-return") == "PASS"
    assert result.status("NET-001", "nb-return") == "PASS"


def test_rule15_firewall_in_front_of_nat_without_return_route_fails() -> None:
    e = firewall_front_nat()
    result = scan(e)
    assert result.status("NET-008", "fw-front-nat-asymmetric") == "FAIL"
    message = result.finding("NET-008", "fw-front-nat-asymmetric").message
    protected = next(s for s in e.subnets if s.name == "asymmetric-protected")
    assert f"to {protected.cidr}" in message and "to local" in message and "not back through vpce-" in message
    assert result.status("NET-001", "nb-asymmetric") == "PASS"  # outbound is inspected; the return is not


def test_rule15_return_route_for_private_ranges_does_not_make_a_subnet_protected() -> None:
    # The NAT subnet of the front-of-NAT design routes the protected CIDR to the endpoint: that is
    # return routing, not a protected subnet whose own replies must come back through it.
    result = scan(firewall_front_nat())
    assert "(and" not in result.finding("NET-008", "fw-front-nat-asymmetric").message


# --- rule 17: domain lists see only HTTP and TLS -------------------------------------------------
def test_rule17_default_order_allowlist_without_drop_fails() -> None:
    result = scan_fw(seed001_lab().e)
    assert result.status("FW-002", "policy") == "FAIL"
    message = result.finding("FW-002", "policy").message
    assert "DEFAULT_ACTION_ORDER" in message and "HTTP/TLS" in message
    assert result.status("NET-001", NB) == "PASS"  # inspected, yet not restricted: FW-002's job


def test_rule17_strict_order_with_drop_strict_passes() -> None:
    e = Estate()
    v = e.vpc("10.3.0.0/16")
    sub = v.subnet("10.3.1.0/24")
    policy = e.firewall_policy(stateful=[e.domain_allowlist([".kaggle.com"], strict=True)],
                               stateful_default=["aws:drop_strict"])
    v.firewall([sub], policy)
    result = scan_fw(e)
    assert result.status("FW-002", "policy") == "PASS"
    assert "aws:drop_strict" in result.finding("FW-002", "policy").message


# --- rule 18: HOME_NET ---------------------------------------------------------------------------
def test_rule18_spoke_outside_default_home_net_fails() -> None:
    estate, _ = home_net_spoke_outside()
    result = scan_fw(estate)
    assert result.status("NET-001", "nb-spoke") == "PASS"  # inspected...
    assert result.status("FW-002", "central-policy") == "FAIL"  # ...but the allowlist ignores it
    message = result.finding("FW-002", "central-policy").message
    assert "notebook nb-spoke" in message and "from 10.10.1.0/24" in message
    assert "outside HOME_NET (default: the CIDR of firewall central-fw's VPC" in message and "10.50.0.0/16" in message
    assert "nb-hub" not in message  # the inspection VPC's own notebook is inside


def test_rule18_fixture_file_gives_fw002_fail() -> None:
    doc = json.loads((SCENARIOS / "net-home-net-spoke-outside.json").read_text(encoding="utf-8"))
    assert scan_fw(doc).status("FW-002", "central-policy") == "FAIL"


def test_rule18_policy_home_net_covering_the_spoke_passes() -> None:
    result = scan_fw(centralised_inspection(home_net=["10.10.0.0/16", "10.50.0.0/16"]))
    assert result.status("FW-002", "central-policy") == "PASS"
    assert any("HOME_NET checked for 2 inspected workload path(s)" in n
               for n in result.finding("FW-002", "central-policy").evidence.notes)


def test_rule18_home_net_of_the_allowlist_group_only_fails_for_the_drop_group() -> None:
    # The allowlist's own HOME_NET covers the spoke, but the `$HOME_NET` drop rule of the other
    # group still uses the default: non-HTTP/TLS from the spoke is never dropped.
    result = scan_fw(centralised_inspection(group_home_net=["10.10.0.0/16", "10.50.0.0/16"]))
    assert result.status("FW-002", "central-policy") == "FAIL"
    assert "drop-the-rest" in result.finding("FW-002", "central-policy").message


def test_rule18_drop_from_any_source_protects_outside_sources_passes() -> None:
    result = scan_fw(centralised_inspection(drop_rules="drop ip any any -> any any (sid:5;)"))
    assert result.status("FW-002", "central-policy") == "PASS"
    assert any("traffic from outside HOME_NET is dropped too" in n
               for n in result.finding("FW-002", "central-policy").evidence.notes)


def test_rule18_firewall_sees_the_nat_address_when_the_nat_comes_first() -> None:
    # Seed 001 with a $HOME_NET drop: the firewall sees the NAT gateway's address, so HOME_NET
    # must hold the NAT subnet, not the SageMaker subnet.
    def lab(home: str) -> Estate:
        e = seed001_lab().e
        e.policies[0].home_net = [home]
        e.policies[0].stateful.append(e.suricata_rule_group("drop-rest", "drop ip $HOME_NET any -> any any (sid:9;)"))
        return e

    assert scan_fw(lab("10.2.2.0/24")).status("FW-002", "policy") == "PASS"
    result = scan_fw(lab("10.2.3.0/24"))
    assert result.status("FW-002", "policy") == "FAIL"
    assert "after source NAT by nat-" in result.finding("FW-002", "policy").message


def test_rule18_spoke_proof_incomplete_is_error() -> None:
    e = centralised_inspection(home_net=["10.10.0.0/16", "10.50.0.0/16"])
    e.omit("ec2", "SearchTransitGatewayRoutes")
    result = scan_fw(e)
    assert result.status("FW-002", "central-policy") == "ERROR"
    assert "SearchTransitGatewayRoutes" in result.finding("FW-002", "central-policy").message


# --- rule 19: DNS is outside the proof -----------------------------------------------------------
def test_rule19_pass_evidence_states_the_dns_limitation() -> None:
    result = inspected_lab().scan()
    assert result.status("NET-001", NB) == "PASS"
    notes = result.finding("NET-001", NB).evidence.notes
    assert DNS_LIMITATION in notes and "DNS tunnelling is outside this proof" in DNS_LIMITATION


def test_rule19_fail_is_decided_by_the_path_not_by_dns() -> None:
    result = nat_lab(default_route=True).scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert "DNS" not in result.finding("NET-001", NB).message


# --- rule 26: Studio domains -------------------------------------------------------------------
def test_rule26_vpconly_domain_in_closed_subnet_passes() -> None:
    lab = nat_lab()
    lab.e.domain("d-closed", subnets=[lab.priv], sgs=[lab.sg], profiles={"amy": [lab.sg]})
    result = lab.scan()
    assert result.status("NET-002", "d-closed") == "PASS"
    assert "VpcOnly and no subnet/security group combination" in result.finding("NET-002", "d-closed").message


def test_rule26_public_internet_only_domain_fails() -> None:
    e = Estate()
    e.domain("d-public", mode="PublicInternetOnly")
    result = scan(e)
    assert result.status("NET-002", "d-public") == "FAIL"
    (path,) = result.paths("NET-002", "d-public")
    assert [h.kind for h in path.hops] == ["workload", "sagemaker-managed-network", "internet"]


def test_rule26_vpconly_domain_with_profile_opening_egress_fails() -> None:
    def lab_scan(profiles: bool) -> tuple[Scan, str]:
        lab = nat_lab(default_route=True)
        narrow = lab.v.sg("narrow").egress(lab.v.cidr)
        wide = lab.v.sg("wide", egress_all=True)
        lab.e.domain("d-profile", subnets=[lab.priv], sgs=[narrow], profiles={"bob": [wide]} if profiles else None)
        return lab.scan(), lab.nat.id

    result, nat = lab_scan(profiles=True)
    assert result.status("NET-002", "d-profile") == "FAIL"
    (first, *_) = result.paths("NET-002", "d-profile")
    assert nat in hop_ids(first) and "(+1 more rules)" in first.hops[0].detail  # narrow + bob's wide group
    assert lab_scan(profiles=False)[0].status("NET-002", "d-profile") == "PASS"  # the domain default alone


# --- rule 27: jobs and models ------------------------------------------------------------------
def test_rule27_isolated_training_job_passes() -> None:
    e = Estate()
    e.training_job("train-isolated", isolated=True)
    result = scan(e)
    assert result.status("NET-003", "train-isolated") == "PASS"
    assert "network isolation is enabled" in result.finding("NET-003", "train-isolated").message


def test_rule27_job_without_vpc_or_isolation_fails() -> None:
    e = Estate()
    e.training_job("train-open")
    e.model("model-open")
    result = scan(e)
    for name in ("train-open", "model-open"):
        assert result.status("NET-003", name) == "FAIL"
        assert "no network isolation and no VpcConfig" in result.finding("NET-003", name).message


# --- rule 28: the SageMaker API path -----------------------------------------------------------
def test_rule28_interface_endpoints_give_the_api_path_passes() -> None:
    result = scan(closed_lab("sagemaker.api", "sagemaker.runtime"))
    assert result.status("VPCE-001", NB) == "PASS"


def test_rule28_neither_endpoints_nor_nat_fails() -> None:
    result = scan(closed_lab())
    assert result.status("VPCE-001", NB) == "FAIL"
    assert f"no interface endpoint for {API}, {RUNTIME} and no path to the internet" in \
        result.finding("VPCE-001", NB).message


def test_rule28_tgw_path_to_a_nat_counts_as_api_path_passes() -> None:
    result = scan(tgw_lab().e)
    assert result.status("VPCE-001", NB) == "PASS"
