"""Traffic classes and the stateful/stateless filters that act on them.

Security groups, network ACLs and stateless firewall rules match on protocol and port as well
as address. Rather than reason about ports symbolically, the prover splits the protocol/port
space at every boundary any rule in the estate uses: inside one class every rule either
matches all of it or none of it, so deciding one representative per class is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.addrs import AddrSet

TCP, UDP, ICMP, ICMPV6, OTHER = 6, 17, 1, 58, 255
_NAMES = {"tcp": TCP, "udp": UDP, "icmp": ICMP, "icmpv6": ICMPV6, "-1": -1, "all": -1}
EPHEMERAL = (1024, 65535)


class Flow(NamedTuple):
    """A traffic class: protocol and destination port range. A named tuple, since the prover
    hashes it in every cache key and a dataclass hashes slowly."""

    proto: int
    lo: int = 0
    hi: int = 65535

    def label(self) -> str:
        name = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6", OTHER: "other protocols"}.get(
            self.proto, f"protocol {self.proto}")
        if self.proto in (TCP, UDP):
            return f"{name}/{self.lo}" if self.lo == self.hi else f"{name}/{self.lo}-{self.hi}"
        return name


def proto_number(value: Any) -> int:
    text = str(value).lower()
    if text in _NAMES:
        return _NAMES[text]
    try:
        return int(text)
    except ValueError:
        raise MissingData(f"protocol {value!r} is not understood") from None


def proto_matches(rule_proto: int, flow: Flow) -> bool:
    if rule_proto == -1:
        return True
    if flow.proto == OTHER:
        return False  # "other" stands for protocols no rule names; only "all" rules match it
    return rule_proto == flow.proto


def ports_cover(lo: int | None, hi: int | None, flow: Flow) -> bool:
    if flow.proto not in (TCP, UDP):
        return True
    if lo is None or hi is None or lo == -1:
        return True
    return lo <= flow.lo and flow.hi <= hi


def flow_classes(port_bounds: Iterable[tuple[int, int]], protocols: Iterable[int] = ()) -> list[Flow]:
    """One Flow per distinct protocol/port class given every (from, to) range and protocol in use."""
    cuts = {0, 65536}
    for lo, hi in port_bounds:
        if 0 <= lo <= 65535:
            cuts.add(lo)
        if 0 <= hi <= 65535:
            cuts.add(hi + 1)
    edges = sorted(cuts)
    out: list[Flow] = []
    for proto in (TCP, UDP):
        out.extend(Flow(proto, a, b - 1) for a, b in itertools.pairwise(edges))
    out.extend([Flow(ICMP), Flow(ICMPV6)])
    # A protocol a rule names by number (ESP 50, GRE 47, ...) needs a class of its own: folded
    # into OTHER, which only "all traffic" rules match, a security group allowing just ESP to
    # 0.0.0.0/0 would allow nothing and hide a live path.
    out.extend(Flow(p) for p in sorted(set(protocols) - {-1, TCP, UDP, ICMP, ICMPV6, OTHER}) if 0 <= p <= 255)
    out.append(Flow(OTHER))
    return out


def _protocols(values: Iterable[Any]) -> Iterator[int]:
    for value in values:
        try:
            yield proto_number(value)
        except MissingData:
            continue  # reported where the rule itself is read


def sg_protocols(groups: Iterable[Mapping[str, Any]]) -> Iterator[int]:
    for group in groups:
        for key in ("IpPermissionsEgress", "IpPermissions"):
            yield from _protocols(perm.get("IpProtocol", "-1") for perm in group.get(key, []) or [])


def nacl_protocols(acls: Iterable[Mapping[str, Any]]) -> Iterator[int]:
    for acl in acls:
        yield from _protocols(entry.get("Protocol", "-1") for entry in acl.get("Entries", []) or [])


def sg_port_bounds(groups: Iterable[Mapping[str, Any]]) -> Iterator[tuple[int, int]]:
    for group in groups:
        for key in ("IpPermissionsEgress", "IpPermissions"):
            for perm in group.get(key, []) or []:
                lo, hi = perm.get("FromPort"), perm.get("ToPort")
                if isinstance(lo, int) and isinstance(hi, int) and lo >= 0:
                    yield (lo, hi)




def nacl_port_bounds(acls: Iterable[Mapping[str, Any]]) -> Iterator[tuple[int, int]]:
    yield EPHEMERAL
    for acl in acls:
        for entry in acl.get("Entries", []) or []:
            rng = entry.get("PortRange")
            if isinstance(rng, Mapping) and isinstance(rng.get("From"), int) and isinstance(rng.get("To"), int):
                yield (rng["From"], rng["To"])


@dataclass(frozen=True)
class SgRule:
    proto: int
    lo: int | None
    hi: int | None
    v4: AddrSet
    v6: AddrSet
    text: str


def sg_egress_rules(
    group: Mapping[str, Any],
    expand_prefix_list: Callable[[str], tuple[list[str], str | None]],
    group_members: Callable[[str], list[str]],
) -> tuple[list[SgRule], list[str]]:
    """Egress rules of one security group as address sets; the second list holds unknowns."""
    rules, unknown = [], []
    gid = group.get("GroupId", "?")
    if not isinstance(group.get("IpPermissionsEgress"), list):
        # AWS always returns the member (empty when the group allows nothing out); a group
        # without it was trimmed, and reading it as "no egress" would be a PASS from nothing.
        raise MissingData(f"security group {gid} has no IpPermissionsEgress in ec2 DescribeSecurityGroups")
    for perm in group["IpPermissionsEgress"]:
        proto = proto_number(perm.get("IpProtocol", "-1"))
        lo, hi = perm.get("FromPort"), perm.get("ToPort")
        cidrs = [r["CidrIp"] for r in perm.get("IpRanges", []) or [] if "CidrIp" in r]
        cidrs += [r["CidrIpv6"] for r in perm.get("Ipv6Ranges", []) or [] if "CidrIpv6" in r]
        names = list(cidrs)
        for pl in perm.get("PrefixListIds", []) or []:
            plid = pl.get("PrefixListId", "")
            entries, problem = expand_prefix_list(plid)
            if problem:
                unknown.append(f"{gid} egress to {plid}: {problem}")
            cidrs += entries
            names.append(plid)
        for pair in perm.get("UserIdGroupPairs", []) or []:
            ref = pair.get("GroupId", "")
            cidrs += group_members(ref)
            names.append(ref)
        ports = "" if lo in (None, -1) or proto not in (TCP, UDP) else f":{lo}" if lo == hi else f":{lo}-{hi}"
        pname = "all traffic" if proto == -1 else f"{perm.get('IpProtocol')!s}{ports}"
        text = f"{gid} allows {pname} to {', '.join(sorted(names)) or 'nothing'}"  # sorted: AWS list order varies
        v4, v6 = AddrSet.from_cidrs_by_family(cidrs)
        rules.append(SgRule(proto, lo, hi, v4, v6, text))
    return rules, unknown


def sg_allowed(rules: Sequence[SgRule], flow: Flow, family: int) -> tuple[AddrSet, list[str]]:
    """Destinations the union of egress rules allows for this flow, and the rules that did."""
    allowed = AddrSet.empty(family)
    used = []
    for rule in rules:
        if proto_matches(rule.proto, flow) and ports_cover(rule.lo, rule.hi, flow):
            dests = rule.v4 if family == 4 else rule.v6
            if dests:
                allowed = allowed.union(dests)
                used.append(rule.text)
    return allowed, sorted(used)  # sorted: the order of groups and rules in AWS responses varies


@dataclass(frozen=True)
class AclEntry:
    number: int
    allow: bool
    proto: int
    lo: int | None
    hi: int | None
    cidr: AddrSet
    text: str


def acl_entries(acl: Mapping[str, Any], egress: bool, family: int) -> list[AclEntry]:
    out = []
    aid = acl.get("NetworkAclId", "?")
    if not isinstance(acl.get("Entries"), list):
        # Every ACL has at least its `*` rules: without `Entries` the rules are unknown, not "deny all".
        raise MissingData(f"network ACL {aid} has no Entries in ec2 DescribeNetworkAcls")
    for entry in acl["Entries"]:
        if bool(entry.get("Egress")) != egress:
            continue
        cidr = entry.get("CidrBlock") if family == 4 else entry.get("Ipv6CidrBlock")
        if not cidr:
            continue
        rng = entry.get("PortRange") or {}
        number = int(entry.get("RuleNumber", 32767))
        allow = str(entry.get("RuleAction", "deny")).lower() == "allow"
        label = "*" if number == 32767 else str(number)
        text = f"{aid} {'outbound' if egress else 'inbound'} rule {label} {'allows' if allow else 'denies'} {cidr}"
        out.append(AclEntry(number, allow, proto_number(entry.get("Protocol", "-1")),
                            rng.get("From"), rng.get("To"), AddrSet.from_cidr(cidr), text))
    return sorted(out, key=lambda e: e.number)


def acl_filter(entries: Sequence[AclEntry], flow: Flow, addrs: AddrSet) -> tuple[AddrSet, list[str]]:
    """First-match evaluation over a set of addresses (dest on egress, source on ingress)."""
    remaining = addrs
    allowed = AddrSet.empty(addrs.family)
    used = []
    for entry in entries:
        if not remaining:
            break
        if not (proto_matches(entry.proto, flow) and ports_cover(entry.lo, entry.hi, flow)):
            continue
        hit = remaining.intersect(entry.cidr)
        if not hit:
            continue
        remaining = remaining.subtract(hit)
        if entry.allow:
            allowed = allowed.union(hit)
            used.append(entry.text)
    return allowed, used


def acl_partition(entries: Sequence[AclEntry], flow: Flow, family: int) -> tuple[tuple[AclEntry, AddrSet], ...]:
    """Which addresses each entry decides for this flow, over the whole address space.

    First match makes the regions disjoint, so filtering any set is intersecting it with the
    regions: `acl_filter_by_partition` gives exactly what `acl_filter` gives, and the partition
    can be computed once per ACL, direction and flow instead of at every subnet crossing.
    """
    remaining = AddrSet.everything(family)
    out = []
    for entry in entries:
        if not remaining:
            break
        if not (proto_matches(entry.proto, flow) and ports_cover(entry.lo, entry.hi, flow)):
            continue
        region = remaining.intersect(entry.cidr)
        if region:
            out.append((entry, region))
            remaining = remaining.subtract(region)
    return tuple(out)


def acl_filter_by_partition(partition: Sequence[tuple[AclEntry, AddrSet]],
                            addrs: AddrSet) -> tuple[AddrSet, list[str]]:
    allowed = AddrSet.empty(addrs.family)
    used = []
    for entry, region in partition:
        if entry.allow:
            hit = addrs.intersect(region)
            if hit:
                allowed = allowed.union(hit)
                used.append(entry.text)
    return allowed, used


def ephemeral_flows(flow: Flow, classes: Sequence[Flow]) -> list[Flow]:
    """Reply classes: same protocol, destination port in the client's ephemeral range."""
    if flow.proto not in (TCP, UDP):
        return [flow]
    return [c for c in classes if c.proto == flow.proto and c.lo >= EPHEMERAL[0] and c.hi <= EPHEMERAL[1]]
