"""Destination sets as a person reads them: `0.0.0.0/0 except 10.0.0.0/16 (VPC vpc-1) and pl-1 (S3)`.

The prover carries exact address sets, and after route tables, prefix lists and the VPC's own
range have each taken their share, what is left for the internet is dozens of CIDR blocks
("1.0.0.0/8, 2.0.0.0/8, 3.0.0.0/14 and 78 other ranges"). A network engineer thinks of that set
as "everything except the VPC and the S3 prefix list", so that is how it is written here: as the
complement of the few ranges that are missing, each missing range named by what it is in the
snapshot (a VPC's CIDR, a prefix list, a special-purpose range). When the set is small it is
listed as it is. The exact blocks stay in the findings JSON evidence; this is only wording.

Pure address arithmetic over the snapshot's own names, with no opinion about how a report lays
it out, so `explain`, the HTML report and anything else say the same thing.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from safemaker.scanner.graph.addrs import AddrSet

#: At most this many blocks are listed as they are; more read better as a complement.
FEW = 4
#: At most this many named or literal exceptions in "X except ..."; more and the set is listed.
MAX_EXCEPTIONS = 6

# Special-purpose ranges (RFC 6890 and its successors) that a path to the internet never
# carries: grouped as one phrase when they are missing whole, so they do not crowd the names.
_SPECIAL = {4: (("0.0.0.0/8", "this network"), ("10.0.0.0/8", "private"), ("100.64.0.0/10", "shared"),
                ("127.0.0.0/8", "loopback"), ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"),
                ("192.0.0.0/24", "protocol assignments"), ("192.0.2.0/24", "documentation"),
                ("192.168.0.0/16", "private"), ("198.18.0.0/15", "benchmarking"),
                ("198.51.100.0/24", "documentation"), ("203.0.113.0/24", "documentation"),
                ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved")),
            6: (("::/128", "unspecified"), ("::1/128", "loopback"), ("64:ff9b::/96", "NAT64"),
                ("100::/64", "discard"), ("2001:db8::/32", "documentation"), ("fc00::/7", "unique local"),
                ("fe80::/10", "link-local"), ("ff00::/8", "multicast"))}
# The universes a set is the complement of: all of the family, or (IPv6) the global unicast block.
_UNIVERSES = {4: ("0.0.0.0/0",), 6: ("::/0", "2000::/3")}


@dataclass(frozen=True)
class NamedRange:
    """Addresses the snapshot gives a name: a VPC's CIDR block or a prefix list's entries."""

    label: str
    cidrs: tuple[str, ...]


class Describer:
    """Summarises destination sets with the names of one account/region's VPCs and prefix lists."""

    def __init__(self, named: Sequence[NamedRange] = ()) -> None:
        self._named: dict[int, list[tuple[str, AddrSet]]] = {4: [], 6: []}
        for entry in named:
            v4, v6 = AddrSet.from_cidrs_by_family(entry.cidrs)
            for family, addrs in ((4, v4), (6, v6)):
                if addrs:
                    self._named[family].append((entry.label, addrs))
        # (first address, last address, index into _named[family]) sorted, to find the named
        # ranges inside a missing interval without testing every VPC of a large estate
        self._index: dict[int, list[tuple[int, int, int]]] = {
            family: sorted((lo, hi, i) for i, (_, addrs) in enumerate(entries) for lo, hi in addrs.spans)
            for family, entries in self._named.items()}
        self._special = {family: [(f"{c} ({word})", AddrSet.from_cidr(c)) for c, word in ranges]
                         for family, ranges in _SPECIAL.items()}
        self._cache: dict[tuple[str, ...], str] = {}
        # Prefix lists apart, and each named set by its addresses: a region's thousands of VPCs
        # must not be walked for every set described (the prover words one per blocked route).
        # Sorted by address then name, so that the words do not depend on the order AWS listed
        # the VPCs and prefix lists in.
        self._lists = {family: sorted(((label, addrs) for label, addrs in entries if " (VPC " not in label),
                                      key=lambda e: (e[1].spans, e[0]))
                       for family, entries in self._named.items()}
        self._exact: dict[int, dict[tuple[tuple[int, int], ...], str]] = {4: {}, 6: {}}
        for family, entries in self._named.items():
            for label, addrs in sorted(entries, key=lambda e: e[0]):
                self._exact[family].setdefault(addrs.spans, label)
        self._sets: dict[tuple[int, tuple[tuple[int, int], ...]], str] = {}

    def summarise_set(self, addrs: AddrSet) -> str:
        """`summarise` of one family's set, as finding messages word what a route or ACL blocks."""
        key = (addrs.family, addrs.spans)
        text = self._sets.get(key)
        if text is None:
            text = self._sets[key] = self._family(addrs) if addrs else "no addresses"
        return text

    def summarise(self, cidrs: Iterable[str]) -> str:
        """One phrase per address family, joined with "; " (IPv4 first)."""
        key = tuple(cidrs)
        text = self._cache.get(key)
        if text is None:
            try:
                v4, v6 = AddrSet.from_cidrs_by_family(key)
            except ValueError:  # not addresses (a plugin's evidence): shown as given
                more = f" and {len(key) - FEW} more" if len(key) > FEW else ""
                text = self._cache[key] = ", ".join(key[:FEW]) + more
                return text
            parts = [self.summarise_set(s) for s in (v4, v6) if s]
            text = self._cache[key] = "; ".join(parts) if parts else "no addresses"
        return text

    def _family(self, addrs: AddrSet) -> str:
        listed = addrs.block_count()
        if listed <= FEW:
            return self._listed(addrs)
        best: tuple[int, str] | None = None
        for universe in _UNIVERSES[addrs.family]:
            whole = AddrSet.from_cidr(universe)
            if not whole.covers(addrs):
                continue
            missing = whole.subtract(addrs)
            blocks = missing.block_count()
            if blocks >= listed or (best is not None and blocks >= best[0]):
                continue  # the complement would not be shorter than the list
            exceptions = self._exceptions(addrs.family, missing)
            best = (blocks, universe if not exceptions else f"{universe} except {_and(exceptions)}")
        if best is not None:
            return best[1]
        return self._listed(addrs)

    def _listed(self, addrs: AddrSet) -> str:
        """A set that is no complement: the prefix lists inside it by name, then the rest, when
        naming them makes the list shorter."""
        plain_count = addrs.block_count()
        inside = [(label, named) for label, named in self._lists[addrs.family] if addrs.covers(named)]
        rest = addrs.subtract(AddrSet.union_all(addrs.family, (named for _, named in inside)))
        count = rest.block_count()
        if len(inside) + count >= plain_count:
            inside, rest, count = [], addrs, plain_count
        items = _first_few([label for label, _ in inside], "prefix lists")
        if count + len(items) <= FEW:
            items += [self._label_block(addrs.family, c) for c in rest.cidrs()]
        else:
            items.append(rest.describe(max(1, FEW - 1 - len(items))))
        return ", ".join(items)

    def _label_block(self, family: int, cidr: str) -> str:
        """A listed block, with the name of the VPC or prefix list that is exactly it."""
        label = self._exact[family].get(AddrSet.from_cidr(cidr).spans)
        if label is None:
            return cidr
        return label if label.startswith(cidr) else f"{cidr} ({label})"

    def _exceptions(self, family: int, missing: AddrSet) -> list[str]:
        """The missing addresses as names where the snapshot has them, else as CIDR blocks;
        long runs of the same sort (an estate's hundred VPCs) are counted, not listed."""
        special = [(label, named) for label, named in self._special[family] if missing.covers(named)]
        left = missing.subtract(AddrSet.union_all(family, (named for _, named in special)))
        entries = self._named[family]
        index = self._index[family]
        # Named sets all of whose spans lie inside a missing span: found from the missing spans
        # (few) through the index sorted by first address, not by testing every named set.
        inside: dict[int, int] = {}
        for first, last in left.spans:
            k = bisect.bisect_left(index, (first,))
            while k < len(index) and index[k][0] <= last:
                _first, hi, i = index[k]
                if hi <= last:
                    inside[i] = inside.get(i, 0) + 1
                k += 1
        covered = sorted((i for i, n in inside.items() if n == len(entries[i][1].spans) and entries[i][1]),
                         key=lambda i: (entries[i][1].spans, entries[i][0]))
        vpcs = [entries[i][0] for i in covered if " (VPC " in entries[i][0]]
        lists = [entries[i][0] for i in covered if " (VPC " not in entries[i][0]]
        left = left.subtract(AddrSet.union_all(family, (entries[i][1] for i in covered)))
        out = _first_few(vpcs, "VPC ranges") + _first_few(lists, "prefix lists")
        out += _first_few(list(left.cidrs()), "ranges")
        if len(special) <= 2:
            out += [label for label, _ in special]
        else:
            words = list(dict.fromkeys(label.split(" (", 1)[1].rstrip(")") for label, _ in special))
            out.append(f"{len(special)} special-purpose ranges ({', '.join(words[:3])}"
                       + (", …)" if len(words) > 3 else ")"))
        return out


