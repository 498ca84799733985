"""Scenarios for the rules sharpened for harder estates: 8b (NAT64), 9b (multi-ENI forwarders),
11 (Block Public Access modes and exclusions), 23 (appliance mode).

Each rule has a PASS and a FAIL scenario, and each asserts the evidence that makes the verdict
right (the hop a path takes, the destinations it carries, the reason a path is blocked).
"""

from __future__ import annotations

from typing import Any

from estate import Estate
from estate_scan import destinations, hop_ids, scan
from test_semantics import NB, nat_lab, public_notebook_lab


# --- rule 8b: NAT64 ------------------------------------------------------------------------------
def nat64_lab(*, private: bool = False, nat64_route: bool = True) -> tuple[Estate, str]:
    e = Estate()
    v = e.vpc("10.0.0.0/16", ipv6="2600:1f18:abcd:1200::/56")
    igw = v.igw()
    pub = v.subnet("10.0.1.0/24")
    pub.route_table().route("0.0.0.0/0", igw)
    nat = pub.nat_gateway(private=private)
    priv = v.subnet("10.0.2.0/24", ipv6="2600:1f18:abcd:1202::/64")
    rt = priv.route_table()
    if nat64_route:
        rt.route("64:ff9b::/96", nat)
    priv.notebook(NB, sg=v.sg("notebook", egress_all=True), ipv6=True)
    return e, nat.id


def test_rule8b_nat64_route_to_public_nat_reaches_ipv4_internet_fails() -> None:
    e, nat_id = nat64_lab()
    result = scan(e)
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert nat_id in hop_ids(path)
    assert any("NAT64" in h.detail for h in path.hops)
    # the destinations are the IPv6 addresses the notebook sends to, inside 64:ff9b::/96
    assert destinations([path]) and all(d.startswith("64:ff9b::") for d in destinations([path]))
    assert result.status("NET-005", NB) == "FAIL"


def test_rule8b_nat64_through_private_nat_gateway_passes() -> None:
    e, _ = nat64_lab(private=True)
    result = scan(e)
    assert result.status("NET-001", NB) == "PASS"


def test_rule8b_without_nat64_route_ipv6_goes_nowhere_passes() -> None:
    e, _ = nat64_lab(nat64_route=False)
    assert scan(e).status("NET-001", NB) == "PASS"


def test_rule8b_nat64_through_firewall_is_inspected_passes() -> None:
    e = Estate()
    v = e.vpc("10.0.0.0/16", ipv6="2600:1f18:abcd:1200::/56")
    igw = v.igw()
    pub = v.subnet("10.0.1.0/24")
    pub.route_table().route("0.0.0.0/0", igw)
    nat = pub.nat_gateway()
    fwsub = v.subnet("10.0.3.0/28")
    fwsub.route_table().route("64:ff9b::/96", nat)
    fw = v.firewall([fwsub], e.firewall_policy())
    priv = v.subnet("10.0.2.0/24", ipv6="2600:1f18:abcd:1202::/64")
    priv.route_table().route("64:ff9b::/96", fw.endpoint())
    priv.notebook(NB, sg=v.sg("notebook", egress_all=True), ipv6=True)
    result = scan(e)
    assert result.status("NET-001", NB) == "PASS"
    (path,) = result.proof(NB).inspected
    assert hop_ids(path).index(fw.endpoint().id) < hop_ids(path).index(nat.id)


# --- rule 9b: forwarding instances with several ENIs ---------------------------------------------
def multi_eni_lab(*, source_dest_check: bool = False, elastic_ip: str | None = "203.0.113.7") -> tuple[Estate, str]:
    """A forwarder whose routed-to ENI sits in a private subnet with no way out, and whose second
    ENI, in a public subnet, has an Elastic IP on a secondary private address."""
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    igw = v.igw()
    inside = v.subnet("10.0.5.0/24", name="appliance-inside")
    inside.route_table()
    outside = v.subnet("10.0.6.0/24", name="appliance-outside")
    outside.route_table().route("0.0.0.0/0", igw)
    box = inside.instance(v.sg("box", egress_all=True), source_dest_check=source_dest_check)
    second = box.attach(outside)
    second.add_secondary(elastic_ip)
    priv = v.subnet("10.0.2.0/24")
    priv.route_table().route("0.0.0.0/0", box.eni)
    priv.notebook(NB, sg=v.sg("notebook", egress_all=True))
    return e, second.id


