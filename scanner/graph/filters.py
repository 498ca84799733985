"""Filters a packet meets and the traffic classes they split it into: security groups (egress from
the workload, ingress at hosts), network ACLs (first match, both directions, with the replies'
classes) and the stateless firewall rules' class boundaries. A packet carries a set of traffic
classes at once; wherever a decision depends on the class, the set is split by how the rules
there treat each class, and one representative class decides for its part: inside a part every
rule matches all classes or none, so the walk is the one each class would take alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph import flows as F
from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.graph.packets import Packet, refine, union_masks
from safemaker.scanner.graph.stateless import rule_group_ports, rule_group_protocols
from safemaker.scanner.graph.topology import Topology
from safemaker.scanner.snapshot.io import RegionView, Snapshot


class Filters:
    """Traffic classes, security groups and network ACLs of one snapshot, each read once."""

    def __init__(self, snapshot: Snapshot, topology: Callable[[RegionView], Topology]) -> None:
        self.snapshot = snapshot
        self.topology = topology
        self.flows: list[F.Flow] | None = None
        self.index: dict[F.Flow, int] | None = None
        self.acl_parts: dict[tuple[Any, ...], tuple[tuple[F.AclEntry, AddrSet], ...]] = {}
        self.masks: dict[tuple[Any, ...], int] = {}
        self.treatments: dict[tuple[Any, ...], tuple[int, ...]] = {}
        self.replies_cache: dict[tuple[Any, ...], list[F.Flow]] = {}
        self.sg_cache: dict[tuple[Any, ...], list[tuple[int, AddrSet, list[str]]]] = {}
        self.sg_rules: dict[tuple[str, ...], tuple[list[F.SgRule], list[str]]] = {}
        self.sg_members_cache: dict[str, list[str]] | None = None

    def flow_classes(self) -> list[F.Flow]:
        if self.flows is None:
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
                    bounds.extend(rule_group_ports(rule_groups))
                    protocols.extend(rule_group_protocols(rule_groups))
            bounds.append(F.EPHEMERAL)
            self.flows = F.flow_classes(bounds, protocols)
        return self.flows

    def sg_egress_rules(self, view: RegionView, group_id: str) -> tuple[list[F.SgRule], list[str]]:
        """`flows.sg_egress_rules` of one group, read once per snapshot."""
        key = (view.account, view.region, group_id)
        found = self.sg_rules.get(key)
        if found is None:
            topo = self.topology(view)
            found = F.sg_egress_rules(topo.security_group(group_id), topo.prefix_list,
                                      lambda g: topo.sg_members.get(g, []))
            self.sg_rules[key] = found
        return found

    def sg_parts(self, view: RegionView, groups: tuple[str, ...], rules: list[F.SgRule],
                  family: int) -> list[tuple[int, AddrSet, list[str]]]:
        """(classes, destinations, rules used) per part of the classes the groups treat alike;
        workloads sharing security groups (a team's notebooks) share the answer."""
        key = (view.account, view.region, groups, family)
        found = self.sg_cache.get(key)
        if found is None:
            # what flows.sg_allowed gives for the part's classes: the part lies inside or outside
            # each rule's classes, so a bit test stands for the protocol and port match
            masks = [self.rule_mask(r.proto, r.lo, r.hi) for r in rules]
            found = []
            for part in refine(self.by_protocol(), masks):
                hits = [(r.v4 if family == 4 else r.v6, r.text) for r, m in zip(rules, masks, strict=True) if part & m]
                hits = [(dests, text) for dests, text in hits if dests]
                if hits:
                    found.append((part, AddrSet.union_all(family, (d for d, _ in hits)), sorted(t for _, t in hits)))
            self.sg_cache[key] = found
        return found

    def rule_mask(self, proto: int, lo: Any, hi: Any) -> int:
        """Classes a rule with this protocol and port range matches."""
        key = (proto, lo, hi)
        mask = self.masks.get(key)
        if mask is None:
            mask = 0
            for i, flow in enumerate(self.flow_classes()):
                if F.proto_matches(proto, flow) and F.ports_cover(lo, hi, flow):
                    mask |= 1 << i
            self.masks[key] = mask
        return mask

    def by_protocol(self) -> list[int]:
        """TCP, UDP and the rest: reply classes and port matching differ between them."""
        tcp, udp = self.rule_mask(F.TCP, None, None), self.rule_mask(F.UDP, None, None)
        everything = (1 << len(self.flow_classes())) - 1
        return [m for m in (tcp, udp, everything & ~(tcp | udp)) if m]

    def singletons(self) -> tuple[int, ...]:
        return tuple(1 << i for i in range(len(self.flow_classes())))

    def treatment(self, key: tuple[Any, ...], rule_masks: Callable[[], list[int]]) -> tuple[int, ...]:
        """Parts of the classes that every rule (one class mask each) treats alike, once per key.
        Rules that cannot be read leave every class on its own: the per-class evaluation then
        reports what is wrong, as it would without this shortcut."""
        parts = self.treatments.get(key)
        if parts is None:
            try:
                parts = refine(self.by_protocol(), rule_masks())
            except (MissingData, TypeError, AttributeError, ValueError):
                parts = self.singletons()
            self.treatments[key] = parts
        return parts

    def acl_treatment(self, view: RegionView, acl: Mapping[str, Any]) -> tuple[int, ...]:
        """Parts of the classes every entry of this ACL (both directions) treats alike."""
        def masks() -> list[int]:
            out = []
            for entry in acl.get("Entries", []) or []:
                rng = entry.get("PortRange") or {}
                out.append(self.rule_mask(F.proto_number(entry.get("Protocol", "-1")), rng.get("From"), rng.get("To")))
            return out

        return self.treatment(("acl", id(acl)), masks)  # the snapshot holds every ACL for the Network's lifetime

    def stateless_treatment(self, view: RegionView, policy: Mapping[str, Any]) -> tuple[int, ...]:
        """Parts of the classes every stateless rule of this policy treats alike."""
        def masks() -> list[int]:
            tcp_udp = self.rule_mask(F.TCP, None, None) | self.rule_mask(F.UDP, None, None)
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
                        out.append(union_masks(self.rule_mask(int(p), None, None) for p in protos))
                    dports = attrs.get("DestinationPorts") or []
                    if dports:
                        out.append((everything & ~tcp_udp) | union_masks(
                            self.rule_mask(proto, p.get("FromPort"), p.get("ToPort"))
                            for p in dports for proto in (F.TCP, F.UDP)))
            return out

        return self.treatment(("stateless", view.account, view.region, id(policy)), masks)

    def replies(self, view: RegionView, acl: Mapping[str, Any], flow: F.Flow) -> list[F.Flow]:
        """Reply classes of `flow`, one per part this ACL treats alike (the first of each, in order)."""
        if flow.proto not in (F.TCP, F.UDP):
            return F.ephemeral_flows(flow, self.flow_classes())
        key = ("replies", id(acl), flow.proto)
        found = self.replies_cache.get(key)
        if found is None:
            # classes are in ephemeral_flows' order, so each part's first reply is its lowest bit
            classes = self.flow_classes()
            index = self.flow_index()
            replies = union_masks(1 << index[r] for r in F.ephemeral_flows(flow, classes))
            firsts = sorted(((p & replies) & -(p & replies)).bit_length() - 1
                            for p in self.acl_treatment(view, acl) if p & replies)
            found = [classes[i] for i in firsts]
            self.replies_cache[key] = found
        return found

    def flow_index(self) -> dict[F.Flow, int]:
        if self.index is None:
            self.index = {f: i for i, f in enumerate(self.flow_classes())}
        return self.index

    def split(self, pkt: Packet, parts: Sequence[int]) -> list[Packet]:
        classes = self.flow_classes()
        out = []
        for part in parts:
            mask = pkt.flows & part
            if mask == pkt.flows:
                return [pkt]
            if mask:
                out.append(pkt._replace(flows=mask, flow=classes[(mask & -mask).bit_length() - 1]))
        return out

    def acl_filter(self, view: RegionView, acl: Mapping[str, Any], egress: bool, flow: F.Flow,
                    addrs: AddrSet) -> tuple[AddrSet, list[str]]:
        """`flows.acl_filter`, with each ACL's first-match partition computed once per flow."""
        key = (id(acl), egress, addrs.family, flow)
        part = self.acl_parts.get(key)
        if part is None:
            part = F.acl_partition(F.acl_entries(acl, egress, addrs.family), flow, addrs.family)
            self.acl_parts[key] = part
        return F.acl_filter_by_partition(part, addrs)

    def sg_admitted(self, view: RegionView, groups: tuple[str, ...], src_ip: str, family: int,
                    src_groups: tuple[str, ...] = ()) -> tuple[int, list[str]]:
        """Traffic classes that the groups' ingress rules admit from `src_ip`, whose ENI is in
        `src_groups` (a rule naming one of those groups admits it whatever its address: the
        address of a workload known only by its placement is not an ENI's), and what could not
        be read (a prefix list, a group): with unknowns, more may be admitted than the mask says."""
        rules: list[F.SgRule] = []
        unknowns: list[str] = []
        mask = 0
        for gid in groups:
            found, unknown = self.sg_ingress_rules(view, gid)
            rules.extend(found)
            unknowns.extend(unknown)
            if src_groups:
                for perm in self.topology(view).security_group(gid).get("IpPermissions") or []:
                    if any(pair.get("GroupId") in src_groups for pair in perm.get("UserIdGroupPairs") or []):
                        mask |= self.rule_mask(F.proto_number(perm.get("IpProtocol", "-1")), perm.get("FromPort"),
                                               perm.get("ToPort"))
        src = AddrSet.from_cidrs(family, [src_ip])
        for part, allowed, _ in self.sg_parts(view, ("ingress", *groups), rules, family):
            if allowed.covers(src):
                mask |= part
        return mask, unknowns

    def sg_admitting_rule(self, view: RegionView, groups: tuple[str, ...], src_ip: str, family: int,
                          flow_bit: int, src_groups: tuple[str, ...] = ()) -> str:
        """The ingress rule that admits one traffic class from `src_ip` (for the evidence)."""
        for gid in groups:
            for perm in self.topology(view).security_group(gid).get("IpPermissions") or []:
                named = sorted({str(pair.get("GroupId")) for pair in perm.get("UserIdGroupPairs") or []
                                if pair.get("GroupId") in src_groups})
                if named and self.rule_mask(F.proto_number(perm.get("IpProtocol", "-1")), perm.get("FromPort"),
                                            perm.get("ToPort")) & flow_bit:
                    return f"{gid} admits members of {', '.join(named)}"
        rules: list[F.SgRule] = []
        for gid in groups:
            rules.extend(self.sg_ingress_rules(view, gid)[0])
        src = AddrSet.from_cidrs(family, [src_ip])
        for part, allowed, used in self.sg_parts(view, ("ingress", *groups), rules, family):
            if part & flow_bit and allowed.covers(src):
                return used[0]
        return ""

    def sg_members_all(self) -> dict[str, list[str]]:
        """Members of each security group in every account/region: an ingress rule may name a
        group of a peered VPC or of another account."""
        if self.sg_members_cache is None:
            merged: dict[str, list[str]] = {}
            for view in self.snapshot.views():
                if view.has("ec2", "DescribeNetworkInterfaces"):
                    for gid, members in self.topology(view).sg_members.items():
                        merged.setdefault(gid, []).extend(members)
            self.sg_members_cache = merged
        return self.sg_members_cache

    def sg_ingress_rules(self, view: RegionView, group_id: str) -> tuple[list[F.SgRule], list[str]]:
        """Ingress rules of one group as sets of admitted sources (read as egress rules are)."""
        key = ("ingress", view.account, view.region, group_id)
        found = self.sg_rules.get(key)
        if found is None:
            topo = self.topology(view)
            group = topo.security_group(group_id)
            if not isinstance(group.get("IpPermissions"), list):
                raise MissingData(f"security group {group_id} has no IpPermissions in ec2 DescribeSecurityGroups")
            as_egress = {**group, "IpPermissionsEgress": group["IpPermissions"]}
            rules, unknown = F.sg_egress_rules(as_egress, topo.prefix_list, lambda g: self.sg_members_all().get(g, []))
            found = ([replace(r, text=r.text.replace(" allows ", " admits ", 1).replace(" to ", " from ", 1))
                      for r in rules], unknown)
            self.sg_rules[key] = found
        return found
