"""Longest prefix match by regions: the interval-arithmetic version the prover uses on every
table must give exactly what the general set-algebra version gives (order, regions, overlaps
and what no route matches), on route tables with nested, equal and overlapping prefixes of all
three kinds."""

from __future__ import annotations

import ipaddress
import random
from typing import Any

import pytest

from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.graph.routes import (
    PREFIX_LIST,
    PROPAGATED,
    STATIC,
    route_regions,
    route_regions_general,
)


def _table(rng: random.Random, family: int) -> list[tuple[int, int, AddrSet, dict[str, Any]]]:
    bits = 32 if family == 4 else 128
    lengths = [0, 1, 8, 12, 16, 20, 24, 28, 32] if family == 4 else [0, 3, 32, 48, 56, 64, 128]
    seen: list[str] = []
    entries = []
    for n in range(rng.randrange(0, 40)):
        if seen and rng.random() < 0.3:
            cidr = rng.choice(seen)  # the same block again: another kind, or a second prefix list
        else:
            length = rng.choice(lengths)
            anywhere = rng.randrange(1 << bits)
            base = rng.choice([10 << 24, 172 << 24, anywhere]) if family == 4 else anywhere
            cidr = str(ipaddress.ip_network((base >> (bits - length) << (bits - length), length)))
            seen.append(cidr)
        kind = rng.choice([STATIC, PREFIX_LIST, PROPAGATED])
        entries.append((int(cidr.split("/")[1]), kind, AddrSet.from_cidr(cidr), {"n": n}))
    return entries


@pytest.mark.parametrize("seed", range(4))
def test_interval_regions_equal_the_general_ones(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(500):
        family = rng.choice([4, 6])
        entries = _table(rng, family)
        fast, fast_rest = route_regions(list(entries), family)
        general, general_rest = route_regions_general(list(entries), family)
        assert [(r["n"], region, overlap) for r, region, overlap in fast] == \
               [(r["n"], region, overlap) for r, region, overlap in general]
        assert fast_rest == general_rest
