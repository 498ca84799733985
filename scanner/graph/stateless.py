"""The Network Firewall stateless engine (rule 16): rule groups by priority, rules by priority,
then the full-packet default action. Rules that may or may not match part of the traffic are
never relied on to drop or inspect it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph import flows as F
from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.snapshot.io import RegionView

if TYPE_CHECKING:
    from safemaker.scanner.graph.packets import Packet


class MissingAt(MissingData):
    """Missing data met by part of the traffic only: `dests` is the part that met it."""

    def __init__(self, reason: str, dests: AddrSet) -> None:
        super().__init__(reason)
        self.dests = dests


def stateless_actions(view: RegionView, policy: Mapping[str, Any],
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
            raise MissingAt(exc.reason, remaining) from None
        source = ((group.get("RuleGroup") or {}).get("RulesSource") or {}).get("StatelessRulesAndCustomActions")
        if not isinstance(source, Mapping):
            # a stateless group always has this member; without it its pass rules are unknown
            raise MissingAt(f"stateless rule group {arn} has no RuleGroup.RulesSource."
                             "StatelessRulesAndCustomActions in network-firewall DescribeRuleGroup", remaining)
        rules = source.get("StatelessRules", []) or []
        for rule in sorted(rules, key=lambda r: r.get("Priority", 0)):
            if not remaining:
                return
            action = standard_action(rule.get("RuleDefinition", {}).get("Actions", []))
            if action is None:
                continue
            matched, certain = stateless_match(rule.get("RuleDefinition", {}).get("MatchAttributes", {}),
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
        action = standard_action(defaults)
        if action is None:
            raise MissingAt("firewall policy has no standard StatelessDefaultActions", remaining)
        yield action, remaining, f"stateless default action {action}"


def standard_action(actions: Sequence[Any]) -> str | None:
    for a in actions or []:
        if a in ("aws:pass", "aws:drop", "aws:forward_to_sfe"):
            return str(a)
    return None


def stateless_match(attrs: Mapping[str, Any], pkt: Packet, dests: AddrSet) -> tuple[AddrSet, bool]:
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


def match_attributes(groups: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(groups, Mapping):
        return
    for group in groups.values():
        rules = (((group.get("RuleGroup") or {}).get("RulesSource") or {})
                 .get("StatelessRulesAndCustomActions") or {}).get("StatelessRules", []) or []
        for rule in rules:
            yield rule.get("RuleDefinition", {}).get("MatchAttributes", {})


def rule_group_ports(groups: Any) -> Iterator[tuple[int, int]]:
    for attrs in match_attributes(groups):
        for p in attrs.get("DestinationPorts", []) or []:
            if isinstance(p.get("FromPort"), int) and isinstance(p.get("ToPort"), int):
                yield (p["FromPort"], p["ToPort"])


def rule_group_protocols(groups: Any) -> Iterator[int]:
    for attrs in match_attributes(groups):
        yield from (p for p in attrs.get("Protocols", []) or [] if isinstance(p, int))


