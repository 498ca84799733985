"""The oracle itself on the rules of issue 13, one PASS and one FAIL (at least) per rule, on small
hand-built estates: 8b (NAT64), 9b (multi-ENI forwarders), 11 (Block Public Access modes and
exclusions), 23 (transit gateway appliance mode), 31 (relays, NET-007). Expected verdicts come from
docs/forwarding-rules.md; the engine is not consulted here (the property test compares the two).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.snapshot.validate import validate_snapshot

from .walker import FAIL, PASS, decide, decide_relays

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from estate import Estate  # noqa: E402  (tests/estate.py, the shared builder)

Doc = dict[str, Any]
AZ_A, AZ_B = "eu-west-1a", "eu-west-1b"


def _ec2(doc: Doc) -> Doc:
    return next(iter(next(iter(doc["accounts"].values())).values()))["ec2"]  # type: ignore[no-any-return]


def _eni(doc: Doc, eni_id: str) -> Doc:
    return next(e for e in _ec2(doc)["DescribeNetworkInterfaces"]["NetworkInterfaces"]
                if e["NetworkInterfaceId"] == eni_id)


def _ingress(sg: Any, **rule: Any) -> None:
    base = {"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
    sg.ingress_rules.append({**base, **rule})


# --- rule 8b: NAT64 -------------------------------------------------------------------------------
def nat64(private: bool = False, dest: str = "64:ff9b::/96") -> Doc:
    e = Estate()
    v = e.vpc("10.0.0.0/16", ipv6="2600:1f18:1::/56")
    igw = v.igw()
    nat_subnet = v.subnet("10.0.1.0/24", AZ_A, ipv6="2600:1f18:1:1::/64")
    nat_subnet.route_table().route("0.0.0.0/0", igw)
    s = v.subnet("10.0.2.0/24", AZ_A, ipv6="2600:1f18:1:2::/64")
    s.route_table().route(dest, nat_subnet.nat_gateway(private=private))
    s.notebook("nb", v.sg("all-out", egress_all=True), ipv6=True)
    return e.build()


# --- rule 9b: multi-ENI forwarders ------------------------------------------------------------------
def forwarder(sdc: bool = False, second_public: str = "primary", enter_by_second: bool = False) -> Doc:
    """Notebook -> NAT instance whose first ENI (private subnet) has no public address; its second
    ENI, in another subnet of the same AZ routed to the IGW, has one on its primary address, on a
    secondary address (Elastic IP), or none."""
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    igw = v.igw()
    inner = v.subnet("10.0.1.0/24", AZ_A)
    inner.route_table()  # local only
    outer = v.subnet("10.0.2.0/24", AZ_A)
    outer.route_table().route("0.0.0.0/0", igw)
    sg = v.sg("all", egress_all=True)
    _ingress(sg, IpRanges=[{"CidrIp": "10.0.0.0/16"}])
    inst = inner.instance(sg, source_dest_check=sdc)
    second = outer.eni([sg], public_ip="54.9.9.9" if second_public == "primary" else None, source_dest_check=sdc)
    second.instance = inst
    s = v.subnet("10.0.3.0/24", AZ_A)
    s.route_table().route("0.0.0.0/0", second.id if enter_by_second else inst)
    s.notebook("nb", v.sg("nb", egress_all=True))
    doc = e.build()
    record = _eni(doc, second.id)
    record["Attachment"]["DeviceIndex"] = 1
    if second_public == "secondary":
        record["PrivateIpAddresses"].append({"Primary": False, "PrivateIpAddress": "10.0.2.200", "Association": {
            "IpOwnerId": "111122223333", "PublicIp": "54.9.9.10", "PublicDnsName": ""}})
    return doc


# --- rule 11: Block Public Access -----------------------------------------------------------------
def bpa(mode: str, via: str = "public", exclusion: tuple[str, str, str] | None = None) -> Doc:
    """A notebook leaving through the IGW with its own public address (via="public"), through a NAT
    gateway (via="nat"), or through an unsanctioned Gateway Load Balancer endpoint then the IGW
    (via="gwlbe"). `exclusion`: (where: "notebook"/"nat"/"vpc", mode, state)."""
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    igw = v.igw()
    s = v.subnet("10.0.1.0/24", AZ_A)
    other = v.subnet("10.0.2.0/24", AZ_A)
    other.route_table().route("0.0.0.0/0", igw)
    rt = s.route_table()
    if via == "public":
        rt.route("0.0.0.0/0", igw)
    elif via == "nat":
        rt.route("0.0.0.0/0", other.nat_gateway())
    else:
        rt.route("0.0.0.0/0", v.gwlb_endpoint(other).id)
    s.notebook("nb", v.sg("all-out", egress_all=True), public_ip="54.1.1.1" if via != "nat" else None)
    e.block_public_access(mode)  # type: ignore[arg-type]
    if exclusion:
        where, ex_mode, state = exclusion
        e.bpa_exclusion({"notebook": s, "nat": other, "vpc": v}[where], ex_mode, state)  # type: ignore[arg-type]
    return e.build()


# --- rule 23: appliance mode --------------------------------------------------------------------
def appliance(mode: bool) -> Doc:
    """Spoke (AZ a) -> TGW -> hub attachment subnets: AZ a's is a dead end, AZ b's goes to a NAT
    gateway and the IGW. Without appliance mode the flow stays in AZ a; with it, AZ b is possible."""
    e = Estate()
    spoke, hub = e.vpc("10.0.0.0/16"), e.vpc("10.1.0.0/16")
    tgw = e.tgw()
    rt = tgw.route_table()
    spoke_att = spoke.subnet("10.0.0.0/24", AZ_A)
    hub_a, hub_b = hub.subnet("10.1.0.0/24", AZ_A), hub.subnet("10.1.10.0/24", AZ_B)
    tgw.attach(spoke, [spoke_att], route_table=rt)
    hub_att = tgw.attach(hub, [hub_a, hub_b], route_table=rt, appliance_mode=mode)
    rt.route("0.0.0.0/0", hub_att)
    igw = hub.igw()
    nat_subnet = hub.subnet("10.1.1.0/24", AZ_B)
    nat_subnet.route_table().route("0.0.0.0/0", igw)
    hub_a.route_table()  # local only: a dead end
    hub_b.route_table().route("0.0.0.0/0", nat_subnet.nat_gateway())
    s = spoke.subnet("10.0.1.0/24", AZ_A)
    s.route_table().route("0.0.0.0/0", tgw)
    s.notebook("nb", spoke.sg("all-out", egress_all=True))
    return e.build()


# --- rule 31: relays --------------------------------------------------------------------------------
def relay(via: str = "peering", ingress: str = "cidr", public: str = "primary", ipv6: bool = False) -> Doc:
    """Notebook in VPC A (no internet route) reaches a host in VPC B through peering or a TGW (or in
    its own VPC: via="local"); the host's subnet routes to B's IGW (or EIGW for IPv6). `ingress`:
    how the host's group admits the notebook ("cidr", "cidr6", "pl", "group", "other": admits
    something else)."""
    e = Estate()
    a = e.vpc("10.0.0.0/16", ipv6="2600:1f18:1::/56" if ipv6 else None)
    b = a if via == "local" else e.vpc("10.1.0.0/16", ipv6="2600:1f18:2::/56" if ipv6 else None)
    nb_subnet = a.subnet("10.0.1.0/24", AZ_A, ipv6="2600:1f18:1:1::/64" if ipv6 else None)
    host_cidr = "10.0.9.0/24" if via == "local" else "10.1.1.0/24"
    host_v6 = ("2600:1f18:1:9::/64" if via == "local" else "2600:1f18:2:1::/64") if ipv6 else None
    host_subnet = b.subnet(host_cidr, AZ_A, ipv6=host_v6)
    out = host_subnet.route_table()
    if ipv6:
        out.route("::/0", b.eigw())
    else:
        out.route("0.0.0.0/0", b.igw())
    nb_sg = a.sg("nb", egress_all=True)
    nb_rt = nb_subnet.route_table()
    if via == "peering":
        pcx = e.peering(a, b)
        nb_rt.route("2600:1f18:2::/56" if ipv6 else "10.1.0.0/16", pcx)
        out.route("2600:1f18:1::/56" if ipv6 else "10.0.0.0/16", pcx)
    elif via == "tgw":
        tgw = e.tgw()
        trt = tgw.route_table()
        att_a = tgw.attach(a, [nb_subnet], route_table=trt)
        att_b = tgw.attach(b, [host_subnet], route_table=trt)
        trt.route("10.1.0.0/16", att_b).route("10.0.0.0/16", att_a)
        nb_rt.route("10.1.0.0/16", tgw)
    host_sg = b.sg("host", egress_all=True)
    if ingress == "cidr":
        _ingress(host_sg, IpProtocol="tcp", FromPort=22, ToPort=22, IpRanges=[{"CidrIp": "10.0.1.0/24"}])
    elif ingress == "cidr6":
        _ingress(host_sg, Ipv6Ranges=[{"CidrIpv6": "2600:1f18:1::/56"}])
    elif ingress == "pl":
        pl = e.prefix_list(["10.0.0.0/8"], name="internal")
        _ingress(host_sg, IpProtocol="tcp", FromPort=3128, ToPort=3128, PrefixListIds=[{"PrefixListId": pl.id}])
    elif ingress == "group":
        _ingress(host_sg, UserIdGroupPairs=[{"GroupId": nb_sg.id, "UserId": e.account}])
    else:
        _ingress(host_sg, IpRanges=[{"CidrIp": "192.168.0.0/16"}])
    inst = host_subnet.instance(host_sg, public_ip="54.2.2.2" if public == "primary" else None)
    nb_subnet.notebook("nb", nb_sg, ipv6=ipv6)
    doc = e.build()
    record = _eni(doc, inst.eni.id)
    if public == "secondary":
        record["PrivateIpAddresses"].append({"Primary": False, "PrivateIpAddress": host_cidr[:-4] + "200",
                                             "Association": {"IpOwnerId": "111122223333", "PublicIp": "54.2.2.3",
                                                             "PublicDnsName": ""}})
    if ipv6:
        record["Ipv6Addresses"] = [{"Ipv6Address": host_v6.replace("::/64", "::99"), "IsPrimaryIpv6": False}]
    return doc


CASES: list[tuple[str, Callable[[], Doc], str, str]] = [
    ("8b nat64 public", lambda: nat64(), "NET-001", FAIL),
    ("8b nat64 through ::/0", lambda: nat64(dest="::/0"), "NET-001", FAIL),
    ("8b nat64 private NAT", lambda: nat64(private=True), "NET-001", PASS),
    ("8b other IPv6 to a NAT gateway", lambda: nat64(dest="2600::/16"), "NET-001", PASS),
    ("9b exit by second ENI's public IP", lambda: forwarder(), "NET-001", FAIL),
    ("9b exit by an Elastic IP on a secondary address", lambda: forwarder(second_public="secondary"), "NET-001",
     FAIL),
    ("9b no public address on any ENI", lambda: forwarder(second_public="none"), "NET-001", PASS),
    ("9b SourceDestCheck true forwards nothing", lambda: forwarder(sdc=True), "NET-001", PASS),
    ("9b route names the second ENI", lambda: forwarder(enter_by_second=True), "NET-001", FAIL),
    ("11 off", lambda: bpa("off"), "NET-001", FAIL),
    ("11 bidirectional blocks a public ENI", lambda: bpa("block-bidirectional"), "NET-001", PASS),
    ("11 bidirectional, allow-egress on the subnet",
     lambda: bpa("block-bidirectional", exclusion=("notebook", "allow-egress", "create-complete")), "NET-001", FAIL),
    ("11 bidirectional, exclusion not active",
     lambda: bpa("block-bidirectional", exclusion=("notebook", "allow-egress", "create-in-progress")), "NET-001",
     PASS),
    ("11 bidirectional blocks NAT", lambda: bpa("block-bidirectional", "nat"), "NET-001", PASS),
    ("11 bidirectional, exclusion on the notebook's subnet does not free the NAT",
     lambda: bpa("block-bidirectional", "nat", ("notebook", "allow-bidirectional", "update-complete")), "NET-001",
     PASS),
    ("11 bidirectional, exclusion on the NAT's subnet",
     lambda: bpa("block-bidirectional", "nat", ("nat", "allow-egress", "update-complete")), "NET-001", FAIL),
    ("11 ingress blocks a public ENI", lambda: bpa("block-ingress"), "NET-001", PASS),
    ("11 ingress lets NAT gateway traffic out", lambda: bpa("block-ingress", "nat"), "NET-001", FAIL),
    ("11 ingress, allow-egress does not matter",
     lambda: bpa("block-ingress", exclusion=("notebook", "allow-egress", "create-complete")), "NET-001", PASS),
    ("11 ingress, allow-bidirectional on the VPC",
     lambda: bpa("block-ingress", exclusion=("vpc", "allow-bidirectional", "create-complete")), "NET-001", FAIL),
    ("32 unsanctioned GWLB endpoint, no BPA", lambda: bpa("off", "gwlbe"), "NET-001", FAIL),
    ("11 GWLB endpoint stays blocked when excluded",
     lambda: bpa("block-bidirectional", "gwlbe", ("vpc", "allow-bidirectional", "create-complete")), "NET-001",
     PASS),
    ("23 no appliance mode: AZ a only", lambda: appliance(False), "NET-001", PASS),
    ("23 appliance mode: any attachment subnet", lambda: appliance(True), "NET-001", FAIL),
    ("31 relay in own VPC", lambda: relay("local"), "NET-007", FAIL),
    ("31 relay behind peering", lambda: relay(), "NET-007", FAIL),
    ("31 relay behind a TGW", lambda: relay("tgw"), "NET-007", FAIL),
    ("31 relay admitted by a prefix list", lambda: relay(ingress="pl"), "NET-007", FAIL),
    ("31 relay admitted by group reference", lambda: relay("local", ingress="group"), "NET-007", FAIL),
    ("31 relay public through an Elastic IP on a secondary address", lambda: relay(public="secondary"), "NET-007",
     FAIL),
    ("31 host without public address", lambda: relay(public="none"), "NET-007", PASS),
    ("31 host does not admit the notebook", lambda: relay(ingress="other"), "NET-007", PASS),
    ("31 IPv6 relay behind peering (EIGW)", lambda: relay(ingress="cidr6", public="none", ipv6=True), "NET-007",
     FAIL),
]


@pytest.mark.parametrize(("build", "check", "want"), [pytest.param(b, c, w, id=n) for n, b, c, w in CASES])
def test_oracle_rule(build: Callable[[], Doc], check: str, want: str) -> None:
    doc = build()
    validate_snapshot(doc, "rule case")
    got = (decide if check == "NET-001" else decide_relays)(doc, "nb")
    assert got == want
