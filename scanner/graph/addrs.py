"""Exact sets of IPv4/IPv6 addresses as sorted disjoint integer intervals.

The prover carries *every* destination at once: a route table splits the set by longest
prefix match, filters intersect it, and nothing is sampled. Intervals keep that exact and
cheap (a few dozen intervals per set in real estates).
"""

from __future__ import annotations

import bisect
import functools
import ipaddress
import itertools
from collections.abc import Iterable, Iterator
from operator import itemgetter

Interval = tuple[int, int]  # inclusive bounds

_MAX = {4: (1 << 32) - 1, 6: (1 << 128) - 1}


class AddrSet:
    """An immutable set of addresses of one family. A plain class with slots rather than a
    frozen dataclass: the prover creates millions of them, and construction is the cost."""

    __slots__ = ("family", "spans")
    family: int
    spans: tuple[Interval, ...]

    def __init__(self, family: int, spans: tuple[Interval, ...] = ()) -> None:
        self.family = family
        self.spans = spans

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AddrSet):
            return NotImplemented
        return self.family == other.family and self.spans == other.spans

    def __hash__(self) -> int:
        return hash((self.family, self.spans))

    def __repr__(self) -> str:
        return f"AddrSet(family={self.family!r}, spans={self.spans!r})"

    @classmethod
    def everything(cls, family: int) -> AddrSet:
        return cls(family, ((0, _MAX[family]),))

    @classmethod
    def empty(cls, family: int) -> AddrSet:
        return _EMPTY[family] if cls is AddrSet else cls(family, ())

    @classmethod
    def from_cidrs(cls, family: int, cidrs: Iterable[str]) -> AddrSet:
        spans = []
        for cidr in cidrs:
            version, lo, hi = _parse(cidr)
            if version == family:
                spans.append((lo, hi))
        return cls(family, _normalise(spans))

    @classmethod
    def from_cidrs_by_family(cls, cidrs: Iterable[str]) -> tuple[AddrSet, AddrSet]:
        """(`from_cidrs(4, cidrs)`, `from_cidrs(6, cidrs)`), reading each CIDR once."""
        spans: dict[int, list[Interval]] = {4: [], 6: []}
        for cidr in cidrs:
            version, lo, hi = _parse(cidr)
            spans[version].append((lo, hi))
        return cls(4, _normalise(spans[4])), cls(6, _normalise(spans[6]))

    @classmethod
    def union_all(cls, family: int, sets: Iterable[AddrSet]) -> AddrSet:
        return cls(family, _normalise([span for s in sets for span in s.spans]))

    @classmethod
    def from_cidr(cls, cidr: str) -> AddrSet:
        version, lo, hi = _parse(cidr)
        return cls(version, ((lo, hi),))

    def __bool__(self) -> bool:
        return bool(self.spans)

    def union(self, other: AddrSet) -> AddrSet:
        a, b = self.spans, other.spans
        if not b:
            return self
        if not a:
            return other if other.family == self.family else AddrSet(self.family, b)
        if a[-1][1] + 1 < b[0][0]:
            return AddrSet(self.family, a + b)
        return AddrSet(self.family, _normalise([*a, *b]))

    def intersect(self, other: AddrSet) -> AddrSet:
        a, b = self.spans, other.spans
        if not a or not b or a[-1][1] < b[0][0] or b[-1][1] < a[0][0]:
            return _EMPTY[self.family]
        if len(b) == 1:
            lo, hi = b[0]
            if lo <= a[0][0] and a[-1][1] <= hi:
                return self  # inside the other's one interval
            if len(a) > 8:  # only the spans that can meet [lo, hi]
                a = a[bisect.bisect_left(a, lo, key=_last):bisect.bisect_right(a, hi, key=_first)]
            return AddrSet(self.family, tuple((max(x, lo), min(y, hi)) for x, y in a if x <= hi and y >= lo))
        if len(a) == 1:
            lo, hi = a[0]
            if lo <= b[0][0] and b[-1][1] <= hi:
                return other if other.family == self.family else AddrSet(self.family, b)
            return AddrSet(self.family, tuple((max(x, lo), min(y, hi)) for x, y in b if x <= hi and y >= lo))
        out = []
        i = j = 0
        while i < len(a) and j < len(b):
            lo = max(a[i][0], b[j][0])
            hi = min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return AddrSet(self.family, tuple(out))

    def overlaps(self, other: AddrSet) -> bool:
        """`bool(self.intersect(other))`, without building the intersection."""
        a, b = self.spans, other.spans
        if not a or not b or a[-1][1] < b[0][0] or b[-1][1] < a[0][0]:
            return False
        i = j = 0
        while i < len(a) and j < len(b):
            if a[i][1] < b[j][0]:
                i += 1
            elif b[j][1] < a[i][0]:
                j += 1
            else:
                return True
        return False

    def subtract(self, other: AddrSet) -> AddrSet:
        a, b = self.spans, other.spans
        if not a or not b or a[-1][1] < b[0][0] or b[-1][1] < a[0][0]:
            return self
        out: list[Interval] = []
        j = 0
        for lo, hi in self.spans:
            cur = lo
            while j < len(b) and b[j][1] < cur:
                j += 1
            k = j
            while k < len(b) and b[k][0] <= hi:
                if b[k][0] > cur:
                    out.append((cur, b[k][0] - 1))
                cur = max(cur, b[k][1] + 1)
                if cur > hi:
                    break
                k += 1
            if cur <= hi:
                out.append((cur, hi))
        return AddrSet(self.family, tuple(out))

    def contains(self, address: str) -> bool:
        version, value, _ = _parse(address)
        if version != self.family:
            return False
        return any(lo <= value <= hi for lo, hi in self.spans)

    def covers(self, other: AddrSet) -> bool:
        return not other.subtract(self)

    def cidrs(self) -> Iterator[str]:
        """The set as the fewest CIDR blocks, for evidence a network engineer can read."""
        return iter(_cidrs(self.family, self.spans))

    def block_count(self) -> int:
        """How many CIDR blocks `cidrs()` would give, without writing them out."""
        return _block_count(self.family, self.spans)

    def describe(self, limit: int = 3) -> str:
        """'52.0.0.0/8 and 3 other ranges' style text."""
        return _describe(self.family, self.spans, limit)