def _first_few(items: list[str], what: str, few: int = 3) -> list[str]:
    return items if len(items) <= few else [*items[: few - 1], f"{len(items) - few + 1} other {what}"]


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def named_ranges(view: Any) -> list[NamedRange]:
    """The VPC CIDRs and prefix lists of one RegionView, labelled `10.0.0.0/16 (VPC vpc-1 name)`
    and `pl-1 (S3)`; anything not collected is simply not named."""
    out: list[NamedRange] = []
    vpcs = _list(view.optional("ec2", "DescribeVpcs"), "Vpcs")
    for vpc in vpcs:
        vpc_id = str(vpc.get("VpcId", ""))
        name = _name_tag(vpc)
        who = f"VPC {vpc_id}" + (f" {name}" if name else "")
        blocks = [a.get("CidrBlock") for a in _list(vpc, "CidrBlockAssociationSet")] or [vpc.get("CidrBlock")]
        blocks += [a.get("Ipv6CidrBlock") for a in _list(vpc, "Ipv6CidrBlockAssociationSet")]
        for block in dict.fromkeys(b for b in blocks if isinstance(b, str)):
            out.append(NamedRange(f"{block} ({who})", (block,)))
    for pl in _list(view.optional("ec2", "DescribePrefixLists"), "PrefixLists"):
        cidrs = tuple(c for c in pl.get("Cidrs") or [] if isinstance(c, str))
        if cidrs and isinstance(pl.get("PrefixListId"), str):
            service = str(pl.get("PrefixListName", "")).rsplit(".", 1)[-1]
            out.append(NamedRange(f"{pl['PrefixListId']} ({_SERVICES.get(service, service)})", cidrs))
    entries = view.optional("ec2", "GetManagedPrefixListEntries")
    seen = {entry.label.split(" ", 1)[0] for entry in out}
    for pl in _list(view.optional("ec2", "DescribeManagedPrefixLists"), "PrefixLists"):
        pl_id = pl.get("PrefixListId")
        if pl_id in seen:
            continue
        answer = entries.get(pl_id) if isinstance(entries, Mapping) and isinstance(pl_id, str) else None
        cidrs = tuple(str(e["Cidr"]) for e in _list(answer, "Entries") if isinstance(e.get("Cidr"), str))
        if cidrs:
            name = str(pl.get("PrefixListName", "")).rsplit(".", 1)[-1]
            out.append(NamedRange(f"{pl_id} ({_SERVICES.get(name, name)})" if name else str(pl_id), cidrs))
    return out


_SERVICES = {"s3": "S3", "dynamodb": "DynamoDB", "s3express": "S3 Express"}


@lru_cache(maxsize=64)
def _empty() -> Describer:
    return Describer()


def plain() -> Describer:
    """A describer that knows no names (special-purpose ranges are still grouped)."""
    return _empty()


def _list(value: Any, key: str) -> list[Mapping[str, Any]]:
    items = value.get(key) if isinstance(value, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _name_tag(item: Mapping[str, Any]) -> str:
    for tag in _list(item, "Tags"):
        if tag.get("Key") == "Name" and isinstance(tag.get("Value"), str):
            return str(tag["Value"])
    return ""