def test_rule9b_forwarder_leaves_by_its_other_eni_with_elastic_ip_fails() -> None:
    e, second = multi_eni_lab()
    result = scan(e)
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    hop = next(h for h in path.hops if h.kind == "nat-instance")
    assert f"leaves by {second}" in hop.detail and "public 203.0.113.7" in hop.detail


def test_rule9b_forwarder_without_public_address_on_any_eni_passes() -> None:
    e, _ = multi_eni_lab(elastic_ip=None)
    result = scan(e)
    assert result.status("NET-001", NB) == "PASS"
    assert any("drops traffic from private address" in b for b in result.proof(NB).blocked)


def test_rule9b_source_dest_check_on_forwards_nothing_passes() -> None:
    e, _ = multi_eni_lab(source_dest_check=True)
    result = scan(e)
    assert result.status("NET-001", NB) == "PASS"
    assert any("source/destination check on" in b for b in result.proof(NB).blocked)


# --- rule 11: Block Public Access modes and exclusions --------------------------------------------
def nat_instance_lab() -> tuple[Estate, str]:
    lab = nat_lab()
    box = lab.pub.instance(lab.v.sg("nat-box", egress_all=True), public_ip="198.51.100.40",
                           source_dest_check=False)
    lab.rt.route("0.0.0.0/0", box)
    return lab.e, box.id


def test_rule11_nat_instance_without_bpa_fails() -> None:
    e, _ = nat_instance_lab()
    assert scan(e).status("NET-001", NB) == "FAIL"


def test_rule11_block_ingress_blocks_nat_instance_passes() -> None:
    e, _ = nat_instance_lab()
    e.block_public_access("block-ingress")
    result = scan(e)
    assert result.status("NET-001", NB) == "PASS"
    assert any("Block Public Access (block-ingress)" in b for b in result.proof(NB).blocked)


def test_rule11_allow_egress_exclusion_does_not_lift_block_ingress_passes() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-ingress").bpa_exclusion(lab.priv, mode="allow-egress")
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule11_allow_bidirectional_exclusion_lifts_block_ingress_fails() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-ingress").bpa_exclusion(lab.priv, mode="allow-bidirectional")
    assert lab.scan().status("NET-001", NB) == "FAIL"


def test_rule11_exclusion_of_workload_subnet_does_not_free_its_nat_gateway_passes() -> None:
    # The IGW sees the NAT gateway's address: only an exclusion of the NAT's subnet (or VPC) counts.
    lab = nat_lab(default_route=True)
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.priv)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any(f"blocks {lab.igw.id} for {lab.pub.id}" in b for b in result.proof(NB).blocked)


def test_rule11_exclusion_of_nat_subnet_frees_its_traffic_fails() -> None:
    lab = nat_lab(default_route=True)
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.pub, mode="allow-egress")
    assert lab.scan().status("NET-001", NB) == "FAIL"


def test_rule11_exclusion_being_created_does_not_count_passes() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.priv, state="create-in-progress")
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule11_gwlb_endpoint_traffic_stays_blocked_in_excluded_subnet_passes() -> None:
    lab = public_notebook_lab()
    lab.rt.remove("0.0.0.0/0")
    appliance = lab.v.subnet("10.0.7.0/28")
    appliance.route_table().route("0.0.0.0/0", lab.igw)
    lab.rt.route("0.0.0.0/0", lab.v.gwlb_endpoint(appliance))
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.priv).bpa_exclusion(appliance)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("Gateway Load Balancer endpoint" in b for b in result.proof(NB).blocked)


