"""Route tables as longest prefix match reads them (rules 1-6): each VPC or transit gateway route
table is turned once into regions (the addresses each route decides), and packets' destination
sets are split by those regions. Unreadable prefix lists leave their route out as a gap that the
walk reports as unknown, so a path proven through the readable routes still stands.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.graph.topology import Topology, route_target

MATCHES_KEPT = 50_000  # route matches remembered (bounded: memory stays flat on big estates)
# A route as longest prefix match reads it: (prefix length, priority kind, set, route).
Entry = tuple[int, int, AddrSet, Mapping[str, Any]]
STATIC, PREFIX_LIST, PROPAGATED = 0, 1, 2  # route priority at equal prefix length (rule 2)


class RouteTables:
    """Longest prefix match over VPC and transit gateway route tables, with its caches.

    Caches are keyed by the identity of the snapshot's route objects, which the snapshot keeps
    alive for as long as the Network that owns this object."""

    def __init__(self) -> None:
        self.route_entries: dict[tuple[Any, ...], list[Entry]] = {}
        # per table: why some routes could not be read (their prefix lists), kept out of the entries
        self.route_gaps: dict[tuple[Any, ...], list[str]] = {}
        # per table: (the addresses each route decides, the addresses no route matches)
        self.regions: dict[tuple[Any, ...], tuple[list[Region], AddrSet]] = {}
        self.matches: dict[tuple[Any, ...], list[tuple[Mapping[str, Any], AddrSet, AddrSet]]] = {}
        self.prefix_cache: dict[tuple[str, str, str, int], list[tuple[int, AddrSet]]] = {}

    def lpm(self, topo: Topology, rtb: Mapping[str, Any], family: int,
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
        entries = self.route_entries.get(key)
        if entries is None:
            entries = self.rtb_entries(topo, rtb, family)
            self.route_entries[key] = entries
        return self.split_by_routes(key, entries, family, dests)

    def split_by_routes(self, key: tuple[Any, ...], entries: list[Entry], family: int,
                         dests: AddrSet) -> list[tuple[Mapping[str, Any], AddrSet, AddrSet]]:
        """Longest prefix match by regions (`route_regions`), computed once per table."""
        found = self.regions.get(key)
        if found is None:
            found = self.regions[key] = route_regions(entries, family)
        # Packets into a shared table (a spoke's attachment subnet, a hub) ask the same question
        # for every notebook behind them: remember recent answers.
        asked = (key, dests.spans)
        answer = self.matches.get(asked)
        if answer is None:
            if len(self.matches) >= MATCHES_KEPT:
                self.matches.clear()
            answer = self.matches[asked] = match_regions(found[0], dests)
        return answer

    def rtb_entries(self, topo: Topology, rtb: Mapping[str, Any], family: int) -> list[Entry]:
        entries: list[Entry] = []
        gaps: list[str] = []
        for route in rtb["Routes"]:
            cidr = route.get("DestinationCidrBlock") if family == 4 else route.get("DestinationIpv6CidrBlock")
            if cidr:
                kind = PROPAGATED if route.get("Origin") == "EnableVgwRoutePropagation" else STATIC
                entries.append((plen(cidr), kind, AddrSet.from_cidr(cidr), route))
            elif route.get("DestinationPrefixListId"):
                plid = route["DestinationPrefixListId"]
                try:
                    entries.extend((length, PREFIX_LIST, block, route)
                                   for length, block in self.prefix_blocks(topo, plid, family))
                except MissingData as exc:
                    gaps.append(f"route {plid} -> {route_target(route) or '?'}: {exc.reason}")
        if gaps:
            self.route_gaps[("rtb", id(rtb), family)] = gaps
        return sorted(entries, key=lambda e: (-e[0], e[1]))

    def prefix_blocks(self, topo: Topology, plid: str, family: int) -> list[tuple[int, AddrSet]]:
        """(prefix length, block) of each CIDR of a prefix list in this family, read once per
        region: every route table of a VPC with an S3 endpoint names the same list."""
        key = (topo.view.account, topo.view.region, plid, family)
        found = self.prefix_cache.get(key)
        if found is None:
            cidrs, problem = topo.prefix_list(plid)
            if problem:
                raise MissingData(problem)
            found = [(plen(c), s) for c in cidrs if (s := AddrSet.from_cidrs(family, [c]))]
            self.prefix_cache[key] = found
        return found

    def tgw_entries(self, topo: Topology, routes: list[Mapping[str, Any]], family: int,
                     table: tuple[Any, ...]) -> list[Entry]:
        # Same matching as a VPC route table (rule 23): longest prefix per prefix-list entry, and
        # at equal length static before prefix-list before propagated routes (the order of
        # "Route evaluation" in the Transit Gateway guide) -- not the order the API lists them.
        entries: list[Entry] = []
        for r in routes:
            if r.get("DestinationCidrBlock"):
                kind = PROPAGATED if r.get("Type") == "propagated" else STATIC
                s = AddrSet.from_cidrs(family, [r["DestinationCidrBlock"]])
                if s:
                    entries.append((plen(r["DestinationCidrBlock"]), kind, s, r))
            elif r.get("PrefixListId"):
                try:
                    entries.extend((length, PREFIX_LIST, block, r)
                                   for length, block in self.prefix_blocks(topo, r["PrefixListId"], family))
                except MissingData as exc:
                    self.route_gaps.setdefault(table, []).append(f"route {r['PrefixListId']}: {exc.reason}")
        return sorted(entries, key=lambda e: (-e[0], e[1]))


Region = tuple[Mapping[str, Any], AddrSet, AddrSet]  # route, addresses it decides, overlap


def route_regions(entries: list[Entry], family: int) -> tuple[list[Region], AddrSet]:
    """`route_regions_general` for routes that are single CIDR blocks (all of them: a prefix
    list contributes one entry per CIDR), with interval arithmetic instead of set operations.

    Blocks of equal length are identical or disjoint, and a longer prefix lies inside a shorter
    block or outside it: what a route takes is its block minus the longer blocks already taken
    inside it, and at equal length the first kind (static, prefix list, propagated) to take a
    block takes it whole."""
    if any(len(e[2].spans) != 1 for e in entries):
        return route_regions_general(entries, family)
    entries = sorted(entries, key=lambda e: (-e[0], e[1]))
    starts: list[int] = []  # blocks taken by longer prefixes: sorted, disjoint
    ends: list[int] = []
    out: list[Region] = []
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
            overlap = region if kind == PREFIX_LIST and span in listed else empty
            if kind == PREFIX_LIST:
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


def route_regions_general(entries: list[Entry], family: int) -> tuple[list[Region], AddrSet]:
    """Which addresses each route decides, over the whole address space: longest prefix first,
    and at equal length static, then prefix-list, then propagated routes. Prefix-list routes of
    equal length that overlap all keep the overlap (AWS picks one, we cannot tell which); the
    third member is that overlap with earlier routes, to note when a packet falls in it.

    Every step intersects or subtracts fixed sets, so matching a set of destinations is
    intersecting it with each region: computed once per table, not once per packet. The second
    member is what no route matches."""
    entries = sorted(entries, key=lambda e: (-e[0], e[1]))
    remaining = AddrSet.everything(family)
    out: list[Region] = []
    i = 0
    while i < len(entries) and remaining:
        length = entries[i][0]
        level = [e for e in entries[i:] if e[0] == length]
        i += len(level)
        taken = AddrSet.empty(family)  # by routes of a higher-priority kind at this length
        for kind in (STATIC, PREFIX_LIST, PROPAGATED):
            kind_taken = AddrSet.empty(family)
            for _, k, s, route in level:
                if k != kind:
                    continue
                hit = remaining.intersect(s).subtract(taken)
                if hit:
                    overlap = kind_taken.intersect(hit) if kind == PREFIX_LIST else AddrSet.empty(family)
                    out.append((route, hit, overlap))
                    kind_taken = kind_taken.union(hit)
            taken = taken.union(kind_taken)
        remaining = remaining.subtract(taken)
    return out, remaining


def match_regions(regions: Sequence[Region],
                   dests: AddrSet) -> list[tuple[Mapping[str, Any], AddrSet, AddrSet]]:
    """(route, destinations it takes, the part of those other routes may take too)."""
    out = []
    for route, region, overlap in regions:
        hit = dests.intersect(region)
        if hit:
            out.append((route, hit, overlap.intersect(hit) if overlap else overlap))
    return out


OVERLAP = "prefix lists of equal length overlap: both routes treated as possible"


def route_detail(dests: AddrSet, rest: str, overlap: AddrSet) -> str:
    text = f"{dests.describe()}{rest}"
    return f"{text}; {OVERLAP}" if overlap and overlap.intersect(dests) else text


def plen(cidr: str) -> int:
    return int(cidr.split("/", 1)[1]) if "/" in cidr else (32 if ":" not in cidr else 128)




def tgw_targets(route: Mapping[str, Any]) -> str:
    atts = route.get("TransitGatewayAttachments", []) or []
    return ", ".join(f"{a.get('TransitGatewayAttachmentId')} ({a.get('ResourceType')})" for a in atts) or "nothing"
