"""Indexes over one account/region's EC2 and Network Firewall data, built lazily.

Each index reads its operation only when first needed, so a snapshot that lacks, say,
transit gateway data still proves notebooks that never route to a transit gateway; the
MissingData raised for a branch that does need it becomes an unknown in that proof.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.snapshot.io import RegionView

Obj = Mapping[str, Any]


def _by(items: list[Any], key: str) -> dict[str, Obj]:
    return {i[key]: i for i in items if isinstance(i, Mapping) and isinstance(i.get(key), str)}


class Topology:
    """Lookup tables for one RegionView."""

    def __init__(self, view: RegionView) -> None:
        self.view = view

    # --- VPC structure -------------------------------------------------------------------
    @cached_property
    def vpcs(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeVpcs", "Vpcs"), "VpcId")

    @cached_property
    def subnets(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeSubnets", "Subnets"), "SubnetId")

    def subnet(self, subnet_id: str) -> Obj:
        try:
            return self.subnets[subnet_id]
        except KeyError:
            raise MissingData(f"subnet {subnet_id} is not in ec2 DescribeSubnets ({self.view.where})") from None

    @cached_property
    def subnets_by_vpc(self) -> dict[str, list[str]]:
        """Subnet ids per VpcId; subnets without a VpcId are listed under "" (any VPC)."""
        out: dict[str, list[str]] = {}
        for sid, subnet in self.subnets.items():
            vpc = subnet.get("VpcId")
            out.setdefault(vpc if isinstance(vpc, str) else "", []).append(sid)
        return out

    def subnets_of(self, vpc_id: str) -> list[str]:
        """The VPC's subnets, and any subnet whose VPC is unknown (it may be one of them)."""
        own = self.subnets_by_vpc.get(vpc_id, []) if vpc_id else []
        return own + self.subnets_by_vpc.get("", [])

    def vpc_cidrs(self, vpc_id: str) -> list[str]:
        """The VPC's IPv4 then IPv6 CIDR blocks in state `associated`: the addresses its subnets,
        and so its workloads, can have (and the default HOME_NET of a firewall in it, rule 18).

        DescribeVpcs gives every association a state: associating, associated, disassociating,
        disassociated, failing or failed. Subnets can be created only in an associated block and
        must be deleted before a block is disassociated, so no other state holds a source
        address; counting one would widen HOME_NET and could turn a FAIL into a PASS. An entry
        without a state counts as associated; the primary `CidrBlock` stands in when no IPv4
        association is listed at all.
        """
        vpc = self.vpcs.get(vpc_id)
        if vpc is None:
            raise MissingData(f"VPC {vpc_id} is not in ec2 DescribeVpcs ({self.view.where})")

        def associated(key: str, block: str) -> list[str]:
            out = []
            for entry in vpc.get(key) or []:
                if not isinstance(entry, Mapping) or not entry.get(block):
                    continue
                state = entry.get(f"{block}State")
                if (state.get("State") if isinstance(state, Mapping) else None) in ("associated", None):
                    out.append(str(entry[block]))
            return out

        v4 = associated("CidrBlockAssociationSet", "CidrBlock")
        if not vpc.get("CidrBlockAssociationSet") and vpc.get("CidrBlock"):
            v4 = [str(vpc["CidrBlock"])]
        return v4 + associated("Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock")

    @cached_property
    def route_tables(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeRouteTables", "RouteTables"), "RouteTableId")

    @cached_property
    def _associations(self) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        by_subnet: dict[str, str] = {}
        main: dict[str, str] = {}
        edge: dict[str, str] = {}
        for rtb in self.route_tables.values():
            for assoc in rtb.get("Associations", []) or []:
                state = assoc.get("AssociationState", {}).get("State", "associated")
                if state not in ("associated", "associating"):
                    continue
                if assoc.get("Main"):
                    main[rtb.get("VpcId", "")] = rtb["RouteTableId"]
                elif assoc.get("SubnetId"):
                    by_subnet[assoc["SubnetId"]] = rtb["RouteTableId"]
                elif assoc.get("GatewayId"):
                    edge[assoc["GatewayId"]] = rtb["RouteTableId"]
        return by_subnet, main, edge

    def route_table_for(self, subnet_id: str) -> tuple[Obj, bool]:
        """The subnet's route table and whether it is the VPC's main table (rule 3)."""
        by_subnet, main, _ = self._associations
        if subnet_id in by_subnet:
            return self.route_tables[by_subnet[subnet_id]], False
        vpc_id = self.subnet(subnet_id).get("VpcId", "")
        if vpc_id in main:
            return self.route_tables[main[vpc_id]], True
        raise MissingData(f"no route table is associated with {subnet_id} and {vpc_id} has no main route table")

    def edge_route_table(self, gateway_id: str) -> Obj | None:
        _, _, edge = self._associations
        rtb_id = edge.get(gateway_id)
        return self.route_tables.get(rtb_id) if rtb_id else None

    # --- gateways and endpoints ----------------------------------------------------------
    @cached_property
    def igws(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeInternetGateways", "InternetGateways"), "InternetGatewayId")

    @cached_property
    def eigws(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways"),
                   "EgressOnlyInternetGatewayId")

    @cached_property
    def nat_gateways(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeNatGateways", "NatGateways"), "NatGatewayId")

    @cached_property
    def vpc_endpoints(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeVpcEndpoints", "VpcEndpoints"), "VpcEndpointId")

    @cached_property
    def interface_services(self) -> dict[Any, set[str]]:
        """VpcId -> services of its available interface endpoints (what VPCE-001 looks for)."""
        out: dict[Any, set[str]] = {}
        for ep in self.vpc_endpoints.values():
            if ep.get("VpcEndpointType") == "Interface" and str(ep.get("State", "")).lower() == "available":
                out.setdefault(ep.get("VpcId"), set()).add(str(ep.get("ServiceName", "")))
        return out

    @cached_property
    def peerings(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeVpcPeeringConnections", "VpcPeeringConnections"),
                   "VpcPeeringConnectionId")

    @cached_property
    def firewall_endpoints(self) -> dict[str, tuple[Obj, str]]:
        """vpce id -> (DescribeFirewall response, endpoint subnet id), from SyncStates (rule 14)."""
        out: dict[str, tuple[Obj, str]] = {}
        firewalls = self.view.items("network-firewall", "ListFirewalls", "Firewalls")
        for fw in firewalls:
            arn = fw.get("FirewallArn", "")
            desc = self.view.detail("network-firewall", "DescribeFirewall", arn)
            states = (desc.get("FirewallStatus") or {}).get("SyncStates") or {}
            for state in states.values():
                att = state.get("Attachment") or {}
                if att.get("EndpointId") and att.get("SubnetId"):
                    out[att["EndpointId"]] = (desc, att["SubnetId"])
        return out

    # --- interfaces, instances, filters --------------------------------------------------
    @cached_property
    def enis(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeNetworkInterfaces", "NetworkInterfaces"), "NetworkInterfaceId")

    @cached_property
    def instances(self) -> dict[str, Obj]:
        out = {}
        for res in self.view.items("ec2", "DescribeInstances", "Reservations"):
            for inst in res.get("Instances", []) or []:
                if isinstance(inst.get("InstanceId"), str):
                    out[inst["InstanceId"]] = inst
        return out

    @cached_property
    def security_groups(self) -> dict[str, Obj]:
        return _by(self.view.items("ec2", "DescribeSecurityGroups", "SecurityGroups"), "GroupId")

    def security_group(self, group_id: str) -> Obj:
        try:
            return self.security_groups[group_id]
        except KeyError:
            raise MissingData(f"security group {group_id} is not in ec2 DescribeSecurityGroups") from None

    @cached_property
    def sg_members(self) -> dict[str, list[str]]:
        """Addresses of the ENIs in each security group (for rules that reference a group)."""
        out: dict[str, list[str]] = {}
        for eni in self.enis.values():
            ips = [a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses", []) or [] if a.get("PrivateIpAddress")]
            ips += [a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) or [] if a.get("Ipv6Address")]
            for group in eni.get("Groups", []) or []:
                out.setdefault(group.get("GroupId", ""), []).extend(f"{ip}/{32 if ':' not in ip else 128}"
                                                                    for ip in ips)
        return out

    @cached_property
    def nacl_by_subnet(self) -> dict[str, Obj]:
        acls = self.view.items("ec2", "DescribeNetworkAcls", "NetworkAcls")
        out: dict[str, Obj] = {}
        for acl in acls:
            for assoc in acl.get("Associations", []) or []:
                if assoc.get("SubnetId"):
                    out[assoc["SubnetId"]] = acl
        return out

    @cached_property
    def default_nacl_by_vpc(self) -> dict[str, Obj]:
        acls = self.view.items("ec2", "DescribeNetworkAcls", "NetworkAcls")
        return {a["VpcId"]: a for a in acls if a.get("IsDefault") and isinstance(a.get("VpcId"), str)}

    def nacl_for(self, subnet_id: str) -> Obj:
        acl = self.nacl_by_subnet.get(subnet_id)
        if acl is not None:
            return acl
        vpc_id = self.subnet(subnet_id).get("VpcId", "")
        acl = self.default_nacl_by_vpc.get(vpc_id)
        if acl is None:
            raise MissingData(f"no network ACL is associated with {subnet_id}")
        return acl

    # --- prefix lists --------------------------------------------------------------------
    @cached_property
    def aws_prefix_lists(self) -> dict[str, list[str]]:
        pls = self.view.items("ec2", "DescribePrefixLists", "PrefixLists")
        return {p["PrefixListId"]: list(p.get("Cidrs", []) or []) for p in pls if p.get("PrefixListId")}

    def prefix_list(self, plid: str) -> tuple[list[str], str | None]:
        """CIDRs of a prefix list (rule 6) and, when it cannot be resolved, why."""
        if self.view.has("ec2", "GetManagedPrefixListEntries"):
            entries = self.view.response("ec2", "GetManagedPrefixListEntries")
            if isinstance(entries, Mapping) and plid in entries:
                return [e["Cidr"] for e in entries[plid].get("Entries", []) or [] if e.get("Cidr")], None
        try:
            if plid in self.aws_prefix_lists:
                return self.aws_prefix_lists[plid], None
        except MissingData as exc:
            return [], exc.reason
        return [], f"prefix list {plid} has no entries in GetManagedPrefixListEntries or DescribePrefixLists"


TARGET_FIELDS = ("GatewayId", "NatGatewayId", "TransitGatewayId", "VpcPeeringConnectionId",
                 "EgressOnlyInternetGatewayId", "NetworkInterfaceId", "InstanceId", "LocalGatewayId",
                 "CarrierGatewayId", "CoreNetworkArn")


def route_target(route: Mapping[str, Any]) -> str | None:
    # An instance route also carries the ENI id; the instance decides forwarding (rule 9).
    for key in TARGET_FIELDS:
        value = route.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def route_destination(route: Mapping[str, Any]) -> str:
    for key in ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"):
        value = route.get(key)
        if isinstance(value, str) and value:
            return value
    return "?"


def first_host(cidr: str) -> str:
    net = ipaddress.ip_network(cidr, strict=False)
    return str(net.network_address + 4) if net.num_addresses > 8 else str(net.network_address)


def eni_addresses(eni: Mapping[str, Any]) -> list[str]:
    """Every address of an ENI: private IPv4 (primary and secondary), their public IPv4
    associations (auto-assigned or Elastic IPs) and IPv6."""
    out: list[str] = []
    for value in (eni.get("PrivateIpAddress"), (eni.get("Association") or {}).get("PublicIp")):
        if isinstance(value, str) and value:
            out.append(value)
    for entry in eni.get("PrivateIpAddresses", []) or []:
        for value in (entry.get("PrivateIpAddress"), (entry.get("Association") or {}).get("PublicIp")):
            if isinstance(value, str) and value:
                out.append(value)
    out += [a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) or [] if a.get("Ipv6Address")]
    return list(dict.fromkeys(out))


def eni_public_ips(eni: Mapping[str, Any]) -> list[str]:
    """Public IPv4 addresses an internet gateway maps to this ENI: the primary address's and any
    secondary private address's association (an Elastic IP), rule 9b."""
    out: list[str] = []
    top = (eni.get("Association") or {}).get("PublicIp")
    if isinstance(top, str) and top:
        out.append(top)
    for entry in eni.get("PrivateIpAddresses", []) or []:
        value = (entry.get("Association") or {}).get("PublicIp")
        if isinstance(value, str) and value:
            out.append(value)
    return list(dict.fromkeys(out))
