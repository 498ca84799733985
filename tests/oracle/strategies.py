"""Hypothesis strategy: small random estates as full `safemaker.snapshot/v1` documents.

1-3 VPCs with disjoint CIDRs, 1-4 subnets each over two AZs, 1-3 route tables each with
overlapping prefixes (/0, /1, /8, /16, /24, VPC-internal more-specifics, prefix lists), targets
drawn from IGW / EIGW / NAT gateways (public or private, available or deleted) / Network Firewall
endpoints (stateless default pass / forward / drop, sometimes a stateless rule) / transit gateway /
peering / VGW / gateway endpoint / NAT instance (or sanctioned proxy) / blackhole, security groups
with a few egress rules, NACLs with allow and deny entries, and 1-3 notebooks whose ENIs may have a
public IPv4 and IPv6. Responses use botocore output shapes (a test validates them).

`estates(new_rules=True)` adds the features of the rules the engine is still learning (issue 13):
NAT64 routes (8b), forwarders with several ENIs in one AZ, secondary addresses with Elastic IPs and
IPv6 (9b), Block Public Access modes and exclusions in every state (11), Gateway Load Balancer
endpoints (32), transit gateway appliance mode (23), and relay candidates for NET-007 (31): EC2 hosts
in any VPC with security-group ingress by CIDR / IPv6 CIDR / prefix list / referenced group, reached
through local routes, peering (IPv4 and IPv6) or transit gateways. Off by default (the `ci` profile,
so `make test` stays green while the engine catches up); the `long` profile turns it on
(conftest.NEW_RULES). Without the flag the draws are exactly those of the plain strategy.
"""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

from hypothesis import strategies as st

ACCOUNT, REGION = "111122223333", "eu-west-1"
AZS = ("eu-west-1a", "eu-west-1b")
VPC_CIDRS = ("10.0.0.0/16", "10.1.0.0/16", "172.16.0.0/16", "192.168.0.0/16")
TIME = "2026-11-23T10:00:00Z"
S3_PL, S3_CIDRS = "pl-6da54004", ["52.218.0.0/17", "3.5.0.0/19"]
V4_DESTS = ("0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1", "8.0.0.0/8", "52.0.0.0/8", "52.95.0.0/16",
            "52.95.110.0/24", "10.0.0.0/8", "192.168.0.0/16")
V6_DESTS = ("::/0", "2000::/3", "2600::/16", "64:ff9b::/96")
NAT64 = "64:ff9b::/96"
EXCLUSION_STATES = ("create-complete", "update-complete", "create-complete", "create-in-progress", "create-failed",
                    "delete-complete", "disable-complete")
Draw = Any
Doc = dict[str, Any]


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n:08x}"


def pct(draw: Draw, percent: int) -> bool:
    """True with about `percent`% probability; shrinks to False (the plainer estate)."""
    return bool(draw(st.integers(0, 99)) >= 100 - percent)


def host(cidr: str, n: int) -> str:
    return str(ipaddress.ip_network(cidr).network_address + n)


