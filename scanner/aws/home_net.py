"""HOME_NET scope of a firewall policy's domain lists (AWS semantics rule 18).

Domain lists, and Suricata rules written for `$HOME_NET`, match only sources inside HOME_NET.
HOME_NET is the CIDR of the firewall's VPC unless the policy's PolicyVariables or the rule
group's RuleVariables set it. In centralised inspection the firewall sees the spoke VPCs'
addresses, so an allowlist that looks complete restricts nothing for them. This module finds,
from the egress proofs, the SageMaker workloads whose traffic reaches one of the policy's
firewall endpoints for stateful inspection from an address outside HOME_NET.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING

from safemaker.scanner.aws.firewall_placement import firewalls_using, workload_placements
from safemaker.scanner.aws.firewall_policy import IPNetwork, Policy, RuleGroup, StatefulFinding
from safemaker.scanner.errors import MissingData
from safemaker.scanner.model import Hop, HopKind
from safemaker.scanner.snapshot.io import RegionView

if TYPE_CHECKING:
    from safemaker.scanner.graph.prove import Network

_NAT_KINDS = ("nat-gateway", "nat-instance")


@dataclass
class HomeNetScope:
    """Which inspected workloads the domain lists of a policy do not apply to (rule 18)."""

    outside: list[str] = dc_field(default_factory=list)  # FAIL reasons
    unknowns: list[str] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)


def parse_cidrs(cidrs: Iterable[str]) -> list[IPNetwork] | None:
    """The networks of a HOME_NET definition; None when an entry is not a CIDR."""
    out: list[IPNetwork] = []
    for c in cidrs:
        try:
            out.append(ipaddress.ip_network(c.strip(), strict=False))
        except ValueError:
            return None
    return out


def inside(source: IPNetwork, home: Sequence[IPNetwork]) -> bool:
    """Is every address of `source` in one network of `home` (of the same IP version)?"""
    return any(source.version == h.version and source.subnet_of(h) for h in home)  # type: ignore[arg-type]


def translated_source(network: Network, hops: Sequence[Hop]) -> str | None:
    """The private address a NAT before the firewall gives the packet (None: no NAT on the way)."""
    nat = next((h for h in reversed(hops) if h.kind in _NAT_KINDS), None)
    if nat is None:
        return None
    for view in network.snapshot.views():
        topo = network.topology(view)
        if nat.id.startswith("nat-") and nat.id in topo.nat_gateways:
            addrs = topo.nat_gateways[nat.id].get("NatGatewayAddresses") or []
            ip = next((a.get("PrivateIp") for a in addrs if isinstance(a, Mapping) and a.get("PrivateIp")), None)
            if ip:
                return str(ip)
        eni = topo.enis.get(nat.id) if nat.id.startswith("eni-") else None
        inst = topo.instances.get(nat.id) if nat.id.startswith("i-") else None
        for owner in (eni, inst):
            if isinstance(owner, Mapping) and owner.get("PrivateIpAddress"):
                return str(owner["PrivateIpAddress"])
    raise MissingData(f"the private address of {nat.id} (the source the firewall sees) is not in the snapshot")


def subnet_ranges(network: Network, view: RegionView, subnet_id: str, family: int) -> list[str]:
    """The subnet's IPv4 CIDR (family 4) or IPv6 CIDRs (family 6): the sources it sends from."""
    subnet = network.topology(view).subnet(subnet_id)
    if family == 4:
        return [str(subnet["CidrBlock"])] if subnet.get("CidrBlock") else []
    return [str(a["Ipv6CidrBlock"]) for a in subnet.get("Ipv6CidrBlockAssociationSet") or []
            if isinstance(a, Mapping) and a.get("Ipv6CidrBlock")]


def default_home_net(network: Network, view: RegionView, vpc_id: str) -> list[str]:
    """The default HOME_NET of a firewall in `vpc_id`: the VPC's CIDRs (Topology.vpc_cidrs)."""
    topo = network.topology(view)
    if vpc_id not in topo.vpcs:
        raise MissingData(f"the firewall's VPC {vpc_id} is not in ec2 DescribeVpcs (its CIDR is the default HOME_NET)")
    return topo.vpc_cidrs(vpc_id)


def _nat_id(hops: Sequence[Hop]) -> str:
    return next((h.id for h in reversed(hops) if h.kind in _NAT_KINDS), "?")


