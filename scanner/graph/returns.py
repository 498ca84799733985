"""Return-path symmetry for Network Firewall endpoints (semantics rule 15).

A stateful firewall must see both directions of a flow at the same endpoint. For every subnet
whose route table sends traffic to a firewall endpoint, the reply must come back through that
same endpoint: through the IGW edge route table when the endpoint's subnet routes straight to
the internet gateway, or through the NAT subnet's own route table when the endpoint sits in
front of a NAT gateway. Behind a transit gateway the protected ranges are the spoke VPCs'.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.graph.prove import NOT_INTERNET
from safemaker.scanner.graph.topology import Topology, route_target
from safemaker.scanner.model import Hop, HopKind, Path


@dataclass(frozen=True)
class ReturnIssue:
    message: str
    path: Path


def _routes_to(rtb: Mapping[str, Any], family: int, dests: AddrSet) -> list[tuple[AddrSet, str, str]]:
    """Where a route table sends each part of `dests` (LPM over plain CIDR routes).

    At equal length a static route beats one propagated from a virtual private gateway (rule 2);
    routes still tied (the API lists them in any order) all count as possible, so that the answer
    does not depend on that order."""
    entries = []
    for route in rtb.get("Routes", []) or []:
        cidr = route.get("DestinationCidrBlock") if family == 4 else route.get("DestinationIpv6CidrBlock")
        if not cidr:
            continue
        target = route_target(route) or "?"
        if route.get("State") == "blackhole":
            target = f"blackhole ({target})"
        propagated = route.get("Origin") == "EnableVgwRoutePropagation"
        entries.append((int(cidr.split("/")[1]), propagated, target, cidr, AddrSet.from_cidr(cidr)))
    entries.sort(key=lambda e: (-e[0], e[1], e[2], e[3]))
    out, remaining = [], dests
    for _, tied in itertools.groupby(entries, key=lambda e: (e[0], e[1])):
        taken = AddrSet.empty(dests.family)
        for *_, target, cidr, s in tied:
            hit = remaining.intersect(s)
            if hit:
                out.append((hit, target, cidr))
                taken = taken.union(hit)
        remaining = remaining.subtract(taken)
    if remaining:
        out.append((remaining, "no route", "-"))
    return out


def firewall_return_issues(topo: Topology, endpoints: Mapping[str, str],
                           spokes: Callable[[str], AddrSet | None] = lambda _subnet: None) -> list[ReturnIssue]:
    """`endpoints`: vpce id -> endpoint subnet id, for one firewall. `spokes(subnet)` gives the
    ranges a transit gateway attachment subnet carries traffic for (None: not one): in a
    centralised design those spoke ranges are what the firewall protects, not the attachment
    subnet's own CIDR (rule 15)."""
    issues: list[ReturnIssue] = []
    unknown: list[str] = []
    for vpce, fw_subnet in sorted(endpoints.items()):
        fw_rtb, _ = topo.route_table_for(fw_subnet)
        after = {t for _, t, _ in _routes_to(fw_rtb, 4, AddrSet.from_cidr("0.0.0.0/0"))}
        # A route can only target an endpoint of its own VPC: only that VPC's subnets can send
        # traffic to this one (and subnets whose VPC is unknown, which might).
        vpc_id = topo.subnets.get(fw_subnet, {}).get("VpcId")
        candidates = topo.subnets_of(vpc_id) if isinstance(vpc_id, str) and vpc_id else list(topo.subnets)
        for subnet_id in sorted(candidates):
            subnet = topo.subnets[subnet_id]
            if subnet_id == fw_subnet:
                continue
            rtb, _ = topo.route_table_for(subnet_id)
            # A subnet is protected when it sends internet-bound traffic to the endpoint; a route
            # for private ranges only (the NAT subnet sending replies back, rule 15) is return routing.
            if not any(route_target(r) == vpce and r.get("DestinationCidrBlock")
                       and AddrSet.from_cidr(r["DestinationCidrBlock"]).subtract(NOT_INTERNET[4])
                       for r in rtb.get("Routes", []) or []):
                continue
            try:
                through_tgw = spokes(subnet_id)
            except MissingData as exc:
                unknown.append(exc.reason)
                continue
            if through_tgw is not None:
                if not through_tgw:
                    continue  # no spoke sends its traffic here
                protected, cidr = through_tgw, f"spokes {through_tgw.describe()}"
            else:
                if not subnet.get("CidrBlock"):
                    continue
                cidr = str(subnet["CidrBlock"])
                protected = AddrSet.from_cidr(cidr)
            base = (Hop(HopKind.SUBNET, subnet_id, f"{cidr} sends traffic to {vpce} by {rtb['RouteTableId']}"),
                    Hop(HopKind.FIREWALL_ENDPOINT, vpce, f"continues by {fw_rtb['RouteTableId']}"))
            for gw in sorted(t for t in after if t.startswith("igw-")):
                issues.extend(_check_edge(topo, gw, protected, vpce, subnet_id, cidr, base))
            for nat_id in sorted(t for t in after if t.startswith("nat-")):
                issues.extend(_check_nat(topo, nat_id, protected, vpce, subnet_id, cidr, base))
    if unknown and not issues:  # a proven asymmetry stands; a PASS needs every subnet decided
        raise MissingData("; ".join(dict.fromkeys(unknown)))
    return issues


