"""The egress prover: every way a packet from a workload can leave, over all destinations.

For each address family the prover starts with everything the workload's security groups
allow, over all traffic classes (protocol/port classes, see flows.py) at once, and walks the
network as AWS forwards: longest-prefix match splits the destination set at each route table,
each part follows its target (NAT gateway, firewall endpoint, transit gateway, ...) and NACLs
cut it at every subnet boundary, in both directions. A packet carries a set of classes and
splits it only where a rule treats them differently; outcomes are credited back to the groups of
classes the security groups allowed together (`_Start`), so the result is the per-class answer.
Each part ends somewhere: the internet (inspected or not), a latent internet path, a gateway
endpoint, or a stated reason it goes no further. Anything that cannot be resolved is an
unknown, never a silent drop.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, TypeVar

from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.config import Config
from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph import flows as F
from safemaker.scanner.graph.addrs import NAT64_PREFIX, AddrSet, ipv4_to_nat64, nat64_to_ipv4
from safemaker.scanner.graph.proof import EgressProof, managed_network_path
from safemaker.scanner.graph.topology import (
    Topology,
    eni_addresses,
    eni_public_ips,
    first_host,
    route_destination,
    route_target,
)
from safemaker.scanner.model import Hop, Path
from safemaker.scanner.snapshot.io import RegionView, Snapshot

MAX_DEPTH = 40
_T = TypeVar("_T")
_MATCHES_KEPT = 50_000  # route matches remembered (bounded: memory stays flat on big estates)
# A route as longest prefix match reads it: (prefix length, priority kind, set, route).
_Entry = tuple[int, int, AddrSet, Mapping[str, Any]]
_STATIC, _PREFIX_LIST, _PROPAGATED = 0, 1, 2  # route priority at equal prefix length (rule 2)
# VPC attachment states in which the attachment carries traffic ("modifying": subnets being
# added or removed; botocore's enum omits it, the EC2 API returns it).
_TGW_ATTACHMENT_FORWARDS = frozenset({"available", "modifying"})
# Block Public Access exclusion states in which the exclusion is in force (rule 11: only active
# exclusions count; one being created, deleted or disabled does not lift the block).
_BPA_EXCLUSION_ACTIVE = frozenset({"create-complete", "update-in-progress", "update-complete", "update-failed"})


@dataclass(frozen=True)
class Source:
    """Where a workload's traffic starts: its ENI (or its placement when the ENI is unknown)."""

    label: str
    view: RegionView
    subnet_id: str
    security_groups: tuple[str, ...]
    private_ip: str
    public_ip: str | None = None
    ipv6: tuple[str, ...] = ()
    eni_id: str | None = None
    notes: tuple[str, ...] = ()


class Packet(NamedTuple):
    """Traffic on its way (a set of classes to a set of destinations); `_replace` is the hot
    path, so a named tuple rather than a frozen dataclass."""

    view: RegionView
    subnet: str
    family: int
    dests: AddrSet
    flow: F.Flow  # the representative of `flows`: every class in it is treated alike so far
    flows: int  # bit i: traffic class i of Network.flow_classes() travels as this packet
    src_ip: str
    public: bool  # the internet can answer this source (public IPv4, NAT'd, or IPv6)
    untranslated_private: bool  # still the workload's own private IPv4 (latent if it meets an IGW)
    inspected: str | None
    nat: str | None
    hops: tuple[Hop | _Lazy, ...]
    seen: tuple[tuple[str | None, ...], ...]  # route tables passed, with the state they were passed in
    # The VPC whose internet gateway can map the source's public IPv4 address (rule 7): an IGW
    # only translates addresses of its own VPC, so a public address does not travel across a
    # transit gateway to another VPC's IGW.
    mapped_vpc: str = ""
    # The subnet of the address the internet gateway sees after translation (a NAT gateway's,
    # or a forwarding instance's exit ENI's): Block Public Access exclusions are judged there.
    nat_subnet: str = ""


class _Start(NamedTuple):
    """Traffic as the security groups let it out: classes with the same allowed destinations.

    A proof walks the union of its starts once; every outcome is then credited to each start
    for the part of it that start's own classes and destinations make up. Each step of the walk
    intersects the destinations with sets fixed by where the packet is, and splits classes only
    where rules treat them differently, so that part is exactly what walking the start alone
    would give.
    """

    flows: int
    dests: AddrSet
    parts: tuple[tuple[int, str], ...]  # (classes, first-hop wording naming their rules)


class Delivery(NamedTuple):
    """Traffic that ends inside a VPC (its local route, or a peering into another VPC): every
    host there whose address is in `dests` can receive it (rule 31). `flows`/`dests` are exact
    for one start of the walk (what the workload's security groups allow together)."""

    view: RegionView | None  # where the VPC's resources were collected (None: not in the snapshot)
    vpc_id: str
    from_view: RegionView
    from_subnet: str
    family: int
    flows: int
    dests: AddrSet
    src_ip: str
    hops: tuple[Hop, ...]  # the way there, after the source


class _Lazy(NamedTuple):
    """A hop whose wording names the destinations it carries: written per start, from the
    part of `dests` that start carries (`render(that part, *args)`)."""

    kind: str
    id: str
    dests: AddrSet
    render: Callable[..., str]
    args: tuple[Any, ...]


def _written(hop: Hop | _Lazy, dests: AddrSet | None) -> Hop:
    """The hop as one start sees it (`dests`: that start's destinations; None: all of them)."""
    if isinstance(hop, _Lazy):
        return Hop(hop.kind, hop.id, hop.render(hop.dests if dests is None else hop.dests.intersect(dests), *hop.args))
    return hop


@dataclass
class _Collector:
    """Accumulates outcomes across traffic classes, merging identical paths.

    Flow sets are bit masks over `flows` (the estate's traffic classes): a packet stands for
    every class in its mask, and each path or block records the union of the masks that met it.
    """

    flows: Sequence[F.Flow]
    texts: dict[int, str]  # flows_text per mask, shared by every proof of the snapshot
    starts: dict[int, list[_Start]] = field(default_factory=dict)  # per address family
    paths: dict[tuple[str, str], tuple[tuple[Hop, ...], dict[int, AddrSet], int, str]] = field(
        default_factory=dict)
    blocked: dict[str, int] = field(default_factory=dict)
    unknowns: set[str] = field(default_factory=set)
    notes: set[str] = field(default_factory=set)
    deliveries: list[Delivery] = field(default_factory=list)

    def deliver(self, pkt: Packet, view: RegionView | None, vpc_id: str, extra: tuple[Hop, ...] = ()) -> None:
        for start, flows, dests in self._reached(pkt):
            hops = tuple(_written(h, start.dests) for h in pkt.hops[1:]) + extra
            self.deliveries.append(Delivery(view, vpc_id, pkt.view, pkt.subnet, pkt.family, flows, dests,
                                            pkt.src_ip, hops))

    def _reached(self, pkt: Packet, dests: AddrSet | None = None) -> Iterator[tuple[_Start, int, AddrSet]]:
        """The starts that have traffic in this packet (in `dests`, by default all of its)."""
        where = pkt.dests if dests is None else dests
        starts = self.starts.get(pkt.family, ())
        if len(starts) == 1:
            # one start: the walk is that start, every packet's classes and destinations are its
            if where:
                yield starts[0], pkt.flows, where
            return
        for start in starts:
            flows = pkt.flows & start.flows
            if flows:
                part = where.intersect(start.dests)
                if part:
                    yield start, flows, part

    def path(self, category: str, pkt: Packet, final: Sequence[Hop], outcome: str) -> None:
        single = len(self.starts.get(pkt.family, ())) == 1
        # the path's identity does not depend on wording: the same for every start
        key = (category, ">".join(f"{h.kind}:{h.id}" for h in (*pkt.hops, *final)) + "|" + outcome)
        for start, flows, dests in self._reached(pkt):
            # the wording a single flow of this start would have left: the least one
            first = min(detail for mask, detail in start.parts if mask & flows)
            part = None if single else start.dests
            origin = pkt.hops[0]
            hops = (Hop(origin.kind, origin.id, first), *(_written(h, part) for h in pkt.hops[1:]), *final)
            known = self.paths.get(key)
            if known is None:
                known = self.paths[key] = (hops, {}, 0, outcome)
            elif [h.detail for h in hops] < [h.detail for h in known[0]]:
                # the same path met again: keep one wording whatever order AWS listed things in
                known = (hops, known[1], known[2], outcome)
            sets = known[1]
            sets[pkt.family] = sets.get(pkt.family, AddrSet.empty(pkt.family)).union(dests)
            self.paths[key] = (known[0], sets, known[2] | flows, outcome)

    def _flows_reached(self, pkt: Packet, dests: AddrSet | None = None) -> int:
        """The classes of the starts that have traffic in this packet."""
        where = pkt.dests if dests is None else dests
        starts = self.starts.get(pkt.family, ())
        if len(starts) == 1:
            return pkt.flows if where else 0
        flows = 0
        for start in starts:
            if pkt.flows & start.flows and where.overlaps(start.dests):
                flows |= pkt.flows & start.flows
        return flows

    def block(self, reason: str | Callable[[AddrSet], str], pkt: Packet) -> None:
        """`reason` is a text, or writes one from the destinations a start has blocked here."""
        if isinstance(reason, str):
            flows = self._flows_reached(pkt)
            if flows:
                self.blocked[reason] = self.blocked.get(reason, 0) | flows
            return
        for _, flows, dests in self._reached(pkt):
            text = reason(dests)
            self.blocked[text] = self.blocked.get(text, 0) | flows

    def unknown(self, text: str, pkt: Packet, dests: AddrSet | None = None) -> None:
        if self._flows_reached(pkt, dests):
            self.unknowns.add(text)

    def note(self, text: str, pkt: Packet, dests: AddrSet | None = None) -> None:
        if self._flows_reached(pkt, dests):
            self.notes.add(text)

    def absorb_nat64(self, sub: _Collector) -> None:
        """Take in what a NAT64-translated walk found (rule 8b): its IPv4 destinations are
        written back as the IPv6 addresses in 64:ff9b::/96 that the workload sent to."""
        for key, (hops, sets, flows, outcome) in sub.paths.items():
            v6 = ipv4_to_nat64(sets.get(4, AddrSet.empty(4)))
            known = self.paths.get(key)
            if known is None:
                self.paths[key] = (hops, {6: v6}, flows, outcome)
            else:
                merged = dict(known[1])
                merged[6] = merged.get(6, AddrSet.empty(6)).union(v6)
                self.paths[key] = (known[0], merged, known[2] | flows, outcome)
        for reason, flows in sub.blocked.items():
            self.blocked[reason] = self.blocked.get(reason, 0) | flows
        self.unknowns.update(sub.unknowns)
        self.notes.update(sub.notes)

    def build(self, category: str, family: int | None = None) -> tuple[Path, ...]:
        out = []
        for (cat, _), (hops, sets, flows, outcome) in sorted(self.paths.items()):
            if cat != category:
                continue
            fams = [f for f in sorted(sets) if family is None or f == family]
            if not fams:
                continue
            dests = tuple(c for f in fams for c in sets[f].cidrs())
            desc = " and ".join(sets[f].describe() for f in fams)
            text = f"{outcome}; destinations {desc}; traffic {self.flows_text(flows)}"
            out.append(Path(hops=hops, destinations=dests, outcome=text))
        return tuple(out)

    def flows_text(self, flows: int) -> str:
        text = self.texts.get(flows)
        if text is None:
            text = self.texts[flows] = self._flows_text(flows)
        return text

    def _flows_text(self, flows: int) -> str:
        if flows.bit_count() >= len(self.flows):
            return "all protocols and ports"
        labels = [f.label() for f in sorted(self.flows[i] for i in _bits(flows))]
        if len(labels) > 4:
            return ", ".join(labels[:4]) + f" and {len(labels) - 4} more classes"
        return ", ".join(labels)


def _union(masks: Iterable[int]) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


def _refine(parts: Iterable[int], masks: Iterable[int]) -> tuple[int, ...]:
    """Split the parts so that each mask holds each part whole or not at all."""
    out = [p for p in parts if p]
    for mask in sorted(set(masks)):
        out = [q for p in out for q in (p & mask, p & ~mask) if q]
    return tuple(out)


