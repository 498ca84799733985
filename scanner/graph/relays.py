"""Unsanctioned relays (NET-007): hosts a workload can talk to that have their own way out.

A notebook with no route to the internet can still reach an EC2 instance in its VPC that has
one (a bastion, a build box, a forgotten test instance); anything running there can forward
its traffic. Sanctioned proxies are exactly such hosts, made deliberate; every other one is a
hole. Reachability here is within the workload's VPC through the local route, with security
groups on both ends and network ACLs between subnets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph import flows as F
from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.model import Hop, Path

if TYPE_CHECKING:
    from safemaker.scanner.graph.prove import Network, Source


@dataclass(frozen=True)
class Relay:
    instance_id: str
    flow: str
    path: Path


def _ingress_allows(group: Mapping[str, Any], flow: F.Flow, src_ip: str, src_groups: set[str]) -> str | None:
    for perm in group.get("IpPermissions", []) or []:
        proto = F.proto_number(perm.get("IpProtocol", "-1"))
        if not (F.proto_matches(proto, flow) and F.ports_cover(perm.get("FromPort"), perm.get("ToPort"), flow)):
            continue
        cidrs = [r["CidrIp"] for r in perm.get("IpRanges", []) or [] if "CidrIp" in r]
        if cidrs and AddrSet.from_cidrs(4, cidrs).contains(src_ip):
            return f"{group.get('GroupId')} allows {flow.label()} from {', '.join(cidrs)}"
        for pair in perm.get("UserIdGroupPairs", []) or []:
            if pair.get("GroupId") in src_groups:
                return f"{group.get('GroupId')} allows {flow.label()} from {pair.get('GroupId')}"
    return None


def find_relays(network: Network, source: Source) -> tuple[list[Relay], list[str]]:
    """Relays reachable from `source`, and what could not be decided."""
    from safemaker.scanner.graph.prove import Source as Src

    topo = network.topology(source.view)
    vpc_id = topo.subnet(source.subnet_id).get("VpcId")
    proxies = network.proxies(source.view)
    sg_rules: list[F.SgRule] = []
    for gid in source.security_groups:
        rules, _ = network.sg_egress_rules(source.view, gid)
        sg_rules.extend(rules)
    relays: list[Relay] = []
    unknowns: list[str] = []
    for iid in sorted(topo.instances_by_vpc.get(vpc_id, []) if isinstance(vpc_id, str) else []):
        inst = topo.instances[iid]
        if iid in proxies:
            continue
        if (inst.get("State") or {}).get("Name") in ("terminated", "shutting-down"):
            continue
        for iface in inst.get("NetworkInterfaces", []) or []:
            eni = topo.enis.get(iface.get("NetworkInterfaceId", ""), iface)
            ip = eni.get("PrivateIpAddress")
            if not ip or eni.get("NetworkInterfaceId") == source.eni_id:
                continue
            reach = _reachable(network, source, sg_rules, eni, ip)
            if reach is None:
                continue
            flow, detail = reach
            host = Src(label=f"{eni.get('NetworkInterfaceId')} (instance {iid})", view=source.view,
                       subnet_id=eni.get("SubnetId", ""), private_ip=ip,
                       security_groups=tuple(g["GroupId"] for g in eni.get("Groups", []) or [] if g.get("GroupId")),
                       public_ip=(eni.get("Association") or {}).get("PublicIp"),
                       ipv6=tuple(a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) or []
                                  if a.get("Ipv6Address")),
                       eni_id=eni.get("NetworkInterfaceId"))
            try:
                proof = network.prove(host)
            except MissingData as exc:
                unknowns.append(f"instance {iid}: {exc.reason}")
                continue
            unknowns.extend(f"instance {iid}: {u}" for u in proof.unknowns)
            if not proof.uninspected:
                continue
            out = proof.uninspected[0]
            hops = (Hop("eni", source.eni_id or source.subnet_id, source.label),
                    Hop("relay", iid, detail), *out.hops[1:])
            relays.append(Relay(iid, flow.label(), Path(hops=hops, destinations=out.destinations,
                                                         outcome=f"relay {iid}: {out.outcome}")))
            break
    return relays, unknowns


def _reachable(network: Network, source: Source, sg_rules: list[F.SgRule], eni: Mapping[str, Any],
               ip: str) -> tuple[F.Flow, str] | None:
    topo = network.topology(source.view)
    target = AddrSet.from_cidrs(4, [ip])
    groups = [topo.security_groups.get(g.get("GroupId", ""), {}) for g in eni.get("Groups", []) or []]
    for flow in network.flow_classes():
        allowed, used = F.sg_allowed(sg_rules, flow, 4)
        if not allowed.intersect(target):
            continue
        why = next((w for g in groups if (w := _ingress_allows(g, flow, source.private_ip,
                                                                 set(source.security_groups)))), None)
        if why is None:
            continue
        if eni.get("SubnetId") != source.subnet_id:
            out = F.acl_filter(F.acl_entries(topo.nacl_for(source.subnet_id), True, 4), flow, target)[0]
            src = AddrSet.from_cidrs(4, [source.private_ip])
            into = F.acl_filter(F.acl_entries(topo.nacl_for(eni.get("SubnetId", "")), False, 4), flow, src)[0]
            if not out or not into:
                continue
        return flow, f"reachable on {flow.label()}: {used[0]}; {why}"
    return None
