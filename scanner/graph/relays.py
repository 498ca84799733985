"""Unsanctioned relays (NET-007, rule 31): hosts a workload can talk to that have their own way out.

A notebook with no route to the internet can still reach an EC2 instance that has one (a bastion,
a build box, a forgotten test instance); anything running there can forward its traffic.
Sanctioned proxies are exactly such hosts, made deliberate; every other one is a hole.

Reachability is what the prover walked: every place the workload's traffic is delivered inside a
VPC (its own VPC's local route, a peering, a transit gateway into another VPC), over IPv4 and
IPv6, for exactly the traffic the workload's security groups let out. A host there is reached
when one of its addresses (any ENI, primary or secondary, IPv4 or IPv6) is among the delivered
destinations, the network ACLs between the two subnets pass the traffic both ways, and the
host's security groups admit it (CIDR, IPv6 CIDR, prefix list or referenced group). Its own
internet path is proven from each of its ENIs, with each ENI's public addresses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.graph.topology import eni_public_ips
from safemaker.scanner.model import Hop, HopKind, Path

if TYPE_CHECKING:
    from safemaker.scanner.graph.proof import EgressProof
    from safemaker.scanner.graph.prove import Delivery, Network, Source
    from safemaker.scanner.snapshot.io import RegionView


@dataclass(frozen=True)
class Relay:
    instance_id: str
    flow: str
    path: Path


@dataclass(frozen=True)
class _Host:
    instance_id: str
    eni: Mapping[str, Any]
    addresses: tuple[str, ...]


def find_relays(network: Network, source: Source, proof: EgressProof) -> tuple[list[Relay], list[str]]:
    """Relays reachable from `source` (whose egress proof is `proof`), and what could not be decided."""
    relays: list[Relay] = []
    unknowns: list[str] = list(proof.unknowns)
    found: set[str] = set()
    for delivery in proof.deliveries:
        if delivery.view is None:
            unknowns.append(f"{delivery.vpc_id} is reached but is not in the snapshot: its hosts are unknown")
            continue
        try:
            hosts = _hosts_by_vpc(network, delivery.view).get(delivery.vpc_id, [])
        except MissingData as exc:
            unknowns.append(f"hosts of {delivery.vpc_id}: {exc.reason}")
            continue
        for host in hosts:
            if host.instance_id in found:
                continue
            relay = _relay(network, source, delivery, host, unknowns)
            if relay is not None:
                found.add(host.instance_id)
                relays.append(relay)
    relays.sort(key=lambda r: r.instance_id)
    return relays, unknowns


def _hosts_by_vpc(network: Network, view: RegionView) -> dict[str, list[_Host]]:
    """Every ENI of every running instance, by the VPC of that ENI (an instance may have ENIs in
    several subnets), in instance id order."""
    def build() -> dict[str, list[_Host]]:
        topo = network.topology(view)
        out: dict[str, list[_Host]] = {}
        for iid in sorted(topo.instances):
            inst = topo.instances[iid]
            if (inst.get("State") or {}).get("Name") in ("terminated", "shutting-down"):
                continue
            for eni in network.enis_of_instance(view, iid):
                vpc = eni.get("VpcId") or topo.subnets.get(str(eni.get("SubnetId", "")), {}).get("VpcId")
                if not isinstance(vpc, str):
                    continue
                addrs = _private_addresses(eni)
                if addrs:
                    out.setdefault(vpc, []).append(_Host(iid, eni, addrs))
        return out

    return network.memo(("relay-hosts", view.account, view.region), build)


def _private_addresses(eni: Mapping[str, Any]) -> tuple[str, ...]:
    out = [str(eni["PrivateIpAddress"])] if eni.get("PrivateIpAddress") else []
    out += [str(e["PrivateIpAddress"]) for e in eni.get("PrivateIpAddresses", []) or [] if e.get("PrivateIpAddress")]
    out += [str(a["Ipv6Address"]) for a in eni.get("Ipv6Addresses", []) or [] if a.get("Ipv6Address")]
    return tuple(dict.fromkeys(out))


def _reach(network: Network, delivery: Delivery, host: _Host,
           src_groups: tuple[str, ...] = ()) -> tuple[int, str] | None:
    """(traffic classes, address) by which the delivered traffic reaches the host: one of its
    addresses is delivered to, the NACLs pass it both ways and its security groups admit it."""
    view = delivery.view
    assert view is not None
    eni = host.eni
    targets = [a for a in host.addresses if (":" in a) == (delivery.family == 6) and delivery.dests.contains(a)]
    if not targets:
        return None
    if not isinstance(eni.get("Groups"), list):
        raise MissingData(f"{eni.get('NetworkInterfaceId')} has no Groups: its security groups are unknown")
    groups = tuple(g["GroupId"] for g in eni.get("Groups", []) or [] if g.get("GroupId"))
    admitted, unknown = network.sg_admitted(view, groups, delivery.src_ip, delivery.family, src_groups)
    admitted &= delivery.flows
    if not admitted:
        if unknown:
            raise MissingData("; ".join(unknown))
        return None
    target = AddrSet.from_cidrs(delivery.family, [targets[0]])
    reached = network.cross_into(delivery, view, str(eni.get("SubnetId", "")), target, admitted)
    return (reached, targets[0]) if reached else None


def _relay(network: Network, source: Source, delivery: Delivery, host: _Host, unknowns: list[str]) -> Relay | None:
    view = delivery.view
    assert view is not None
    if host.eni.get("NetworkInterfaceId") == source.eni_id or _sanctioned(network, view, host):
        return None
    try:
        # the workload's own groups count for group references while its address is the source
        groups = source.security_groups if delivery.src_ip in (source.private_ip, *source.ipv6) else ()
        reach = _reach(network, delivery, host, groups)
        if reach is None:
            return None
        proofs = _host_proofs(network, view, host)
    except MissingData as exc:
        unknowns.append(f"instance {host.instance_id}: {exc.reason}")
        return None
    admitted, address = reach
    flow = network.flow_classes()[(admitted & -admitted).bit_length() - 1]
    for proof in proofs:
        unknowns.extend(f"instance {host.instance_id}: {u}" for u in proof.unknowns)
        if not proof.uninspected:
            continue
        out = proof.uninspected[0]
        bit = admitted & -admitted
        eni_groups = tuple(g["GroupId"] for g in host.eni.get("Groups", []) or [] if g.get("GroupId"))
        rule = network.filters.sg_admitting_rule(view, eni_groups, delivery.src_ip, delivery.family, bit, groups)
        detail = f"reachable on {flow.label()} at {address}" + (f" ({rule})" if rule else "")
        hops = (Hop(HopKind.ENI, source.eni_id or source.subnet_id, source.label), *delivery.hops(),
                Hop(HopKind.RELAY, host.instance_id, detail), *out.hops[1:])
        return Relay(host.instance_id, flow.label(),
                     Path(hops=hops, destinations=out.destinations, outcome=f"relay {host.instance_id}: {out.outcome}"))
    return None


def _sanctioned(network: Network, view: RegionView, host: _Host) -> bool:
    return host.instance_id in network.proxies(view) or network.is_sanctioned_address(host.addresses)


def reachable_proxies(network: Network, proof: EgressProof, src_groups: tuple[str, ...] = ()) -> list[str]:
    """Sanctioned proxies the workload can reach, in any VPC (rule 31: a proxy is sanctioned
    wherever it is reachable); only those proven reachable, so the answer can ground a FAIL."""
    found: set[str] = set()
    for delivery in proof.deliveries:
        if delivery.view is None:
            continue
        try:
            hosts = _hosts_by_vpc(network, delivery.view).get(delivery.vpc_id, [])
        except MissingData:
            continue
        for host in hosts:
            if host.instance_id in found or not _sanctioned(network, delivery.view, host):
                continue
            try:
                if _reach(network, delivery, host, src_groups) is not None:
                    found.add(host.instance_id)
            except MissingData:
                continue
    return sorted(found)


def _host_proofs(network: Network, view: RegionView, host: _Host) -> list[EgressProof]:
    """The host's own egress from each of its ENIs (rule 9b: any ENI and address may be used)."""
    from safemaker.scanner.graph.packets import Source as Src

    out = []
    for eni in network.enis_of_instance(view, host.instance_id) or [host.eni]:
        eid = str(eni.get("NetworkInterfaceId", ""))
        v6 = tuple(a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) or [] if a.get("Ipv6Address"))
        if not (eni.get("PrivateIpAddress") or v6) or not eni.get("SubnetId"):
            continue
        public = eni_public_ips(eni)

        def prove(eni: Mapping[str, Any] = eni, eid: str = eid, public: list[str] = public) -> EgressProof:
            src = Src(label=f"{eid} (instance {host.instance_id})", view=view, subnet_id=str(eni.get("SubnetId")),
                      private_ip=str(eni.get("PrivateIpAddress") or ""),
                      security_groups=tuple(g["GroupId"] for g in eni.get("Groups", []) or [] if g.get("GroupId")),
                      public_ip=public[0] if public else None,
                      ipv6=tuple(a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) or [] if a.get("Ipv6Address")),
                      eni_id=eid)
            return network.prove(src)

        out.append(network.memo(("host-proof", view.account, view.region, eid), prove))
    return out
