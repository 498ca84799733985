"""What the prover carries while it walks: sources, packets (a set of traffic classes to a set of
destinations), the starts the security groups allow, hops whose wording depends on the start, and
the collector that credits every outcome back to exactly the traffic that met it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph import flows as F
from safemaker.scanner.graph.addrs import AddrSet, ipv4_to_nat64
from safemaker.scanner.graph.stateless import MissingAt
from safemaker.scanner.model import Hop, HopKind, Path
from safemaker.scanner.snapshot.io import RegionView


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
    hops: tuple[Hop | LazyHop, ...]
    seen: tuple[tuple[str | None, ...], ...]  # route tables passed, with the state they were passed in
    # The VPC whose internet gateway can map the source's public IPv4 address (rule 7): an IGW
    # only translates addresses of its own VPC, so a public address does not travel across a
    # transit gateway to another VPC's IGW.
    mapped_vpc: str = ""
    # The subnet of the address the internet gateway sees after translation (a NAT gateway's,
    # or a forwarding instance's exit ENI's): Block Public Access exclusions are judged there.
    nat_subnet: str = ""


class Start(NamedTuple):
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
    way: tuple[Hop | LazyHop, ...]  # the way there, after the source, as the walk carried it
    start_dests: AddrSet | None  # the start's destinations, to write `way` as that start sees it

    def hops(self) -> tuple[Hop, ...]:
        """The way there, written (only when a finding shows it: writing costs)."""
        return tuple(written(h, self.start_dests) for h in self.way)


class LazyHop(NamedTuple):
    """A hop whose wording names the destinations it carries: written per start, from the
    part of `dests` that start carries (`render(that part, *args)`)."""

    kind: HopKind
    id: str
    dests: AddrSet
    render: Callable[..., str]
    args: tuple[Any, ...]
    route: str = ""  # the route entry used (route tables), a structured fact of the written hop
    target: str = ""


def written(hop: Hop | LazyHop, dests: AddrSet | None) -> Hop:
    """The hop as one start sees it (`dests`: that start's destinations; None: all of them)."""
    if isinstance(hop, LazyHop):
        part = hop.dests if dests is None else hop.dests.intersect(dests)
        carried = part.describe() if hop.route else ""
        return Hop(hop.kind, hop.id, hop.render(part, *hop.args), route=hop.route, target=hop.target,
                   destinations=carried)
    return hop


@dataclass
class Collector:
    """Accumulates outcomes across traffic classes, merging identical paths.

    Flow sets are bit masks over `flows` (the estate's traffic classes): a packet stands for
    every class in its mask, and each path or block records the union of the masks that met it.
    """

    flows: Sequence[F.Flow]
    texts: dict[int, str]  # flows_text per mask, shared by every proof of the snapshot
    starts: dict[int, list[Start]] = field(default_factory=dict)  # per address family
    paths: dict[tuple[str, str], tuple[tuple[Hop, ...], dict[int, AddrSet], int, str]] = field(
        default_factory=dict)
    blocked: dict[str, int] = field(default_factory=dict)
    unknowns: set[str] = field(default_factory=set)
    notes: set[str] = field(default_factory=set)
    deliveries: list[Delivery] = field(default_factory=list)

    def deliver(self, pkt: Packet, view: RegionView | None, vpc_id: str, extra: tuple[Hop, ...] = ()) -> None:
        way = (*pkt.hops[1:], *extra)
        for start, flows, dests in self._reached(pkt):
            self.deliveries.append(Delivery(view, vpc_id, pkt.view, pkt.subnet, pkt.family, flows, dests,
                                            pkt.src_ip, way, start.dests))

    def _reached(self, pkt: Packet, dests: AddrSet | None = None) -> Iterator[tuple[Start, int, AddrSet]]:
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
            hops = (Hop(origin.kind, origin.id, first), *(written(h, part) for h in pkt.hops[1:]), *final)
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

    def absorb_nat64(self, sub: Collector) -> None:
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
        labels = [f.label() for f in sorted(self.flows[i] for i in bits(flows))]
        if len(labels) > 4:
            return ", ".join(labels[:4]) + f" and {len(labels) - 4} more classes"
        return ", ".join(labels)


def union_masks(masks: Iterable[int]) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


def refine(parts: Iterable[int], masks: Iterable[int]) -> tuple[int, ...]:
    """Split the parts so that each mask holds each part whole or not at all."""
    out = [p for p in parts if p]
    for mask in sorted(set(masks)):
        out = [q for p in out for q in (p & mask, p & ~mask) if q]
    return tuple(out)


class PartsMissing(MissingData):
    """Missing data met by several parts of one packet: (reason, their classes, destinations)."""

    def __init__(self, items: list[tuple[str, int | None, AddrSet | None]]) -> None:
        self.items = items
        super().__init__(items[0][0])


def missing_items(exc: MissingData) -> list[tuple[str, int | None, AddrSet | None]]:
    if isinstance(exc, PartsMissing):
        return exc.items
    return [(exc.reason, None, exc.dests if isinstance(exc, MissingAt) else None)]


def merge_packets(packets: list[Packet]) -> list[Packet]:
    """Packets that differ only in their traffic classes travel on as one."""
    if len(packets) < 2:
        return packets
    merged: dict[Packet, Packet] = {}
    for pkt in packets:
        key = pkt._replace(flows=0, flow=ANY_FLOW)
        known = merged.get(key)
        merged[key] = pkt if known is None else known._replace(flows=known.flows | pkt.flows)
    return list(merged.values())


ANY_FLOW = F.Flow(F.OTHER)


def bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


