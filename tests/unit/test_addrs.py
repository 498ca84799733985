from __future__ import annotations

import ipaddress
import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from safemaker.scanner.graph.addrs import AddrSet


def test_subtract_and_describe_name_the_ranges() -> None:
    rest = AddrSet.everything(4).subtract(AddrSet.from_cidrs(4, ["0.0.0.0/1"]))
    assert list(rest.cidrs()) == ["128.0.0.0/1"]
    assert AddrSet.from_cidrs(4, ["0.0.0.0/1", "128.0.0.0/1"]) == AddrSet.everything(4)
    many = AddrSet.everything(4).subtract(AddrSet.from_cidr("10.0.0.0/8"))
    assert many.describe(limit=2) == "0.0.0.0/5, 8.0.0.0/7 and 6 other ranges"


def test_families_do_not_mix() -> None:
    assert not AddrSet.from_cidrs(4, ["::/0"])
    assert AddrSet.from_cidrs(6, ["::/0"]) == AddrSet.everything(6)
    assert not AddrSet.everything(4).contains("2001:db8::1")


cidr4 = st.builds(lambda a, p: str(ipaddress.ip_network((a, p), strict=False)),
                  st.integers(0, 2**32 - 1), st.integers(0, 32))


def _members(s: AddrSet, probes: list[int]) -> set[int]:
    return {p for p in probes if any(lo <= p <= hi for lo, hi in s.spans)}


@settings(max_examples=200, deadline=None)
@given(st.lists(cidr4, max_size=5), st.lists(cidr4, max_size=5), st.randoms(use_true_random=False))
def test_set_algebra_matches_membership(a: list[str], b: list[str], rnd: random.Random) -> None:
    sa, sb = AddrSet.from_cidrs(4, a), AddrSet.from_cidrs(4, b)
    probes = [rnd.randrange(2**32) for _ in range(200)]
    for s in (sa, sb):  # probe the interval edges too: that is where off-by-one bugs live
        for lo, hi in s.spans:
            probes += [lo, hi, max(lo - 1, 0), min(hi + 1, 2**32 - 1)]
    ma, mb = _members(sa, probes), _members(sb, probes)
    assert _members(sa.union(sb), probes) == ma | mb
    assert _members(sa.intersect(sb), probes) == ma & mb
    assert _members(sa.subtract(sb), probes) == ma - mb
    assert AddrSet.from_cidrs(4, list(sa.cidrs())) == sa
    for result in (sa.union(sb), sa.intersect(sb), sa.subtract(sb), sb.union(sa), sb.intersect(sa)):
        # canonical form: sorted, disjoint, not adjacent (equality, caches and text rely on it)
        assert all(lo <= hi for lo, hi in result.spans)
        assert all(p[1] + 1 < q[0] for p, q in itertools.pairwise(result.spans))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([4, 6]), st.data())
def test_cidrs_are_the_fewest_blocks_as_ipaddress_gives_them(family: int, data: st.DataObject) -> None:
    top = 2**32 - 1 if family == 4 else 2**128 - 1
    lo = data.draw(st.one_of(st.integers(0, top), st.just(0)))
    hi = data.draw(st.one_of(st.integers(lo, top), st.integers(lo, min(top, lo + 4096)), st.just(top)))
    cls = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    expected = [str(n) for n in ipaddress.summarize_address_range(cls(lo), cls(hi))]
    assert list(AddrSet(family, ((lo, hi),)).cidrs()) == expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([4, 6]), st.lists(st.integers(0, 2**40), min_size=2, max_size=10), st.integers(1, 4))
def test_describe_shows_the_first_blocks_and_counts_the_rest(family: int, cuts: list[int], limit: int) -> None:
    edges = sorted(set(cuts))
    spans = tuple((a, b - 2) for a, b in itertools.pairwise([*edges[::2], edges[-1] + 3]) if a <= b - 2)
    blocks = list(AddrSet(family, spans).cidrs())
    text = AddrSet(family, spans).describe(limit)
    if not blocks:
        assert text == "no addresses"
    elif len(blocks) <= limit:
        assert text == ", ".join(blocks)
    else:
        rest = len(blocks) - limit
        assert text == f"{', '.join(blocks[:limit])} and {rest} other range{'s' if rest > 1 else ''}"


@settings(max_examples=200, deadline=None)
@given(st.lists(cidr4, min_size=9, max_size=40), cidr4, st.randoms(use_true_random=False))
def test_many_spans_meet_one_interval_as_membership_says(many: list[str], one: str, rnd: random.Random) -> None:
    sa, sb = AddrSet.from_cidrs(4, many), AddrSet.from_cidr(one)
    probes = [rnd.randrange(2**32) for _ in range(100)]
    for s in (sa, sb):
        for lo, hi in s.spans:
            probes += [lo, hi, max(lo - 1, 0), min(hi + 1, 2**32 - 1)]
    assert _members(sa.intersect(sb), probes) == _members(sa, probes) & _members(sb, probes)
    assert sa.intersect(sb) == sb.intersect(sa)