# --- rule 23: appliance mode -----------------------------------------------------------------------
def appliance_lab(*, appliance_mode: bool) -> Estate:
    """Spoke (AZ a) -> TGW -> inspection VPC attached in AZ a and AZ b. AZ a's attachment subnet
    goes through the firewall; AZ b's goes straight to the NAT gateway."""
    e = Estate()
    spoke = e.vpc("10.10.0.0/16", name="spoke")
    spoke_subnet = spoke.subnet("10.10.1.0/24", az="eu-west-1a")
    hub = e.vpc("10.99.0.0/16", name="hub")
    igw = hub.igw()
    pub = hub.subnet("10.99.1.0/24", az="eu-west-1a")
    nat = pub.nat_gateway()
    fwsub = hub.subnet("10.99.3.0/28", az="eu-west-1a")
    fwsub.route_table().route("0.0.0.0/0", nat)
    fw = hub.firewall([fwsub], e.firewall_policy())
    att_a = hub.subnet("10.99.2.0/28", az="eu-west-1a")
    att_a.route_table().route("0.0.0.0/0", fw.endpoint())
    att_b = hub.subnet("10.99.2.16/28", az="eu-west-1b")
    att_b.route_table().route("0.0.0.0/0", nat)
    pub.route_table().route("0.0.0.0/0", igw)
    tgw = e.tgw("hub")
    spoke_rt, hub_rt = tgw.route_table(), tgw.route_table()
    spoke_att = tgw.attach(spoke, [spoke_subnet], route_table=spoke_rt)
    hub_att = tgw.attach(hub, [att_a, att_b], route_table=hub_rt, appliance_mode=appliance_mode)
    spoke_rt.route("0.0.0.0/0", hub_att)
    hub_rt.route(spoke.cidr, spoke_att)
    spoke_subnet.route_table().route("0.0.0.0/0", tgw)
    spoke_subnet.notebook(NB, sg=spoke.sg("notebook", egress_all=True))
    return e


def test_rule23_without_appliance_mode_flow_stays_in_source_az_passes() -> None:
    result = scan(appliance_lab(appliance_mode=False))
    assert result.status("NET-001", NB) == "PASS"
    assert result.proof(NB).inspected


def test_rule23_appliance_mode_may_pick_any_attachment_subnet_fails() -> None:
    result = scan(appliance_lab(appliance_mode=True))
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    hop = next(h for h in path.hops if h.kind == "tgw-attachment")
    assert "appliance mode" in hop.detail


