"""One scenario per AWS forwarding rule of docs/forwarding-rules.md, each failing when the rule is broken.

Every test builds a small estate with `tests/estate.py`, runs the real engine (NET-001 and the
other checks of checks/net.py) and asserts the verdict for one notebook plus the evidence that
makes it right: which hops the FAIL path takes, which destination ranges it carries, why a
PASS is a PASS. Rules 13, 15, 17, 18, 19 and 26-28 belong to other checks (VPCE-001, NET-008,
FW-00x, NET-002/003) and are not tested here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import pytest
from estate import Estate, Firewall, InternetGateway, NatGateway, RouteTable, SecurityGroup, Subnet, Vpc
from estate_scan import Scan, destinations, hop_ids, hop_kinds, scan

from safemaker.scanner.config import Config

NB = "nb-analysts"


# --- labs: the usual shapes, built short -------------------------------------------------------
@dataclass
class Lab:
    """A VPC with a public subnet (IGW route, NAT gateway) and a private subnet with the notebook."""

    e: Estate
    v: Vpc
    igw: InternetGateway
    pub: Subnet
    nat: NatGateway
    priv: Subnet
    sg: SecurityGroup
    fw: Firewall | None = None
    fwsub: Subnet | None = None

    @property
    def rt(self) -> RouteTable:
        """The notebook subnet's own route table."""
        return self.priv.route_table()

    def scan(self, config: Config | None = None) -> Scan:
        return scan(self.e, config)


def nat_lab(*, sg: SecurityGroup | None = None, public_ip: str | None = None, ipv6: bool = False,
            direct_internet: bool = False, default_route: bool = False) -> Lab:
    e = Estate()
    v = e.vpc("10.0.0.0/16", ipv6="2600:1f18:abcd:1200::/56" if ipv6 else None)
    igw = v.igw()
    pub = v.subnet("10.0.1.0/24", name="public", ipv6="2600:1f18:abcd:1201::/64" if ipv6 else None)
    pub.route_table("public").route("0.0.0.0/0", igw)
    nat = pub.nat_gateway()
    priv = v.subnet("10.0.2.0/24", name="private", ipv6="2600:1f18:abcd:1202::/64" if ipv6 else None)
    group = sg or v.sg("notebook", egress_all=True)
    priv.notebook(NB, sg=group, public_ip=public_ip, ipv6=ipv6, direct_internet=direct_internet)
    if default_route:
        priv.route_table("private").route("0.0.0.0/0", nat)
    else:
        priv.route_table("private")
    return Lab(e, v, igw, pub, nat, priv, group)


def inspected_lab(default: str = "aws:forward_to_sfe", **policy: Any) -> Lab:
    """Firewall in front of the NAT: private 0/0 -> firewall endpoint -> NAT -> IGW, all inspected."""
    lab = nat_lab()
    fwsub = lab.v.subnet("10.0.3.0/28", name="firewall")
    fwsub.route_table("firewall").route("0.0.0.0/0", lab.nat)
    fw = lab.v.firewall([fwsub], lab.e.firewall_policy(stateless_default=default, **policy))
    lab.rt.route("0.0.0.0/0", fw.endpoint())
    lab.fw, lab.fwsub = fw, fwsub
    return lab


def seed001_lab(default: str = "aws:forward_to_sfe", **policy: Any) -> Lab:
    """Seed 001: SageMaker subnet -> NAT (S3 through a gateway endpoint); NAT subnet -> firewall
    endpoint; firewall subnet -> IGW; the IGW's edge route table returns the NAT subnet's replies."""
    e = Estate()
    v = e.vpc("10.2.0.0/16")
    igw = v.igw()
    fwsub = v.subnet("10.2.1.0/24", name="firewall")
    natsub = v.subnet("10.2.2.0/24", name="nat")
    smsub = v.subnet("10.2.3.0/24", name="sagemaker")
    fw = v.firewall([fwsub], e.firewall_policy(stateless_default=default,
                                               stateful=[e.domain_allowlist([".kaggle.com"])], **policy))
    nat = natsub.nat_gateway()
    fwsub.route_table("firewall").route("0.0.0.0/0", igw)
    natsub.route_table("nat").route("0.0.0.0/0", fw.endpoint())
    v.route_table("igw-edge").edge(igw).route(natsub.cidr, fw.endpoint())
    v.gateway_endpoint("s3", route_tables=[smsub.route_table("sagemaker").route("0.0.0.0/0", nat)])
    group = v.sg("sagemaker", egress_all=True)
    smsub.notebook(NB, sg=group)
    return Lab(e, v, igw, natsub, nat, smsub, group, fw, fwsub)


def covers(cidrs: set[str], network: str) -> bool:
    """Whether any of `cidrs` overlaps `network`."""
    net = ipaddress.ip_network(network)
    return any(ipaddress.ip_network(c).overlaps(net) for c in cidrs if ipaddress.ip_network(c).version == net.version)


# --- rule 1: longest prefix match over every destination ----------------------------------------
def test_rule01_default_route_through_firewall_passes() -> None:
    lab = inspected_lab()
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    proof = result.proof(NB)
    assert proof.inspected and not proof.uninspected
    assert lab.fw is not None
    assert lab.fw.endpoint().id in hop_ids(proof.inspected[0])