class _MissingAt(MissingData):
    """Missing data met by part of a packet's destinations (the rest was decided before it)."""

    def __init__(self, reason: str, dests: AddrSet) -> None:
        self.dests = dests
        super().__init__(reason)


class _PartsMissing(MissingData):
    """Missing data met by several parts of one packet: (reason, their classes, destinations)."""

    def __init__(self, items: list[tuple[str, int | None, AddrSet | None]]) -> None:
        self.items = items
        super().__init__(items[0][0])


def _missing(exc: MissingData) -> list[tuple[str, int | None, AddrSet | None]]:
    if isinstance(exc, _PartsMissing):
        return exc.items
    return [(exc.reason, None, exc.dests if isinstance(exc, _MissingAt) else None)]


def _merge(packets: list[Packet]) -> list[Packet]:
    """Packets that differ only in their traffic classes travel on as one."""
    if len(packets) < 2:
        return packets
    merged: dict[Packet, Packet] = {}
    for pkt in packets:
        key = pkt._replace(flows=0, flow=_ANY_FLOW)
        known = merged.get(key)
        merged[key] = pkt if known is None else known._replace(flows=known.flows | pkt.flows)
    return list(merged.values())


_ANY_FLOW = F.Flow(F.OTHER)


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


class Network:
    """Built once per snapshot; proves sources on demand."""

    def __init__(self, snapshot: Snapshot, config: Config) -> None:
        self.snapshot = snapshot
        self.config = config
        self._topos: dict[tuple[str, str], Topology] = {}
        self._flows: list[F.Flow] | None = None
        self._index: dict[F.Flow, int] | None = None
        self._proxy_cache: dict[tuple[str, str], dict[str, str]] = {}
        self._proofs: dict[tuple[str, ...], EgressProof] = {}
        self._acl_parts: dict[tuple[Any, ...], tuple[tuple[F.AclEntry, AddrSet], ...]] = {}
        self._masks: dict[tuple[Any, ...], int] = {}
        self._flow_texts: dict[int, str] = {}
        self._treatments: dict[tuple[Any, ...], tuple[int, ...]] = {}
        self._replies_cache: dict[tuple[Any, ...], list[F.Flow]] = {}
        self._sg_cache: dict[tuple[Any, ...], list[tuple[int, AddrSet, list[str]]]] = {}
        self._sg_rules: dict[tuple[str, ...], tuple[list[F.SgRule], list[str]]] = {}
        self._tgw_indexes: dict[str, dict[Any, list[tuple[RegionView, Mapping[str, Any]]]]] = {}
        self._route_entries: dict[tuple[Any, ...], list[_Entry]] = {}
        self._vpc_views: dict[str, RegionView] | None = None
        self._memo: dict[Hashable, Any] = {}
        self._sg_members_all: dict[str, list[str]] | None = None
        # per table: why some routes could not be read (their prefix lists), kept out of the entries
        self._route_gaps: dict[tuple[Any, ...], list[str]] = {}
        # per table: (the addresses each route decides, the addresses no route matches)
        self._matches: dict[tuple[Any, ...], list[tuple[Mapping[str, Any], AddrSet, AddrSet]]] = {}
        self._local_reasons: dict[Any, str] = {}
        self._prefix_cache: dict[tuple[str, str, str, int], list[tuple[int, AddrSet]]] = {}
        self._route_names: dict[int, tuple[str, str]] = {}  # id(route) -> (target, destination)
        self._regions: dict[tuple[Any, ...], tuple[list[_Region], AddrSet]] = {}

    def topology(self, view: RegionView) -> Topology:
        key = (view.account, view.region)
        if key not in self._topos:
            self._topos[key] = Topology(view)
        return self._topos[key]

    # --- sources ---------------------------------------------------------------------------
    def notebook_source(self, resource: Resource) -> Source | None:
        """The notebook's ENI; None when the notebook is not in a VPC at all."""
        nb = resource.detail()
        subnet_id = nb.get("SubnetId")
        if not subnet_id:
            return None
        topo = self.topology(resource.view)
        sgs = tuple(nb.get("SecurityGroups", []) or [])
        eni_id = nb.get("NetworkInterfaceId")
        label = f"notebook {resource.id}"
        if eni_id:
            eni = topo.enis.get(eni_id)
            if eni is None:
                raise MissingData(f"notebook ENI {eni_id} is not in ec2 DescribeNetworkInterfaces")
            return self._eni_source(resource.view, eni, label)
        suffix = f"SageMaker Notebook Instance {resource.id}"
        for eni in topo.enis.values():
            if str(eni.get("Description", "")).endswith(suffix) and eni.get("SubnetId") == subnet_id:
                return self._eni_source(resource.view, eni, label)
        return self.placement_source(resource.view, subnet_id, sgs, label,
                                     note="the notebook's ENI is not in the snapshot; placed by its "
                                          "SubnetId and SecurityGroups")

    def _eni_source(self, view: RegionView, eni: Mapping[str, Any], label: str) -> Source:
        public = (eni.get("Association") or {}).get("PublicIp")
        v6 = tuple(a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) or [] if a.get("Ipv6Address"))
        eid = eni["NetworkInterfaceId"]
        if not isinstance(eni.get("Groups"), list):
            # Without `Groups` the ENI's security groups are unknown; read as "none", nothing
            # would be allowed out and every path would vanish.
            raise MissingData(f"{eid} has no Groups in ec2 DescribeNetworkInterfaces: its security groups are unknown")
        if not eni.get("PrivateIpAddress"):  # the source address of every flow (NACLs, firewall rules)
            raise MissingData(f"{eid} has no PrivateIpAddress in ec2 DescribeNetworkInterfaces")
        return Source(
            label=f"{eid} ({label})",
            view=view,
            subnet_id=eni.get("SubnetId", ""),
            security_groups=tuple(g["GroupId"] for g in eni.get("Groups", []) or [] if g.get("GroupId")),
            private_ip=eni.get("PrivateIpAddress", ""),
            public_ip=public,
            ipv6=v6,
            eni_id=eid,
        )

    def placement_source(self, view: RegionView, subnet_id: str, security_groups: Sequence[str], label: str,
                         note: str = "") -> Source:
        """A workload known only by subnet and security groups (Studio apps, jobs)."""
        subnet = self.topology(view).subnet(subnet_id)
        notes = [note] if note else []
        public = None
        if subnet.get("MapPublicIpOnLaunch"):
            public = "(auto-assigned)"
            notes.append(f"{subnet_id} auto-assigns public IPv4 addresses: assumed the workload has one")
        v6: tuple[str, ...] = ()
        if subnet.get("AssignIpv6AddressOnCreation") and subnet.get("Ipv6CidrBlockAssociationSet"):
            v6 = (first_host(subnet["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]),)
            notes.append(f"{subnet_id} assigns IPv6 addresses: assumed the workload has one")
        return Source(label=f"{label} in {subnet_id}", view=view, subnet_id=subnet_id,
                      security_groups=tuple(security_groups),
                      private_ip=first_host(subnet.get("CidrBlock", "0.0.0.0/32")),
                      public_ip=public, ipv6=v6, notes=tuple(notes))

    # --- proxies ---------------------------------------------------------------------------
    def proxies(self, view: RegionView) -> dict[str, str]:
        """Sanctioned proxy instance id -> why (docs/how-the-proof-works.md)."""
        key = (view.account, view.region)
        if key not in self._proxy_cache:
            from safemaker.scanner.aws.proxies import designated_proxies

            self._proxy_cache[key] = designated_proxies(view, self.config)
        return self._proxy_cache[key]

    # --- per-workload proofs (cached: several checks read the same one) -------------------
    def notebook_proof(self, resource: Resource) -> EgressProof:
        """Egress of a notebook instance, including SageMaker's own network when
        DirectInternetAccess is Enabled (rule 24)."""
        key = ("notebook", resource.ref.account, resource.ref.region, resource.id)
        if key not in self._proofs:
            self._proofs[key] = self._notebook_proof(resource)
        return self._proofs[key]

    def _notebook_proof(self, resource: Resource) -> EgressProof:
        nb = resource.detail()
        direct = nb.get("DirectInternetAccess")
        try:
            source = self.notebook_source(resource)
        except MissingData as exc:
            if direct == "Disabled":
                raise
            # SageMaker's own network gives internet access whatever the VPC data says (rule 24):
            # the FAIL stands even though the VPC side could not be read.
            why = "DirectInternetAccess is Enabled" if direct == "Enabled" else \
                "DirectInternetAccess is not set (AWS default: Enabled)"
            path = managed_network_path(f"notebook {resource.id}", why)
            return EgressProof(source=f"notebook {resource.id}", uninspected=(path,), unknowns=(exc.reason,))
        if source is None:
            if direct == "Disabled":
                raise MissingData(f"notebook {resource.id} has DirectInternetAccess Disabled but no SubnetId")
            path = managed_network_path(f"notebook {resource.id}", "DirectInternetAccess is Enabled and no VPC is set")
            return EgressProof(source=f"notebook {resource.id}", uninspected=(path,))
        if direct == "Disabled":
            return self.prove(source)
        why = ("DirectInternetAccess is Enabled" if direct == "Enabled"
               else "DirectInternetAccess is not set (AWS default: Enabled)")
        try:
            proof = self.prove(source)
        except MissingData as exc:
            # the managed network's path is proven from the notebook alone (rule 24)
            proof = EgressProof(source=source.label, unknowns=(exc.reason,))
        return replace(proof, uninspected=(managed_network_path(source.label, why), *proof.uninspected))

    def placement_proof(self, view: RegionView, subnet_id: str, security_groups: Sequence[str],
                        label: str) -> EgressProof:
        """Egress of a workload known by subnet and security groups (Studio, jobs)."""
        # The label is part of the key: the proof's source and first hop name the workload.
        key = ("placement", view.account, view.region, label, subnet_id, *sorted(security_groups))
        if key not in self._proofs:
            source = self.placement_source(view, subnet_id, security_groups, label)
            self._proofs[key] = self.prove(source)
        return self._proofs[key]

    # --- proving ---------------------------------------------------------------------------
    def flow_classes(self) -> list[F.Flow]:
        if self._flows is None:
            bounds: list[tuple[int, int]] = []
            protocols: list[int] = []
            for view in self.snapshot.views():
                if view.has("ec2", "DescribeSecurityGroups"):
                    groups = view.items("ec2", "DescribeSecurityGroups", "SecurityGroups")
                    bounds.extend(F.sg_port_bounds(groups))
                    protocols.extend(F.sg_protocols(groups))
                if view.has("ec2", "DescribeNetworkAcls"):
                    acls = view.items("ec2", "DescribeNetworkAcls", "NetworkAcls")
                    bounds.extend(F.nacl_port_bounds(acls))
                    protocols.extend(F.nacl_protocols(acls))
                if view.has("network-firewall", "DescribeRuleGroup"):
                    rule_groups = view.response("network-firewall", "DescribeRuleGroup")
                    bounds.extend(_rule_group_ports(rule_groups))
                    protocols.extend(_rule_group_protocols(rule_groups))
            bounds.append(F.EPHEMERAL)
            self._flows = F.flow_classes(bounds, protocols)
        return self._flows

    def sg_egress_rules(self, view: RegionView, group_id: str) -> tuple[list[F.SgRule], list[str]]:
        """`flows.sg_egress_rules` of one group, read once per snapshot."""
        key = (view.account, view.region, group_id)
        found = self._sg_rules.get(key)
        if found is None:
            topo = self.topology(view)
            found = F.sg_egress_rules(topo.security_group(group_id), topo.prefix_list,
                                      lambda g: topo.sg_members.get(g, []))
            self._sg_rules[key] = found
        return found

    def _sg_parts(self, view: RegionView, groups: tuple[str, ...], rules: list[F.SgRule],
                  family: int) -> list[tuple[int, AddrSet, list[str]]]:
        """(classes, destinations, rules used) per part of the classes the groups treat alike;
        workloads sharing security groups (a team's notebooks) share the answer."""
        key = (view.account, view.region, groups, family)
        found = self._sg_cache.get(key)
        if found is None:
            # what flows.sg_allowed gives for the part's classes: the part lies inside or outside
            # each rule's classes, so a bit test stands for the protocol and port match
            masks = [self._rule_mask(r.proto, r.lo, r.hi) for r in rules]
            found = []
            for part in _refine(self._by_protocol(), masks):
                hits = [(r.v4 if family == 4 else r.v6, r.text) for r, m in zip(rules, masks, strict=True) if part & m]
                hits = [(dests, text) for dests, text in hits if dests]
                if hits:
                    found.append((part, AddrSet.union_all(family, (d for d, _ in hits)), sorted(t for _, t in hits)))
            self._sg_cache[key] = found
        return found

    # --- traffic classes as bit masks ----------------------------------------------------
    # A packet carries a set of traffic classes at once. Wherever a decision depends on the
    # class (network ACLs, stateless firewall rules), the set is split by how the rules there
    # treat each class, and one representative class decides for its part: inside a part every
    # rule matches all classes or none, so the walk is the one each class would take alone.

    def _rule_mask(self, proto: int, lo: Any, hi: Any) -> int:
        """Classes a rule with this protocol and port range matches."""
        key = (proto, lo, hi)
        mask = self._masks.get(key)
        if mask is None:
            mask = 0
            for i, flow in enumerate(self.flow_classes()):
                if F.proto_matches(proto, flow) and F.ports_cover(lo, hi, flow):
                    mask |= 1 << i
            self._masks[key] = mask
        return mask

    def _by_protocol(self) -> list[int]:
        """TCP, UDP and the rest: reply classes and port matching differ between them."""
        tcp, udp = self._rule_mask(F.TCP, None, None), self._rule_mask(F.UDP, None, None)
        everything = (1 << len(self.flow_classes())) - 1
        return [m for m in (tcp, udp, everything & ~(tcp | udp)) if m]

    def _singletons(self) -> tuple[int, ...]:
        return tuple(1 << i for i in range(len(self.flow_classes())))

    def _treatment(self, key: tuple[Any, ...], rule_masks: Callable[[], list[int]]) -> tuple[int, ...]:
        """Parts of the classes that every rule (one class mask each) treats alike, once per key.
        Rules that cannot be read leave every class on its own: the per-class evaluation then
        reports what is wrong, as it would without this shortcut."""
        parts = self._treatments.get(key)
        if parts is None:
            try:
                parts = _refine(self._by_protocol(), rule_masks())
            except (MissingData, TypeError, AttributeError, ValueError):
                parts = self._singletons()
            self._treatments[key] = parts
        return parts

    def _acl_treatment(self, view: RegionView, acl: Mapping[str, Any]) -> tuple[int, ...]:
        """Parts of the classes every entry of this ACL (both directions) treats alike."""
        def masks() -> list[int]:
            out = []
            for entry in acl.get("Entries", []) or []:
                rng = entry.get("PortRange") or {}
                out.append(self._rule_mask(F.proto_number(entry.get("Protocol", "-1")), rng.get("From"), rng.get("To")))
            return out

        return self._treatment(("acl", id(acl)), masks)  # the snapshot holds every ACL for the Network's lifetime

    def _stateless_treatment(self, view: RegionView, policy: Mapping[str, Any]) -> tuple[int, ...]:
        """Parts of the classes every stateless rule of this policy treats alike."""
        def masks() -> list[int]:
            tcp_udp = self._rule_mask(F.TCP, None, None) | self._rule_mask(F.UDP, None, None)
            everything = (1 << len(self.flow_classes())) - 1
            out = []
            for ref in policy.get("StatelessRuleGroupReferences", []) or []:
                group = view.detail("network-firewall", "DescribeRuleGroup", ref.get("ResourceArn", ""))
                source = ((group.get("RuleGroup") or {}).get("RulesSource") or {}) \
                    .get("StatelessRulesAndCustomActions") or {}
                for rule in source.get("StatelessRules", []) or []:
                    attrs = rule.get("RuleDefinition", {}).get("MatchAttributes", {})
                    protos = attrs.get("Protocols") or []
                    if protos:
                        out.append(_union(self._rule_mask(int(p), None, None) for p in protos))
                    dports = attrs.get("DestinationPorts") or []
                    if dports:
                        out.append((everything & ~tcp_udp) | _union(
                            self._rule_mask(proto, p.get("FromPort"), p.get("ToPort"))
                            for p in dports for proto in (F.TCP, F.UDP)))
            return out

        return self._treatment(("stateless", view.account, view.region, id(policy)), masks)

    def _replies(self, view: RegionView, acl: Mapping[str, Any], flow: F.Flow) -> list[F.Flow]:
        """Reply classes of `flow`, one per part this ACL treats alike (the first of each, in order)."""
        if flow.proto not in (F.TCP, F.UDP):
            return F.ephemeral_flows(flow, self.flow_classes())
        key = ("replies", id(acl), flow.proto)
        found = self._replies_cache.get(key)
        if found is None:
            # classes are in ephemeral_flows' order, so each part's first reply is its lowest bit
            classes = self.flow_classes()
            index = self._flow_index()
            replies = _union(1 << index[r] for r in F.ephemeral_flows(flow, classes))
            firsts = sorted(((p & replies) & -(p & replies)).bit_length() - 1
                            for p in self._acl_treatment(view, acl) if p & replies)
            found = [classes[i] for i in firsts]
            self._replies_cache[key] = found
        return found

    def _flow_index(self) -> dict[F.Flow, int]:
        if self._index is None:
            self._index = {f: i for i, f in enumerate(self.flow_classes())}
        return self._index

    def _split(self, pkt: Packet, parts: Sequence[int]) -> list[Packet]:
        classes = self.flow_classes()
        out = []
        for part in parts:
            mask = pkt.flows & part
            if mask == pkt.flows:
                return [pkt]
            if mask:
                out.append(pkt._replace(flows=mask, flow=classes[(mask & -mask).bit_length() - 1]))
        return out

    def prove(self, source: Source) -> EgressProof:
        topo = self.topology(source.view)
        subnet = topo.subnet(source.subnet_id)  # a missing subnet makes the whole proof unknown
        classes = self.flow_classes()
        col = _Collector(flows=classes, texts=self._flow_texts)
        col.notes.update(source.notes)
        sg_rules: list[F.SgRule] = []
        for gid in source.security_groups:
            rules, unknown = self.sg_egress_rules(source.view, gid)
            sg_rules.extend(rules)
            col.unknowns.update(unknown)
        if not source.security_groups:
            col.notes.add("no security groups given: nothing is allowed out")
        start = Hop("eni", source.eni_id or source.subnet_id, source.label)
        families = [4] + ([6] if source.ipv6 else [])
        for family in families:
            starts: dict[tuple[Any, ...], tuple[AddrSet, list[tuple[int, str]]]] = {}
            for part, allowed, used in self._sg_parts(source.view, source.security_groups, sg_rules, family):
                detail = f"{source.label}; {used[0]}" + (f" (+{len(used) - 1} more rules)" if len(used) > 1 else "")
                starts.setdefault(allowed.spans, (allowed, []))[1].append((part, detail))
            if not starts:
                continue
            col.starts[family] = [_Start(_union(m for m, _ in details), allowed, tuple(details))
                                  for allowed, details in starts.values()]
            mask = _union(st.flows for st in col.starts[family])
            everywhere = AddrSet.union_all(family, (st.dests for st in col.starts[family]))
            src_ip = source.private_ip if family == 4 else source.ipv6[0]
            pkt = Packet(view=source.view, subnet=source.subnet_id, family=family, dests=everywhere,
                         flow=classes[(mask & -mask).bit_length() - 1], flows=mask, src_ip=src_ip,
                         public=bool(source.public_ip) if family == 4 else True,
                         untranslated_private=family == 4 and not source.public_ip,
                         inspected=None, nat=None, hops=(start,), seen=(),
                         mapped_vpc=str(subnet.get("VpcId", "")))
            self._route(pkt, col, depth=0)
        ep_problems: list[str] = []
        ep_unknowns: list[str] = []
        return EgressProof(
            source=source.label,
            uninspected=col.build("internet"),
            uninspected_ipv6=col.build("internet", family=6),
            latent=col.build("latent"),
            inspected=col.build("inspected"),
            gateway_endpoints=col.build("gateway-endpoint"),
            interface_endpoints=tuple(sorted(self._interface_services(source, col.deliveries, ep_problems,
                                                                      ep_unknowns))),
            interface_endpoint_problems=tuple(ep_problems),
            interface_endpoint_unknowns=tuple(ep_unknowns),
            blocked=tuple(f"{reason} ({col.flows_text(fl)})" for reason, fl in sorted(col.blocked.items())),
            unknowns=tuple(sorted(col.unknowns)),
            notes=tuple(sorted(col.notes)),
            deliveries=tuple(col.deliveries),
        )

    # --- routing ---------------------------------------------------------------------------
    def _route(self, pkt: Packet, col: _Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        try:
            rtb, is_main = topo.route_table_for(pkt.subnet)
        except MissingData as exc:
            col.unknown(exc.reason, pkt)
            return
        rtb_id = rtb["RouteTableId"]
        key = (pkt.view.account, rtb_id, pkt.subnet, pkt.inspected, pkt.nat)
        if key in pkt.seen or depth > MAX_DEPTH:
            col.block(f"routing loop at {rtb_id}", pkt)
            return
        pkt = pkt._replace(seen=(*pkt.seen, key))
        try:
            parts = self._lpm(topo, rtb, pkt.family, pkt.dests)
        except MissingData as exc:
            col.unknown(f"{rtb_id}: {exc.reason}", pkt)
            return
        # A route whose prefix list is unreadable may take any of these destinations: no PASS
        # can rest on this table, but a path proven through its readable routes stands.
        for gap in self._route_gaps.get(("rtb", id(rtb), pkt.family), ()):
            col.unknown(f"{rtb_id} {gap}", pkt)
        # Routes whose target ends the walk with a fixed reason (local, VPN, peering) are blocked
        # together: only which classes reach the reason matters, not which route took them.
        ends: dict[str, AddrSet] = {}
        for route, dests, overlap in parts:
            names = self._route_names.get(id(route))
            if names is None:
                names = self._route_names[id(route)] = (route_target(route) or "?", route_destination(route))
            target, destination = names
            sub = pkt._replace(dests=dests)
            if overlap:
                col.note(f"{rtb_id}: {_OVERLAP}", sub, overlap)
            if route.get("State") == "blackhole":
                col.block(f"{rtb_id} route {destination} -> {target} is a blackhole (no fallback)", sub)
                continue
            try:
                if target == "local" or target.startswith("pcx-"):
                    self._deliver(sub, target, col)
                reason = self._terminal(pkt, target)
                if reason is not None:
                    ends[reason] = ends[reason].union(dests) if reason in ends else dests
                    continue
                where = " (main route table)" if is_main else ""
                hop = _Lazy("route-table", rtb_id, dests, _route_detail,
                            (f" -> {target} by route {destination}{where}", overlap))
                self._target(sub._replace(hops=(*pkt.hops, hop)), route, target, col, depth)
            except MissingData as exc:
                for reason, flows, at in _missing(exc):
                    col.unknown(f"{rtb_id} route {destination} -> {target}: {reason}",
                                sub if flows is None else sub._replace(flows=flows), at)
        for reason, dests in ends.items():
            col.block(reason, pkt._replace(dests=dests))
        rest = pkt.dests.intersect(self._regions[("rtb", id(rtb), pkt.family)][1])
        if rest:
            col.block(lambda d: f"{rtb_id} has no route for {d.describe()}", pkt._replace(dests=rest))

    def _lpm(self, topo: Topology, rtb: Mapping[str, Any], family: int,
             dests: AddrSet) -> list[tuple[Mapping[str, Any], AddrSet, AddrSet]]:
        """Longest prefix match over every destination at once (rules 1, 2, 5, 6)."""
        if not isinstance(rtb.get("Routes"), list):
            # DescribeRouteTables always lists at least the local route: a table without
            # `Routes` was trimmed, and "no routes" read from it would be a PASS from nothing.
            raise MissingData(f"{rtb.get('RouteTableId')} has no Routes in ec2 DescribeRouteTables")
        # (prefix length, priority kind, set, route). At equal length AWS prefers a static CIDR
        # route, then a prefix-list route, then a route propagated from a virtual private
        # gateway ("Route priority" in the VPC user guide); a more specific route always wins.
        key = ("rtb", id(rtb), family)
        entries = self._route_entries.get(key)
        if entries is None:
            entries = self._rtb_entries(topo, rtb, family)
            self._route_entries[key] = entries
        return self._split_by_routes(key, entries, family, dests)

    def _split_by_routes(self, key: tuple[Any, ...], entries: list[_Entry], family: int,
                         dests: AddrSet) -> list[tuple[Mapping[str, Any], AddrSet, AddrSet]]:
        """Longest prefix match by regions (`_route_regions`), computed once per table."""
        found = self._regions.get(key)
        if found is None:
            found = self._regions[key] = _route_regions(entries, family)
        # Packets into a shared table (a spoke's attachment subnet, a hub) ask the same question
        # for every notebook behind them: remember recent answers.
        asked = (key, dests.spans)
        answer = self._matches.get(asked)
        if answer is None:
            if len(self._matches) >= _MATCHES_KEPT:
                self._matches.clear()
            answer = self._matches[asked] = _match_regions(found[0], dests)
        return answer

    def _rtb_entries(self, topo: Topology, rtb: Mapping[str, Any], family: int) -> list[_Entry]:
        entries: list[_Entry] = []
        gaps: list[str] = []
        for route in rtb["Routes"]:
            cidr = route.get("DestinationCidrBlock") if family == 4 else route.get("DestinationIpv6CidrBlock")
            if cidr:
                kind = _PROPAGATED if route.get("Origin") == "EnableVgwRoutePropagation" else _STATIC
                entries.append((_plen(cidr), kind, AddrSet.from_cidr(cidr), route))
            elif route.get("DestinationPrefixListId"):
                plid = route["DestinationPrefixListId"]
                try:
                    entries.extend((length, _PREFIX_LIST, block, route)
                                   for length, block in self._prefix_blocks(topo, plid, family))
                except MissingData as exc:
                    gaps.append(f"route {plid} -> {route_target(route) or '?'}: {exc.reason}")
        if gaps:
            self._route_gaps[("rtb", id(rtb), family)] = gaps
        return sorted(entries, key=lambda e: (-e[0], e[1]))

    def _prefix_blocks(self, topo: Topology, plid: str, family: int) -> list[tuple[int, AddrSet]]:
        """(prefix length, block) of each CIDR of a prefix list in this family, read once per
        region: every route table of a VPC with an S3 endpoint names the same list."""
        key = (topo.view.account, topo.view.region, plid, family)
        found = self._prefix_cache.get(key)
        if found is None:
            cidrs, problem = topo.prefix_list(plid)
            if problem:
                raise MissingData(problem)
            found = [(_plen(c), s) for c in cidrs if (s := AddrSet.from_cidrs(family, [c]))]
            self._prefix_cache[key] = found
        return found

    def _deliver(self, pkt: Packet, target: str, col: _Collector) -> None:
        """Record where local and peering routes deliver (the hosts a workload can reach)."""
        topo = self.topology(pkt.view)
        vpc_id = str(topo.subnet(pkt.subnet).get("VpcId", ""))
        if target == "local":
            col.deliver(pkt, pkt.view, vpc_id)
            return
        peer = topo.peerings.get(target) or {}
        if (peer.get("Status") or {}).get("Code") != "active":
            return
        other = str((peer.get("AccepterVpcInfo") or {}).get("VpcId") or "")
        if other == vpc_id:
            other = str((peer.get("RequesterVpcInfo") or {}).get("VpcId") or "")
        if other:
            col.deliver(pkt, self.view_of_vpc(other), other, (Hop("peering", target, f"into {other}"),))

    def memo(self, key: Hashable, build: Callable[[], _T]) -> _T:
        """A value computed once per snapshot (indexes and proofs that several checks share)."""
        if key not in self._memo:
            self._memo[key] = build()
        value: _T = self._memo[key]
        return value

    def is_sanctioned_address(self, addresses: Iterable[str]) -> bool:
        """Whether any of these addresses is a proxy named in safemaker.toml."""
        return bool(set(addresses) & set(self.config.proxies))

    def cross_into(self, delivery: Delivery, view: RegionView, subnet_id: str, target: AddrSet) -> int:
        """The traffic classes of a delivery that the network ACLs let from its subnet into
        `subnet_id` and back (rule 21), towards `target`."""
        classes = self.flow_classes()
        pkt = Packet(view=delivery.from_view, subnet=delivery.from_subnet, family=delivery.family, dests=target,
                     flow=classes[(delivery.flows & -delivery.flows).bit_length() - 1], flows=delivery.flows,
                     src_ip=delivery.src_ip, public=False, untranslated_private=False, inspected=None, nat=None,
                     hops=(), seen=())
        if view.where == delivery.from_view.where and subnet_id == delivery.from_subnet:
            return delivery.flows
        scratch = _Collector(flows=classes, texts=self._flow_texts)
        acl = self.topology(view).nacl_for(subnet_id)
        mask = 0
        for leaving in self._exit_filters(pkt, scratch, subnet_id):
            moved = leaving._replace(view=view)
            for part in self._split(moved, self._acl_treatment(view, acl)):
                entered = self._enter_filter(part, acl, subnet_id, scratch, subnet_id)
                if entered is not None:
                    mask |= entered.flows
        return mask

    def view_of_vpc(self, vpc_id: str) -> RegionView | None:
        """The account/region whose snapshot describes this VPC, if any."""
        if self._vpc_views is None:
            self._vpc_views = {}
            for view in self.snapshot.views():
                if view.has("ec2", "DescribeVpcs"):
                    for vpc in view.items("ec2", "DescribeVpcs", "Vpcs"):
                        if isinstance(vpc, Mapping) and isinstance(vpc.get("VpcId"), str):
                            self._vpc_views.setdefault(vpc["VpcId"], view)
        return self._vpc_views.get(vpc_id)

    def _terminal(self, pkt: Packet, target: str) -> str | None:
        """Why the walk ends at `target`, for targets that end it whatever the traffic is."""
        if target == "local":
            vpc = self.topology(pkt.view).subnet(pkt.subnet).get("VpcId", "")
            reason = self._local_reasons.get(vpc)
            if reason is None:
                reason = self._local_reasons[vpc] = f"stays inside {vpc} (local route)"
            return reason
        if target.startswith("pcx-"):
            topo = self.topology(pkt.view)
            vpc_id = topo.subnet(pkt.subnet).get("VpcId", "")
            peer = topo.peerings.get(target, {})
            other = (peer.get("AccepterVpcInfo") or {}).get("VpcId")
            if other == vpc_id:
                other = (peer.get("RequesterVpcInfo") or {}).get("VpcId")
            return (f"peering {target} to {other or 'another VPC'} ends in that VPC "
                    "(peering is not transitive: its gateways are not usable)")
        if target.startswith("vgw-"):
            return f"leaves to on-premises networks through {target} (outside the snapshot)"
        return None

    def _target(self, pkt: Packet, route: Mapping[str, Any], target: str, col: _Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        topo.subnet(pkt.subnet)  # the packet's subnet must be known, whatever the target
        if target.startswith("igw-"):
            self._igw(pkt, target, col)
        elif target.startswith("eigw-"):
            self._eigw(pkt, target, col)
        elif target.startswith("nat-"):
            self._nat(pkt, target, col, depth)
        elif target.startswith("vpce-"):
            self._vpce(pkt, target, col, depth)
        elif target.startswith("tgw-"):
            self._tgw(pkt, target, col, depth)
        elif target.startswith(("eni-", "i-")):
            self._eni_target(pkt, route, col, depth)
        else:
            raise MissingData(f"route target {target} is not modelled")

    def _acl_filter(self, view: RegionView, acl: Mapping[str, Any], egress: bool, flow: F.Flow,
                    addrs: AddrSet) -> tuple[AddrSet, list[str]]:
        """`flows.acl_filter`, with each ACL's first-match partition computed once per flow."""
        key = (id(acl), egress, addrs.family, flow)
        part = self._acl_parts.get(key)
        if part is None:
            part = F.acl_partition(F.acl_entries(acl, egress, addrs.family), flow, addrs.family)
            self._acl_parts[key] = part
        return F.acl_filter_by_partition(part, addrs)

    def _exit_filters(self, pkt: Packet, col: _Collector, via: str) -> list[Packet]:
        """NACL of the subnet the packet leaves by, outbound and for the replies inbound."""
        acl = self.topology(pkt.view).nacl_for(pkt.subnet)
        out = []
        for part in self._split(pkt, self._acl_treatment(pkt.view, acl)):
            left = self._exit_filter(part, acl, col, via)
            if left is not None:
                out.append(left)
        return _merge(out)

    def _exit_filter(self, pkt: Packet, acl: Mapping[str, Any], col: _Collector, via: str) -> Packet | None:
        out = self._acl_filter(pkt.view, acl, True, pkt.flow, pkt.dests)[0]
        back = AddrSet.empty(pkt.family)
        for reply in self._replies(pkt.view, acl, pkt.flow):
            back = back.union(self._acl_filter(pkt.view, acl, False, reply, out)[0])
        dropped = pkt.dests.subtract(back)
        acl_id = str(acl.get("NetworkAclId"))
        if dropped:
            col.block(lambda d: f"{acl_id} of {pkt.subnet} blocks {d.describe()} towards {via} (outbound or replies)",
                      pkt._replace(dests=dropped))
        if not back:
            return None
        hop = _Lazy("network-acl", acl_id, pkt.dests, self._exit_detail, (pkt.view, pkt.subnet, pkt.flow))
        return pkt._replace(dests=back, hops=(*pkt.hops, hop))

    def _exit_detail(self, dests: AddrSet, view: RegionView, subnet: str, flow: F.Flow) -> str:
        """The first outbound rule and the first reply rule that let these destinations through."""
        acl = self.topology(view).nacl_for(subnet)
        out, out_used = self._acl_filter(view, acl, True, flow, dests)
        back_used: list[str] = []
        for reply in self._replies(view, acl, flow):
            back_used = self._acl_filter(view, acl, False, reply, out)[1]
            if back_used:
                break
        return "; ".join(dict.fromkeys([*out_used[:1], *back_used[:1]]))

    def _enter(self, pkt: Packet, subnet_id: str, col: _Collector, via: str) -> list[Packet]:
        """Cross from the packet's subnet into another one: NACLs of both, both directions."""
        if subnet_id == pkt.subnet:
            return [pkt]
        out = []
        acl = None
        for leaving in self._exit_filters(pkt, col, via):
            if acl is None:
                acl = self.topology(pkt.view).nacl_for(subnet_id)
            for part in self._split(leaving, self._acl_treatment(pkt.view, acl)):
                entered = self._enter_filter(part, acl, subnet_id, col, via)
                if entered is not None:
                    out.append(entered)
        return _merge(out)

    def _enter_filter(self, leaving: Packet, acl: Mapping[str, Any], subnet_id: str, col: _Collector,
                      via: str) -> Packet | None:
        src = AddrSet.from_cidrs(leaving.family, [leaving.src_ip])
        allowed, used = self._acl_filter(leaving.view, acl, False, leaving.flow, src)
        ok_back = False
        for reply in self._replies(leaving.view, acl, leaving.flow):
            if self._acl_filter(leaving.view, acl, True, reply, src)[0]:
                ok_back = True
                break
        if not allowed or not ok_back:
            col.block(f"{acl.get('NetworkAclId')} of {subnet_id} blocks traffic from {leaving.src_ip} to {via}",
                      leaving)
            return None
        hop = Hop("network-acl", str(acl.get("NetworkAclId")), used[0] if used else "")
        return leaving._replace(subnet=subnet_id, hops=(*leaving.hops, hop))

    # --- targets -----------------------------------------------------------------------------
    def _bpa_blocks(self, pkt: Packet, gateway: str) -> str | None:
        """Rule 11: VPC Block Public Access, its modes and its exclusions."""
        view = pkt.view
        opts = view.optional("ec2", "DescribeVpcBlockPublicAccessOptions")
        if not isinstance(opts, Mapping):
            return None
        mode = (opts.get("VpcBlockPublicAccessOptions") or {}).get("InternetGatewayBlockMode", "off")
        if mode in ("off", None):
            return None
        if mode == "block-ingress" and (gateway.startswith("eigw-") or (pkt.nat or "").startswith("nat-")):
            return None  # connections made through NAT gateways and egress-only gateways still work
        # Exclusions lift the block for the subnet whose address the gateway sees (the NAT
        # gateway's for translated traffic), or its VPC; allow-egress only under
        # block-bidirectional; never for traffic that passed a Gateway Load Balancer endpoint.
        lifting = ("allow-bidirectional", "allow-egress") if mode == "block-bidirectional" else ("allow-bidirectional",)
        through_gwlb = any(h.kind == "gwlb-endpoint" for h in pkt.hops)
        excl = view.optional("ec2", "DescribeVpcBlockPublicAccessExclusions") or {}
        exclusions = excl.get("VpcBlockPublicAccessExclusions", []) or []
        if exclusions and not through_gwlb:
            resources = self._bpa_resources(pkt)
            for ex in exclusions:
                if ex.get("State") not in _BPA_EXCLUSION_ACTIVE:
                    continue
                arn = str(ex.get("ResourceArn", ""))
                if any(arn.endswith(f"/{r}") for r in resources) and ex.get("InternetGatewayExclusionMode") in lifting:
                    return None
        where = pkt.nat_subnet or self._source_subnet(pkt)
        why = " (a Gateway Load Balancer endpoint's traffic is not excluded)" if through_gwlb and exclusions else ""
        return f"VPC Block Public Access ({mode}) blocks {gateway} for {where}{why}"

    def _source_subnet(self, pkt: Packet) -> str:
        if pkt.hops and pkt.hops[0].kind == "eni":
            eni = self.topology(pkt.view).enis.get(pkt.hops[0].id)
            return str((eni or {}).get("SubnetId") or pkt.hops[0].id)
        return pkt.subnet

    def _bpa_resources(self, pkt: Packet) -> set[str]:
        """The subnet (and its VPC) that owns the address the internet gateway translates."""
        subnet = pkt.nat_subnet or self._source_subnet(pkt)
        vpc = str(self.topology(pkt.view).subnets.get(subnet, {}).get("VpcId", ""))
        return {subnet, vpc} - {""}

    def _internet(self, pkt: Packet, gateway: str, hop: Hop, col: _Collector) -> None:
        blocked = self._bpa_blocks(pkt, gateway)
        if blocked:
            col.block(blocked, pkt)
            return
        if pkt.view.optional("ec2", "DescribeVpcBlockPublicAccessOptions") is None:
            col.note("VPC Block Public Access options were not collected: taken as off", pkt)
        final = (hop, Hop("internet", "internet", ""))
        if pkt.inspected:
            col.path("inspected", pkt, final, f"reaches the internet after inspection by {pkt.inspected}")
        else:
            col.path("internet", pkt, final, f"reaches the internet through {gateway} without inspection")

    def _igw(self, pkt: Packet, igw_id: str, col: _Collector) -> None:
        topo = self.topology(pkt.view)
        igw = topo.igws.get(igw_id)
        vpc_id = topo.subnet(pkt.subnet).get("VpcId")
        if igw is None:
            raise MissingData(f"internet gateway {igw_id} is not in ec2 DescribeInternetGateways")
        attached = any(a.get("VpcId") == vpc_id and a.get("State") in ("available", "attached")
                       for a in igw.get("Attachments", []) or [])
        if not attached:
            col.block(f"{igw_id} is not attached to {vpc_id}", pkt)
            return
        routable = _internet_routable(pkt, igw_id, col)
        if routable is None:
            return
        for out in self._exit_filters(routable, col, igw_id):
            self._igw_exit(out, igw_id, vpc_id, col)

    def _igw_exit(self, out: Packet, igw_id: str, vpc_id: Any, col: _Collector) -> None:
        foreign = out.family == 4 and bool(out.mapped_vpc) and out.mapped_vpc != vpc_id
        if foreign and (out.public or out.untranslated_private):
            col.block(f"{igw_id} cannot translate {out.src_ip}: its address belongs to {out.mapped_vpc}, "
                      f"not {vpc_id}", out)
        elif out.public:
            how = f"source NAT by {out.nat}" if out.nat else ("IPv6 address" if out.family == 6 else "public IPv4")
            self._internet(out, igw_id, Hop("internet-gateway", igw_id, how), col)
        elif out.untranslated_private:
            final = (Hop("internet-gateway", igw_id, f"drops {out.src_ip}: no public IPv4 address"),)
            col.path("latent", out, final, f"routed to {igw_id} but the source has no public address")
        else:
            col.block(f"{igw_id} drops traffic from private address {out.src_ip} ({out.nat or 'no NAT'})", out)

    def _eigw(self, pkt: Packet, eigw_id: str, col: _Collector) -> None:
        if pkt.family != 6:
            col.block(f"{eigw_id} carries IPv6 only", pkt)
            return
        topo = self.topology(pkt.view)
        if eigw_id not in topo.eigws:
            raise MissingData(f"egress-only internet gateway {eigw_id} is not in the snapshot")
        routable = _internet_routable(pkt, eigw_id, col)
        if routable is None:
            return
        for out in self._exit_filters(routable, col, eigw_id):
            self._internet(out, eigw_id, Hop("egress-only-internet-gateway", eigw_id, "IPv6 egress"), col)

    def _nat(self, pkt: Packet, nat_id: str, col: _Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        nat = topo.nat_gateways.get(nat_id)
        if nat is None:
            raise MissingData(f"NAT gateway {nat_id} is not in ec2 DescribeNatGateways")
        state = nat.get("State")
        if state is None:  # unknown state must not read as "not available, forwards nothing"
            raise MissingData(f"NAT gateway {nat_id} has no State in ec2 DescribeNatGateways")
        if state != "available":
            col.block(f"{nat_id} is {state}: it forwards nothing", pkt)
            return
        private = nat.get("ConnectivityType", "public") == "private"
        addrs = nat.get("NatGatewayAddresses", []) or []
        nat_ip = next((a["PrivateIp"] for a in addrs if a.get("PrivateIp")), pkt.src_ip)
        public_ip = next((a["PublicIp"] for a in addrs if a.get("PublicIp")), None)
        kind = "private" if private else f"public {public_ip or ''}".strip()
        vpc_id = str(nat.get("VpcId") or topo.subnet(str(nat.get("SubnetId", ""))).get("VpcId", ""))
        if pkt.family == 6:
            self._nat64(pkt, nat_id, str(nat.get("SubnetId", "")), kind, nat_ip, not private, vpc_id, col, depth)
            return
        hop = Hop("nat-gateway", nat_id, f"{kind}, {nat.get('SubnetId')}")
        for entered in self._enter(pkt, nat.get("SubnetId", ""), col, nat_id):
            nxt = entered._replace(src_ip=nat_ip, public=not private, mapped_vpc=vpc_id, nat_subnet=entered.subnet,
                                   untranslated_private=False, nat=nat_id, hops=(*entered.hops, hop))
            self._route(nxt, col, depth + 1)

    def _nat64(self, pkt: Packet, nat_id: str, subnet_id: str, kind: str, nat_ip: str, public: bool, vpc_id: str,
               col: _Collector, depth: int) -> None:
        """Rule 8b: IPv6 to 64:ff9b::/96 leaves the NAT gateway as IPv4 and is judged as rule 8.

        The translated traffic is walked with its own collector whose starts are the IPv4 images
        of the workload's IPv6 starts, so crediting stays exact; what it finds is written back
        under the IPv6 destinations the workload used."""
        outside = pkt.dests.subtract(NAT64_PREFIX)
        if outside:
            col.block(lambda d: f"{nat_id} translates only 64:ff9b::/96 (NAT64): it drops IPv6 to {d.describe()}",
                      pkt._replace(dests=outside))
        inside = pkt.dests.intersect(NAT64_PREFIX)
        if not inside:
            return
        hop = Hop("nat-gateway", nat_id, f"{kind}, {subnet_id}; NAT64: IPv6 64:ff9b::/96 translated to IPv4")
        for entered in self._enter(pkt._replace(dests=inside), subnet_id, col, nat_id):
            sub = _Collector(flows=col.flows, texts=col.texts)
            sub.starts[4] = [_Start(st.flows, v4, st.parts) for st in col.starts.get(6, ())
                             if (v4 := nat64_to_ipv4(st.dests))]
            hops = (*(_written(h, None) for h in entered.hops), hop)
            nxt = entered._replace(family=4, dests=nat64_to_ipv4(entered.dests), src_ip=nat_ip, public=public,
                                   mapped_vpc=vpc_id, untranslated_private=False, nat=nat_id, hops=hops,
                                   nat_subnet=entered.subnet)
            self._route(nxt, sub, depth + 1)
            col.absorb_nat64(sub)

    def _vpce(self, pkt: Packet, vpce_id: str, col: _Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        fw = None
        if pkt.view.has("network-firewall", "ListFirewalls"):
            fw = topo.firewall_endpoints.get(vpce_id)
        if fw is not None:
            self._firewall(pkt, vpce_id, fw[0], fw[1], col, depth)
            return
        endpoint = topo.vpc_endpoints.get(vpce_id)
        if endpoint is None:
            if not pkt.view.has("network-firewall", "ListFirewalls"):
                raise MissingData(f"{vpce_id} is not a VPC endpoint in the snapshot and network-firewall "
                                  "ListFirewalls was not collected")
            raise MissingData(f"{vpce_id} is neither a firewall endpoint nor a VPC endpoint in the snapshot")
        etype = endpoint.get("VpcEndpointType")
        service = endpoint.get("ServiceName", "")
        if etype == "Gateway":
            hop = Hop("gateway-endpoint", vpce_id, service)
            col.path("gateway-endpoint", pkt, (hop,), f"reaches {service} through gateway endpoint {vpce_id}")
            return
        if etype == "GatewayLoadBalancer":
            if not pkt.view.has("network-firewall", "ListFirewalls"):
                # Network Firewall endpoints are Gateway Load Balancer endpoints: without the
                # firewalls, this one may be one; counting it as uninspected would be a false FAIL.
                raise MissingData(f"{vpce_id} is a Gateway Load Balancer endpoint, possibly of a firewall: "
                                  + pkt.view.missing_reason("network-firewall", "ListFirewalls"))
            subnets = endpoint.get("SubnetIds", []) or []
            if not subnets:
                raise MissingData(f"{vpce_id} has no subnet")
            # Rule 32: the appliances behind it are invisible; they inspect only when declared.
            # Either way the packet continues by the route table of the endpoint's subnet.
            sanctioned = service in self.config.appliances or vpce_id in self.config.appliances
            if sanctioned:
                hop = Hop("gwlb-endpoint", vpce_id, f"{service}: sanctioned inspection appliance (safemaker.toml)")
            else:
                col.note(f"{vpce_id} is a Gateway Load Balancer endpoint of {service}: not declared as an inspection "
                         f"point, so it is not counted as inspection (to sanction it, add [inspection] appliances = "
                         f"[\"{service}\"] to safemaker.toml)", pkt)
                hop = Hop("gwlb-endpoint", vpce_id, f"{service} (not a declared inspection appliance)")
            for entered in self._enter(pkt, subnets[0], col, vpce_id):
                nxt = entered._replace(hops=(*entered.hops, hop))
                if sanctioned:
                    nxt = nxt._replace(inspected=f"appliance {service}")
                self._route(nxt, col, depth + 1)
            return
        raise MissingData(f"{vpce_id} is a {etype} endpoint and cannot be a route target")

    def _firewall(self, pkt: Packet, vpce_id: str, fw: Mapping[str, Any], fw_subnet: str, col: _Collector,
                  depth: int) -> None:
        firewall = fw.get("Firewall") or {}
        name = firewall.get("FirewallName", vpce_id)
        policy_arn = firewall.get("FirewallPolicyArn", "")
        policy = pkt.view.detail("network-firewall", "DescribeFirewallPolicy", policy_arn)
        rules = policy.get("FirewallPolicy") or {}
        missing: list[tuple[str, int | None, AddrSet | None]] = []
        for entered in self._enter(pkt, fw_subnet, col, vpce_id):
            for part in self._split(entered, self._stateless_treatment(pkt.view, rules)):
                # Parts can meet missing data at different rules: each part goes as far as it
                # can, as it would alone, and every reason is reported.
                try:
                    self._firewall_part(part, vpce_id, name, rules, col, depth)
                except MissingData as exc:
                    at = exc.dests if isinstance(exc, _MissingAt) else part.dests
                    missing.extend((reason, part.flows, at) for reason, _, _ in _missing(exc))
        if missing:
            raise _PartsMissing(missing)

    def _firewall_part(self, entered: Packet, vpce_id: str, name: str, rules: Mapping[str, Any],
                       col: _Collector, depth: int) -> None:
        for action, dests, why in self._stateless(entered.view, rules, entered):
            sub = entered._replace(dests=dests)
            if action == "aws:drop":
                col.block(f"firewall {name} drops it ({why})", sub)
                continue
            if action == "aws:forward_to_sfe":
                hop = Hop("firewall-endpoint", vpce_id, f"firewall {name}: {why} -> stateful engine")
                nxt = sub._replace(inspected=f"firewall {name}", hops=(*sub.hops, hop))
            else:
                hop = Hop("firewall-endpoint", vpce_id, f"firewall {name}: {why} -> aws:pass, NOT inspected")
                nxt = sub._replace(hops=(*sub.hops, hop))
            self._route(nxt, col, depth + 1)

    def _stateless(self, view: RegionView, policy: Mapping[str, Any],
                   pkt: Packet) -> Iterator[tuple[str, AddrSet, str]]:
        """Stateless engine (rule 16): rules by priority, then the full-packet default action."""
        remaining = pkt.dests
        refs = sorted(policy.get("StatelessRuleGroupReferences", []) or [], key=lambda r: r.get("Priority", 0))
        for ref in refs:
            if not remaining:
                return  # decided before this group: what it holds cannot matter
            arn = ref.get("ResourceArn", "")
            try:
                group = view.detail("network-firewall", "DescribeRuleGroup", arn)
            except MissingData as exc:
                raise _MissingAt(exc.reason, remaining) from None
            source = ((group.get("RuleGroup") or {}).get("RulesSource") or {}).get("StatelessRulesAndCustomActions")
            if not isinstance(source, Mapping):
                # a stateless group always has this member; without it its pass rules are unknown
                raise _MissingAt(f"stateless rule group {arn} has no RuleGroup.RulesSource."
                                 "StatelessRulesAndCustomActions in network-firewall DescribeRuleGroup", remaining)
            rules = source.get("StatelessRules", []) or []
            for rule in sorted(rules, key=lambda r: r.get("Priority", 0)):
                if not remaining:
                    return
                action = _standard_action(rule.get("RuleDefinition", {}).get("Actions", []))
                if action is None:
                    continue
                matched, certain = _stateless_match(rule.get("RuleDefinition", {}).get("MatchAttributes", {}),
                                                    pkt, remaining)
                if not matched:
                    continue
                if not certain and action != "aws:pass":
                    continue  # a rule that may not match cannot be relied on to drop or inspect
                why = f"stateless rule priority {rule.get('Priority')} in {arn.rsplit('/', 1)[-1]}"
                yield action, matched, why
                if certain:
                    remaining = remaining.subtract(matched)
        if remaining:
            defaults = policy.get("StatelessDefaultActions", []) or []
            action = _standard_action(defaults)
            if action is None:
                raise _MissingAt("firewall policy has no standard StatelessDefaultActions", remaining)
            yield action, remaining, f"stateless default action {action}"

    def _tgw(self, pkt: Packet, tgw_id: str, col: _Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        subnet = topo.subnet(pkt.subnet)
        vpc_id, az = str(subnet.get("VpcId", "")), str(subnet.get("AvailabilityZone", ""))
        att = self._vpc_attachment(tgw_id, vpc_id)
        if att is None:
            col.block(f"{vpc_id} has no available attachment to {tgw_id}", pkt)
            return
        _, attachment = att
        att_id = attachment["TransitGatewayAttachmentId"]
        att_subnets = attachment.get("SubnetIds", []) or []
        # An attachment subnet missing from DescribeSubnets has an unknown AZ; reading that as
        # "no attachment subnet in this AZ" would drop the traffic on no evidence.
        unknown = [s for s in att_subnets if s not in topo.subnets]
        if unknown:
            raise MissingData(f"{att_id} subnet {', '.join(unknown)} is not in ec2 DescribeSubnets")
        local = [s for s in att_subnets if topo.subnets[s].get("AvailabilityZone") == az]
        if not local:
            col.block(f"{att_id} has no subnet in {az}: resources there cannot reach {tgw_id}", pkt)
            return
        for entered in self._enter(pkt, local[0], col, tgw_id):
            self._tgw_route(entered, tgw_id, att_id, az, col, depth)

    def _tgw_route(self, entered: Packet, tgw_id: str, att_id: str, az: str, col: _Collector, depth: int) -> None:
        topo = self.topology(entered.view)
        rtb_id = self._tgw_association(att_id)
        if rtb_id is None:
            col.block(f"{att_id} is not associated with a transit gateway route table: dropped", entered)
            return
        routes = self._tgw_routes(rtb_id)
        hop = Hop("transit-gateway", tgw_id, f"{att_id} associated with {rtb_id}")
        entered = entered._replace(hops=(*entered.hops, hop))
        key = ("tgw", rtb_id, entered.inspected, entered.nat)
        if key in entered.seen:
            col.block(f"routing loop through {rtb_id}", entered)
            return
        entered = entered._replace(seen=(*entered.seen, key))
        # prefix lists resolve in the packet's account/region: part of the key
        table = ("tgw", rtb_id, entered.family, entered.view.account, entered.view.region)
        entries = self._route_entries.get(table)
        if entries is None:
            entries = self._tgw_entries(topo, routes, entered.family, table)
            self._route_entries[table] = entries
        for gap in self._route_gaps.get(table, ()):
            col.unknown(f"{rtb_id} {gap}", entered)
        for r, hit, overlap in self._split_by_routes(table, entries, entered.family, entered.dests):
            cidr = r.get("DestinationCidrBlock") or r.get("PrefixListId")
            lazy = _Lazy("tgw-route-table", rtb_id, hit, _route_detail,
                         (f" -> {_tgw_targets(r)} by route {cidr} ({r.get('Type')})", overlap))
            sub = entered._replace(dests=hit, hops=(*entered.hops, lazy))
            if overlap:
                col.note(f"{rtb_id}: {_OVERLAP}", sub, overlap)
            if r.get("State") == "blackhole":
                col.block(f"{rtb_id} route {cidr} is a blackhole", sub)
                continue
            for target in r.get("TransitGatewayAttachments", []) or []:
                self._tgw_deliver(sub, target, az, col, depth)
        remaining = entered.dests.intersect(self._regions[table][1])
        if remaining:
            col.block(lambda d: f"{rtb_id} has no route for {d.describe()}", entered._replace(dests=remaining))

    def _tgw_entries(self, topo: Topology, routes: list[Mapping[str, Any]], family: int,
                     table: tuple[Any, ...]) -> list[_Entry]:
        # Same matching as a VPC route table (rule 23): longest prefix per prefix-list entry, and
        # at equal length static before prefix-list before propagated routes (the order of
        # "Route evaluation" in the Transit Gateway guide) -- not the order the API lists them.
        entries: list[_Entry] = []
        for r in routes:
            if r.get("DestinationCidrBlock"):
                kind = _PROPAGATED if r.get("Type") == "propagated" else _STATIC
                s = AddrSet.from_cidrs(family, [r["DestinationCidrBlock"]])
                if s:
                    entries.append((_plen(r["DestinationCidrBlock"]), kind, s, r))
            elif r.get("PrefixListId"):
                try:
                    entries.extend((length, _PREFIX_LIST, block, r)
                                   for length, block in self._prefix_blocks(topo, r["PrefixListId"], family))
                except MissingData as exc:
                    self._route_gaps.setdefault(table, []).append(f"route {r['PrefixListId']}: {exc.reason}")
        return sorted(entries, key=lambda e: (-e[0], e[1]))

    def _tgw_deliver(self, pkt: Packet, target: Mapping[str, Any], az: str, col: _Collector, depth: int) -> None:
        rtype = target.get("ResourceType")
        att_id = target.get("TransitGatewayAttachmentId", "")
        if rtype in ("vpn", "direct-connect-gateway"):
            col.block(f"leaves to on-premises networks through {att_id} ({rtype})", pkt)
            return
        if rtype != "vpc":
            col.unknown(f"transit gateway attachment {att_id} of type {rtype} is not modelled", pkt)
            return
        found = self._attachment_by_id(att_id)
        if found is None:
            col.unknown(f"transit gateway VPC attachment {att_id} is not in the snapshot", pkt)
            return
        view, attachment = found
        topo = self.topology(view)
        subnets = attachment.get("SubnetIds", []) or []
        # Rule 23: with appliance mode the TGW picks an attachment subnet per flow by a hash, in
        # any AZ; without it, the source's AZ when the attachment has a subnet there.
        appliance = (attachment.get("Options") or {}).get("ApplianceModeSupport") == "enable"
        same_az = [s for s in subnets if topo.subnets.get(s, {}).get("AvailabilityZone") == az]
        how = " (appliance mode: any attachment subnet, chosen per flow)" if appliance else ""
        for sid in subnets if appliance else (same_az[:1] or subnets):
            # No network ACL check here: for traffic *from* the transit gateway, the attachment
            # subnet's inbound rules are not evaluated ("Network ACLs for transit gateways",
            # Transit Gateway guide); its outbound rules are, when the packet leaves the subnet
            # for its next hop (_enter / _exit_filters).
            hop = Hop("tgw-attachment", att_id, f"enters {attachment.get('VpcId')} through {sid}{how}")
            nxt = pkt._replace(view=view, subnet=sid, hops=(*pkt.hops, hop))
            self._route(nxt, col, depth + 1)

    def _eni_target(self, pkt: Packet, route: Mapping[str, Any], col: _Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        eni_id = route.get("NetworkInterfaceId")
        instance_id = route.get("InstanceId")
        eni = topo.enis.get(eni_id) if eni_id else None
        if eni is None and instance_id:
            inst = topo.instances.get(instance_id)
            if inst is None:
                raise MissingData(f"instance {instance_id} is not in ec2 DescribeInstances")
            ifaces = [*(inst.get("NetworkInterfaces", []) or []), *self.enis_of_instance(pkt.view, instance_id)]
            primary = next((i for i in ifaces if (i.get("Attachment") or {}).get("DeviceIndex") == 0), None)
            if primary is None:
                raise MissingData(f"instance {instance_id} has no primary network interface")
            eni = topo.enis.get(primary.get("NetworkInterfaceId", ""), primary)
        if eni is None:
            raise MissingData(f"network interface {eni_id} is not in ec2 DescribeNetworkInterfaces")
        owner = (eni.get("Attachment") or {}).get("InstanceId") or instance_id
        if self._is_proxy(pkt.view, owner, eni):
            name = owner or eni["NetworkInterfaceId"]
            hop = Hop("proxy", name, self.proxies(pkt.view).get(owner or "", "named in safemaker.toml"))
            col.path("inspected", pkt, (hop,), f"terminates at sanctioned proxy {name}")
            return
        sdc = eni.get("SourceDestCheck")
        if sdc is None and owner in topo.instances:
            sdc = topo.instances[owner].get("SourceDestCheck")
        if sdc is None:
            raise MissingData(f"SourceDestCheck of {eni.get('NetworkInterfaceId')} is unknown")
        if sdc:
            col.block(f"{owner or eni.get('NetworkInterfaceId')} has source/destination check on: "
                      "it does not forward", pkt)
            return
        name = owner or str(eni.get("NetworkInterfaceId"))
        # Security groups on the forwarder are not applied: rules 9 and 9b let a forwarding
        # instance carry what is routed to it, and reading its groups as a filter would turn an
        # unproven assumption about them into a PASS.
        for entered in self._enter(pkt, eni.get("SubnetId", ""), col, str(eni.get("NetworkInterfaceId"))):
            # Rule 9b: which ENI the instance sends a forwarded packet from is the operating
            # system's choice: every ENI is a possible exit, by its own subnet's route table,
            # with its own addresses.
            for exit_eni in self.instance_enis(pkt.view, owner, eni):
                self._forward_from(entered, name, eni, exit_eni, col, depth)

    def _is_proxy(self, view: RegionView, owner: str | None, eni: Mapping[str, Any]) -> bool:
        """A sanctioned proxy: by designation of its instance, or by an address in safemaker.toml."""
        if owner and owner in self.proxies(view):
            return True
        return bool(set(eni_addresses(eni)) & set(self.config.proxies))

    def instance_enis(self, view: RegionView, owner: str | None, eni: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Every ENI of the instance that owns `eni` (just `eni` when there is no such instance)."""
        found = self.enis_of_instance(view, owner) if owner else []
        return [e for e in found if e.get("SubnetId")] or [eni]

    def enis_of_instance(self, view: RegionView, instance_id: str) -> list[Mapping[str, Any]]:
        """The instance's ENIs, from DescribeInstances and from the attachments that
        DescribeNetworkInterfaces reports (either may list one the other leaves out), with the
        fuller DescribeNetworkInterfaces record where there is one, by device index."""
        def index() -> dict[str, list[Mapping[str, Any]]]:
            topo = self.topology(view)
            out: dict[str, dict[str, Mapping[str, Any]]] = {}
            enis = topo.enis if view.has("ec2", "DescribeNetworkInterfaces") else {}
            for iid, inst in (topo.instances.items() if view.has("ec2", "DescribeInstances") else ()):
                for iface in inst.get("NetworkInterfaces", []) or []:
                    eid = str(iface.get("NetworkInterfaceId", ""))
                    out.setdefault(iid, {})[eid] = enis.get(eid, iface)
            for eid, eni in enis.items():
                owner = (eni.get("Attachment") or {}).get("InstanceId")
                if isinstance(owner, str):
                    out.setdefault(owner, {})[eid] = eni
            return {iid: sorted(found.values(), key=lambda e: ((e.get("Attachment") or {}).get("DeviceIndex") or 0,
                                                               str(e.get("NetworkInterfaceId"))))
                    for iid, found in out.items()}

        return self.memo(("instance-enis", view.account, view.region), index).get(instance_id, [])

    def _forward_from(self, pkt: Packet, name: str, entry: Mapping[str, Any], exit_eni: Mapping[str, Any],
                      col: _Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        subnet_id = str(exit_eni.get("SubnetId", ""))
        public = eni_public_ips(exit_eni)
        via = "" if exit_eni.get("NetworkInterfaceId") == entry.get("NetworkInterfaceId") else \
            f" leaves by {exit_eni.get('NetworkInterfaceId')}"
        hop = Hop("nat-instance", name, f"forwards (source/destination check off){via}, {subnet_id}"
                  + (f", public {public[0]}" if public and pkt.family == 4 else ""))
        # IPv6 is forwarded, not translated: the source keeps its address
        src = str(exit_eni.get("PrivateIpAddress") or pkt.src_ip) if pkt.family == 4 else pkt.src_ip
        out = pkt._replace(subnet=subnet_id, src_ip=src, public=bool(public) if pkt.family == 4 else True,
                           mapped_vpc=str(topo.subnet(subnet_id).get("VpcId", "")), untranslated_private=False,
                           nat=name, nat_subnet=subnet_id, hops=(*pkt.hops, hop))
        self._route(out, col, depth + 1)

    def sg_admitted(self, view: RegionView, groups: tuple[str, ...], src_ip: str, family: int,
                    col: _Collector | None = None, pkt: Packet | None = None) -> int:
        """Traffic classes that the groups' ingress rules admit from `src_ip`."""
        rules: list[F.SgRule] = []
        for gid in groups:
            found, unknown = self.sg_ingress_rules(view, gid)
            rules.extend(found)
            if col is not None and pkt is not None:
                for text in unknown:
                    col.unknown(text, pkt)
        src = AddrSet.from_cidrs(family, [src_ip])
        mask = 0
        for part, allowed, _ in self._sg_parts(view, ("ingress", *groups), rules, family):
            if allowed.covers(src):
                mask |= part
        return mask

    def sg_members_all(self) -> dict[str, list[str]]:
        """Members of each security group in every account/region: an ingress rule may name a
        group of a peered VPC or of another account."""
        if self._sg_members_all is None:
            merged: dict[str, list[str]] = {}
            for view in self.snapshot.views():
                if view.has("ec2", "DescribeNetworkInterfaces"):
                    for gid, members in self.topology(view).sg_members.items():
                        merged.setdefault(gid, []).extend(members)
            self._sg_members_all = merged
        return self._sg_members_all

    def sg_ingress_rules(self, view: RegionView, group_id: str) -> tuple[list[F.SgRule], list[str]]:
        """Ingress rules of one group as sets of admitted sources (read as egress rules are)."""
        key = ("ingress", view.account, view.region, group_id)
        found = self._sg_rules.get(key)
        if found is None:
            topo = self.topology(view)
            group = topo.security_group(group_id)
            if not isinstance(group.get("IpPermissions"), list):
                raise MissingData(f"security group {group_id} has no IpPermissions in ec2 DescribeSecurityGroups")
            as_egress = {**group, "IpPermissionsEgress": group["IpPermissions"]}
            rules, unknown = F.sg_egress_rules(as_egress, topo.prefix_list, lambda g: self.sg_members_all().get(g, []))
            found = ([replace(r, text=r.text.replace(" allows ", " admits ", 1).replace(" to ", " from ", 1))
                      for r in rules], unknown)
            self._sg_rules[key] = found
        return found

    # --- transit gateway lookups (across every account/region: TGWs are shared) -------------
    def _tgw_index(self, operation: str, member: str) -> dict[Any, list[tuple[RegionView, Mapping[str, Any]]]]:
        """Attachments of every account/region by id and by (TGW, VPC), in snapshot order."""
        index = self._tgw_indexes.get(operation)
        if index is None:
            index = {}
            for view in self.snapshot.views():
                if not view.has("ec2", operation):
                    continue
                for att in view.items("ec2", operation, member):
                    index.setdefault(att.get("TransitGatewayAttachmentId"), []).append((view, att))
                    index.setdefault((att.get("TransitGatewayId"), att.get("VpcId")), []).append((view, att))
            self._tgw_indexes[operation] = index
        return index

    def tgw_spoke_ranges(self, view: RegionView, subnet_id: str) -> AddrSet | None:
        """The IPv4 ranges of the spoke VPCs whose transit gateway route tables send internet
        traffic to the attachment that uses `subnet_id`; None when no attachment uses it."""
        index = self._tgw_index("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments")
        attachments = {str(att.get("TransitGatewayAttachmentId")): (v, att)
                       for key, found in index.items() if isinstance(key, str) for v, att in found}
        mine = [att for v, att in attachments.values()
                if v.where == view.where and subnet_id in (att.get("SubnetIds") or [])
                and att.get("State") in _TGW_ATTACHMENT_FORWARDS]
        if not mine:
            return None
        out = AddrSet.empty(4)
        internet = AddrSet.everything(4).subtract(_NOT_INTERNET[4])
        for hub in mine:
            hub_id = hub.get("TransitGatewayAttachmentId")
            for _spoke_view, spoke in attachments.values():
                if spoke is hub or spoke.get("TransitGatewayId") != hub.get("TransitGatewayId") \
                        or spoke.get("State") not in _TGW_ATTACHMENT_FORWARDS:
                    continue
                rtb_id = self._tgw_association(str(spoke.get("TransitGatewayAttachmentId")))
                if rtb_id is None:
                    continue
                if not any(r.get("State") != "blackhole"
                           and any(t.get("TransitGatewayAttachmentId") == hub_id
                                   for t in r.get("TransitGatewayAttachments", []) or [])
                           and AddrSet.from_cidrs(4, [str(r.get("DestinationCidrBlock") or "")]).overlaps(internet)
                           for r in self._tgw_routes(rtb_id)):
                    continue
                vpc_id = str(spoke.get("VpcId", ""))
                where = self.view_of_vpc(vpc_id)
                if where is None:
                    raise MissingData(f"spoke VPC {vpc_id} (attachment {spoke.get('TransitGatewayAttachmentId')}) "
                                      "is not in the snapshot: the ranges the firewall protects are unknown")
                out = out.union(AddrSet.from_cidrs(4, self.topology(where).vpc_cidrs(vpc_id)))
        return out

    def _vpc_attachment(self, tgw_id: str, vpc_id: str) -> tuple[RegionView, Mapping[str, Any]] | None:
        index = self._tgw_index("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments")
        for view, att in index.get((tgw_id, vpc_id), []):
            if att.get("State") in _TGW_ATTACHMENT_FORWARDS:
                return view, att
        own = self.snapshot.views()
        if not any(v.has("ec2", "DescribeTransitGatewayVpcAttachments") for v in own):
            raise MissingData("ec2 DescribeTransitGatewayVpcAttachments was not collected")
        return None

    def _attachment_by_id(self, att_id: str) -> tuple[RegionView, Mapping[str, Any]] | None:
        index = self._tgw_index("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments")
        found = index.get(att_id)
        return found[0] if found else None

    def _tgw_association(self, att_id: str) -> str | None:
        """The attachment's TGW route table; None only when the data shows it has none.

        An attachment without an `Association` member is "not associated" only in the TGW
        owner's account: a spoke account sharing someone else's TGW may not see it, and an
        attachment that is in no DescribeTransitGatewayAttachments at all is simply unknown.
        Either would otherwise read as "dropped", a PASS from missing data.
        """
        collected = any(v.has("ec2", "DescribeTransitGatewayAttachments") for v in self.snapshot.views())
        unassociated = False
        owner = None
        if collected:
            for view, att in self._tgw_index("DescribeTransitGatewayAttachments",
                                             "TransitGatewayAttachments").get(att_id, []):
                assoc = att.get("Association")
                owner = att.get("TransitGatewayOwnerId")
                if isinstance(assoc, Mapping):
                    # associating/disassociating may carry traffic: count them as associated
                    if assoc.get("State") in ("associated", "associating", "disassociating") \
                            and assoc.get("TransitGatewayRouteTableId"):
                        return str(assoc["TransitGatewayRouteTableId"])
                    unassociated = True
                elif owner == view.account:
                    unassociated = True
        if not collected:
            raise MissingData("ec2 DescribeTransitGatewayAttachments was not collected")
        if unassociated:
            return None
        if owner:
            raise MissingData(f"the route table association of {att_id} is visible only to the transit gateway "
                              f"owner {owner}, whose DescribeTransitGatewayAttachments is not in the snapshot")
        raise MissingData(f"transit gateway attachment {att_id} is not in ec2 DescribeTransitGatewayAttachments")

    def _tgw_routes(self, rtb_id: str) -> list[Mapping[str, Any]]:
        for view in self.snapshot.views():
            if view.has("ec2", "SearchTransitGatewayRoutes"):
                found = view.response("ec2", "SearchTransitGatewayRoutes")
                if isinstance(found, Mapping) and rtb_id in found:
                    return list(found[rtb_id].get("Routes", []) or [])
        for view in self.snapshot.views():  # name the failed call, when the collector recorded one
            if any((f.account, f.region, f.operation) == (view.account, view.region, "SearchTransitGatewayRoutes")
                   and f.resource in (None, rtb_id) for f in self.snapshot.failures):
                raise MissingData(view.missing_reason("ec2", "SearchTransitGatewayRoutes", rtb_id))
        raise MissingData(f"ec2 SearchTransitGatewayRoutes for {rtb_id} was not collected")

    # --- interface endpoints (VPCE-001) -----------------------------------------------------
    def _interface_services(self, source: Source, deliveries: Sequence[Delivery],
                            problems: list[str], unknowns: list[str]) -> set[str]:
        """Services of the interface endpoints in the workload's VPC that it can use (rule 28):
        available, private DNS on, and one of its ENIs reachable on tcp/443 -- the workload's
        groups let it out, the NACLs pass it both ways, the endpoint's groups admit it."""
        topo = self.topology(source.view)
        vpc_id = topo.subnet(source.subnet_id).get("VpcId")
        try:
            endpoints = [ep for ep in topo.vpc_endpoints.values()
                         if ep.get("VpcEndpointType") == "Interface" and ep.get("VpcId") == vpc_id
                         and str(ep.get("State", "")).lower() == "available"]
        except MissingData:
            return set()
        https = self._rule_mask(F.TCP, 443, 443)
        usable: set[str] = set()
        for ep in sorted(endpoints, key=lambda e: str(e.get("VpcEndpointId"))):
            service = str(ep.get("ServiceName", ""))
            if service in usable:
                continue
            name = f"{ep.get('VpcEndpointId')} ({service})"
            if ep.get("PrivateDnsEnabled") is not True:
                problems.append(f"{name} has private DNS off: the service's own names do not reach it")
                continue
            try:
                if self._endpoint_reachable(source, ep, deliveries, https):
                    usable.add(service)
                else:
                    problems.append(f"{name}: no endpoint ENI is reachable from {source.private_ip} on tcp/443 "
                                    "(security groups or network ACLs)")
            except MissingData as exc:
                unknowns.append(f"{name}: {exc.reason}")
        return usable

    def _endpoint_reachable(self, source: Source, ep: Mapping[str, Any], deliveries: Sequence[Delivery],
                            https: int) -> bool:
        groups = ep.get("Groups")
        if not isinstance(groups, list) or not groups:
            raise MissingData("its security groups are not in ec2 DescribeVpcEndpoints")
        group_ids = tuple(str(g.get("GroupId")) for g in groups if isinstance(g, Mapping) and g.get("GroupId"))
        if not self.sg_admitted(source.view, group_ids, source.private_ip, 4) & https:
            return False
        topo = self.topology(source.view)
        places: list[tuple[str, AddrSet]] = []  # (subnet, the endpoint's address there)
        for eni_id in ep.get("NetworkInterfaceIds", []) or []:
            eni = topo.enis.get(eni_id)
            if eni and eni.get("PrivateIpAddress") and eni.get("SubnetId"):
                places.append((str(eni["SubnetId"]), AddrSet.from_cidrs(4, [str(eni["PrivateIpAddress"])])))
        if not places:  # ENIs not listed: any address of the endpoint's subnets
            for sid in ep.get("SubnetIds", []) or []:
                places.append((str(sid), AddrSet.from_cidrs(4, [str(topo.subnet(str(sid)).get("CidrBlock", ""))])))
        for delivery in deliveries:
            if delivery.family != 4 or delivery.from_view.where != source.view.where or not delivery.flows & https:
                continue
            for subnet_id, where in places:
                target = delivery.dests.intersect(where)
                if target and self.cross_into(delivery, source.view, subnet_id, target) & https:
                    return True
        return False


# Destinations an internet gateway can reach: everything but the special-purpose ranges that are
# not globally routable (RFC 6890: private, shared CGNAT, loopback, link-local, "this network",
# multicast and reserved; for IPv6 everything outside global unicast 2000::/3). Without this, an
# estate whose security groups allow only 10.0.0.0/8 while a NAT route exists would FAIL for
# "10.1.0.0/16 reaches the internet", which no packet can.
_NOT_INTERNET = {
    4: AddrSet.from_cidrs(4, ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                              "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3"]),
    6: AddrSet.everything(6).subtract(AddrSet.from_cidr("2000::/3")),
}


def _internet_routable(pkt: Packet, gateway: str, col: _Collector) -> Packet | None:
    """The part of the packet's destinations the internet can deliver; the rest is blocked here."""
    unroutable = pkt.dests.intersect(_NOT_INTERNET[pkt.family])
    if unroutable:
        col.block(lambda d: f"{gateway} cannot deliver {d.describe()}: not routable on the internet",
                  pkt._replace(dests=unroutable))
    rest = pkt.dests.subtract(unroutable)
    return pkt._replace(dests=rest) if rest else None


_Region = tuple[Mapping[str, Any], AddrSet, AddrSet]  # route, addresses it decides, overlap


def _route_regions(entries: list[_Entry], family: int) -> tuple[list[_Region], AddrSet]:
    """`_route_regions_general` for routes that are single CIDR blocks (all of them: a prefix
    list contributes one entry per CIDR), with interval arithmetic instead of set operations.

    Blocks of equal length are identical or disjoint, and a longer prefix lies inside a shorter
    block or outside it: what a route takes is its block minus the longer blocks already taken
    inside it, and at equal length the first kind (static, prefix list, propagated) to take a
    block takes it whole."""
    if any(len(e[2].spans) != 1 for e in entries):
        return _route_regions_general(entries, family)
    entries = sorted(entries, key=lambda e: (-e[0], e[1]))
    starts: list[int] = []  # blocks taken by longer prefixes: sorted, disjoint
    ends: list[int] = []
    out: list[_Region] = []
    empty = AddrSet.empty(family)
    i = 0
    while i < len(entries):
        length = entries[i][0]
        j = i
        while j < len(entries) and entries[j][0] == length:
            j += 1
        owner: dict[tuple[int, int], int] = {}  # block -> kind that took it at this length
        listed: set[tuple[int, int]] = set()  # blocks already taken by a prefix-list route
        taken: list[tuple[int, int]] = []
        for _, kind, block, route in entries[i:j]:
            lo, hi = span = block.spans[0]
            if owner.get(span, kind) != kind:
                continue  # a route of a higher-priority kind took this block
            k = bisect.bisect_left(starts, lo)
            hit, cur = [], lo
            while k < len(starts) and starts[k] <= hi:
                if starts[k] > cur:
                    hit.append((cur, starts[k] - 1))
                cur = ends[k] + 1
                k += 1
            if cur <= hi:
                hit.append((cur, hi))
            if not hit:
                continue
            region = AddrSet(family, tuple(hit))
            overlap = region if kind == _PREFIX_LIST and span in listed else empty
            if kind == _PREFIX_LIST:
                listed.add(span)
            if span not in owner:
                owner[span] = kind
                taken.append(span)
            out.append((route, region, overlap))
        for lo, hi in taken:
            a = bisect.bisect_left(starts, lo)
            b = bisect.bisect_right(starts, hi)
            starts[a:b], ends[a:b] = [lo], [hi]
        i = j
    rest, cur = [], 0
    for lo, hi in zip(starts, ends, strict=True):
        if lo > cur:
            rest.append((cur, lo - 1))
        cur = hi + 1
    if cur <= (AddrSet.everything(family).spans[0][1]):
        rest.append((cur, AddrSet.everything(family).spans[0][1]))
    return out, AddrSet(family, tuple(rest))


def _route_regions_general(entries: list[_Entry], family: int) -> tuple[list[_Region], AddrSet]:
    """Which addresses each route decides, over the whole address space: longest prefix first,
    and at equal length static, then prefix-list, then propagated routes. Prefix-list routes of
    equal length that overlap all keep the overlap (AWS picks one, we cannot tell which); the
    third member is that overlap with earlier routes, to note when a packet falls in it.

    Every step intersects or subtracts fixed sets, so matching a set of destinations is
    intersecting it with each region: computed once per table, not once per packet. The second
    member is what no route matches."""
    entries = sorted(entries, key=lambda e: (-e[0], e[1]))
    remaining = AddrSet.everything(family)
    out: list[_Region] = []
    i = 0
    while i < len(entries) and remaining:
        length = entries[i][0]
        level = [e for e in entries[i:] if e[0] == length]
        i += len(level)
        taken = AddrSet.empty(family)  # by routes of a higher-priority kind at this length
        for kind in (_STATIC, _PREFIX_LIST, _PROPAGATED):
            kind_taken = AddrSet.empty(family)
            for _, k, s, route in level:
                if k != kind:
                    continue
                hit = remaining.intersect(s).subtract(taken)
                if hit:
                    overlap = kind_taken.intersect(hit) if kind == _PREFIX_LIST else AddrSet.empty(family)
                    out.append((route, hit, overlap))
                    kind_taken = kind_taken.union(hit)
            taken = taken.union(kind_taken)
        remaining = remaining.subtract(taken)
    return out, remaining


def _match_regions(regions: Sequence[_Region],
                   dests: AddrSet) -> list[tuple[Mapping[str, Any], AddrSet, AddrSet]]:
    """(route, destinations it takes, the part of those other routes may take too)."""
    out = []
    for route, region, overlap in regions:
        hit = dests.intersect(region)
        if hit:
            out.append((route, hit, overlap.intersect(hit) if overlap else overlap))
    return out


_OVERLAP = "prefix lists of equal length overlap: both routes treated as possible"


def _route_detail(dests: AddrSet, rest: str, overlap: AddrSet) -> str:
    text = f"{dests.describe()}{rest}"
    return f"{text}; {_OVERLAP}" if overlap and overlap.intersect(dests) else text


def _plen(cidr: str) -> int:
    return int(cidr.split("/", 1)[1]) if "/" in cidr else (32 if ":" not in cidr else 128)


def _standard_action(actions: Sequence[Any]) -> str | None:
    for a in actions or []:
        if a in ("aws:pass", "aws:drop", "aws:forward_to_sfe"):
            return str(a)
    return None


def _stateless_match(attrs: Mapping[str, Any], pkt: Packet, dests: AddrSet) -> tuple[AddrSet, bool]:
    """Destinations a stateless rule matches for this packet, and whether the match is certain."""
    certain = True
    protos = attrs.get("Protocols") or []
    if protos and not any(F.proto_matches(int(p), pkt.flow) for p in protos):
        return AddrSet.empty(pkt.family), True
    srcs = [a.get("AddressDefinition") for a in attrs.get("Sources", []) or [] if a.get("AddressDefinition")]
    if srcs and not AddrSet.from_cidrs(pkt.family, srcs).contains(pkt.src_ip):
        return AddrSet.empty(pkt.family), True
    dsts = [a.get("AddressDefinition") for a in attrs.get("Destinations", []) or [] if a.get("AddressDefinition")]
    matched = dests.intersect(AddrSet.from_cidrs(pkt.family, dsts)) if dsts else dests
    dports = attrs.get("DestinationPorts") or []
    if dports and pkt.flow.proto in (F.TCP, F.UDP) \
            and not any(F.ports_cover(p.get("FromPort"), p.get("ToPort"), pkt.flow) for p in dports):
        return AddrSet.empty(pkt.family), True
    sports = attrs.get("SourcePorts") or []
    if sports and pkt.flow.proto in (F.TCP, F.UDP) \
            and not any(p.get("FromPort", 0) <= F.EPHEMERAL[0] and p.get("ToPort", 65535) >= F.EPHEMERAL[1]
                        for p in sports):
        certain = False
    if attrs.get("TCPFlags"):
        certain = False
    return matched, certain


def _stateless_match_attributes(groups: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(groups, Mapping):
        return
    for group in groups.values():
        rules = (((group.get("RuleGroup") or {}).get("RulesSource") or {})
                 .get("StatelessRulesAndCustomActions") or {}).get("StatelessRules", []) or []
        for rule in rules:
            yield rule.get("RuleDefinition", {}).get("MatchAttributes", {})


def _rule_group_ports(groups: Any) -> Iterator[tuple[int, int]]:
    for attrs in _stateless_match_attributes(groups):
        for p in attrs.get("DestinationPorts", []) or []:
            if isinstance(p.get("FromPort"), int) and isinstance(p.get("ToPort"), int):
                yield (p["FromPort"], p["ToPort"])


def _rule_group_protocols(groups: Any) -> Iterator[int]:
    for attrs in _stateless_match_attributes(groups):
        yield from (p for p in attrs.get("Protocols", []) or [] if isinstance(p, int))


def _tgw_targets(route: Mapping[str, Any]) -> str:
    atts = route.get("TransitGatewayAttachments", []) or []
    return ", ".join(f"{a.get('TransitGatewayAttachmentId')} ({a.get('ResourceType')})" for a in atts) or "nothing"