# --- rule 6 with missing data: one unreadable prefix list ---------------------------------------
def test_rule06_unreadable_prefix_list_does_not_hide_a_proven_bypass_fails() -> None:
    lab = nat_lab(default_route=True)
    lab.rt.route(lab.e.prefix_list(["52.0.0.0/8"], entries_collected=False), lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert lab.nat.id in hop_ids(path)


def test_rule06_unreadable_prefix_list_with_no_other_way_out_is_error() -> None:
    lab = nat_lab()
    lab.rt.route(lab.e.prefix_list(["52.0.0.0/8"], entries_collected=False), lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert "GetManagedPrefixListEntries" in result.finding("NET-001", NB).message


# --- rule 31: relays anywhere the workload's traffic is delivered ---------------------------------
def relay_lab() -> tuple[Estate, Any, Any]:
    """A notebook VPC with no way out, peered with a VPC whose public subnet holds a build box."""
    e = Estate()
    nbv = e.vpc("10.50.0.0/16", ipv6="2600:1f18:abcd:5000::/56", name="notebooks")
    nb_subnet = nbv.subnet("10.50.1.0/24", ipv6="2600:1f18:abcd:5001::/64")
    nb_sg = nbv.sg("notebook", egress_all=True)
    nb_subnet.notebook(NB, sg=nb_sg, ipv6=True)
    other = e.vpc("10.60.0.0/16", ipv6="2600:1f18:abcd:6000::/56", name="tools")
    pub = other.subnet("10.60.1.0/24", ipv6="2600:1f18:abcd:6001::/64")
    pub.route_table().route("0.0.0.0/0", other.igw())
    return e, (nbv, nb_subnet, nb_sg), (other, pub)


def test_rule31_relay_behind_peering_fails() -> None:
    e, (nbv, nb_subnet, _nb_sg), (other, pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route(other.cidr, pcx)
    box = pub.instance(other.sg("box", egress_all=True).ingress("10.50.0.0/16", proto="tcp", ports=22),
                       public_ip="198.51.100.60")
    result = scan(e)
    assert result.status("NET-001", NB) == "PASS"
    assert result.status("NET-007", NB) == "FAIL"
    (path,) = result.paths("NET-007", NB)
    assert hop_ids(path)[1:3] == [pcx.id, box.id]


def test_rule31_relay_admitted_only_by_prefix_list_fails() -> None:
    e, (nbv, nb_subnet, _), (other, pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route(other.cidr, pcx)
    pub.instance(other.sg("box", egress_all=True).ingress(e.prefix_list(["10.50.1.0/24"])),
                 public_ip="198.51.100.61")
    assert scan(e).status("NET-007", NB) == "FAIL"


def test_rule31_relay_over_ipv6_fails() -> None:
    e, (nbv, nb_subnet, _), (other, pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route("2600:1f18:abcd:6000::/56", pcx)  # only IPv6 is routed to the peer
    pub.route_table().route("::/0", other.igw())
    sg = other.sg("box", egress_all=True).ingress("2600:1f18:abcd:5000::/56")
    box = pub.instance(sg, public_ip="198.51.100.62")
    box.eni.ipv6.append(pub.next_ipv6())
    result = scan(e)
    assert result.status("NET-007", NB) == "FAIL"
    relay_hop = next(h for h in result.paths("NET-007", NB)[0].hops if h.kind == "relay")
    assert f"at {box.eni.ipv6[0]} (" in relay_hop.detail  # reached at its IPv6 address


def test_rule31_relay_public_through_elastic_ip_on_secondary_address_fails() -> None:
    e, (nbv, _nb_subnet, nb_sg), (_other, _pub) = relay_lab()
    tools = nbv.subnet("10.50.9.0/24")
    tools.route_table().route("0.0.0.0/0", nbv.igw())
    box = tools.instance(nbv.sg("box", egress_all=True).ingress(nb_sg))
    box.eni.add_secondary("203.0.113.9")
    assert scan(e).status("NET-007", NB) == "FAIL"


def test_rule31_relay_behind_transit_gateway_fails() -> None:
    e, (nbv, nb_subnet, _), (other, pub) = relay_lab()
    tgw = e.tgw("hub")
    rt = tgw.route_table()
    att_nb = tgw.attach(nbv, [nb_subnet], route_table=rt)
    att_tools = tgw.attach(other, [pub], route_table=rt)
    rt.route(other.cidr, att_tools).route(nbv.cidr, att_nb)
    nb_subnet.route_table().route(other.cidr, tgw)
    pub.instance(other.sg("box", egress_all=True).ingress("10.50.0.0/16"), public_ip="198.51.100.63")
    result = scan(e)
    assert result.status("NET-007", NB) == "FAIL"
    assert tgw.id in hop_ids(result.paths("NET-007", NB)[0])


def test_rule31_host_whose_groups_do_not_admit_the_notebook_passes() -> None:
    e, (nbv, nb_subnet, _), (other, pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route(other.cidr, pcx)
    pub.instance(other.sg("box", egress_all=True).ingress("192.168.0.0/16"), public_ip="198.51.100.64")
    result = scan(e)
    assert result.status("NET-007", NB) == "PASS"
    assert not result.finding("NET-007", NB).evidence.notes  # a proof, nothing "not examined"


def test_rule31_sanctioned_proxy_in_peered_vpc_is_not_a_relay_passes() -> None:
    e, (nbv, nb_subnet, _), (other, pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route(other.cidr, pcx)
    proxy = pub.instance(other.sg("proxy", egress_all=True).ingress("10.50.0.0/16"), public_ip="198.51.100.65",
                         tags={"safemaker:role": "proxy"})
    result = scan(e)
    assert result.status("NET-007", NB) == "PASS", result.finding("NET-007", NB).message
    assert proxy.id


def test_rule31_peered_vpc_missing_from_snapshot_is_error() -> None:
    e, (nbv, nb_subnet, _), (other, _pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route(other.cidr, pcx)
    doc = e.build()
    ec2 = doc["accounts"][e.account][e.region]["ec2"]
    ec2["DescribeVpcs"]["Vpcs"] = [v for v in ec2["DescribeVpcs"]["Vpcs"] if v["VpcId"] != other.id]
    ec2["DescribeSubnets"]["Subnets"] = [s for s in ec2["DescribeSubnets"]["Subnets"] if s["VpcId"] != other.id]
    result = scan(doc)
    assert result.status("NET-007", NB) == "ERROR"
    assert other.id in result.finding("NET-007", NB).message


def _full(e: Estate) -> dict[tuple[str, str], str]:
    """Every check of the catalogue (PRX-002 lives outside checks/net.py)."""
    from safemaker.scanner.checking.engine import run_checks
    from safemaker.scanner.checking.registry import load_registry
    from safemaker.scanner.config import Config
    from safemaker.scanner.snapshot.io import Snapshot

    doc = e.build()
    findings = run_checks(Snapshot(doc, "scenario"), load_registry(), Config())
    return {(f.check_id, f.resource.id): f.status.value for f in findings}


def test_rule31_proxy_reached_through_peering_without_proxy_settings_fails_prx002() -> None:
    e, (nbv, nb_subnet, _), (other, pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route(other.cidr, pcx)
    pub.instance(other.sg("proxy", egress_all=True).ingress("10.50.0.0/16", proto="tcp", ports=3128),
                 public_ip="198.51.100.66", tags={"safemaker:role": "proxy"})
    got = _full(e)
    assert got[("PRX-002", NB)] == "FAIL"
    assert got[("NET-007", NB)] == "PASS"


def test_rule31_proxy_in_peered_vpc_that_refuses_the_notebook_is_not_its_egress_passes_prx002() -> None:
    e, (nbv, nb_subnet, _), (other, pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route(other.cidr, pcx)
    pub.instance(other.sg("proxy", egress_all=True).ingress("192.168.0.0/16"),
                 public_ip="198.51.100.67", tags={"safemaker:role": "proxy"})
    assert _full(e)[("PRX-002", NB)] == "PASS"


# --- rule 32: Gateway Load Balancer appliances -----------------------------------------------------
def gwlb_lab() -> tuple[Any, Any]:
    lab = nat_lab()
    appliance_subnet = lab.v.subnet("10.0.7.0/28")
    appliance_subnet.route_table().route("0.0.0.0/0", lab.nat)
    endpoint = lab.v.gwlb_endpoint(appliance_subnet)
    lab.rt.route("0.0.0.0/0", endpoint)
    return lab, endpoint


def test_rule32_undeclared_gwlb_appliance_is_uninspected_and_names_the_setting_fails() -> None:
    lab, endpoint = gwlb_lab()
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    notes = result.finding("NET-001", NB).evidence.notes
    assert any(f'appliances = ["{endpoint.service}"]' in n for n in notes)


def test_rule32_declared_gwlb_appliance_counts_as_inspection_passes() -> None:
    from safemaker.scanner.config import Config

    lab, endpoint = gwlb_lab()
    result = lab.scan(Config(appliances=(endpoint.service,)))
    assert result.status("NET-001", NB) == "PASS"
    (path,) = result.proof(NB).inspected
    assert hop_ids(path).index(endpoint.id) < hop_ids(path).index(lab.nat.id)


def test_rule32_declared_by_endpoint_id_passes() -> None:
    from safemaker.scanner.config import Config

    lab, endpoint = gwlb_lab()
    assert lab.scan(Config(appliances=(endpoint.id,))).status("NET-001", NB) == "PASS"


# --- rule 28: an interface endpoint counts only when the workload can use it --------------------
def endpoint_lab(**endpoint: Any) -> tuple[Any, Any]:
    lab = nat_lab()
    ep = lab.v.interface_endpoint("sagemaker.api", [lab.pub], **endpoint)
    lab.v.interface_endpoint("sagemaker.runtime", [lab.pub])
    lab.priv.route_table()  # only the local route
    nb = lab.e.notebooks[-1]
    nb.direct_internet = False
    return lab, ep


def test_rule28_reachable_endpoints_pass() -> None:
    lab, _ = endpoint_lab()
    assert lab.scan().status("VPCE-001", NB) == "PASS"


def test_rule28_endpoint_whose_group_refuses_the_notebook_fails() -> None:
    lab, ep = endpoint_lab(sgs=[])
    refusing = lab.v.sg("endpoint-closed").ingress("192.168.0.0/16", proto="tcp", ports=443)
    ep.sgs = [refusing]
    result = lab.scan()
    assert result.status("VPCE-001", NB) == "FAIL"
    assert any(ep.id in n and "tcp/443" in n for n in result.finding("VPCE-001", NB).evidence.notes)


def test_rule28_endpoint_with_private_dns_off_fails() -> None:
    lab, _ep = endpoint_lab(private_dns=False)
    result = lab.scan()
    assert result.status("VPCE-001", NB) == "FAIL"
    assert any("private DNS off" in n for n in result.finding("VPCE-001", NB).evidence.notes)


def test_rule28_nacl_blocking_https_to_the_endpoint_fails() -> None:
    lab, _ = endpoint_lab()
    acl = lab.v.nacl()
    acl.outbound(100, "allow", "0.0.0.0/0", proto="6", ports=22).inbound(100, "allow", "0.0.0.0/0")
    lab.priv.use_nacl(acl)
    assert lab.scan().status("VPCE-001", NB) == "FAIL"


def test_rule28_endpoint_groups_unknown_is_error() -> None:
    lab, ep = endpoint_lab(sgs=[])
    result = lab.scan()
    assert result.status("VPCE-001", NB) == "ERROR"
    assert ep.id in result.finding("VPCE-001", NB).message


# --- rule 15: in a centralised design the firewall protects the spokes' ranges ------------------
def centralised_lab(*, return_through_firewall: bool) -> Estate:
    """Spoke -> TGW -> inspection VPC: attachment subnet -> firewall endpoint -> NAT -> IGW."""
    e = Estate()
    spoke = e.vpc("10.10.0.0/16", name="spoke")
    spoke_subnet = spoke.subnet("10.10.1.0/24")
    hub = e.vpc("10.99.0.0/16", name="inspection")
    igw = hub.igw()
    pub = hub.subnet("10.99.1.0/24", name="nat")
    nat = pub.nat_gateway()
    fwsub = hub.subnet("10.99.3.0/28", name="firewall")
    fw = hub.firewall([fwsub], e.firewall_policy(), name="central-fw")
    att_subnet = hub.subnet("10.99.2.0/28", name="tgw-attachment")
    tgw = e.tgw("hub")
    spoke_rt, hub_rt = tgw.route_table(), tgw.route_table()
    spoke_att = tgw.attach(spoke, [spoke_subnet], route_table=spoke_rt)
    hub_att = tgw.attach(hub, [att_subnet], route_table=hub_rt, appliance_mode=True)
    spoke_rt.route("0.0.0.0/0", hub_att)
    hub_rt.route(spoke.cidr, spoke_att)
    spoke_subnet.route_table().route("0.0.0.0/0", tgw)
    att_subnet.route_table().route("0.0.0.0/0", fw.endpoint())
    fwsub.route_table().route("0.0.0.0/0", nat).route(spoke.cidr, tgw)
    back = fw.endpoint() if return_through_firewall else tgw
    pub.route_table().route("0.0.0.0/0", igw).route(spoke.cidr, back)
    spoke_subnet.notebook(NB, sg=spoke.sg("notebook", egress_all=True))
    return e


def test_rule15_centralised_return_routes_for_spoke_ranges_pass() -> None:
    result = scan(centralised_lab(return_through_firewall=True))
    assert result.status("NET-008", "central-fw") == "PASS", result.finding("NET-008", "central-fw").message
    assert result.status("NET-001", NB) == "PASS"


def test_rule15_centralised_spoke_replies_bypassing_the_endpoint_fail() -> None:
    result = scan(centralised_lab(return_through_firewall=False))
    assert result.status("NET-008", "central-fw") == "FAIL"
    message = result.finding("NET-008", "central-fw").message
    assert "10.10.0.0/16" in message and "not back through vpce-" in message


def test_rule31_relay_whose_eni_only_describe_network_interfaces_lists_fails() -> None:
    # DescribeInstances may list an instance without its interfaces; the attachment recorded on
    # the ENI in DescribeNetworkInterfaces still makes it the instance's (found by the oracle).
    e, (nbv, _nb_subnet, nb_sg), (_other, _pub) = relay_lab()
    tools = nbv.subnet("10.50.9.0/24")
    tools.route_table().route("0.0.0.0/0", nbv.igw())
    box = tools.instance(nbv.sg("box", egress_all=True).ingress(nb_sg), public_ip="198.51.100.70")
    doc = e.build()
    for reservation in doc["accounts"][e.account][e.region]["ec2"]["DescribeInstances"]["Reservations"]:
        for inst in reservation["Instances"]:
            if inst["InstanceId"] == box.id:
                inst["NetworkInterfaces"] = []
    assert scan(doc).status("NET-007", NB) == "FAIL"


def test_rule28_domain_reaches_endpoints_whose_group_admits_its_security_group_passes() -> None:
    # Seed 004: the endpoints' group admits the Studio security group by reference; a workload
    # known only by its placement has no ENI address in the group, yet it is admitted.
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    sub = v.subnet("10.0.2.0/24")
    sub.route_table()
    studio = v.sg("studio", egress_all=True)
    ep_sg = v.sg("endpoints").ingress(studio, proto="tcp", ports=443)
    v.interface_endpoint("sagemaker.api", [sub], sgs=[ep_sg])
    v.interface_endpoint("sagemaker.runtime", [sub], sgs=[ep_sg])
    e.domain("d-vpconly", subnets=[sub], sgs=[studio])
    result = scan(e)
    assert result.status("VPCE-001", "d-vpconly") == "PASS", result.finding("VPCE-001", "d-vpconly").message


def test_rule28_domain_whose_group_the_endpoints_do_not_admit_fails() -> None:
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    sub = v.subnet("10.0.2.0/24")
    sub.route_table()
    studio = v.sg("studio", egress_all=True)
    other = v.sg("other")
    ep_sg = v.sg("endpoints").ingress(other, proto="tcp", ports=443)
    v.interface_endpoint("sagemaker.api", [sub], sgs=[ep_sg])
    v.interface_endpoint("sagemaker.runtime", [sub], sgs=[ep_sg])
    e.domain("d-vpconly", subnets=[sub], sgs=[studio])
    assert scan(e).status("VPCE-001", "d-vpconly") == "FAIL"


def test_rule31_relay_admitted_by_an_unreadable_prefix_list_is_error() -> None:
    e, (nbv, nb_subnet, _), (other, pub) = relay_lab()
    pcx = e.peering(nbv, other)
    nb_subnet.route_table().route(other.cidr, pcx)
    unreadable = e.prefix_list(["10.50.0.0/16"], entries_collected=False)
    pub.instance(other.sg("box", egress_all=True).ingress(unreadable), public_ip="198.51.100.71")
    result = scan(e)
    assert result.status("NET-007", NB) == "ERROR"
    assert unreadable.id in result.finding("NET-007", NB).message


def test_rule8b_ipv6_only_workload_reaches_ipv4_internet_through_nat64_fails() -> None:
    e, nat_id = nat64_lab()
    doc = e.build()
    ec2 = doc["accounts"][e.account][e.region]["ec2"]
    nb_eni = next(n for n in ec2["DescribeNetworkInterfaces"]["NetworkInterfaces"] if "Notebook Instance" in
                  n.get("Description", ""))
    del nb_eni["PrivateIpAddress"]
    nb_eni["PrivateIpAddresses"] = []  # an ENI of an IPv6-only subnet has no IPv4 address
    result = scan(doc)
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert nat_id in hop_ids(path)


def test_rule11_exclusions_not_allowed_by_the_organization_do_not_lift_the_block_passes() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.priv)
    doc = lab.e.build()
    opts = doc["accounts"][lab.e.account][lab.e.region]["ec2"]["DescribeVpcBlockPublicAccessOptions"]
    opts["VpcBlockPublicAccessOptions"]["ExclusionsAllowed"] = "not-allowed"
    assert scan(doc).status("NET-001", NB) == "PASS"


def test_rule28_endpoints_not_collected_is_error_not_fail() -> None:
    lab, _ = endpoint_lab()
    lab.e.omit("ec2", "DescribeVpcEndpoints", error_code="AccessDenied")
    result = lab.scan()
    assert result.status("VPCE-001", NB) == "ERROR"
    assert "DescribeVpcEndpoints" in result.finding("VPCE-001", NB).message