def test_rule01_longest_prefix_more_specific_nat_route_fails() -> None:
    lab = inspected_lab()
    lab.rt.route("52.0.0.0/8", lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert path.destinations == ("52.0.0.0/8",)
    assert lab.fw is not None
    assert lab.rt.id in hop_ids(path) and lab.nat.id in hop_ids(path) and lab.igw.id in hop_ids(path)
    assert lab.fw.endpoint().id not in hop_ids(path)
    # everything else still goes through the firewall
    assert result.proof(NB).inspected


def test_rule01_split_default_routes_bypass_firewall_fails() -> None:
    lab = inspected_lab()
    lab.rt.route("0.0.0.0/1", lab.nat).route("128.0.0.0/1", lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    dests = destinations(result.paths("NET-001", NB))
    assert "128.0.0.0/3" in dests and "32.0.0.0/3" in dests
    assert not result.proof(NB).inspected  # the /1 pair takes every address from 0.0.0.0/0


def test_rule01_split_routes_to_firewall_beat_default_to_nat_passes() -> None:
    lab = inspected_lab()
    assert lab.fw is not None
    endpoint = lab.fw.endpoint()
    lab.rt.remove("0.0.0.0/0").route("0.0.0.0/0", lab.nat).route("0.0.0.0/1", endpoint).route("128.0.0.0/1", endpoint)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert result.proof(NB).inspected


# --- rule 2: static vs prefix-list vs propagated at equal length --------------------------------
def test_rule02_static_route_beats_prefix_list_of_same_length_passes() -> None:
    lab = inspected_lab()
    assert lab.fw is not None
    lab.rt.route("52.0.0.0/8", lab.fw.endpoint()).route(lab.e.prefix_list(["52.0.0.0/8"]), lab.nat)
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule02_prefix_list_entry_more_specific_than_static_route_fails() -> None:
    lab = inspected_lab()
    assert lab.fw is not None
    lab.rt.route("52.0.0.0/8", lab.fw.endpoint()).route(lab.e.prefix_list(["52.0.0.0/9"]), lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert destinations(result.paths("NET-001", NB)) == {"52.0.0.0/9"}


def test_rule02_overlapping_prefix_lists_are_both_possible_fails() -> None:
    lab = inspected_lab()
    assert lab.fw is not None
    lab.rt.route(lab.e.prefix_list(["52.0.0.0/8"], name="a"), lab.fw.endpoint())
    lab.rt.route(lab.e.prefix_list(["52.0.0.0/8"], name="b"), lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert destinations(result.paths("NET-001", NB)) == {"52.0.0.0/8"}
    assert any("both routes treated as possible" in n for n in result.proof(NB).notes)


def test_rule02_prefix_list_beats_propagated_route_of_same_length_fails() -> None:
    # AWS: a prefix-list route is preferred over a VGW-propagated route with the same prefix.
    lab = inspected_lab()
    lab.rt.route("52.0.0.0/8", lab.v.vgw(), origin="EnableVgwRoutePropagation")
    lab.rt.route(lab.e.prefix_list(["52.0.0.0/8"]), lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert destinations(result.paths("NET-001", NB)) == {"52.0.0.0/8"}


def test_rule02_static_route_beats_propagated_route_of_same_length_passes() -> None:
    lab = inspected_lab()
    lab.rt.route("52.0.0.0/8", lab.v.vgw())
    lab.rt.route("52.0.0.0/8", lab.nat, origin="EnableVgwRoutePropagation")
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("on-premises" in b for b in result.proof(NB).blocked)


# --- rule 3: main route table fallback ----------------------------------------------------------
def test_rule03_subnet_without_association_uses_main_route_table_fails() -> None:
    lab = nat_lab()
    lab.priv.disassociate()
    lab.v.main_route_table.route("0.0.0.0/0", lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert hop_ids(path)[1] == lab.v.main_route_table.id
    assert "(main route table)" in path.hops[1].detail


def test_rule03_explicit_association_overrides_main_route_table_passes() -> None:
    lab = nat_lab()  # the private subnet has its own table with only the local route
    lab.v.main_route_table.route("0.0.0.0/0", lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any(f"{lab.rt.id} has no route" in b for b in result.proof(NB).blocked)


def test_rule03_no_association_and_no_main_table_is_error() -> None:
    lab = nat_lab()
    doc = lab.e.build()
    tables = doc["accounts"][lab.e.account][lab.e.region]["ec2"]["DescribeRouteTables"]["RouteTables"]
    for table in tables:
        table["Associations"] = [a for a in table["Associations"] if not a.get("Main")
                                 and a.get("SubnetId") != lab.priv.id]
    result = scan(doc)
    assert result.status("NET-001", NB) == "ERROR"
    assert "no main route table" in result.finding("NET-001", NB).message


# --- rule 4: blackhole routes drop, no fallback -------------------------------------------------
def test_rule04_blackhole_route_drops_without_fallback_passes() -> None:
    lab = nat_lab(default_route=True)
    gone = "nat-0000000000000dead"
    lab.rt.blackhole("0.0.0.0/1", gone).blackhole("128.0.0.0/1", gone)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("blackhole (no fallback)" in b for b in result.proof(NB).blocked)


def test_rule04_blackhole_covers_only_its_own_range_fails() -> None:
    lab = nat_lab(default_route=True)
    lab.rt.blackhole("128.0.0.0/1", "nat-0000000000000dead")
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    dests = destinations(result.paths("NET-001", NB))
    assert "32.0.0.0/3" in dests and not covers(dests, "128.0.0.0/1")


# --- rule 5: the local route --------------------------------------------------------------------
def test_rule05_local_route_is_not_overridden_by_less_specific_route_passes() -> None:
    lab = nat_lab()
    lab.sg.no_egress().egress("10.0.0.0/16")
    lab.rt.route("10.0.0.0/8", lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("local route" in b for b in result.proof(NB).blocked)


def test_rule05_default_route_never_carries_vpc_addresses_fails() -> None:
    lab = nat_lab(default_route=True)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    dests = destinations(result.paths("NET-001", NB))
    assert dests and not covers(dests, "10.0.0.0/16")


def test_rule05_middlebox_route_more_specific_than_local_is_followed() -> None:
    lab = nat_lab()
    appliance = lab.v.subnet("10.0.9.0/24").instance(source_dest_check=True)
    other = lab.v.subnet("10.0.5.0/24")
    lab.rt.route(other.cidr, appliance)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any(appliance.id in b and "source/destination check on" in b for b in result.proof(NB).blocked)


# --- rule 6: prefix lists -------------------------------------------------------------------------
def test_rule06_managed_prefix_list_route_to_nat_fails() -> None:
    lab = inspected_lab()
    lab.rt.route(lab.e.prefix_list(["52.0.0.0/8", "54.0.0.0/8"]), lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert destinations(result.paths("NET-001", NB)) == {"52.0.0.0/8", "54.0.0.0/8"}


def test_rule06_managed_prefix_list_route_to_vgw_passes() -> None:
    lab = inspected_lab()
    lab.rt.route(lab.e.prefix_list(["52.0.0.0/8"]), lab.v.vgw())
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule06_aws_prefix_list_resolved_from_describe_prefix_lists() -> None:
    lab = nat_lab()
    lab.v.gateway_endpoint("s3", route_tables=[lab.rt])
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    (path,) = result.proof(NB).gateway_endpoints
    assert set(path.destinations) == {"52.218.0.0/17", "3.5.64.0/21"}


def test_rule06_unresolvable_prefix_list_is_error() -> None:
    lab = nat_lab()
    lab.rt.route("pl-00000000000000bad", lab.nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert "pl-00000000000000bad" in result.finding("NET-001", NB).message


def test_rule06_prefix_list_entries_not_collected_is_error() -> None:
    lab = inspected_lab()
    lab.rt.route(lab.e.prefix_list(["52.0.0.0/8"], entries_collected=False), lab.nat)
    assert lab.scan().status("NET-001", NB) == "ERROR"


# --- rule 7: internet gateways need a public address ---------------------------------------------
def test_rule07_igw_route_without_public_ip_is_latent() -> None:
    lab = nat_lab()
    lab.rt.route("0.0.0.0/0", lab.igw)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert result.status("NET-004", NB) == "FAIL"
    (path,) = result.paths("NET-004", NB)
    assert hop_ids(path)[-1] == lab.igw.id and "no public IPv4" in path.hops[-1].detail


def test_rule07_igw_route_with_public_ip_fails() -> None:
    lab = nat_lab(public_ip="198.51.100.20")
    lab.rt.route("0.0.0.0/0", lab.igw)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert result.status("NET-004", NB) == "PASS"
    (path,) = result.paths("NET-001", NB)
    assert hop_kinds(path)[-2:] == ["internet-gateway", "internet"]


def test_rule07_ipv6_address_reaches_igw_fails() -> None:
    lab = nat_lab(ipv6=True)
    lab.rt.route("::/0", lab.igw)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert result.status("NET-005", NB) == "FAIL"
    assert all(":" in d for d in destinations(result.paths("NET-001", NB)))


def test_rule07_ipv6_route_without_ipv6_address_passes() -> None:
    lab = nat_lab(ipv6=True)
    lab.priv.notebook("nb-v4only", sg=lab.sg)
    lab.rt.route("::/0", lab.igw)
    result = lab.scan()
    assert result.status("NET-001", "nb-v4only") == "PASS"
    assert result.status("NET-001", NB) == "FAIL"


# --- rule 8: NAT gateways ------------------------------------------------------------------------
def test_rule08_public_nat_follows_its_own_subnet_route_table_fails() -> None:
    lab = nat_lab(default_route=True)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    ids = hop_ids(path)
    public_rt = lab.pub.route_table()
    assert ids.index(lab.rt.id) < ids.index(lab.nat.id) < ids.index(public_rt.id) < ids.index(lab.igw.id)
    assert "source NAT by " + lab.nat.id in path.hops[ids.index(lab.igw.id)].detail


def test_rule08_nat_subnet_without_igw_route_passes() -> None:
    lab = nat_lab(default_route=True)
    lab.pub.route_table().remove("0.0.0.0/0")  # only the local route left
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert result.status("NET-004", NB) == "PASS"


def test_rule08_nat_behind_firewall_seed001_passes() -> None:
    lab = seed001_lab()
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert lab.fw is not None
    (path,) = result.proof(NB).inspected
    ids = hop_ids(path)
    assert ids.index(lab.nat.id) < ids.index(lab.fw.endpoint().id) < ids.index(lab.igw.id)


def test_rule08_private_nat_gateway_passes() -> None:
    lab = nat_lab()
    private_nat = lab.pub.nat_gateway(private=True)
    lab.rt.route("0.0.0.0/0", private_nat)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert result.status("NET-004", NB) == "PASS"
    assert any("private address" in b for b in result.proof(NB).blocked)


@pytest.mark.parametrize("state", ["pending", "failed", "deleting", "deleted"])
def test_rule08_nat_gateway_not_available_passes(state: str) -> None:
    lab = nat_lab()
    lab.rt.route("0.0.0.0/0", lab.pub.nat_gateway(state=state))
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any(f"is {state}: it forwards nothing" in b for b in result.proof(NB).blocked)


def test_rule08_nat_gateway_missing_from_snapshot_is_error() -> None:
    lab = nat_lab()
    lab.rt.route("0.0.0.0/0", "nat-00000000000000bad")
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert "nat-00000000000000bad" in result.finding("NET-001", NB).message


# --- rule 9: NAT instances ----------------------------------------------------------------------
def test_rule09_nat_instance_with_source_dest_check_off_fails() -> None:
    lab = nat_lab()
    nat_instance = lab.pub.instance(public_ip="198.51.100.9", source_dest_check=False, name="nat-instance")
    lab.rt.route("0.0.0.0/0", nat_instance)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    ids = hop_ids(path)
    assert ids.index(nat_instance.id) < ids.index(lab.pub.route_table().id) < ids.index(lab.igw.id)
    assert "nat-instance" in hop_kinds(path)


def test_rule09_instance_with_source_dest_check_on_passes() -> None:
    lab = nat_lab()
    box = lab.pub.instance(public_ip="198.51.100.9", source_dest_check=True)
    lab.rt.route("0.0.0.0/0", box)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("source/destination check on" in b for b in result.proof(NB).blocked)


def test_rule09_nat_instance_without_public_ip_passes() -> None:
    lab = nat_lab()
    lab.rt.route("0.0.0.0/0", lab.pub.instance(source_dest_check=False))
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule09_route_to_sanctioned_proxy_instance_is_inspected() -> None:
    lab = nat_lab()
    proxy = lab.pub.instance(public_ip="198.51.100.9", source_dest_check=False, tags={"safemaker:role": "proxy"})
    lab.rt.route("0.0.0.0/0", proxy)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    (path,) = result.proof(NB).inspected
    assert hop_kinds(path)[-1] == "proxy" and hop_ids(path)[-1] == proxy.id


# --- rule 10: egress-only internet gateways ------------------------------------------------------
def ipv6_firewall_lab() -> Lab:
    e = Estate()
    v = e.vpc("10.0.0.0/16", ipv6="2600:1f18:abcd:1200::/56")
    igw = v.igw()
    pub = v.subnet("10.0.1.0/24")
    pub.route_table().route("0.0.0.0/0", igw)
    nat = pub.nat_gateway()
    fwsub = v.subnet("10.0.3.0/28")
    fwsub.route_table().route("0.0.0.0/0", nat)
    fw = v.firewall([fwsub], e.firewall_policy())
    priv = v.subnet("10.0.2.0/24", ipv6="2600:1f18:abcd:1202::/64")
    priv.route_table().route("0.0.0.0/0", fw.endpoint()).route("::/0", v.eigw())
    group = v.sg("notebook", egress_all=True)
    priv.notebook(NB, sg=group, ipv6=True)
    return Lab(e, v, igw, pub, nat, priv, group, fw, fwsub)


def test_rule10_egress_only_igw_bypasses_ipv4_firewall_fails() -> None:
    lab = ipv6_firewall_lab()
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert result.status("NET-005", NB) == "FAIL"
    proof = result.proof(NB)
    assert proof.inspected  # IPv4 is inspected...
    assert proof.uninspected == proof.uninspected_ipv6  # ...the whole bypass is IPv6
    eigw = lab.e.eigws[0]
    assert all(hop_ids(p)[-2] == eigw.id for p in proof.uninspected)
    assert all(":" in d for d in destinations(proof.uninspected))


def test_rule10_eni_without_ipv6_address_passes() -> None:
    lab = ipv6_firewall_lab()
    lab.priv.notebook("nb-v4only", sg=lab.sg)
    result = lab.scan()
    assert result.status("NET-001", "nb-v4only") == "PASS"
    assert result.status("NET-005", "nb-v4only") == "PASS"


def test_rule10_security_group_without_ipv6_egress_passes() -> None:
    lab = ipv6_firewall_lab()
    lab.sg.no_egress().egress("0.0.0.0/0")
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"


# --- rule 11: VPC Block Public Access -----------------------------------------------------------
def public_notebook_lab() -> Lab:
    lab = nat_lab(public_ip="198.51.100.20")
    lab.rt.route("0.0.0.0/0", lab.igw)
    return lab


def test_rule11_block_bidirectional_blocks_igw_passes() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-bidirectional")
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("Block Public Access (block-bidirectional)" in b for b in result.proof(NB).blocked)


def test_rule11_subnet_exclusion_reopens_path_fails() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.priv)
    assert lab.scan().status("NET-001", NB) == "FAIL"


def test_rule11_vpc_exclusion_reopens_path_fails() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.v, mode="allow-egress")
    assert lab.scan().status("NET-001", NB) == "FAIL"


def test_rule11_deleted_exclusion_does_not_reopen_passes() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.priv, state="delete-complete")
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule11_exclusion_of_nat_subnet_behind_firewall_reopens_fails() -> None:
    # Seed 001 with BPA: the NAT subnet is excluded, the firewall subnet (where the packet meets
    # the IGW) is not. The exclusion must still count: BPA may only remove a path when sure.
    lab = seed001_lab(default="aws:pass")
    lab.e.block_public_access("block-bidirectional").bpa_exclusion(lab.pub)
    assert lab.scan().status("NET-001", NB) == "FAIL"


def test_rule11_block_ingress_still_allows_nat_gateway_egress_fails() -> None:
    lab = nat_lab(default_route=True)
    lab.e.block_public_access("block-ingress")
    assert lab.scan().status("NET-001", NB) == "FAIL"


def test_rule11_block_ingress_blocks_public_ip_egress_passes() -> None:
    lab = public_notebook_lab()
    lab.e.block_public_access("block-ingress")
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule11_block_bidirectional_blocks_egress_only_igw_passes() -> None:
    lab = ipv6_firewall_lab()
    lab.e.block_public_access("block-bidirectional")
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"  # IPv4 is inspected; BPA blocks the EIGW and the IGW


def test_rule11_absent_options_taken_as_off_with_note_fails() -> None:
    lab = public_notebook_lab()
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    notes = result.finding("NET-001", NB).evidence.notes
    assert "VPC Block Public Access options were not collected: taken as off" in notes


# --- rule 12: gateway endpoints ------------------------------------------------------------------
def test_rule12_gateway_endpoint_is_not_internet_passes() -> None:
    lab = nat_lab()
    endpoint = lab.v.gateway_endpoint("s3", route_tables=[lab.rt])
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    (path,) = result.proof(NB).gateway_endpoints
    assert hop_ids(path)[-1] == endpoint.id


def test_rule12_gateway_endpoint_ranges_are_carved_out_of_nat_path_fails() -> None:
    lab = nat_lab(default_route=True)
    lab.v.gateway_endpoint("s3", route_tables=[lab.rt])
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    dests = destinations(result.paths("NET-001", NB))
    assert not covers(dests, "52.218.0.0/17") and not covers(dests, "3.5.64.0/21")
    assert result.proof(NB).gateway_endpoints


# --- rule 14: firewall endpoints ----------------------------------------------------------------
def test_rule14_firewall_endpoint_mapped_through_sync_states_passes() -> None:
    lab = inspected_lab()
    assert lab.fw is not None and lab.fwsub is not None
    endpoint = lab.fw.endpoint()
    assert all(ep.id != endpoint.id for ep in lab.e.vpc_endpoints)  # only DescribeFirewall knows it
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    (path,) = result.proof(NB).inspected
    ids = hop_ids(path)
    assert ids.index(endpoint.id) < ids.index(lab.fwsub.route_table().id) < ids.index(lab.nat.id)


def test_rule14_traffic_continues_by_endpoint_subnet_route_table_fails() -> None:
    # Not inspected (stateless pass), so the only way out is the firewall subnet's own route
    # table (-> NAT -> IGW): following the notebook subnet's table instead would loop and PASS.
    lab = inspected_lab(default="aws:pass")
    assert lab.fw is not None and lab.fwsub is not None
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    ids = hop_ids(path)
    assert ids.index(lab.fw.endpoint().id) < ids.index(lab.fwsub.route_table().id) < ids.index(lab.nat.id)


def test_rule14_endpoint_in_each_az_continues_by_its_own_subnet() -> None:
    lab = inspected_lab()
    other = lab.v.subnet("10.0.3.16/28", az="eu-west-1b")
    other.route_table().route("0.0.0.0/0", lab.igw)  # AZ b's firewall subnet skips the NAT
    assert lab.fw is not None
    lab.fw.add_subnet(other)
    priv_b = lab.v.subnet("10.0.4.0/24", az="eu-west-1b")
    priv_b.route_table().route("0.0.0.0/0", lab.fw.endpoint("eu-west-1b"))
    priv_b.notebook("nb-b", sg=lab.sg, public_ip="198.51.100.30")
    result = lab.scan()
    assert result.status("NET-001", "nb-b") == "PASS"
    (path,) = result.proof("nb-b").inspected
    assert other.route_table().id in hop_ids(path) and lab.nat.id not in hop_ids(path)


def test_rule14_unknown_vpce_route_target_is_error() -> None:
    lab = nat_lab()
    lab.rt.route("0.0.0.0/0", "vpce-00000000000000bad")
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert "vpce-00000000000000bad" in result.finding("NET-001", NB).message


def test_rule14_gwlb_endpoint_is_not_counted_as_inspection_fails() -> None:
    lab = nat_lab()
    appliance_subnet = lab.v.subnet("10.0.7.0/28")
    appliance_subnet.route_table().route("0.0.0.0/0", lab.nat)
    lab.rt.route("0.0.0.0/0", lab.v.gwlb_endpoint(appliance_subnet))
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert any("not declared as an inspection point" in n for n in result.finding("NET-001", NB).evidence.notes)


def test_rule14_firewall_policy_not_collected_is_error() -> None:
    lab = inspected_lab()
    lab.e.omit("network-firewall", "DescribeFirewallPolicy", error_code="AccessDeniedException")
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert "AccessDeniedException" in result.finding("NET-001", NB).message


# --- rule 16: the stateless engine ---------------------------------------------------------------
def test_rule16_stateless_default_pass_is_not_inspected_fails() -> None:
    lab = inspected_lab(default="aws:pass")
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert any("NOT inspected" in h.detail for h in path.hops)


def test_rule16_stateless_default_forward_to_sfe_passes() -> None:
    lab = inspected_lab(default="aws:forward_to_sfe")
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("stateful engine" in h.detail for h in result.proof(NB).inspected[0].hops)


def test_rule16_stateless_default_drop_passes() -> None:
    lab = inspected_lab(default="aws:drop")
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    proof = result.proof(NB)
    assert not proof.inspected
    assert any("drops it (stateless default action aws:drop)" in b for b in proof.blocked)


def test_rule16_stateless_pass_rule_at_priority_1_fails() -> None:
    lab = inspected_lab()
    group = lab.e.stateless_rule_group("pass-all").rule(1, "aws:pass")
    assert lab.fw is not None
    lab.fw.policy.stateless.append(group)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert any("stateless rule priority 1 in pass-all" in h.detail for h in path.hops)


def test_rule16_forward_rule_for_all_before_default_pass_passes() -> None:
    lab = inspected_lab(default="aws:pass")
    group = lab.e.stateless_rule_group("forward-all").rule(1, "aws:forward_to_sfe")
    assert lab.fw is not None
    lab.fw.policy.stateless.append(group)
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule16_pass_rule_for_some_destinations_fails_only_for_those() -> None:
    lab = inspected_lab()
    group = lab.e.stateless_rule_group("pass-52").rule(5, "aws:pass", dst=["52.0.0.0/8"])
    assert lab.fw is not None
    lab.fw.policy.stateless.append(group)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert destinations(result.paths("NET-001", NB)) == {"52.0.0.0/8"}


def test_rule16_pass_rule_for_port_80_fails_for_that_port_only() -> None:
    lab = inspected_lab()
    group = lab.e.stateless_rule_group("pass-http").rule(5, "aws:pass", protocols=[6], dst_ports=(80, 80))
    assert lab.fw is not None
    lab.fw.policy.stateless.append(group)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert "traffic tcp/80" in path.outcome


def test_rule16_pass_rule_for_a_protocol_number_fails_for_that_protocol() -> None:
    lab = inspected_lab()
    group = lab.e.stateless_rule_group("pass-gre").rule(5, "aws:pass", protocols=[47])
    assert lab.fw is not None
    lab.fw.policy.stateless.append(group)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert path.outcome.endswith("traffic protocol 47")


def test_rule16_pass_rule_for_other_sources_does_not_match_passes() -> None:
    lab = inspected_lab()
    group = lab.e.stateless_rule_group("pass-corp").rule(1, "aws:pass", src=["192.168.0.0/16"])
    assert lab.fw is not None
    lab.fw.policy.stateless.append(group)
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule16_stateless_rule_group_not_collected_is_error() -> None:
    lab = inspected_lab()
    group = lab.e.stateless_rule_group("pass-all").rule(1, "aws:pass")
    assert lab.fw is not None
    lab.fw.policy.stateless.append(group)
    lab.e.rule_groups.remove(group)  # referenced by the policy, absent from DescribeRuleGroup
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert group.arn in result.finding("NET-001", NB).message


def test_rule16_stateless_rule_group_without_rules_source_is_error() -> None:
    lab = inspected_lab()
    group = lab.e.stateless_rule_group("trimmed").rule(1, "aws:pass")
    assert lab.fw is not None
    lab.fw.policy.stateless.append(group)
    doc = lab.e.build()
    del doc["accounts"][lab.e.account][lab.e.region]["network-firewall"]["DescribeRuleGroup"][group.arn]["RuleGroup"]
    assert scan(doc).status("NET-001", NB) == "ERROR"


# --- rule 20: security groups --------------------------------------------------------------------
def test_rule20_security_group_without_egress_rules_passes() -> None:
    lab = nat_lab(default_route=True)
    lab.sg.no_egress()
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert not result.proof(NB).blocked  # nothing even left the ENI


def test_rule20_egress_only_to_private_range_passes() -> None:
    lab = nat_lab(default_route=True)
    lab.sg.no_egress().egress("10.0.0.0/8")
    assert lab.scan().status("NET-001", NB) == "PASS"


def test_rule20_egress_https_only_fails_for_tcp_443() -> None:
    lab = nat_lab(default_route=True)
    lab.sg.no_egress().egress("0.0.0.0/0", proto="tcp", ports=443)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert path.outcome.endswith("traffic tcp/443")
    assert lab.sg.id in path.hops[0].detail


def test_rule20_egress_rule_for_a_protocol_number_fails() -> None:
    # A rule allowing only ESP (protocol 50) to anywhere: ESP needs a traffic class of its own.
    lab = public_notebook_lab()
    lab.sg.no_egress().egress("0.0.0.0/0", proto="50")
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert path.outcome.endswith("traffic protocol 50")


def test_rule20_referenced_group_reaches_only_its_members_passes() -> None:
    lab = nat_lab(default_route=True)
    proxy_sg = lab.v.sg("proxy")
    lab.pub.instance(proxy_sg, public_ip="198.51.100.9")
    lab.sg.no_egress().egress(proxy_sg, proto="tcp", ports=3128)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("local route" in b for b in result.proof(NB).blocked)


def test_rule20_prefix_list_egress_rule_fails_for_its_ranges() -> None:
    lab = nat_lab(default_route=True)
    lab.sg.no_egress().egress(lab.e.prefix_list(["52.0.0.0/8"]))
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert destinations(result.paths("NET-001", NB)) == {"52.0.0.0/8"}


def test_rule20_unresolvable_prefix_list_in_egress_rule_is_error() -> None:
    lab = nat_lab()
    lab.sg.no_egress().egress("pl-00000000000000bad")
    assert lab.scan().status("NET-001", NB) == "ERROR"


def test_rule20_group_without_egress_member_is_error() -> None:
    lab = nat_lab(default_route=True)
    doc = lab.e.build()
    for group in doc["accounts"][lab.e.account][lab.e.region]["ec2"]["DescribeSecurityGroups"]["SecurityGroups"]:
        group.pop("IpPermissionsEgress")
    assert scan(doc).status("NET-001", NB) == "ERROR"


# --- rule 21: network ACLs -----------------------------------------------------------------------
def test_rule21_deny_before_allow_passes() -> None:
    lab = nat_lab(default_route=True)
    acl = lab.v.nacl().outbound(100, "deny", "0.0.0.0/0").outbound(200, "allow", "0.0.0.0/0")
    acl.inbound(100, "allow", "0.0.0.0/0")
    lab.priv.use_nacl(acl)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any(acl.id in b for b in result.proof(NB).blocked)


def test_rule21_allow_before_deny_fails() -> None:
    lab = nat_lab(default_route=True)
    acl = lab.v.nacl().outbound(100, "allow", "0.0.0.0/0").outbound(200, "deny", "0.0.0.0/0")
    acl.inbound(100, "allow", "0.0.0.0/0")
    lab.priv.use_nacl(acl)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert acl.id in hop_ids(result.paths("NET-001", NB)[0])


def test_rule21_denied_range_is_cut_from_the_path_fails() -> None:
    lab = nat_lab(default_route=True)
    acl = lab.v.nacl().outbound(100, "deny", "52.0.0.0/8").outbound(200, "allow", "0.0.0.0/0")
    acl.inbound(100, "allow", "0.0.0.0/0")
    lab.priv.use_nacl(acl)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert not covers(destinations(result.paths("NET-001", NB)), "52.0.0.0/8")


def test_rule21_return_path_blocked_passes() -> None:
    lab = nat_lab(default_route=True)
    acl = lab.v.nacl().outbound(100, "allow", "0.0.0.0/0").inbound(100, "allow", "10.0.0.0/16")
    lab.priv.use_nacl(acl)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any("outbound or replies" in b for b in result.proof(NB).blocked)


def test_rule21_return_path_open_on_ephemeral_ports_fails() -> None:
    lab = nat_lab(default_route=True)
    acl = lab.v.nacl().outbound(100, "allow", "0.0.0.0/0", proto="6", ports=443)
    acl.inbound(100, "allow", "0.0.0.0/0", proto="6", ports=(1024, 65535))
    lab.priv.use_nacl(acl)
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert path.outcome.endswith("traffic tcp/443")


def test_rule21_nat_subnet_nacl_blocks_traffic_from_notebook_passes() -> None:
    lab = nat_lab(default_route=True)
    acl = lab.v.nacl().outbound(100, "allow", "0.0.0.0/0").inbound(100, "allow", "0.0.0.0/0")
    acl.inbound(90, "deny", lab.priv.cidr)
    lab.pub.use_nacl(acl)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any(acl.id in b and lab.nat.id in b for b in result.proof(NB).blocked)


def test_rule21_acl_without_entries_is_error() -> None:
    lab = nat_lab(default_route=True)
    doc = lab.e.build()
    for acl in doc["accounts"][lab.e.account][lab.e.region]["ec2"]["DescribeNetworkAcls"]["NetworkAcls"]:
        acl.pop("Entries")
    assert scan(doc).status("NET-001", NB) == "ERROR"


# --- rule 22: VPC peering is not transitive ------------------------------------------------------
def test_rule22_peer_vpc_nat_and_igw_are_not_usable_passes() -> None:
    lab = nat_lab()
    hub = lab.e.vpc("10.1.0.0/16")
    hub_pub = hub.subnet("10.1.1.0/24")
    hub_igw = hub.igw()
    hub_pub.route_table().route("0.0.0.0/0", hub_igw)
    hub_nat = hub_pub.nat_gateway()
    hub.main_route_table.route("0.0.0.0/0", hub_nat)
    pcx = lab.e.peering(lab.v, hub)
    lab.rt.route("0.0.0.0/0", pcx)
    hub_pub.route_table().route(lab.v.cidr, pcx)
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert any(pcx.id in b and "not transitive" in b for b in result.proof(NB).blocked)


def test_rule22_peered_range_is_excluded_from_own_nat_path_fails() -> None:
    lab = nat_lab(default_route=True)
    peer = lab.e.vpc("10.1.0.0/16")
    lab.rt.route(peer.cidr, lab.e.peering(lab.v, peer))
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert not covers(destinations(result.paths("NET-001", NB)), "10.1.0.0/16")


# --- rule 23: transit gateways -------------------------------------------------------------------
@dataclass
class TgwLab:
    e: Estate
    spoke: Vpc
    spoke_subnet: Subnet
    egress: Vpc
    tgw_subnet: Subnet
    nat: NatGateway
    igw: InternetGateway
    tgw: Any
    spoke_rt: Any
    egress_rt: Any
    spoke_att: Any
    egress_att: Any


def tgw_lab(*, associate_spoke: bool = True, default: str = "egress") -> TgwLab:
    """Spoke VPC -> TGW -> egress VPC (TGW subnet -> NAT -> IGW): centralised, uninspected egress."""
    e = Estate()
    spoke = e.vpc("10.10.0.0/16", name="spoke")
    spoke_subnet = spoke.subnet("10.10.1.0/24", name="spoke-private")
    egress = e.vpc("10.99.0.0/16", name="egress")
    igw = egress.igw()
    pub = egress.subnet("10.99.1.0/24", name="egress-public")
    nat = pub.nat_gateway()
    tgw_subnet = egress.subnet("10.99.2.0/28", name="egress-tgw")
    tgw = e.tgw("hub")
    spoke_rt, egress_rt = tgw.route_table(), tgw.route_table()
    spoke_att = tgw.attach(spoke, [spoke_subnet], route_table=spoke_rt if associate_spoke else None)
    egress_att = tgw.attach(egress, [tgw_subnet], route_table=egress_rt)
    if default == "egress":
        spoke_rt.route("0.0.0.0/0", egress_att)
    elif default == "blackhole":
        spoke_rt.route("0.0.0.0/0")
    egress_rt.route(spoke.cidr, spoke_att, kind="propagated")
    spoke_subnet.route_table().route("0.0.0.0/0", tgw)
    tgw_subnet.route_table().route("0.0.0.0/0", nat)
    pub.route_table().route("0.0.0.0/0", igw).route(spoke.cidr, tgw)
    spoke_subnet.notebook(NB, sg=spoke.sg("notebook", egress_all=True))
    return TgwLab(e, spoke, spoke_subnet, egress, tgw_subnet, nat, igw, tgw, spoke_rt, egress_rt, spoke_att,
                  egress_att)


def test_rule23_spoke_through_tgw_to_egress_vpc_nat_fails() -> None:
    lab = tgw_lab()
    result = scan(lab.e)
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    ids = hop_ids(path)
    assert ids.index(lab.tgw.id) < ids.index(lab.spoke_rt.id) < ids.index(lab.egress_att.id) \
        < ids.index(lab.tgw_subnet.route_table().id) < ids.index(lab.nat.id) < ids.index(lab.igw.id)
    assert [k for k in hop_kinds(path) if k.startswith("t")] == ["transit-gateway", "tgw-route-table",
                                                                 "tgw-attachment"]


def test_rule23_blackhole_tgw_route_passes() -> None:
    result = scan(tgw_lab(default="blackhole").e)
    assert result.status("NET-001", NB) == "PASS"
    assert any("is a blackhole" in b for b in result.proof(NB).blocked)


def test_rule23_attachment_not_associated_passes() -> None:
    result = scan(tgw_lab(associate_spoke=False).e)
    assert result.status("NET-001", NB) == "PASS"
    assert any("is not associated" in b for b in result.proof(NB).blocked)


def test_rule23_static_tgw_route_beats_propagated_route_of_same_length_fails() -> None:
    # The propagated route (to a VPN) is listed first; the static one (to the egress VPC) wins.
    lab = tgw_lab(default="none")
    lab.spoke_rt.route("0.0.0.0/0", "tgw-attach-0000000000000cafe", kind="propagated")
    lab.spoke_rt.route("0.0.0.0/0", lab.egress_att)
    result = scan(lab.e)
    assert result.status("NET-001", NB) == "FAIL"
    assert lab.egress_att.id in hop_ids(result.paths("NET-001", NB)[0])


def test_rule23_static_tgw_blackhole_beats_propagated_route_passes() -> None:
    lab = tgw_lab(default="none")
    lab.spoke_rt.route("0.0.0.0/0", lab.egress_att, kind="propagated")
    lab.spoke_rt.route("0.0.0.0/0")
    assert scan(lab.e).status("NET-001", NB) == "PASS"


def test_rule23_tgw_prefix_list_matches_entry_by_entry_fails() -> None:
    # 52.1.0.0/16 is more specific than the list's 52.0.0.0/8, whatever else the list holds.
    lab = tgw_lab(default="blackhole")
    lab.spoke_rt.route("52.1.0.0/16", lab.egress_att)
    lab.spoke_rt.route(lab.e.prefix_list(["10.200.0.0/24", "52.0.0.0/8"]))
    result = scan(lab.e)
    assert result.status("NET-001", NB) == "FAIL"
    assert destinations(result.paths("NET-001", NB)) == {"52.1.0.0/16"}


def test_rule23_no_attachment_subnet_in_the_notebook_az_passes() -> None:
    lab = tgw_lab()
    other_az = lab.spoke.subnet("10.10.2.0/24", az="eu-west-1b")
    lab.spoke_att.subnets = [other_az]
    result = scan(lab.e)
    assert result.status("NET-001", NB) == "PASS"
    assert any("has no subnet in eu-west-1a" in b for b in result.proof(NB).blocked)


def test_rule23_tgw_route_to_firewall_in_egress_vpc_passes() -> None:
    lab = tgw_lab()
    fwsub = lab.egress.subnet("10.99.3.0/28")
    fwsub.route_table().route("0.0.0.0/0", lab.nat)
    fw = lab.egress.firewall([fwsub], lab.e.firewall_policy())
    lab.tgw_subnet.route_table().remove("0.0.0.0/0").route("0.0.0.0/0", fw.endpoint())
    result = scan(lab.e)
    assert result.status("NET-001", NB) == "PASS"
    assert fw.endpoint().id in hop_ids(result.proof(NB).inspected[0])


def test_rule23_tgw_subnet_inbound_acl_does_not_apply_to_traffic_from_the_tgw_fails() -> None:
    # AWS: the attachment subnet's inbound rules are not evaluated for traffic from the TGW.
    lab = tgw_lab()
    acl = lab.egress.nacl().outbound(100, "allow", "0.0.0.0/0").inbound(100, "allow", "0.0.0.0/0")
    acl.inbound(50, "deny", lab.spoke.cidr)
    lab.tgw_subnet.use_nacl(acl)
    assert scan(lab.e).status("NET-001", NB) == "FAIL"


def test_rule23_modifying_attachment_still_forwards_fails() -> None:
    lab = tgw_lab()
    lab.spoke_att.state = "modifying"  # subnets being added: traffic keeps flowing
    assert scan(lab.e).status("NET-001", NB) == "FAIL"


def test_rule23_missing_search_transit_gateway_routes_is_error() -> None:
    lab = tgw_lab()
    lab.e.omit("ec2", "SearchTransitGatewayRoutes")
    result = scan(lab.e)
    assert result.status("NET-001", NB) == "ERROR"
    assert "SearchTransitGatewayRoutes" in result.finding("NET-001", NB).message


def test_rule23_missing_attachments_is_error() -> None:
    lab = tgw_lab()
    lab.e.omit("ec2", "DescribeTransitGatewayAttachments")
    assert scan(lab.e).status("NET-001", NB) == "ERROR"


def test_rule23_association_of_shared_tgw_unknown_is_error() -> None:
    # The TGW belongs to a network account not in the snapshot: the spoke account cannot see
    # which route table its attachment uses. Unknown, not "not associated".
    e = Estate()
    spoke = e.vpc("10.10.0.0/16")
    subnet = spoke.subnet("10.10.1.0/24")
    tgw = e.tgw(owner="444455556666")
    tgw.attach(spoke, [subnet], route_table=tgw.route_table())
    subnet.route_table().route("0.0.0.0/0", tgw)
    subnet.notebook(NB, sg=spoke.sg(egress_all=True))
    result = scan(e)
    assert result.status("NET-001", NB) == "ERROR"
    assert "444455556666" in result.finding("NET-001", NB).message


def test_rule23_attachment_subnet_missing_from_describe_subnets_is_error() -> None:
    lab = tgw_lab()
    doc = lab.e.build()
    ec2 = doc["accounts"][lab.e.account][lab.e.region]["ec2"]
    (spoke_att,) = [a for a in ec2["DescribeTransitGatewayVpcAttachments"]["TransitGatewayVpcAttachments"]
                    if a["VpcId"] == lab.spoke.id]
    spoke_att["SubnetIds"].append("subnet-00000000000000bad")
    assert scan(doc).status("NET-001", NB) == "ERROR"


# --- rules 24 and 25: SageMaker ------------------------------------------------------------------
def test_rule24_direct_internet_access_enabled_fails() -> None:
    lab = nat_lab(direct_internet=True)  # the VPC itself has no way out
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert hop_kinds(path) == ["workload", "sagemaker-managed-network", "internet"]


def test_rule24_notebook_without_vpc_fails() -> None:
    e = Estate()
    e.notebook("nb-novpc")
    result = scan(e)
    assert result.status("NET-001", "nb-novpc") == "FAIL"
    assert "sagemaker-managed-network" in hop_kinds(result.paths("NET-001", "nb-novpc")[0])


def test_rule25_direct_internet_access_disabled_uses_the_vpc_passes() -> None:
    lab = nat_lab()
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert result.status("NET-004", NB) == "PASS"
    assert any(f"{lab.rt.id} has no route for" in b for b in result.proof(NB).blocked)


def test_rule25_missing_describe_route_tables_is_error() -> None:
    lab = nat_lab(default_route=True)
    lab.e.omit("ec2", "DescribeRouteTables", error_code="UnauthorizedOperation")
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert result.status("NET-004", NB) == "ERROR"
    assert "DescribeRouteTables" in result.finding("NET-001", NB).message


@pytest.mark.parametrize("target", ["igw-00000000000000bad", "eigw-0000000000000bad", "lgw-00000000000000bad",
                                    "eni-00000000000000bad", "i-000000000000000bad"])
def test_rule25_route_to_unknown_target_is_error(target: str) -> None:
    lab = nat_lab(ipv6=True)
    lab.rt.route("::/0" if target.startswith("eigw-") else "0.0.0.0/0", target)
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert target in result.finding("NET-001", NB).message


def test_rule25_notebook_eni_missing_from_describe_network_interfaces_is_error() -> None:
    lab = nat_lab()
    lab.priv.notebook("nb-ghost", sg=lab.sg, eni_listed=False)
    result = lab.scan()
    assert result.status("NET-001", "nb-ghost") == "ERROR"
    assert "DescribeNetworkInterfaces" in result.finding("NET-001", "nb-ghost").message


def test_rule25_notebook_eni_without_groups_is_error() -> None:
    lab = nat_lab()
    doc = lab.e.build()
    for eni in doc["accounts"][lab.e.account][lab.e.region]["ec2"]["DescribeNetworkInterfaces"]["NetworkInterfaces"]:
        eni.pop("Groups")
    assert scan(doc).status("NET-001", NB) == "ERROR"


def test_rule25_notebook_security_group_missing_is_error() -> None:
    lab = nat_lab()
    lab.e.security_groups.remove(lab.sg)
    assert lab.scan().status("NET-001", NB) == "ERROR"


def test_rule25_route_table_without_routes_is_error() -> None:
    lab = nat_lab(default_route=True)
    doc = lab.e.build()
    for table in doc["accounts"][lab.e.account][lab.e.region]["ec2"]["DescribeRouteTables"]["RouteTables"]:
        table.pop("Routes")
    assert scan(doc).status("NET-001", NB) == "ERROR"


def test_rule25_nat_gateway_without_state_is_error() -> None:
    lab = nat_lab(default_route=True)
    doc = lab.e.build()
    for nat in doc["accounts"][lab.e.account][lab.e.region]["ec2"]["DescribeNatGateways"]["NatGateways"]:
        nat.pop("State")
    assert scan(doc).status("NET-001", NB) == "ERROR"


def test_rule25_proven_path_fails_even_when_another_part_is_unknown() -> None:
    lab = nat_lab(default_route=True)
    lab.rt.route("52.0.0.0/8", "nat-00000000000000bad")
    result = lab.scan()
    assert result.status("NET-001", NB) == "FAIL"
    assert any("nat-00000000000000bad" in u for u in result.proof(NB).unknowns)


def test_every_lab_document_is_reproducible() -> None:
    assert seed001_lab().e.build() == seed001_lab().e.build()


# --- absent means unknown: no operation on the way out can be dropped into a PASS ---------------
_SEED001_READS = [("ec2", op) for op in ("DescribeVpcs", "DescribeSubnets", "DescribeRouteTables",
                                         "DescribeNatGateways", "DescribeInternetGateways", "DescribeNetworkAcls",
                                         "DescribeSecurityGroups", "DescribeNetworkInterfaces", "DescribePrefixLists")]
_SEED001_READS += [("network-firewall", op) for op in ("ListFirewalls", "DescribeFirewall", "DescribeFirewallPolicy")]
_SEED001_READS += [("sagemaker", "ListNotebookInstances"), ("sagemaker", "DescribeNotebookInstance")]
_TGW_READS = [("ec2", op) for op in ("DescribeTransitGatewayVpcAttachments", "DescribeTransitGatewayAttachments",
                                     "SearchTransitGatewayRoutes")]


@pytest.mark.parametrize(("service", "operation"), _SEED001_READS, ids=[f"{s}.{o}" for s, o in _SEED001_READS])
def test_omitting_an_operation_the_seed001_proof_reads_gives_error(service: str, operation: str) -> None:
    lab = seed001_lab()
    lab.e.omit(service, operation, error_code="AccessDeniedException")
    result = lab.scan()
    net001 = [f for (check, _), f in result.findings.items() if check == "NET-001"]
    assert net001 and all(f.status.value == "ERROR" for f in net001)
    assert all(operation in f.message for f in net001)


@pytest.mark.parametrize(("service", "operation"), _TGW_READS, ids=[f"{s}.{o}" for s, o in _TGW_READS])
def test_omitting_an_operation_the_tgw_proof_reads_gives_error(service: str, operation: str) -> None:
    lab = tgw_lab(default="blackhole")  # PASS when everything is known
    lab.e.omit(service, operation)
    assert scan(lab.e).status("NET-001", NB) == "ERROR"
