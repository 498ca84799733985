"""EC2 networking resources -> the `ec2` Describe* responses the collector writes.

Besides the planned resources, a new VPC brings objects AWS creates implicitly and Terraform
does not list: the main route table (local routes only), the default network ACL (allow all)
and the default security group. They are added with placeholder IDs named after the VPC
(`rtb-main-of-aws_vpc.main`), because a subnet without an explicit association uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safemaker.scanner.terraform.estate import CREATED, Estate, tags
from safemaker.scanner.terraform.plan import Planned
from safemaker.scanner.terraform.refs import Unresolved, expression

EC2 = "ec2"
ASSOCIATED = {"State": "associated"}

#: Route target argument -> (response member, resource types that can be its source).
ROUTE_TARGETS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "gateway_id": ("GatewayId", ("aws_internet_gateway", "aws_vpn_gateway", "aws_vpc_endpoint")),
    "nat_gateway_id": ("NatGatewayId", ("aws_nat_gateway",)),
    "egress_only_gateway_id": ("EgressOnlyInternetGatewayId", ("aws_egress_only_internet_gateway",)),
    "transit_gateway_id": ("TransitGatewayId", ("aws_ec2_transit_gateway",)),
    "vpc_peering_connection_id": ("VpcPeeringConnectionId", ("aws_vpc_peering_connection",)),
    "network_interface_id": ("NetworkInterfaceId", ("aws_network_interface", "aws_instance")),
    "vpc_endpoint_id": ("GatewayId", ("aws_vpc_endpoint", "aws_networkfirewall_firewall")),
    "local_gateway_id": ("LocalGatewayId", ()),
    "carrier_gateway_id": ("CarrierGatewayId", ()),
    "core_network_arn": ("CoreNetworkArn", ()),
}
_PROTOCOLS = {"all": "-1", "-1": "-1", "tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58"}
_SG_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1", "-1": "-1"}


def _vpc_item(est: Estate, region: str, vpc_id: str, res: Planned, attr: str) -> dict[str, Any]:
    vpc = est.find(region, EC2, "DescribeVpcs", "Vpcs", "VpcId", vpc_id)
    if vpc is None:
        raise Unresolved(res.address, attr, f"its VPC {vpc_id} is neither planned nor in the live snapshot")
    return vpc


def _placed_subnet(est: Estate, region: str, res: Planned) -> tuple[str, dict[str, Any]]:
    """(id, DescribeSubnets item) of the subnet a NAT gateway, instance or ENI is placed in."""
    subnet_id = est.ref(res, ["subnet_id"], ["aws_subnet"]) or ""
    sub = est.find(region, EC2, "DescribeSubnets", "Subnets", "SubnetId", subnet_id)
    if sub is None:
        raise Unresolved(res.address, "subnet_id",
                         f"its subnet {subnet_id} is neither planned nor in the live snapshot")
    return subnet_id, sub


def _local_routes(vpc: Mapping[str, Any]) -> list[dict[str, Any]]:
    routes = [{"DestinationCidrBlock": a["CidrBlock"], "GatewayId": "local", "Origin": "CreateRouteTable",
               "State": "active"} for a in vpc.get("CidrBlockAssociationSet") or []
              if a.get("CidrBlock") and (a.get("CidrBlockState") or {}).get("State") == "associated"]
    routes += [{"DestinationIpv6CidrBlock": a["Ipv6CidrBlock"], "GatewayId": "local", "Origin": "CreateRouteTable",
                "State": "active"} for a in vpc.get("Ipv6CidrBlockAssociationSet") or [] if a.get("Ipv6CidrBlock")]
    return routes


# --- VPCs, subnets, gateways -------------------------------------------------------------------

def vpc(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    vid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeVpcs", "Vpcs", "VpcId", vid)
        return
    cidr = est.known(res, "cidr_block")
    if not cidr:
        raise Unresolved(res.address, "cidr_block", "the plan cannot resolve it (an IPAM pool assigns it)")
    item: dict[str, Any] = {
        "VpcId": vid, "CidrBlock": cidr, "State": "available", "OwnerId": est.account, "IsDefault": False,
        "InstanceTenancy": est.known(res, "instance_tenancy") or "default",
        "CidrBlockAssociationSet": [{"AssociationId": f"vpc-cidr-assoc-{res.address}", "CidrBlock": cidr,
                                     "CidrBlockState": ASSOCIATED}],
        "Tags": tags(res.values)}
    if est.is_unknown(res, "ipv6_cidr_block"):
        if res.values.get("assign_generated_ipv6_cidr_block") or res.values.get("ipv6_ipam_pool_id"):
            raise Unresolved(res.address, "ipv6_cidr_block", "AWS assigns it at apply")
    elif res.values.get("ipv6_cidr_block"):
        item["Ipv6CidrBlockAssociationSet"] = [{
            "AssociationId": f"vpc-cidr-assoc-v6-{res.address}", "Ipv6CidrBlock": res.values["ipv6_cidr_block"],
            "Ipv6CidrBlockState": {"State": "associated"}}]
    existed = est.find(region, EC2, "DescribeVpcs", "Vpcs", "VpcId", vid) is not None
    item = est.upsert(region, EC2, "DescribeVpcs", "Vpcs", "VpcId", item,
                      keep=("CidrBlockAssociationSet", "Ipv6CidrBlockAssociationSet"))
    est.origin(vid, res)
    if existed:
        return
    v6 = bool(item.get("Ipv6CidrBlockAssociationSet"))
    main = f"rtb-main-of-{res.address}"
    est.upsert(region, EC2, "DescribeRouteTables", "RouteTables", "RouteTableId", {
        "RouteTableId": main, "VpcId": vid, "OwnerId": est.account, "Routes": _local_routes(item),
        "Associations": [{"Main": True, "RouteTableAssociationId": f"rtbassoc-main-of-{res.address}",
                          "RouteTableId": main, "AssociationState": ASSOCIATED}],
        "PropagatingVgws": [], "Tags": []})
    entries = []
    for egress in (False, True):
        entries.append({"Egress": egress, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100,
                        "CidrBlock": "0.0.0.0/0"})
        if v6:
            entries.append({"Egress": egress, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 101,
                            "Ipv6CidrBlock": "::/0"})
        entries += _deny_all(egress)
    est.upsert(region, EC2, "DescribeNetworkAcls", "NetworkAcls", "NetworkAclId", {
        "NetworkAclId": f"acl-default-of-{res.address}", "VpcId": vid, "IsDefault": True, "OwnerId": est.account,
        "Entries": entries, "Associations": [], "Tags": []})
    sg = f"sg-default-of-{res.address}"
    est.upsert(region, EC2, "DescribeSecurityGroups", "SecurityGroups", "GroupId", {
        "GroupId": sg, "GroupName": "default", "Description": "default VPC security group", "VpcId": vid,
        "OwnerId": est.account, "Tags": [],
        "IpPermissions": [_perm("-1", None, None, groups=[sg], account=est.account)],
        "IpPermissionsEgress": [_perm("-1", None, None, cidrs=["0.0.0.0/0"], v6=["::/0"] if v6 else [])]})


def _deny_all(egress: bool) -> list[dict[str, Any]]:
    return [{"Egress": egress, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767, "CidrBlock": "0.0.0.0/0"},
            {"Egress": egress, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32768, "Ipv6CidrBlock": "::/0"}]


def subnet(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    sid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeSubnets", "Subnets", "SubnetId", sid)
        return
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"])
    az = est.known(res, "availability_zone")
    if not az:
        raise Unresolved(res.address, "availability_zone", "AWS picks it at apply (set availability_zone)")
    item: dict[str, Any] = {
        "SubnetId": sid, "VpcId": vpc_id, "CidrBlock": est.known(res, "cidr_block"), "AvailabilityZone": az,
        "State": "available", "OwnerId": est.account, "DefaultForAz": False, "AvailableIpAddressCount": 250,
        "MapPublicIpOnLaunch": bool(est.known(res, "map_public_ip_on_launch")),
        "AssignIpv6AddressOnCreation": bool(est.known(res, "assign_ipv6_address_on_creation")),
        "Ipv6CidrBlockAssociationSet": [], "Tags": tags(res.values)}
    if not item["CidrBlock"]:
        raise Unresolved(res.address, "cidr_block", "the plan cannot resolve it")
    v6 = est.known(res, "ipv6_cidr_block")
    if v6:
        item["Ipv6CidrBlockAssociationSet"] = [{"AssociationId": f"subnet-cidr-assoc-{res.address}",
                                                "Ipv6CidrBlock": v6, "Ipv6CidrBlockState": {"State": "associated"}}]
    est.upsert(region, EC2, "DescribeSubnets", "Subnets", "SubnetId", item)
    est.origin(sid, res)


def internet_gateway(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    gid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeInternetGateways", "InternetGateways", "InternetGatewayId", gid)
        return
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"])
    est.upsert(region, EC2, "DescribeInternetGateways", "InternetGateways", "InternetGatewayId", {
        "InternetGatewayId": gid, "OwnerId": est.account, "Tags": tags(res.values),
        "Attachments": [{"State": "available", "VpcId": vpc_id}] if vpc_id else []})
    est.origin(gid, res)


def internet_gateway_attachment(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    gid = est.ref(res, ["internet_gateway_id"], ["aws_internet_gateway"])
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"])
    igw = est.find(region, EC2, "DescribeInternetGateways", "InternetGateways", "InternetGatewayId", gid or "")
    if igw is None:
        raise Unresolved(res.address, "internet_gateway_id", f"{gid} is neither planned nor in the live snapshot")
    igw["Attachments"] = [] if res.deleted else [{"State": "available", "VpcId": vpc_id}]
    est.origin(str(gid), res)


def egress_only_gateway(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    gid = est.id_of(res)
    op, key, idk = "DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways", "EgressOnlyInternetGatewayId"
    if res.deleted:
        est.remove(region, EC2, op, key, idk, gid)
        return
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"])
    est.upsert(region, EC2, op, key, idk, {idk: gid, "Tags": tags(res.values),
                                           "Attachments": [{"State": "attached", "VpcId": vpc_id}]})
    est.origin(gid, res)


def nat_gateway(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    nid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeNatGateways", "NatGateways", "NatGatewayId", nid)
        return
    subnet_id, sub = _placed_subnet(est, region, res)
    connectivity = est.known(res, "connectivity_type") or "public"
    address: dict[str, Any] = {"NetworkInterfaceId": f"eni-{res.address}", "IsPrimary": True, "Status": "succeeded"}
    if connectivity == "public":
        alloc = est.ref(res, ["allocation_id"], ["aws_eip"])
        if alloc:
            address["AllocationId"] = alloc
    if not est.is_unknown(res, "private_ip") and est.known(res, "private_ip"):
        address["PrivateIp"] = est.known(res, "private_ip")
    est.upsert(region, EC2, "DescribeNatGateways", "NatGateways", "NatGatewayId", {
        "NatGatewayId": nid, "SubnetId": subnet_id, "VpcId": sub.get("VpcId"), "State": "available",
        "ConnectivityType": connectivity, "NatGatewayAddresses": [address], "CreateTime": CREATED,
        "Tags": tags(res.values)}, keep=("NatGatewayAddresses",))
    est.origin(nid, res)


def nothing(est: Estate, res: Planned) -> None:
    """Known types that change no forwarding by themselves (an EIP's address is read where used)."""


# --- route tables -------------------------------------------------------------------------------

def _route(est: Estate, res: Planned, path: list[str | int], separate: bool) -> dict[str, Any]:
    values = est.known(res, *path) if path else res.values
    route: dict[str, Any] = {"Origin": "CreateRoute", "State": "active"}
    for arg, member in (("destination_cidr_block", "DestinationCidrBlock"), ("cidr_block", "DestinationCidrBlock"),
                        ("ipv6_cidr_block", "DestinationIpv6CidrBlock"),
                        ("destination_ipv6_cidr_block", "DestinationIpv6CidrBlock"),
                        ("destination_prefix_list_id", "DestinationPrefixListId")):
        if arg not in values and not est.is_unknown(res, *path, arg):
            continue
        value = est.ref(res, [*path, arg], ["aws_ec2_managed_prefix_list"]) if "prefix" in arg \
            else est.known(res, *path, arg)
        if value:
            route[member] = value
    if not any(k.startswith("Destination") for k in route):
        raise Unresolved(res.address, ".".join(str(p) for p in [*path, "destination"]), "the plan has no destination")
    configured = set((res.config.get("expressions") or {}).keys()) if separate else set(ROUTE_TARGETS)
    for arg, (member, types) in ROUTE_TARGETS.items():
        if separate and arg not in configured:
            continue  # aws_route: unset target arguments are unknown too; the configured one decides
        if not est.is_unknown(res, *path, arg) and not values.get(arg):
            continue
        config_path = [p for p in path if isinstance(p, str)] + [arg]
        value = est.ref(res, [*path, arg], types, config_path=config_path)
        if value:
            route[member] = value
    if arg_instance := (values.get("instance_id") if separate else None):
        route["InstanceId"] = arg_instance
    return route


def route_table(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    rid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeRouteTables", "RouteTables", "RouteTableId", rid)
        return
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"]) or ""
    vpc_item = _vpc_item(est, region, vpc_id, res, "vpc_id")
    routes = _local_routes(vpc_item)
    if est.is_unknown(res, "route"):
        if expression(res, ["route"]) is not None:
            raise Unresolved(res.address, "route", "the inline routes cannot be resolved")
        inline: list[Any] = []  # unset: the provider leaves the table's routes to aws_route resources
    else:
        inline = list(est.known(res, "route") or [])
    routes += [_route(est, res, ["route", i], separate=False) for i in range(len(inline))]
    est.upsert(region, EC2, "DescribeRouteTables", "RouteTables", "RouteTableId", {
        "RouteTableId": rid, "VpcId": vpc_id, "OwnerId": est.account, "Routes": routes, "Associations": [],
        "PropagatingVgws": [], "Tags": tags(res.values)}, keep=("Associations",))
    est.origin(rid, res)


def _table(est: Estate, res: Planned, region: str, attr: str = "route_table_id") -> dict[str, Any]:
    rid = est.ref(res, [attr], ["aws_route_table", "aws_default_route_table"]) or ""
    if not rid and est.is_unknown(res, attr):
        raise Unresolved(res.address, attr, "the plan cannot resolve it")
    table = est.find(region, EC2, "DescribeRouteTables", "RouteTables", "RouteTableId", rid)
    if table is None:
        raise Unresolved(res.address, attr, f"route table {rid} is neither planned nor in the live snapshot")
    return table


def _same_destination(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    keys = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
    return any(a.get(k) and a.get(k) == b.get(k) for k in keys)


def route(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    table = _table(est, res, region)
    new = _route(est, res, [], separate=True) if not res.deleted else None
    old = _route(est, res, [], separate=True) if res.deleted else new
    assert old is not None
    table["Routes"] = [r for r in table.get("Routes", []) if not _same_destination(r, old)]
    if new is not None:
        table["Routes"].append(new)
    est.origin(str(table["RouteTableId"]), res)


def route_table_association(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    table = _table(est, res, region)
    aid = est.id_of(res)
    for t in est.items(region, EC2, "DescribeRouteTables", "RouteTables"):
        t["Associations"] = [a for a in t.get("Associations", []) if a.get("RouteTableAssociationId") != aid]
    if res.deleted:
        return
    assoc: dict[str, Any] = {"Main": False, "RouteTableAssociationId": aid, "RouteTableId": table["RouteTableId"],
                             "AssociationState": ASSOCIATED}
    if ("subnet_id" in res.values or est.is_unknown(res, "subnet_id")) \
            and (subnet_id := est.ref(res, ["subnet_id"], ["aws_subnet"])):
        assoc["SubnetId"] = subnet_id
    if "SubnetId" not in assoc:
        gateway = est.ref(res, ["gateway_id"], ["aws_internet_gateway", "aws_vpn_gateway"])
        if not gateway:
            raise Unresolved(res.address, "subnet_id", "neither a subnet nor a gateway is associated")
        assoc["GatewayId"] = gateway
    key = "SubnetId" if "SubnetId" in assoc else "GatewayId"
    for t in est.items(region, EC2, "DescribeRouteTables", "RouteTables"):  # one table per subnet or gateway
        t["Associations"] = [a for a in t.get("Associations", []) if a.get(key) != assoc[key]]
    table.setdefault("Associations", []).append(assoc)
    est.origin(str(table["RouteTableId"]), res)


def main_route_table_association(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"])
    target = _table(est, res, region, "original_route_table_id" if res.deleted else "route_table_id")
    for t in est.items(region, EC2, "DescribeRouteTables", "RouteTables"):
        if t.get("VpcId") == vpc_id:
            t["Associations"] = [a for a in t.get("Associations", []) if not a.get("Main")]
    target.setdefault("Associations", []).append({
        "Main": True, "RouteTableAssociationId": f"rtbassoc-{res.address}", "RouteTableId": target["RouteTableId"],
        "AssociationState": ASSOCIATED})
    est.origin(str(target["RouteTableId"]), res)


# --- security groups -----------------------------------------------------------------------------

def _perm(protocol: str, from_port: Any, to_port: Any, cidrs: list[str] | None = None, v6: list[str] | None = None,
          pls: list[str] | None = None, groups: list[str] | None = None, account: str = "") -> dict[str, Any]:
    proto = _SG_PROTOCOLS.get(str(protocol).lower(), str(protocol).lower())
    perm: dict[str, Any] = {"IpProtocol": proto, "IpRanges": [{"CidrIp": c} for c in cidrs or []],
                            "Ipv6Ranges": [{"CidrIpv6": c} for c in v6 or []],
                            "PrefixListIds": [{"PrefixListId": p} for p in pls or []],
                            "UserIdGroupPairs": [{"GroupId": g, "UserId": account} for g in groups or []]}
    if proto != "-1" and from_port is not None:
        perm["FromPort"] = int(from_port)
        perm["ToPort"] = int(to_port)
    return perm


def _inline_rules(est: Estate, res: Planned, block: str, self_id: str) -> list[dict[str, Any]]:
    if est.is_unknown(res, block):
        if expression(res, [block]) is not None:
            raise Unresolved(res.address, block, "the inline rules cannot be resolved")
        return []  # unset: the provider manages no inline rules (and revokes AWS's default egress)
    perms = []
    for i, rule in enumerate(est.known(res, block) or []):
        groups = []
        if est.is_unknown(res, block, i, "security_groups") or rule.get("security_groups"):
            if est.is_unknown(res, block, i, "security_groups"):
                target = est.resolver.source(res, [block, "security_groups"], ["aws_security_group"],
                                             label=f"{block}[{i}].security_groups")
                groups = [est.placeholder(target, res, f"{block}.security_groups")]
            else:
                groups = list(rule.get("security_groups") or [])
        if rule.get("self"):
            groups.append(self_id)
        for key in ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"):
            if est.is_unknown(res, block, i, key):
                raise Unresolved(res.address, f"{block}[{i}].{key}", "the plan cannot resolve it")
        perms.append(_perm(rule.get("protocol", "-1"), rule.get("from_port"), rule.get("to_port"),
                           list(rule.get("cidr_blocks") or []), list(rule.get("ipv6_cidr_blocks") or []),
                           list(rule.get("prefix_list_ids") or []), groups, est.account))
    return perms


def security_group(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    gid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeSecurityGroups", "SecurityGroups", "GroupId", gid)
        return
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"])
    est.upsert(region, EC2, "DescribeSecurityGroups", "SecurityGroups", "GroupId", {
        "GroupId": gid, "GroupName": est.known(res, "name") or res.address, "VpcId": vpc_id,
        "Description": est.known(res, "description") or "", "OwnerId": est.account, "Tags": tags(res.values),
        "IpPermissions": _inline_rules(est, res, "ingress", gid),
        "IpPermissionsEgress": _inline_rules(est, res, "egress", gid)})
    est.origin(gid, res)


def _group(est: Estate, res: Planned, region: str) -> dict[str, Any]:
    gid = est.ref(res, ["security_group_id"], ["aws_security_group", "aws_default_security_group"]) or ""
    group = est.find(region, EC2, "DescribeSecurityGroups", "SecurityGroups", "GroupId", gid)
    if group is None:
        raise Unresolved(res.address, "security_group_id", f"security group {gid} is neither planned nor in the "
                                                           "live snapshot")
    return group


def _apply_rule(est: Estate, res: Planned, group: dict[str, Any], egress: bool, perm: dict[str, Any]) -> None:
    key = "IpPermissionsEgress" if egress else "IpPermissions"
    rules = [p for p in group.get(key, []) if p != perm]
    if not res.deleted:
        rules.append(perm)
    group[key] = rules
    est.origin(str(group["GroupId"]), res)


def vpc_security_group_rule(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    group = _group(est, res, region)
    v = res.values
    ref_group = None
    if est.is_unknown(res, "referenced_security_group_id") or v.get("referenced_security_group_id"):
        ref_group = est.ref(res, ["referenced_security_group_id"], ["aws_security_group"])
    pl = est.ref(res, ["prefix_list_id"], ["aws_ec2_managed_prefix_list"]) \
        if est.is_unknown(res, "prefix_list_id") or v.get("prefix_list_id") else None
    perm = _perm(est.known(res, "ip_protocol") or "-1", est.known(res, "from_port"), est.known(res, "to_port"),
                 [v["cidr_ipv4"]] if v.get("cidr_ipv4") else [], [v["cidr_ipv6"]] if v.get("cidr_ipv6") else [],
                 [pl] if pl else [], [ref_group] if ref_group else [], est.account)
    _apply_rule(est, res, group, res.type.endswith("egress_rule"), perm)


def security_group_rule(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    group = _group(est, res, region)
    v = res.values
    groups = []
    if (est.is_unknown(res, "source_security_group_id") or v.get("source_security_group_id")) \
            and (source := est.ref(res, ["source_security_group_id"], ["aws_security_group"])):
        groups.append(source)
    if v.get("self"):
        groups.append(str(group["GroupId"]))
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"):
        if est.is_unknown(res, key):
            raise Unresolved(res.address, key, "the plan cannot resolve it")
    perm = _perm(est.known(res, "protocol") or "-1", est.known(res, "from_port"), est.known(res, "to_port"),
                 list(v.get("cidr_blocks") or []), list(v.get("ipv6_cidr_blocks") or []),
                 list(v.get("prefix_list_ids") or []), groups, est.account)
    _apply_rule(est, res, group, est.known(res, "type") == "egress", perm)


# --- network ACLs -----------------------------------------------------------------------------------

def _entry(rule: Mapping[str, Any], egress: bool) -> dict[str, Any]:
    proto = _PROTOCOLS.get(str(rule.get("protocol", "-1")).lower(), str(rule.get("protocol")))
    entry: dict[str, Any] = {"Egress": egress, "Protocol": proto,
                             "RuleAction": str(rule.get("action") or rule.get("rule_action") or "").lower(),
                             "RuleNumber": int(rule.get("rule_no") or rule.get("rule_number") or 0)}
    if rule.get("cidr_block"):
        entry["CidrBlock"] = rule["cidr_block"]
    if rule.get("ipv6_cidr_block"):
        entry["Ipv6CidrBlock"] = rule["ipv6_cidr_block"]
    if proto in ("6", "17") and rule.get("from_port") is not None:
        entry["PortRange"] = {"From": int(rule["from_port"]), "To": int(rule["to_port"])}
    if proto in ("1", "58"):
        entry["IcmpTypeCode"] = {"Type": int(rule.get("icmp_type") or -1), "Code": int(rule.get("icmp_code") or -1)}
    return entry


def _associate_acl(est: Estate, region: str, acl: dict[str, Any], subnet_id: str, origin: str) -> None:
    for other in est.items(region, EC2, "DescribeNetworkAcls", "NetworkAcls"):
        other["Associations"] = [a for a in other.get("Associations", []) if a.get("SubnetId") != subnet_id]
    acl.setdefault("Associations", []).append({"NetworkAclAssociationId": f"aclassoc-{origin}",
                                               "NetworkAclId": acl["NetworkAclId"], "SubnetId": subnet_id})


def network_acl(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    aid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeNetworkAcls", "NetworkAcls", "NetworkAclId", aid)
        return
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"])
    entries: list[dict[str, Any]] = []
    for block, egress in (("ingress", False), ("egress", True)):
        if est.is_unknown(res, block):
            if expression(res, [block]) is not None:
                raise Unresolved(res.address, block, "the inline rules cannot be resolved")
            continue
        for i, rule in enumerate(est.known(res, block) or []):
            if est.is_unknown(res, block, i):
                raise Unresolved(res.address, f"{block}[{i}]", "the plan cannot resolve it")
            entries.append(_entry(rule, egress))
        entries += _deny_all(egress)
    acl = est.upsert(region, EC2, "DescribeNetworkAcls", "NetworkAcls", "NetworkAclId", {
        "NetworkAclId": aid, "VpcId": vpc_id, "IsDefault": False, "OwnerId": est.account,
        "Entries": entries or [*_deny_all(False), *_deny_all(True)], "Associations": [],
        "Tags": tags(res.values)}, keep=("Associations",))
    if "subnet_ids" in res.values or est.is_unknown(res, "subnet_ids"):
        acl["Associations"] = []
        for subnet_id in est.ref_list(res, "subnet_ids", ["aws_subnet"]):
            _associate_acl(est, region, acl, subnet_id, f"{res.address}-{subnet_id}")
    est.origin(aid, res)


def _acl(est: Estate, res: Planned, region: str) -> dict[str, Any]:
    aid = est.ref(res, ["network_acl_id"], ["aws_network_acl", "aws_default_network_acl"]) or ""
    acl = est.find(region, EC2, "DescribeNetworkAcls", "NetworkAcls", "NetworkAclId", aid)
    if acl is None:
        raise Unresolved(res.address, "network_acl_id", f"network ACL {aid} is neither planned nor in the live "
                                                        "snapshot")
    return acl


def network_acl_rule(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    acl = _acl(est, res, region)
    for key in ("rule_number", "protocol", "rule_action", "cidr_block", "ipv6_cidr_block", "from_port", "to_port"):
        if est.is_unknown(res, key):
            raise Unresolved(res.address, key, "the plan cannot resolve it")
    entry = _entry(res.values, bool(res.values.get("egress")))
    acl["Entries"] = [e for e in acl.get("Entries", [])
                      if not (e.get("RuleNumber") == entry["RuleNumber"] and e.get("Egress") == entry["Egress"])]
    if not res.deleted:
        acl["Entries"].append(entry)
    est.origin(str(acl["NetworkAclId"]), res)


def network_acl_association(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    acl = _acl(est, res, region)
    subnet_id = est.ref(res, ["subnet_id"], ["aws_subnet"]) or ""
    if res.deleted:
        raise Unresolved(res.address, "subnet_id", "removing the association moves the subnet to its VPC's default "
                                                   "ACL, which the plan does not record")
    _associate_acl(est, region, acl, subnet_id, res.address)
    est.origin(str(acl["NetworkAclId"]), res)


def default_acl_for_new_subnets(est: Estate, region: str) -> None:
    """A subnet with no explicit ACL association uses its VPC's default ACL (AWS does this at create)."""
    acls = est.items(region, EC2, "DescribeNetworkAcls", "NetworkAcls")
    associated = {a.get("SubnetId") for acl in acls for a in acl.get("Associations", [])}
    for sub in est.items(region, EC2, "DescribeSubnets", "Subnets"):
        if sub.get("SubnetId") in associated:
            continue
        default = next((a for a in acls if a.get("IsDefault") and a.get("VpcId") == sub.get("VpcId")), None)
        if default is not None:
            default.setdefault("Associations", []).append({
                "NetworkAclAssociationId": f"aclassoc-default-{sub['SubnetId']}",
                "NetworkAclId": default["NetworkAclId"], "SubnetId": sub["SubnetId"]})


# --- endpoints, peering, hosts -------------------------------------------------------------------

_FULL_ACCESS = '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'


def vpc_endpoint(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    eid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeVpcEndpoints", "VpcEndpoints", "VpcEndpointId", eid)
        return
    kind = str(est.known(res, "vpc_endpoint_type") or "Gateway")
    policy = None
    if est.is_unknown(res, "policy"):
        if not est.resolver.left_null(res, ["policy"]):
            raise Unresolved(res.address, "policy", "the plan cannot resolve it")
        policy = _FULL_ACCESS if kind in ("Gateway", "Interface") else None  # AWS's default policy
    else:
        policy = est.known(res, "policy") or (_FULL_ACCESS if kind in ("Gateway", "Interface") else None)
    tables = est.ref_list(res, "route_table_ids", ["aws_route_table", "aws_default_route_table"]) \
        if kind == "Gateway" else []
    item: dict[str, Any] = {
        "VpcEndpointId": eid, "VpcEndpointType": kind, "VpcId": est.ref(res, ["vpc_id"], ["aws_vpc"]),
        "ServiceName": est.known(res, "service_name"), "State": "available", "RouteTableIds": tables,
        "SubnetIds": est.ref_list(res, "subnet_ids", ["aws_subnet"]) if kind != "Gateway" else [],
        "Groups": [{"GroupId": g} for g in est.ref_list(res, "security_group_ids", ["aws_security_group"])]
        if kind == "Interface" else [],
        # only interface endpoints have private DNS; the provider leaves it computed for the others
        "PrivateDnsEnabled": bool(est.known(res, "private_dns_enabled")) if kind == "Interface" else False,
        "RequesterManaged": False,
        "NetworkInterfaceIds": [], "DnsEntries": [], "CreationTimestamp": CREATED, "OwnerId": est.account,
        "Tags": tags(res.values)}
    if policy:
        item["PolicyDocument"] = policy
    est.upsert(region, EC2, "DescribeVpcEndpoints", "VpcEndpoints", "VpcEndpointId", item,
               keep=("NetworkInterfaceIds", "DnsEntries"))
    if kind == "Gateway":
        _gateway_endpoint_routes(est, res, region, eid, str(item["ServiceName"]), tables)
    est.origin(eid, res)


def _gateway_endpoint_routes(est: Estate, res: Planned, region: str, eid: str, service: str,
                             tables: list[str]) -> None:
    """AWS adds a route to the service's prefix list in each table; its ID (and CIDRs) are AWS's,
    read from the live snapshot's DescribePrefixLists, else a placeholder whose CIDRs are unknown."""
    pls = est.items(region, EC2, "DescribePrefixLists", "PrefixLists")
    plid = next((p["PrefixListId"] for p in pls if p.get("PrefixListName") == service), f"pl-{service}")
    for rid in tables:
        table = est.find(region, EC2, "DescribeRouteTables", "RouteTables", "RouteTableId", rid)
        if table is None:
            raise Unresolved(res.address, "route_table_ids", f"route table {rid} is neither planned nor in the live "
                                                             "snapshot")
        table["Routes"] = [r for r in table.get("Routes", []) if r.get("DestinationPrefixListId") != plid]
        table["Routes"].append({"DestinationPrefixListId": plid, "GatewayId": eid, "Origin": "CreateRoute",
                                "State": "active"})
        est.origin(rid, res)


def peering(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    pid = est.id_of(res)
    op, key, idk = "DescribeVpcPeeringConnections", "VpcPeeringConnections", "VpcPeeringConnectionId"
    if res.deleted:
        est.remove(region, EC2, op, key, idk, pid)
        return
    requester = _vpc_item(est, region, est.ref(res, ["vpc_id"], ["aws_vpc"]) or "", res, "vpc_id")
    peer_id = est.ref(res, ["peer_vpc_id"], ["aws_vpc"]) or ""
    peer_region = est.known(res, "peer_region") or region
    peer = est.find(peer_region, EC2, "DescribeVpcs", "Vpcs", "VpcId", peer_id) \
        if peer_region in est.regions else None
    if peer is None:
        raise Unresolved(res.address, "peer_vpc_id", f"peer VPC {peer_id} is neither planned nor in the live snapshot")
    status = "active" if est.known(res, "auto_accept") else "pending-acceptance"

    def side(vpc_item: Mapping[str, Any], reg: str) -> dict[str, Any]:
        return {"VpcId": vpc_item["VpcId"], "OwnerId": str(est.known(res, "peer_owner_id") or est.account),
                "Region": reg, "CidrBlock": vpc_item.get("CidrBlock"),
                "CidrBlockSet": [{"CidrBlock": a["CidrBlock"]} for a in vpc_item.get("CidrBlockAssociationSet", [])],
                "Ipv6CidrBlockSet": [{"Ipv6CidrBlock": a["Ipv6CidrBlock"]}
                                     for a in vpc_item.get("Ipv6CidrBlockAssociationSet", [])]}
    est.upsert(region, EC2, op, key, idk, {idk: pid, "RequesterVpcInfo": side(requester, region),
                                           "AccepterVpcInfo": side(peer, peer_region),
                                           "Status": {"Code": status}, "Tags": tags(res.values)})
    est.origin(pid, res)


def instance(est: Estate, res: Planned) -> None:
    """An EC2 instance (a proxy or a NAT instance): its primary ENI is placed in its subnet."""
    region = est.region_of(res)
    iid = est.id_of(res)
    reservations = est.items(region, EC2, "DescribeInstances", "Reservations")
    for r in reservations:
        r["Instances"] = [i for i in r.get("Instances", []) if i.get("InstanceId") != iid]
    reservations[:] = [r for r in reservations if r.get("Instances")]
    if res.deleted:
        return
    subnet_id, sub = _placed_subnet(est, region, res)
    ip = est.known(res, "private_ip")
    if not ip:
        raise Unresolved(res.address, "private_ip", "AWS picks it at apply (set private_ip)")
    groups = est.ref_list(res, "vpc_security_group_ids", ["aws_security_group"])
    public = bool(est.known(res, "associate_public_ip_address")) if not est.is_unknown(
        res, "associate_public_ip_address") else bool(sub.get("MapPublicIpOnLaunch"))
    eni_id = f"eni-{res.address}" if est.is_unknown(res, "primary_network_interface_id") \
        else str(res.values.get("primary_network_interface_id"))
    eni: dict[str, Any] = {
        "NetworkInterfaceId": eni_id, "SubnetId": subnet_id, "VpcId": sub.get("VpcId"), "PrivateIpAddress": ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}], "Groups": [{"GroupId": g} for g in groups],
        "SourceDestCheck": bool(est.known(res, "source_dest_check")), "Status": "in-use",
        "InterfaceType": "interface", "Ipv6Addresses": [], "OwnerId": est.account,
        "Attachment": {"DeviceIndex": 0, "Status": "attached"}}
    metadata = (est.known(res, "metadata_options") or [{}])[0] or {}
    item: dict[str, Any] = {
        "InstanceId": iid, "SubnetId": subnet_id, "VpcId": sub.get("VpcId"), "PrivateIpAddress": ip,
        "State": {"Code": 16, "Name": "running"}, "SecurityGroups": [{"GroupId": g} for g in groups],
        "SourceDestCheck": eni["SourceDestCheck"], "Tags": tags(res.values), "ImageId": res.values.get("ami"),
        "InstanceType": res.values.get("instance_type"), "NetworkInterfaces": [eni],
        "MetadataOptions": {"HttpTokens": metadata.get("http_tokens") or "required",
                            "HttpEndpoint": metadata.get("http_endpoint") or "enabled"}}
    if public:
        # The address itself is AWS's to pick; the prover only needs to know there is one.
        eni["Association"] = {"PublicIp": "192.0.2.1", "IpOwnerId": "amazon"}
        item["PublicIpAddress"] = "192.0.2.1"
    reservations.append({"ReservationId": f"r-{res.address}", "OwnerId": est.account, "Instances": [item]})
    est.origin(iid, res)


def network_interface(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    eid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, "DescribeNetworkInterfaces", "NetworkInterfaces", "NetworkInterfaceId", eid)
        return
    subnet_id, sub = _placed_subnet(est, region, res)
    ip = est.known(res, "private_ip")
    if not ip:
        raise Unresolved(res.address, "private_ip", "AWS picks it at apply (set private_ips)")
    groups = est.ref_list(res, "security_groups", ["aws_security_group"])
    est.upsert(region, EC2, "DescribeNetworkInterfaces", "NetworkInterfaces", "NetworkInterfaceId", {
        "NetworkInterfaceId": eid, "SubnetId": subnet_id, "VpcId": sub.get("VpcId"), "PrivateIpAddress": ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}], "Groups": [{"GroupId": g} for g in groups],
        "SourceDestCheck": bool(est.known(res, "source_dest_check")), "Status": "available",
        "InterfaceType": "interface", "Ipv6Addresses": [], "OwnerId": est.account,
        "TagSet": tags(res.values), "Description": str(est.known(res, "description") or "")})
    est.origin(eid, res)