def home_net_scope(network: Network, view: RegionView, policy_arn: str, policy: Policy,
                   groups: Mapping[str, RuleGroup | None], result: StatefulFinding) -> HomeNetScope:
    """Rule 18 for the policy `policy_arn` collected in `view`: domain lists match only sources
    in HOME_NET. HOME_NET is the firewall VPC's CIDR unless the policy's PolicyVariables or the
    rule group's RuleVariables define it; when both do, a source must be inside both (which one
    AWS applies is not assumed). A workload whose traffic reaches one of the firewall's endpoints
    for stateful inspection from outside it is not restricted by the allowlist -- unless traffic
    from any source is dropped anyway."""
    scope = HomeNetScope()
    if result.drops_outside_home_net():
        scope.notes.append("traffic from outside HOME_NET is dropped too (" + (
            f"stateful default action {result.default_drop}" if result.default_drop
            else "catch-all drop rules from any source") + "): domain lists restrict every inspected source")
        return scope
    # per domain-list group: the HOME_NET definitions that may apply to it
    fixed: list[tuple[str, list[tuple[str, list[IPNetwork]]]]] = []
    for arn in dict.fromkeys([*result.domain_list_groups, *result.home_net_drop_groups]):
        group = groups.get(arn)
        defs: list[tuple[str, list[IPNetwork]]] = []
        for origin, cidrs in ((f"rule group {group.name if group else arn} RuleVariables",
                               group.home_net if group else None),
                              ("policy PolicyVariables", policy.home_net)):
            if cidrs is None:
                continue
            nets = parse_cidrs(cidrs)
            if nets is None:
                scope.unknowns.append(f"HOME_NET {list(cidrs)} of the {origin} is not a list of CIDRs")
                return scope
            defs.append((f"{origin} {list(cidrs)}", nets))
        fixed.append((group.name if group else arn, defs))
    try:
        firewalls = firewalls_using(view, policy_arn)
    except MissingData as exc:
        scope.unknowns.append(exc.reason)
        return scope
    endpoint_fw: dict[str, tuple[str, str | None]] = {}
    for name, endpoints, vpc in firewalls:
        for vpce in endpoints:
            endpoint_fw[vpce] = (name, vpc)
    if not endpoint_fw:
        scope.notes.append("no firewall using this policy has an endpoint: no workload traffic is inspected by it")
        return scope
    seen: set[str] = set()
    try:
        placements = list(workload_placements(network))
    except MissingData as exc:
        scope.unknowns.append(f"SageMaker workloads could not all be listed: {exc.reason}")
        placements = []
    checked = 0
    for label, prove, wl_view, subnet_id in placements:
        try:
            proof = prove()
        except MissingData as exc:
            scope.unknowns.append(f"{label}: {exc.reason}")
            continue
        if proof.unknowns:
            scope.unknowns.append(f"{label}: its egress proof is incomplete ({proof.unknowns[0]})")
        for path in proof.inspected:
            at = next((i for i, h in enumerate(path.hops) if h.kind == HopKind.FIREWALL_ENDPOINT and h.id in endpoint_fw
                       and "stateful engine" in h.detail), None)
            if at is None:
                continue
            vpce = path.hops[at].id
            fw_name, fw_vpc = endpoint_fw[vpce]
            family = 6 if any(":" in d for d in path.destinations) else 4
            try:
                nat_ip = translated_source(network, path.hops[:at])
                sources = [nat_ip] if nat_ip and family == 4 else subnet_ranges(network, wl_view, subnet_id, family)
                default = default_home_net(network, view, fw_vpc) if fw_vpc else None
            except MissingData as exc:
                scope.unknowns.append(f"{label}: {exc.reason}")
                continue
            checked += 1
            for group_name, defs in fixed:
                candidates = list(defs)
                if not candidates:
                    if default is None:
                        scope.unknowns.append(f"firewall {fw_name} is not in a VPC and HOME_NET is not set: the "
                                              f"sources {group_name} applies to are unknown")
                        continue
                    candidates = [(f"default: the CIDR of firewall {fw_name}'s VPC {fw_vpc} {default}",
                                   parse_cidrs(default) or [])]
                for src in sources:
                    src_net = ipaddress.ip_network(src, strict=False)
                    for origin, home in candidates:
                        if inside(src_net, home):
                            continue
                        key = f"{label}/{src}/{group_name}/{origin}"
                        if key in seen:
                            continue
                        seen.add(key)
                        via = f" (after source NAT by {_nat_id(path.hops[:at])})" if nat_ip and family == 4 else ""
                        scope.outside.append(
                            f"{label} is inspected by firewall {fw_name} (endpoint {vpce}) from {src}{via}, which is "
                            f"outside HOME_NET ({origin}): the $HOME_NET rules of {group_name} do not apply to it, "
                            "and nothing else drops its traffic")
    if checked:
        scope.notes.append(f"HOME_NET checked for {checked} inspected workload path(s) through this policy's "
                           "firewalls")
    else:
        scope.notes.append("no SageMaker workload's traffic reaches a firewall using this policy")
    return scope