@functools.lru_cache(maxsize=1 << 16)
def _parse(text: str) -> tuple[int, int, int]:
    """(version, first, last) of a CIDR block or an address; the same sets read the same text
    over and over (every route, rule and entry names one), so each is parsed once."""
    net = ipaddress.ip_network(text, strict=False)
    return net.version, int(net.network_address), int(net.broadcast_address)


def _blocks(family: int, spans: tuple[Interval, ...]) -> Iterator[tuple[int, int]]:
    """(first address, prefix length) of the fewest CIDR blocks covering the spans, in order."""
    bits = 32 if family == 4 else 128
    for lo, hi in spans:
        while lo <= hi:
            # the largest block that starts at `lo` (aligned) and ends by `hi`
            size = (lo & -lo).bit_length() - 1 if lo else bits
            while (1 << size) > hi - lo + 1:
                size -= 1
            yield lo, bits - size
            lo += 1 << size


@functools.lru_cache(maxsize=1 << 14)
def _block_count(family: int, spans: tuple[Interval, ...]) -> int:
    return sum(1 for _ in _blocks(family, spans))


@functools.lru_cache(maxsize=1024)
def _cidrs(family: int, spans: tuple[Interval, ...]) -> tuple[str, ...]:
    return tuple(f"{_address(family, lo)}/{length}" for lo, length in _blocks(family, spans))


def _address(family: int, value: int) -> str:
    if family == 4:
        return f"{value >> 24}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"
    return str(ipaddress.IPv6Address(value))


@functools.lru_cache(maxsize=1 << 15)
def _describe(family: int, spans: tuple[Interval, ...], limit: int) -> str:
    # Only the first `limit` blocks are written out (an IPv6 complement has hundreds of them);
    # the rest are only counted, with the same greedy split as `_blocks`.
    shown = [f"{_address(family, lo)}/{length}" for lo, length in itertools.islice(_blocks(family, spans), limit)]
    if not shown:
        return "no addresses"
    bits = 32 if family == 4 else 128
    count = 0
    for lo, hi in spans:
        end = hi + 1
        while lo < end:
            size = (lo & -lo).bit_length() - 1 if lo else bits
            while (1 << size) > end - lo:
                size -= 1
            count += 1
            lo += 1 << size
    if count <= limit:
        return ", ".join(shown)
    rest = count - limit
    return f"{', '.join(shown)} and {rest} other range{'s' if rest > 1 else ''}"


_first, _last = itemgetter(0), itemgetter(1)
_EMPTY = {4: AddrSet(4, ()), 6: AddrSet(6, ())}


def _normalise(spans: Iterable[Interval]) -> tuple[Interval, ...]:
    out: list[Interval] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


# NAT64 (rule 8b): a NAT gateway translates IPv6 destinations in the well-known prefix
# 64:ff9b::/96 to the IPv4 address held in their last 32 bits.
NAT64_PREFIX = AddrSet.from_cidr("64:ff9b::/96")
_NAT64_BASE = NAT64_PREFIX.spans[0][0]


def nat64_to_ipv4(addrs: AddrSet) -> AddrSet:
    """The IPv4 destinations that the part of `addrs` inside 64:ff9b::/96 is translated to."""
    inside = addrs.intersect(NAT64_PREFIX)
    return AddrSet(4, tuple((lo - _NAT64_BASE, hi - _NAT64_BASE) for lo, hi in inside.spans))


def ipv4_to_nat64(addrs: AddrSet) -> AddrSet:
    """The IPv6 destinations in 64:ff9b::/96 that a workload sends to reach these IPv4 ones."""
    return AddrSet(6, tuple((lo + _NAT64_BASE, hi + _NAT64_BASE) for lo, hi in addrs.spans))