def _check_edge(topo: Topology, igw: str, protected: AddrSet, vpce: str, subnet_id: str, cidr: str,
                base: tuple[Hop, ...]) -> list[ReturnIssue]:
    edge = topo.edge_route_table(igw)
    if edge is None:
        msg = (f"replies to {subnet_id} ({cidr}) enter through {igw}, which has no edge route table: they "
               f"bypass {vpce}")
        hops = (*base, Hop(HopKind.INTERNET_GATEWAY, igw, "no edge route table"))
        return [ReturnIssue(msg, Path(hops=hops, destinations=(cidr,), outcome="asymmetric return"))]
    out = []
    for part, target, route in _routes_to(edge, 4, protected):
        if target != vpce:
            msg = (f"replies to {part.describe()} ({subnet_id}) enter through {igw} and edge route table "
                   f"{edge['RouteTableId']} sends them to {target} (route {route}), not back through {vpce}")
            hops = (*base, Hop(HopKind.INTERNET_GATEWAY, igw, "return traffic"),
                    Hop(HopKind.ROUTE_TABLE, edge["RouteTableId"], f"{part.describe()} -> {target} by route {route}"))
            path = Path(hops=hops, destinations=tuple(part.cidrs()), outcome="asymmetric return")
            out.append(ReturnIssue(msg, path))
    return out


def _check_nat(topo: Topology, nat_id: str, protected: AddrSet, vpce: str, subnet_id: str, cidr: str,
               base: tuple[Hop, ...]) -> list[ReturnIssue]:
    nat = topo.nat_gateways.get(nat_id)
    if nat is None:
        raise MissingData(f"NAT gateway {nat_id} is not in ec2 DescribeNatGateways")
    nat_rtb, _ = topo.route_table_for(nat.get("SubnetId", ""))
    out = []
    for part, target, route in _routes_to(nat_rtb, 4, protected):
        if target != vpce:
            msg = (f"replies from {nat_id} to {part.describe()} ({subnet_id}) follow {nat_rtb['RouteTableId']} "
                   f"to {target} (route {route}), not back through {vpce}")
            used = f"{part.describe()} -> {target} by route {route}"
            hops = (*base, Hop(HopKind.NAT_GATEWAY, nat_id, "return traffic"),
                    Hop(HopKind.ROUTE_TABLE, nat_rtb["RouteTableId"], used, route=route, target=target,
                        destinations=part.describe()))
            path = Path(hops=hops, destinations=tuple(part.cidrs()), outcome="asymmetric return")
            out.append(ReturnIssue(msg, path))
    return out