def egress_rule(kind: str, pl: str | None) -> dict[str, Any]:
    base: dict[str, Any] = {"IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
    if kind == "all":
        return {**base, "IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    if kind == "all6":
        return {**base, "IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    if kind == "https":
        return {**base, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    if kind == "private":
        return {**base, "IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    if kind == "dns":
        return {**base, "IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    if kind == "high":
        return {**base, "IpProtocol": "tcp", "FromPort": 1024, "ToPort": 65535, "IpRanges": [{"CidrIp": "52.0.0.0/8"}]}
    if kind == "esp":
        return {**base, "IpProtocol": "50", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    if kind == "icmp":
        return {**base, "IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    return {**base, "IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "PrefixListIds": [{"PrefixListId": pl}]}


SG_KINDS = ("all", "all6", "https", "private", "dns", "high", "esp", "icmp", "pl")


def nacl_entry(draw: Draw, number: int, egress: bool, v6: bool) -> dict[str, Any]:
    action = draw(st.sampled_from(["allow", "allow", "deny"]))
    proto = draw(st.sampled_from(["-1", "-1", "6", "17", "50", "1"]))
    cidr = draw(st.sampled_from(["0.0.0.0/0", "0.0.0.0/0", "52.0.0.0/8", "10.0.0.0/8", "8.0.0.0/8", "0.0.0.0/1"]
                                + (["::/0", "2600::/16"] if v6 else [])))
    entry: dict[str, Any] = {"RuleNumber": number, "Protocol": proto, "RuleAction": action, "Egress": egress}
    entry["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    if proto in ("6", "17"):
        lo, hi = draw(st.sampled_from([(443, 443), (1024, 65535), (0, 1023), (53, 53), (32768, 65535)]))
        entry["PortRange"] = {"From": lo, "To": hi}
    return entry


def nacl(draw: Draw, ids: Ids, vpc: Doc, default: bool) -> dict[str, Any]:
    v6 = bool(vpc["Ipv6CidrBlockAssociationSet"])
    entries: list[dict[str, Any]] = []
    for egress in (True, False):
        if default:
            rules = [(100, "0.0.0.0/0")] + ([(101, "::/0")] if v6 else [])
            entries += [{"RuleNumber": n, "Protocol": "-1", "RuleAction": "allow", "Egress": egress,
                         ("Ipv6CidrBlock" if ":" in c else "CidrBlock"): c} for n, c in rules]
        else:  # a few specific entries, usually followed by a broad allow
            count = draw(st.integers(1, 3))
            entries += [nacl_entry(draw, 100 * (i + 1), egress, v6) for i in range(count)]
            if not pct(draw, 30):
                entries += [{"RuleNumber": 1000 + i, "Protocol": "-1", "RuleAction": "allow", "Egress": egress,
                             ("Ipv6CidrBlock" if ":" in c else "CidrBlock"): c}
                            for i, c in enumerate(["0.0.0.0/0"] + (["::/0"] if v6 else []))]
        entries.append({"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": egress,
                        "CidrBlock": "0.0.0.0/0"})
        if v6:
            entries.append({"RuleNumber": 32768, "Protocol": "-1", "RuleAction": "deny", "Egress": egress,
                            "Ipv6CidrBlock": "::/0"})
    return {"NetworkAclId": ids("acl"), "VpcId": vpc["VpcId"], "IsDefault": default, "OwnerId": ACCOUNT,
            "Associations": [], "Entries": entries, "Tags": []}


def eni(ids: Ids, subnet: Doc, ip: str, groups: list[str], public: str | None, v6: str | None,
        description: str, sdc: bool = True, instance: str | None = None, device: int = 0,
        secondary: tuple[str, str | None] | None = None) -> dict[str, Any]:
    assoc = {"IpOwnerId": "amazon", "PublicIp": public, "PublicDnsName": ""} if public else None
    out: dict[str, Any] = {
        "NetworkInterfaceId": ids("eni"), "SubnetId": subnet["SubnetId"], "VpcId": subnet["VpcId"],
        "AvailabilityZone": subnet["AvailabilityZone"], "Description": description,
        "Groups": [{"GroupId": g, "GroupName": g} for g in groups], "InterfaceType": "interface",
        "Ipv6Addresses": [{"Ipv6Address": v6}] if v6 else [], "OwnerId": ACCOUNT,
        "PrivateIpAddress": ip, "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
        "RequesterManaged": instance is None, "SourceDestCheck": sdc, "Status": "in-use", "TagSet": [],
    }
    if assoc:
        out["Association"] = assoc
        out["PrivateIpAddresses"][0]["Association"] = assoc
    if secondary:  # a secondary private address, with an Elastic IP when given
        extra: dict[str, Any] = {"Primary": False, "PrivateIpAddress": secondary[0]}
        if secondary[1]:
            extra["Association"] = {"IpOwnerId": ACCOUNT, "PublicIp": secondary[1], "PublicDnsName": "",
                                    "AllocationId": ids("eipalloc")}
        out["PrivateIpAddresses"].append(extra)
    if instance:
        out["Attachment"] = {"AttachmentId": ids("eni-attach"), "DeviceIndex": device, "InstanceId": instance,
                             "Status": "attached"}
    return out


@st.composite
def estates(draw: Draw, new_rules: bool = False) -> Doc:
    ids = Ids()
    ec2: dict[str, Any] = {k: {v: []} for k, v in (
        ("DescribeVpcs", "Vpcs"), ("DescribeSubnets", "Subnets"), ("DescribeRouteTables", "RouteTables"),
        ("DescribeInternetGateways", "InternetGateways"),
        ("DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways"),
        ("DescribeNatGateways", "NatGateways"), ("DescribeVpcEndpoints", "VpcEndpoints"),
        ("DescribeSecurityGroups", "SecurityGroups"), ("DescribeNetworkAcls", "NetworkAcls"),
        ("DescribeNetworkInterfaces", "NetworkInterfaces"), ("DescribeInstances", "Reservations"),
        ("DescribeVpcPeeringConnections", "VpcPeeringConnections"), ("DescribeTransitGateways", "TransitGateways"),
        ("DescribeTransitGatewayAttachments", "TransitGatewayAttachments"),
        ("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments"),
        ("DescribeTransitGatewayRouteTables", "TransitGatewayRouteTables"),
        ("DescribeManagedPrefixLists", "PrefixLists"), ("DescribePrefixLists", "PrefixLists"))}
    ec2["SearchTransitGatewayRoutes"] = {}
    ec2["GetManagedPrefixListEntries"] = {}
    nfw: dict[str, Any] = {"ListFirewalls": {"Firewalls": []}, "DescribeFirewall": {}, "DescribeFirewallPolicy": {},
                           "DescribeRuleGroup": {}, "DescribeLoggingConfiguration": {}}
    ec2["DescribePrefixLists"]["PrefixLists"].append({"PrefixListId": S3_PL, "Cidrs": S3_CIDRS,
                                                      "PrefixListName": "com.amazonaws.eu-west-1.s3"})
    pl_id = ids("pl")
    pl_cidrs = draw(st.lists(st.sampled_from(["52.95.0.0/16", "8.8.8.0/24", "0.0.0.0/2", "52.95.110.0/24",
                                              "104.16.0.0/12"]), min_size=1, max_size=3, unique=True))
    ec2["DescribeManagedPrefixLists"]["PrefixLists"].append({
        "PrefixListId": pl_id, "AddressFamily": "IPv4", "State": "create-complete", "PrefixListName": "egress",
        "MaxEntries": 10, "Version": 1, "OwnerId": ACCOUNT})
    ec2["GetManagedPrefixListEntries"][pl_id] = {"Entries": [{"Cidr": c} for c in pl_cidrs]}

    # --- VPCs, subnets, gateways ----------------------------------------------------------------
    n_vpcs = draw(st.integers(1, 3))
    cidrs = draw(st.permutations(VPC_CIDRS))[:n_vpcs]
    vpcs: list[dict[str, Any]] = []
    for i, cidr in enumerate(cidrs):
        v6 = draw(st.booleans())
        vpc = {"VpcId": ids("vpc"), "CidrBlock": cidr, "State": "available", "OwnerId": ACCOUNT, "IsDefault": False,
               "InstanceTenancy": "default", "DhcpOptionsId": "dopt-1",
               "CidrBlockAssociationSet": [{"AssociationId": ids("vpc-cidr-assoc"), "CidrBlock": cidr,
                                            "CidrBlockState": {"State": "associated"}}],
               "Ipv6CidrBlockAssociationSet": [{"AssociationId": ids("vpc-cidr-assoc"),
                                                "Ipv6CidrBlock": f"2600:1f18:{i + 1:x}::/56",
                                                "Ipv6CidrBlockState": {"State": "associated"}}] if v6 else []}
        ec2["DescribeVpcs"]["Vpcs"].append(vpc)
        ctx: dict[str, Any] = {"vpc": vpc, "subnets": [], "targets4": [], "targets6": [], "sgs": [],
                               "infra": set(), "where": {}, "new": new_rules}
        vpcs.append(ctx)
        for j in range(draw(st.integers(1, 4))):
            sub_cidr = host(cidr, j * 256) + "/24"
            sub = {"SubnetId": ids("subnet"), "VpcId": vpc["VpcId"], "CidrBlock": sub_cidr,
                   "AvailabilityZone": draw(st.sampled_from(AZS)) if j else AZS[0], "State": "available",
                   "AvailableIpAddressCount": 250, "DefaultForAz": False, "MapPublicIpOnLaunch": False,
                   "AssignIpv6AddressOnCreation": False, "OwnerId": ACCOUNT,
                   "Ipv6CidrBlockAssociationSet": [{"AssociationId": ids("subnet-cidr-assoc"),
                                                    "Ipv6CidrBlock": f"2600:1f18:{i + 1:x}:{j:x}::/64",
                                                    "Ipv6CidrBlockState": {"State": "associated"}}] if v6 else []}
            sub["AvailabilityZoneId"] = "euw1-az1" if sub["AvailabilityZone"] == AZS[0] else "euw1-az2"
            ec2["DescribeSubnets"]["Subnets"].append(sub)
            ctx["subnets"].append(sub)
        subnets = ctx["subnets"]
        if not pct(draw, 20):
            igw = ids("igw")
            ec2["DescribeInternetGateways"]["InternetGateways"].append({
                "InternetGatewayId": igw, "OwnerId": ACCOUNT, "Tags": [],
                "Attachments": [{"State": "available", "VpcId": vpc["VpcId"]}]})
            ctx["targets4"] += [{"GatewayId": igw}] * 2
            ctx["targets6"] += [{"GatewayId": igw}]
        if v6 and draw(st.booleans()):
            eigw = ids("eigw")
            ec2["DescribeEgressOnlyInternetGateways"]["EgressOnlyInternetGateways"].append({
                "EgressOnlyInternetGatewayId": eigw, "Attachments": [{"State": "attached", "VpcId": vpc["VpcId"]}]})
            ctx["targets6"] += [{"EgressOnlyInternetGatewayId": eigw}] * 2
        for _ in range(draw(st.integers(0, 2))):
            sub = draw(st.sampled_from(subnets))
            ctx["infra"].add(sub["SubnetId"])
            nat_id, private = ids("nat"), pct(draw, 25)
            ctx["where"][nat_id] = sub["SubnetId"]
            state = draw(st.sampled_from(["available"] * 5 + ["deleted", "pending"]))
            addr = {"PrivateIp": host(sub["CidrBlock"], 5 + len(ec2["DescribeNatGateways"]["NatGateways"])),
                    "NetworkInterfaceId": ids("eni"), "IsPrimary": True}
            if not private:
                addr |= {"AllocationId": ids("eipalloc"), "PublicIp": f"34.0.{len(vpcs)}.{ids.n % 250}"}
            ec2["DescribeNatGateways"]["NatGateways"].append({
                "NatGatewayId": nat_id, "SubnetId": sub["SubnetId"], "VpcId": vpc["VpcId"], "State": state,
                "ConnectivityType": "private" if private else "public", "CreateTime": TIME,
                "NatGatewayAddresses": [addr]})
            route: dict[str, Any] = {"NatGatewayId": nat_id}
            if state == "deleted" and draw(st.booleans()):
                route["State"] = "blackhole"
            ctx["targets4"] += [route] * 2
            ctx["targets6"] += [route]  # NAT64 (64:ff9b::/96)
            if new_rules and v6 and route.get("State") != "blackhole":
                ctx.setdefault("nat64", []).append(route)
        if pct(draw, 40):
            firewall(draw, ids, nfw, ctx)
        if pct(draw, 30):
            nat_instance(draw, ids, ec2, ctx)
        if new_rules:
            if pct(draw, 30):
                nat_instance(draw, ids, ec2, ctx)  # a second forwarder
            for _ in range(draw(st.integers(0, 2))):
                relay_host(draw, ids, ec2, ctx)
            if pct(draw, 20):
                gwlb_endpoint(draw, ids, ec2, ctx)
        if pct(draw, 30):
            vpce = ids("vpce")
            ec2["DescribeVpcEndpoints"]["VpcEndpoints"].append({
                "VpcEndpointId": vpce, "VpcEndpointType": "Gateway", "VpcId": vpc["VpcId"],
                "ServiceName": "com.amazonaws.eu-west-1.s3", "State": "available", "RouteTableIds": [],
                "PolicyDocument": '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'})
            ctx["s3"] = vpce
        if pct(draw, 15):
            ctx["vgw"] = ids("vgw")
            ctx["targets4"].append({"GatewayId": ctx["vgw"]})
        if pct(draw, 30):
            ctx["targets4"].append({"NatGatewayId": ids("nat"), "State": "blackhole"})  # NAT gateway since deleted

    if len(vpcs) > 1 and draw(st.booleans()):
        a, b = draw(st.permutations(vpcs))[:2]
        pcx = ids("pcx")
        ec2["DescribeVpcPeeringConnections"]["VpcPeeringConnections"].append({
            "VpcPeeringConnectionId": pcx, "Status": {"Code": "active", "Message": "Active"},
            "AccepterVpcInfo": {"VpcId": a["vpc"]["VpcId"], "CidrBlock": a["vpc"]["CidrBlock"], "OwnerId": ACCOUNT},
            "RequesterVpcInfo": {"VpcId": b["vpc"]["VpcId"], "CidrBlock": b["vpc"]["CidrBlock"], "OwnerId": ACCOUNT}})
        a["targets4"].append({"VpcPeeringConnectionId": pcx})
        b["targets4"].append({"VpcPeeringConnectionId": pcx})
    if new_rules and len(vpcs) > 1 and ec2["DescribeVpcPeeringConnections"]["VpcPeeringConnections"]:
        pcx = ec2["DescribeVpcPeeringConnections"]["VpcPeeringConnections"][0]
        if pct(draw, 15):
            pcx["Status"] = {"Code": draw(st.sampled_from(["pending-acceptance", "deleted", "rejected"])),
                             "Message": "not active"}
        for ctx in vpcs:  # IPv6 over the peering too
            ident = ctx["vpc"]["VpcId"]
            if ident in (pcx["AccepterVpcInfo"]["VpcId"], pcx["RequesterVpcInfo"]["VpcId"]):
                ctx["targets6"].append({"VpcPeeringConnectionId": pcx["VpcPeeringConnectionId"]})
    if pct(draw, 40):
        transit_gateway(draw, ids, ec2, vpcs, pl_id)
    internal_pl = None
    if new_rules:
        internal_pl = ids("pl")
        entries = draw(st.lists(st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "10.1.0.0/16",
                                                 "172.16.0.0/24"]), min_size=1, max_size=2, unique=True))
        ec2["DescribeManagedPrefixLists"]["PrefixLists"].append({
            "PrefixListId": internal_pl, "AddressFamily": "IPv4", "State": "create-complete",
            "PrefixListName": "internal", "MaxEntries": 10, "Version": 1, "OwnerId": ACCOUNT})
        ec2["GetManagedPrefixListEntries"][internal_pl] = {"Entries": [{"Cidr": c} for c in entries]}
        if pct(draw, 60):
            block_public_access(draw, ids, ec2, vpcs)

    # --- security groups, NACLs, route tables ------------------------------------------------------
    for ctx in vpcs:
        vpc, subnets = ctx["vpc"], ctx["subnets"]
        for _ in range(draw(st.integers(1, 2))):
            kinds = draw(st.lists(st.sampled_from(SG_KINDS), min_size=1, max_size=3, unique=True))
            if not pct(draw, 50):
                kinds = ["all", *[k for k in kinds if k != "all"]]
            gid = ids("sg")
            ec2["DescribeSecurityGroups"]["SecurityGroups"].append({
                "GroupId": gid, "GroupName": gid, "Description": "generated", "VpcId": vpc["VpcId"],
                "OwnerId": ACCOUNT, "IpPermissions": [], "IpPermissionsEgress": [egress_rule(k, pl_id) for k in kinds]})
            ctx["sgs"].append(gid)
            if internal_pl is not None:
                sg = ec2["DescribeSecurityGroups"]["SecurityGroups"][-1]
                sg["IpPermissions"] = [ingress_rule(draw, k, internal_pl, ctx["sgs"], vpcs) for k in draw(st.lists(
                    st.sampled_from(INGRESS_KINDS), max_size=3, unique=True))]
        for records in ctx.get("grouped", []):  # forwarders and hosts: groups of their VPC
            chosen_groups = draw(st.lists(st.sampled_from(ctx["sgs"]), min_size=1, max_size=2, unique=True))
            for record in records:
                record["Groups"] = [{"GroupId": g, "GroupName": g} for g in chosen_groups]
        acls = [nacl(draw, ids, vpc, True)] + [nacl(draw, ids, vpc, False) for _ in range(draw(st.integers(0, 2)))]
        for sub in subnets:
            acl = draw(st.sampled_from(acls))
            if acl is acls[0] and pct(draw, 30):
                continue  # no association listed: the VPC's default NACL applies
            acl["Associations"].append({"NetworkAclAssociationId": ids("aclassoc"), "NetworkAclId": acl["NetworkAclId"],
                                        "SubnetId": sub["SubnetId"]})
        ec2["DescribeNetworkAcls"]["NetworkAcls"] += acls
        igws = [t for t in ctx["targets4"] if str(t.get("GatewayId", "")).startswith("igw-")]
        spoke = ctx.get("spoke_default")
        tables = [route_table(draw, ids, ctx, pl_id, vpcs, default=spoke if spoke and not pct(draw, 30) else None)
                  for _ in range(draw(st.integers(1, 2)))]
        main = draw(st.sampled_from(tables))
        main["Associations"].append({"Main": True, "RouteTableAssociationId": ids("rtbassoc"),
                                     "RouteTableId": main["RouteTableId"], "AssociationState": {"State": "associated"}})
        for sub in subnets:
            chosen: dict[str, Any] | None
            if sub["SubnetId"] in ctx.get("hub_subnets", ()) and not pct(draw, 25):
                # the hub's attachment subnets send traffic on to its NAT / firewall / IGW
                home = sub["SubnetId"]
                egress = [t for t in ctx["targets4"] if ("NatGatewayId" in t and t.get("State") != "blackhole")
                          or str(t.get("GatewayId", "")).startswith(("vpce-", "igw-"))]
                egress = [t for t in egress if elsewhere(ctx, t, home)]
                onward = draw(st.sampled_from(egress)) if egress else None
                chosen = route_table(draw, ids, ctx, pl_id, vpcs, default=onward, home=home)
                tables.append(chosen)
            elif sub["SubnetId"] in ctx["infra"] and not pct(draw, 25):
                # NAT / firewall / NAT instance / TGW attachment subnet: its own table, usually onward
                # to the internet gateway, so that chains (NAT -> firewall -> IGW, spoke -> TGW ->
                # egress VPC -> NAT -> IGW) are common
                onward = draw(st.sampled_from(igws)) if igws and not pct(draw, 40) else None
                chosen = route_table(draw, ids, ctx, pl_id, vpcs, default=onward, home=sub["SubnetId"])
                tables.append(chosen)
            else:
                chosen = draw(st.sampled_from([None, *tables]))
            if chosen is not None:
                chosen["Associations"].append({"Main": False, "RouteTableAssociationId": ids("rtbassoc"),
                                               "RouteTableId": chosen["RouteTableId"], "SubnetId": sub["SubnetId"],
                                               "AssociationState": {"State": "associated"}})
        ec2["DescribeRouteTables"]["RouteTables"] += tables
        ec2["DescribeNetworkInterfaces"]["NetworkInterfaces"] += ctx.get("enis", [])

    # --- notebooks ------------------------------------------------------------------------------------
    sm: dict[str, Any] = {"ListNotebookInstances": {"NotebookInstances": []}, "DescribeNotebookInstance": {},
                          "DescribeNotebookInstanceLifecycleConfig": {}}
    for k in range(draw(st.integers(1, 3))):
        ctx = draw(st.sampled_from(vpcs))
        private = [s for s in ctx["subnets"] if s["SubnetId"] not in ctx["infra"]]
        sub = draw(st.sampled_from(private if private and not pct(draw, 20) else ctx["subnets"]))
        name = f"nb-{k}"
        groups = draw(st.lists(st.sampled_from(ctx["sgs"]), min_size=1, max_size=2, unique=True))
        public = f"54.{k}.0.{10 + k}" if pct(draw, 30) else None
        v6_block = sub["Ipv6CidrBlockAssociationSet"]
        v6 = host(v6_block[0]["Ipv6CidrBlock"], 100 + k) if v6_block and draw(st.booleans()) else None
        nb_eni = eni(ids, sub, host(sub["CidrBlock"], 100 + k), groups, public, v6,
                     f"[Do not delete] Network Interface created to access resources in your VPC for "
                     f"SageMaker Notebook Instance {name}")
        if not pct(draw, 3):  # now and then the ENI was not collected
            ec2["DescribeNetworkInterfaces"]["NetworkInterfaces"].append(nb_eni)
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}"
        instance_ips = [i["PrivateIpAddress"] for r in ec2["DescribeInstances"]["Reservations"] for i in r["Instances"]]
        lifecycle = None
        if instance_ips and pct(draw, 30):  # the lifecycle configuration names an instance as its proxy
            lifecycle = f"{name}-lifecycle"
            script = f"#!/bin/sh\necho 'export HTTPS_PROXY=http://{draw(st.sampled_from(instance_ips))}:3128' " \
                     ">> /etc/profile.d/proxy.sh\n"
            sm["DescribeNotebookInstanceLifecycleConfig"][lifecycle] = {
                "NotebookInstanceLifecycleConfigName": lifecycle, "CreationTime": TIME, "LastModifiedTime": TIME,
                "NotebookInstanceLifecycleConfigArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
                                                      f"notebook-instance-lifecycle-config/{lifecycle}",
                "OnStart": [{"Content": base64.b64encode(script.encode()).decode()}]}
        sm["ListNotebookInstances"]["NotebookInstances"].append({
            "NotebookInstanceName": name, "NotebookInstanceArn": arn, "NotebookInstanceStatus": "InService",
            "InstanceType": "ml.t3.medium", "CreationTime": TIME, "LastModifiedTime": TIME})
        sm["DescribeNotebookInstance"][name] = {
            "NotebookInstanceName": name, "NotebookInstanceArn": arn, "NotebookInstanceStatus": "InService",
            "InstanceType": "ml.t3.medium", "SubnetId": sub["SubnetId"], "SecurityGroups": groups,
            "NetworkInterfaceId": nb_eni["NetworkInterfaceId"], "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/sm",
            "DirectInternetAccess": "Enabled" if pct(draw, 10) else "Disabled",
            "RootAccess": "Disabled", "CreationTime": TIME, "LastModifiedTime": TIME}
        if lifecycle:
            sm["DescribeNotebookInstance"][name]["NotebookInstanceLifecycleConfigName"] = lifecycle
        if pct(draw, 10):  # as moto answers: no NetworkInterfaceId, the ENI is found by its description
            del sm["DescribeNotebookInstance"][name]["NetworkInterfaceId"]
    return {"schema": "safemaker.snapshot/v1", "created": TIME, "tool_version": "oracle",
            "accounts": {ACCOUNT: {REGION: {"ec2": ec2, "network-firewall": nfw, "sagemaker": sm}}}, "errors": []}


def firewall(draw: Draw, ids: Ids, nfw: dict[str, Any], ctx: dict[str, Any]) -> None:
    name = ids("fw")
    arn = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:firewall/{name}"
    policy_arn = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:firewall-policy/{name}"
    default = draw(st.sampled_from(["aws:forward_to_sfe", "aws:forward_to_sfe", "aws:pass", "aws:drop"]))
    policy: dict[str, Any] = {"StatelessDefaultActions": [default], "StatelessFragmentDefaultActions": [default],
                              "StatelessRuleGroupReferences": [], "StatefulRuleGroupReferences": []}
    if pct(draw, 35):
        group_arn = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:stateless-rulegroup/{name}"
        attrs: dict[str, Any] = {}
        if draw(st.booleans()):
            attrs["Protocols"] = draw(st.sampled_from([[6], [17], [6, 17], [50], [1]]))
            if attrs["Protocols"] in ([6], [6, 17]) and draw(st.booleans()):
                attrs["DestinationPorts"] = [draw(st.sampled_from([{"FromPort": 443, "ToPort": 443},
                                                                   {"FromPort": 0, "ToPort": 1023}]))]
        if draw(st.booleans()):
            attrs["Destinations"] = [{"AddressDefinition": draw(st.sampled_from(["52.0.0.0/8", "0.0.0.0/0",
                                                                                  "8.8.8.0/24", "::/0"]))}]
        if pct(draw, 25):
            attrs["Sources"] = [{"AddressDefinition": draw(st.sampled_from(["10.0.0.0/8", ctx["vpc"]["CidrBlock"],
                                                                             "192.168.0.0/16"]))}]
        action = draw(st.sampled_from(["aws:pass", "aws:drop", "aws:forward_to_sfe"]))
        rule = {"RuleDefinition": {"MatchAttributes": attrs, "Actions": [action]}, "Priority": 10}
        nfw["DescribeRuleGroup"][group_arn] = {
            "UpdateToken": "t", "RuleGroup": {"RulesSource": {"StatelessRulesAndCustomActions": {
                "StatelessRules": [rule]}}},
            "RuleGroupResponse": {"RuleGroupArn": group_arn, "RuleGroupName": name, "RuleGroupId": name,
                                  "Type": "STATELESS", "Capacity": 10}}
        policy["StatelessRuleGroupReferences"].append({"ResourceArn": group_arn, "Priority": 1})
    nfw["DescribeFirewallPolicy"][policy_arn] = {
        "UpdateToken": "t", "FirewallPolicy": policy,
        "FirewallPolicyResponse": {"FirewallPolicyName": name, "FirewallPolicyArn": policy_arn,
                                   "FirewallPolicyId": name}}
    by_az: dict[str, Any] = {}
    chosen = draw(st.lists(st.sampled_from(ctx["subnets"]), min_size=1, max_size=2, unique_by=lambda s: s["SubnetId"]))
    for sub in chosen:
        by_az.setdefault(sub["AvailabilityZone"], sub)
        ctx["infra"].add(sub["SubnetId"])
    sync = {}
    for az, sub in sorted(by_az.items()):
        endpoint = ids("vpce")
        ctx["where"][endpoint] = sub["SubnetId"]
        sync[az] = {"Attachment": {"SubnetId": sub["SubnetId"], "EndpointId": endpoint, "Status": "READY"}}
        ctx["targets4"] += [{"GatewayId": endpoint}] * 3
        ctx["targets6"] += [{"GatewayId": endpoint}]
    nfw["ListFirewalls"]["Firewalls"].append({"FirewallName": name, "FirewallArn": arn})
    nfw["DescribeFirewall"][arn] = {
        "UpdateToken": "t",
        "Firewall": {"FirewallName": name, "FirewallArn": arn, "FirewallPolicyArn": policy_arn, "FirewallId": name,
                     "VpcId": ctx["vpc"]["VpcId"],
                     "SubnetMappings": [{"SubnetId": s["SubnetId"]} for s in by_az.values()]},
        "FirewallStatus": {"Status": "READY", "ConfigurationSyncStateSummary": "IN_SYNC", "SyncStates": sync}}


def instance(draw: Draw, ids: Ids, ec2: dict[str, Any], ctx: dict[str, Any], description: str,
             extra_enis: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An EC2 instance with a primary ENI and `extra_enis` more in other subnets of the same AZ (an
    instance's ENIs share one AZ). With the new rules: secondary addresses behind Elastic IPs and
    IPv6 addresses, and security groups drawn later (ctx["grouped"])."""
    sub = draw(st.sampled_from(ctx["subnets"]))
    iid = ids("i")
    new = ctx.get("new")
    same_az = [s for s in ctx["subnets"] if s["AvailabilityZone"] == sub["AvailabilityZone"] and s is not sub]
    subnets = [sub] + (draw(st.lists(st.sampled_from(same_az), max_size=extra_enis, unique_by=lambda s: s["SubnetId"]))
                       if same_az and extra_enis else [])
    ifaces: list[dict[str, Any]] = []
    for device, where in enumerate(subnets):
        slot = 50 + 10 * len(ctx.setdefault("enis", [])) + device
        public = f"35.0.{slot % 250}.{ids.n % 250}" if draw(st.booleans()) else None
        secondary = None
        v6 = None
        if new:
            if pct(draw, 30):
                secondary = (host(where["CidrBlock"], slot + 100), f"35.1.{slot % 250}.{ids.n % 250}"
                             if draw(st.booleans()) else None)
            if where["Ipv6CidrBlockAssociationSet"] and draw(st.booleans()):
                v6 = host(where["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"], slot)
        iface = eni(ids, where, host(where["CidrBlock"], slot), [], public, v6, description, instance=iid,
                    device=device, secondary=secondary)
        ifaces.append(iface)
        ctx["enis"].append(iface)
        ctx["infra"].add(where["SubnetId"])
    instance_ifaces = [{**{k: iface[k] for k in ("NetworkInterfaceId", "SubnetId", "VpcId", "PrivateIpAddress",
                                                 "SourceDestCheck")},
                        "Attachment": {"AttachmentId": iface["Attachment"]["AttachmentId"], "DeviceIndex": device,
                                       "Status": "attached"}} for device, iface in enumerate(ifaces)]
    if new:  # groups drawn once the VPC's groups exist, the same on both records
        for iface, record in zip(ifaces, instance_ifaces, strict=True):
            record["Groups"] = iface["Groups"] = []
            ctx.setdefault("grouped", []).append((iface, record))
    record = {"InstanceId": iid, "SubnetId": sub["SubnetId"], "VpcId": sub["VpcId"],
              "PrivateIpAddress": ifaces[0]["PrivateIpAddress"], "SourceDestCheck": True,
              "State": {"Code": 16, "Name": "running"}, "Tags": [], "NetworkInterfaces": instance_ifaces}
    ec2["DescribeInstances"]["Reservations"].append({"ReservationId": ids("r"), "OwnerId": ACCOUNT,
                                                     "Instances": [record]})
    ctx["where"][iid] = sub["SubnetId"]
    return record, ifaces


def set_check(record: dict[str, Any], ifaces: list[dict[str, Any]], sdc: bool) -> None:
    """SourceDestCheck on the instance and every ENI (both records of each)."""
    record["SourceDestCheck"] = sdc
    for iface in [*ifaces, *record["NetworkInterfaces"]]:
        iface["SourceDestCheck"] = sdc


def nat_instance(draw: Draw, ids: Ids, ec2: dict[str, Any], ctx: dict[str, Any]) -> None:
    extra = draw(st.integers(0, 2)) if ctx.get("new") else 0
    record, ifaces = instance(draw, ids, ec2, ctx, "nat instance", extra)
    set_check(record, ifaces, pct(draw, 25))
    record["Tags"] = [{"Key": "safemaker:role", "Value": "proxy"}] if pct(draw, 25) else []
    iid = record["InstanceId"]
    route = {"InstanceId": iid, "InstanceOwnerId": ACCOUNT, "NetworkInterfaceId": ifaces[0]["NetworkInterfaceId"]}
    ctx["targets4"] += [route] * 2
    ctx["targets6"] += [route]
    if len(ifaces) > 1:  # a route that names a secondary ENI of the forwarder
        second = {"InstanceId": iid, "InstanceOwnerId": ACCOUNT, "NetworkInterfaceId": ifaces[1]["NetworkInterfaceId"]}
        ctx["targets4"].append(second)
        ctx["targets6"].append(second)


def relay_host(draw: Draw, ids: Ids, ec2: dict[str, Any], ctx: dict[str, Any]) -> None:
    """An ordinary EC2 host (source/destination check on): a relay when a notebook reaches it and it
    has its own uninspected internet path (rule 31)."""
    record, _ = instance(draw, ids, ec2, ctx, "relay host", draw(st.integers(0, 1)))
    record["Tags"] = [{"Key": "safemaker:role", "Value": "proxy"}] if pct(draw, 10) else []


def gwlb_endpoint(draw: Draw, ids: Ids, ec2: dict[str, Any], ctx: dict[str, Any]) -> None:
    sub = draw(st.sampled_from(ctx["subnets"]))
    vpce = ids("vpce")
    ec2["DescribeVpcEndpoints"]["VpcEndpoints"].append({
        "VpcEndpointId": vpce, "VpcEndpointType": "GatewayLoadBalancer", "VpcId": ctx["vpc"]["VpcId"],
        "ServiceName": f"com.amazonaws.vpce.{REGION}.vpce-svc-0123456789abcdef0", "State": "available",
        "SubnetIds": [sub["SubnetId"]], "NetworkInterfaceIds": [ids("eni")], "RouteTableIds": []})
    ctx["infra"].add(sub["SubnetId"])
    ctx["where"][vpce] = sub["SubnetId"]
    ctx["targets4"] += [{"GatewayId": vpce}] * 2
    ctx["targets6"] += [{"GatewayId": vpce}]


def block_public_access(draw: Draw, ids: Ids, ec2: dict[str, Any], vpcs: list[dict[str, Any]]) -> None:
    mode = draw(st.sampled_from(["off", "block-bidirectional", "block-bidirectional", "block-ingress",
                                 "block-ingress"]))
    ec2["DescribeVpcBlockPublicAccessOptions"] = {"VpcBlockPublicAccessOptions": {
        "AwsAccountId": ACCOUNT, "AwsRegion": REGION, "State": "update-complete" if mode != "off" else "default-state",
        "InternetGatewayBlockMode": mode, "LastUpdateTimestamp": TIME}}
    exclusions = []
    for _ in range(draw(st.integers(0, 3))):
        ctx = draw(st.sampled_from(vpcs))
        on_subnet = draw(st.booleans())
        resource = f"subnet/{draw(st.sampled_from(ctx['subnets']))['SubnetId']}" if on_subnet \
            else f"vpc/{ctx['vpc']['VpcId']}"
        exclusions.append({
            "ExclusionId": ids("vpcbpa-exclude"), "ResourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:{resource}",
            "InternetGatewayExclusionMode": draw(st.sampled_from(["allow-bidirectional", "allow-egress"])),
            "State": draw(st.sampled_from(EXCLUSION_STATES)), "CreationTimestamp": TIME, "LastUpdateTimestamp": TIME,
            "Tags": []})
    ec2["DescribeVpcBlockPublicAccessExclusions"] = {"VpcBlockPublicAccessExclusions": exclusions}


INGRESS_KINDS = ("private", "ssh-any", "all6", "squid-peer", "pl", "group", "https-vpc")


def ingress_rule(draw: Draw, kind: str, pl: str, groups: list[str], vpcs: list[dict[str, Any]]) -> dict[str, Any]:
    base: dict[str, Any] = {"IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
    if kind == "private":
        return {**base, "IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    if kind == "ssh-any":
        return {**base, "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    if kind == "all6":
        return {**base, "IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    if kind == "squid-peer":
        cidr = draw(st.sampled_from([c["vpc"]["CidrBlock"] for c in vpcs]))
        return {**base, "IpProtocol": "tcp", "FromPort": 3128, "ToPort": 3128, "IpRanges": [{"CidrIp": cidr}]}
    if kind == "pl":
        return {**base, "IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "PrefixListIds": [{"PrefixListId": pl}]}
    if kind == "group":  # a group of the same VPC (itself or an earlier one)
        return {**base, "IpProtocol": "-1", "UserIdGroupPairs": [
            {"GroupId": draw(st.sampled_from(groups)), "UserId": ACCOUNT}]}
    cidr = draw(st.sampled_from([c["vpc"]["CidrBlock"] for c in vpcs]))
    return {**base, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]}


def transit_gateway(draw: Draw, ids: Ids, ec2: dict[str, Any], vpcs: list[dict[str, Any]], pl_id: str) -> None:
    tgw = ids("tgw")
    ec2["DescribeTransitGateways"]["TransitGateways"].append({"TransitGatewayId": tgw, "State": "available",
                                                              "OwnerId": ACCOUNT})
    attached = vpcs if not pct(draw, 30) else draw(st.lists(st.sampled_from(vpcs), min_size=1, max_size=len(vpcs),
                                                             unique_by=lambda c: c["vpc"]["VpcId"]))
    tables = [ids("tgw-rtb") for _ in range(draw(st.integers(1, 2)))]
    for rtb in tables:
        ec2["DescribeTransitGatewayRouteTables"]["TransitGatewayRouteTables"].append({
            "TransitGatewayRouteTableId": rtb, "TransitGatewayId": tgw, "State": "available",
            "DefaultAssociationRouteTable": rtb == tables[0], "DefaultPropagationRouteTable": rtb == tables[0]})
    atts = []
    for ctx in attached:
        att = ids("tgw-attach")
        by_az = {s["AvailabilityZone"]: s for s in ctx["subnets"]}  # usually one subnet per AZ
        subs = list(by_az.values()) if not pct(draw, 25) else draw(st.lists(
            st.sampled_from(ctx["subnets"]), min_size=1, max_size=2, unique_by=lambda s: s["AvailabilityZone"]))
        ec2["DescribeTransitGatewayVpcAttachments"]["TransitGatewayVpcAttachments"].append({
            "TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "VpcId": ctx["vpc"]["VpcId"],
            "VpcOwnerId": ACCOUNT, "State": "available", "SubnetIds": [s["SubnetId"] for s in subs]})
        if ctx.get("new"):  # rule 23: appliance mode on some attachments
            ec2["DescribeTransitGatewayVpcAttachments"]["TransitGatewayVpcAttachments"][-1]["Options"] = {
                "DnsSupport": "enable", "Ipv6Support": "enable",
                "ApplianceModeSupport": draw(st.sampled_from(["enable", "disable", "disable"]))}
        assoc = None if pct(draw, 15) else draw(st.sampled_from(tables))
        record: dict[str, Any] = {"TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "ResourceType": "vpc",
                                  "ResourceId": ctx["vpc"]["VpcId"], "ResourceOwnerId": ACCOUNT, "State": "available",
                                  "TransitGatewayOwnerId": ACCOUNT}
        if assoc:
            record["Association"] = {"TransitGatewayRouteTableId": assoc, "State": "associated"}
        ec2["DescribeTransitGatewayAttachments"]["TransitGatewayAttachments"].append(record)
        atts.append((att, ctx))
        ctx["targets4"] += [{"TransitGatewayId": tgw}] * 2
        ctx["targets6"] += [{"TransitGatewayId": tgw}]
    hub = draw(st.sampled_from(atts)) if len(atts) > 1 and not pct(draw, 30) else None
    if hub is not None:  # centralised egress: spokes -> TGW -> hub VPC -> NAT / firewall / IGW
        hub[1]["hub_subnets"] = {s for a in ec2["DescribeTransitGatewayVpcAttachments"]["TransitGatewayVpcAttachments"]
                                 if a["TransitGatewayAttachmentId"] == hub[0] for s in a["SubnetIds"]}
        for _, ctx in atts:
            if ctx is not hub[1]:
                ctx["spoke_default"] = {"TransitGatewayId": tgw}
    for rtb in tables:
        routes = []
        if hub is not None:
            routes.append({"DestinationCidrBlock": "0.0.0.0/0", "Type": "static", "State": "active",
                           "TransitGatewayAttachments": [{"ResourceId": hub[1]["vpc"]["VpcId"], "ResourceType": "vpc",
                                                          "TransitGatewayAttachmentId": hub[0]}]})
            routes += [{"DestinationCidrBlock": c["vpc"]["CidrBlock"], "Type": "propagated", "State": "active",
                        "TransitGatewayAttachments": [{"ResourceId": c["vpc"]["VpcId"], "TransitGatewayAttachmentId": a,
                                                       "ResourceType": "vpc"}]} for a, c in atts if c is not hub[1]]
            ec2["SearchTransitGatewayRoutes"][rtb] = {"Routes": routes, "AdditionalRoutesAvailable": False}
            continue
        pool = ["52.0.0.0/8", "::/0", "PL", *[c["vpc"]["CidrBlock"] for _, c in atts]]
        if vpcs[0].get("new"):  # IPv6 relays behind the TGW
            pool += [c["vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] for _, c in atts
                     if c["vpc"]["Ipv6CidrBlockAssociationSet"]]
        dests = (["0.0.0.0/0"] if not pct(draw, 30) else []) + draw(st.lists(st.sampled_from(pool), max_size=3,
                                                                              unique=True))
        for dest in dests:
            att, ctx = draw(st.sampled_from(atts))
            route: dict[str, Any] = {"Type": draw(st.sampled_from(["static", "propagated"])),
                                     "State": "blackhole" if pct(draw, 15) else "active"}
            route["PrefixListId" if dest == "PL" else "DestinationCidrBlock"] = pl_id if dest == "PL" else dest
            if route["State"] == "active":
                route["TransitGatewayAttachments"] = [{"ResourceId": ctx["vpc"]["VpcId"],
                                                       "TransitGatewayAttachmentId": att, "ResourceType": "vpc"}]
            routes.append(route)
        ec2["SearchTransitGatewayRoutes"][rtb] = {"Routes": routes, "AdditionalRoutesAvailable": False}


def elsewhere(ctx: dict[str, Any], target: dict[str, Any], home: str | None) -> bool:
    """The target does not live in `home` (a subnet routing 0/0 to its own NAT loops)."""
    ident = next((v for k, v in target.items() if k.endswith("Id") and k != "InstanceOwnerId"), "")
    return home is None or ctx["where"].get(ident) != home


def route_table(draw: Draw, ids: Ids, ctx: dict[str, Any], pl_id: str, vpcs: list[dict[str, Any]],
                default: dict[str, Any] | None, home: str | None = None) -> dict[str, Any]:
    """A table with the local route(s), usually a default route (to `default`, or to a random
    target), and a few more specific routes over an overlapping pool of prefixes."""
    vpc = ctx["vpc"]
    routes = [{"DestinationCidrBlock": vpc["CidrBlock"], "GatewayId": "local", "Origin": "CreateRouteTable",
               "State": "active"}]
    v6 = vpc["Ipv6CidrBlockAssociationSet"]
    if v6:
        routes.append({"DestinationIpv6CidrBlock": v6[0]["Ipv6CidrBlock"], "GatewayId": "local",
                       "Origin": "CreateRouteTable", "State": "active"})
    inner = [s["CidrBlock"] for s in ctx["subnets"]] + [host(vpc["CidrBlock"], 200 * 256) + "/24"]
    others = [c["vpc"]["CidrBlock"] for c in vpcs if c is not ctx]
    pool4 = list(V4_DESTS) + inner + others + ["PL", "PL"] + (["S3"] if ctx.get("s3") else [])
    used = {vpc["CidrBlock"]}
    anywhere = [t for t in ctx["targets4"] if elsewhere(ctx, t, home)]
    egress = [t for t in anywhere if not str(t.get("GatewayId", "igw-")).startswith(("igw-", "vgw-"))
              and "VpcPeeringConnectionId" not in t and t.get("State") != "blackhole"]
    if anywhere and (default is not None or not pct(draw, 15)):
        pool = egress if egress and not pct(draw, 35) else anywhere
        target = dict(default or draw(st.sampled_from(pool)))
        routes.append({"DestinationCidrBlock": "0.0.0.0/0", "Origin": "CreateRoute",
                       "State": target.pop("State", "active"), **target})
        used.add("0.0.0.0/0")
    for dest in draw(st.lists(st.sampled_from(pool4), max_size=3)):
        if dest in used or not ctx["targets4"]:
            continue
        used.add(dest)
        if dest == "S3":
            routes.append({"DestinationPrefixListId": S3_PL, "GatewayId": ctx["s3"], "Origin": "CreateRoute",
                           "State": "active"})
            continue
        target = dict(draw(st.sampled_from(ctx["targets4"])))
        route = {"Origin": "CreateRoute", "State": target.pop("State", "active"), **target}
        route["DestinationPrefixListId" if dest == "PL" else "DestinationCidrBlock"] = pl_id if dest == "PL" else dest
        routes.append(route)
    if v6 and ctx["targets6"] and ctx.get("new"):
        if ctx.get("nat64") and pct(draw, 50):
            routes.append({"DestinationIpv6CidrBlock": NAT64, "Origin": "CreateRoute", "State": "active",
                           **draw(st.sampled_from(ctx["nat64"]))})
        peers6 = [c["vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] for c in vpcs
                  if c is not ctx and c["vpc"]["Ipv6CidrBlockAssociationSet"]]
        for dest in draw(st.lists(st.sampled_from(peers6), max_size=1)) if peers6 else []:
            target = dict(draw(st.sampled_from(ctx["targets6"])))
            routes.append({"DestinationIpv6CidrBlock": dest, "Origin": "CreateRoute",
                           "State": target.pop("State", "active"), **target})
    if v6 and ctx["targets6"]:
        for dest in draw(st.lists(st.sampled_from(V6_DESTS), max_size=2, unique=True)):
            if dest == NAT64 and any(r.get("DestinationIpv6CidrBlock") == NAT64 for r in routes):
                continue
            target = dict(default if default and dest == "::/0" else draw(st.sampled_from(ctx["targets6"])))
            routes.append({"DestinationIpv6CidrBlock": dest, "Origin": "CreateRoute",
                           "State": target.pop("State", "active"), **target})
    propagating = []
    if ctx.get("vgw") and pct(draw, 40):  # VGW route propagation: loses to a static route of equal length
        propagating = [{"GatewayId": ctx["vgw"]}]
        for dest in draw(st.lists(st.sampled_from(["0.0.0.0/0", "52.0.0.0/8", "8.0.0.0/8", "52.95.0.0/16"]),
                                  min_size=1, max_size=2, unique=True)):
            routes.append({"DestinationCidrBlock": dest, "GatewayId": ctx["vgw"], "Origin": "EnableVgwRoutePropagation",
                           "State": "active"})
    return {"RouteTableId": ids("rtb"), "VpcId": vpc["VpcId"], "OwnerId": ACCOUNT, "Routes": routes,
            "Associations": [], "PropagatingVgws": propagating, "Tags": []}
