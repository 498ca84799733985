"""What an AWS Network Firewall policy does with traffic, read from DescribeFirewallPolicy and
DescribeRuleGroup responses.

Pure functions over the raw responses: no snapshot access, no AWS calls. The FW checks and the
network prover both need the same reading of a policy, so it lives here once.

What is understood:
- the stateless engine: default actions (full packets and fragments), stateless rules with their
  priorities, match attributes (addresses, ports, protocols, TCP flags) and standard action
  (custom actions are publish-metric side effects and are ignored for forwarding);
- the stateful engine: rule order (DEFAULT_ACTION_ORDER / STRICT_ORDER), default actions, domain
  lists (RulesSourceList), 5-tuple StatefulRules, and Suricata RulesString lines far enough to
  tell the action, the protocol, the addresses and ports, and `tls.sni` / `http.host` content.

What is not understood is returned as `Unparsed` items (never silently assumed to pass or drop):
Suricata lines whose header cannot be read, pass rules narrowed by keywords other than SNI/Host
content, address or port variables that are not defined, and the newer FirewallRuleGroup /
IpsRuleGroup formats.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALL_V4 = ipaddress.ip_network("0.0.0.0/0")
ALL_V6 = ipaddress.ip_network("::/0")


class FirewallPolicyError(ValueError):
    """A response lacks the structure every valid response has (e.g. no FirewallPolicy)."""


class StatelessAction(enum.StrEnum):
    PASS = "aws:pass"
    DROP = "aws:drop"
    FORWARD = "aws:forward_to_sfe"


class RuleOrder(enum.StrEnum):
    DEFAULT = "DEFAULT_ACTION_ORDER"
    STRICT = "STRICT_ORDER"


class StatefulAction(enum.StrEnum):
    PASS = "pass"
    DROP = "drop"
    REJECT = "reject"
    ALERT = "alert"


class DomainListType(enum.StrEnum):
    ALLOWLIST = "ALLOWLIST"
    DENYLIST = "DENYLIST"
    REJECTLIST = "REJECTLIST"
    ALERTLIST = "ALERTLIST"


DROP_DEFAULTS = ("aws:drop_strict", "aws:drop_established")
ALERT_DEFAULTS = ("aws:alert_strict", "aws:alert_established")


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class GroupRef:
    arn: str
    priority: int | None
    drop_to_alert: bool = False  # Override.Action == DROP_TO_ALERT: its drops only alert

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Policy:
    name: str
    arn: str
    stateless_defaults: tuple[str, ...]
    stateless_fragment_defaults: tuple[str, ...]
    stateless_groups: tuple[GroupRef, ...]  # evaluation order (priority ascending)
    stateful_groups: tuple[GroupRef, ...]  # evaluation order in STRICT_ORDER; listing order otherwise
    rule_order: RuleOrder
    stateful_defaults: tuple[str, ...]
    home_net: tuple[str, ...] | None  # PolicyVariables.RuleVariables.HOME_NET, when set
    notes: tuple[str, ...] = ()


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _refs(value: Any, stateful: bool) -> list[GroupRef]:
    out = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("ResourceArn"), str):
            continue
        prio = entry.get("Priority")
        override = entry.get("Override") if stateful else None
        drop_to_alert = isinstance(override, Mapping) and override.get("Action") == "DROP_TO_ALERT"
        out.append(GroupRef(entry["ResourceArn"], prio if isinstance(prio, int) else None, drop_to_alert))
    return out


def _by_priority(refs: list[GroupRef]) -> tuple[GroupRef, ...]:
    """Evaluation order; ties (and missing priorities) broken by ARN so that the order AWS lists
    references in never matters."""
    return tuple(sorted(refs, key=lambda r: (r.priority if r.priority is not None else 1 << 30, r.arn)))


def parse_policy(resp: Mapping[str, Any]) -> Policy:
    """Read a DescribeFirewallPolicy response."""
    body = resp.get("FirewallPolicy")
    meta = resp.get("FirewallPolicyResponse")
    if not isinstance(body, Mapping):
        raise FirewallPolicyError("DescribeFirewallPolicy response has no FirewallPolicy")
    meta = meta if isinstance(meta, Mapping) else {}
    arn = str(meta.get("FirewallPolicyArn", ""))
    name = str(meta.get("FirewallPolicyName") or arn.rsplit("/", 1)[-1])
    notes: list[str] = []
    engine = body.get("StatefulEngineOptions")
    order_text = engine.get("RuleOrder") if isinstance(engine, Mapping) else None
    if order_text == RuleOrder.STRICT.value:
        order = RuleOrder.STRICT
    else:
        order = RuleOrder.DEFAULT
        if order_text not in (None, RuleOrder.DEFAULT.value):
            notes.append(f"stateful rule order {order_text!r} not understood; read as DEFAULT_ACTION_ORDER")
    stateful = _refs(body.get("StatefulRuleGroupReferences"), stateful=True)
    home_net = None
    variables = body.get("PolicyVariables")
    if isinstance(variables, Mapping):
        rule_vars = variables.get("RuleVariables")
        if isinstance(rule_vars, Mapping) and isinstance(rule_vars.get("HOME_NET"), Mapping):
            home_net = tuple(sorted(_strings(rule_vars["HOME_NET"].get("Definition"))))
    return Policy(
        name=name,
        arn=arn,
        stateless_defaults=tuple(sorted(_strings(body.get("StatelessDefaultActions")))),
        stateless_fragment_defaults=tuple(sorted(_strings(body.get("StatelessFragmentDefaultActions")))),
        stateless_groups=_by_priority(_refs(body.get("StatelessRuleGroupReferences"), stateful=False)),
        stateful_groups=(_by_priority(stateful) if order is RuleOrder.STRICT
                         else tuple(sorted(stateful, key=lambda r: r.arn))),
        rule_order=order,
        stateful_defaults=tuple(sorted(_strings(body.get("StatefulDefaultActions")))),
        home_net=home_net,
        notes=tuple(notes),
    )


def standard_action(actions: Iterable[str]) -> StatelessAction | None:
    """The one standard action in a stateless action list; custom actions only publish metrics."""
    found = [a for a in actions if a in {s.value for s in StatelessAction}]
    return StatelessAction(found[0]) if len(found) == 1 else None


# --------------------------------------------------------------------------- stateless rules


@dataclass(frozen=True)
class PortRange:
    lo: int
    hi: int

    def __str__(self) -> str:
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


ALL_PORTS = (PortRange(0, 65535),)


@dataclass(frozen=True)
class StatelessRule:
    group: str  # rule group name
    group_priority: int | None
    priority: int
    actions: tuple[str, ...]  # as written, custom actions included
    sources: tuple[IPNetwork, ...]  # empty = any
    destinations: tuple[IPNetwork, ...]  # empty = any
    protocols: tuple[int, ...]  # empty = any
    source_ports: tuple[PortRange, ...]  # empty = any
    destination_ports: tuple[PortRange, ...]  # empty = any
    tcp_flags: bool  # narrowed by TCP flags

    @property
    def action(self) -> StatelessAction | None:
        return standard_action(self.actions)

    def describe(self) -> str:
        def addrs(nets: tuple[IPNetwork, ...]) -> str:
            return ",".join(str(n) for n in nets) if nets else "any"

        def ports(ranges: tuple[PortRange, ...]) -> str:
            return ",".join(str(p) for p in ranges) if ranges else "any"

        protos = ",".join(str(p) for p in self.protocols) if self.protocols else "any"
        flags = " +tcp-flags" if self.tcp_flags else ""
        return (
            f"rule priority {self.priority} in {self.group}: {'/'.join(self.actions)} "
            f"proto {protos} {addrs(self.sources)}:{ports(self.source_ports)} -> "
            f"{addrs(self.destinations)}:{ports(self.destination_ports)}{flags}"
        )

    def all_destinations(self) -> bool:
        """Matches every destination of IPv4 or of IPv6, i.e. the whole internet of a family."""
        return covers_family(self.destinations)

    def matches_everything(self) -> bool:
        return (
            not self.sources_restricted()
            and covers_family(self.destinations, both=True)
            and not self.protocols
            and not self.source_ports
            and not self.destination_ports
            and not self.tcp_flags
        )

    def sources_restricted(self) -> bool:
        return not covers_family(self.sources, both=True)

    def covers(self, other: StatelessRule) -> bool:
        """True when every packet `other` matches is matched by this rule too."""
        if self.tcp_flags:
            return False
        if self.protocols and (not other.protocols or not set(other.protocols) <= set(self.protocols)):
            return False
        return (
            _nets_cover(self.sources, other.sources)
            and _nets_cover(self.destinations, other.destinations)
            and _ports_cover(self.source_ports, other.source_ports)
            and _ports_cover(self.destination_ports, other.destination_ports)
        )


def covers_family(nets: Sequence[IPNetwork], both: bool = False) -> bool:
    """Empty means any. Otherwise: do the networks cover all of IPv4 or IPv6 (or both)?"""
    if not nets:
        return True
    v4 = list(ipaddress.collapse_addresses(n for n in nets if isinstance(n, ipaddress.IPv4Network)))
    v6 = list(ipaddress.collapse_addresses(n for n in nets if isinstance(n, ipaddress.IPv6Network)))
    has4, has6 = ALL_V4 in v4, ALL_V6 in v6
    return (has4 and has6) if both else (has4 or has6)


def _nets_cover(outer: Sequence[IPNetwork], inner: Sequence[IPNetwork]) -> bool:
    if not outer:
        return True
    inner_nets: Sequence[IPNetwork] = inner or (ALL_V4, ALL_V6)
    v4 = list(ipaddress.collapse_addresses(n for n in outer if isinstance(n, ipaddress.IPv4Network)))
    v6 = list(ipaddress.collapse_addresses(n for n in outer if isinstance(n, ipaddress.IPv6Network)))
    for net in inner_nets:
        if isinstance(net, ipaddress.IPv4Network):
            if not any(net.subnet_of(o) for o in v4):
                return False
        elif not any(net.subnet_of(o) for o in v6):
            return False
    return True


def _ports_cover(outer: Sequence[PortRange], inner: Sequence[PortRange]) -> bool:
    if not outer:
        return True
    merged: list[PortRange] = []
    for r in sorted(outer, key=lambda p: p.lo):
        if merged and r.lo <= merged[-1].hi + 1:
            merged[-1] = PortRange(merged[-1].lo, max(merged[-1].hi, r.hi))
        else:
            merged.append(r)
    return all(any(m.lo <= r.lo and r.hi <= m.hi for m in merged) for r in (inner or ALL_PORTS))


def _networks(value: Any, where: str, notes: list[str]) -> tuple[IPNetwork, ...]:
    out = []
    for entry in value if isinstance(value, list) else []:
        text = entry.get("AddressDefinition") if isinstance(entry, Mapping) else None
        try:
            out.append(ipaddress.ip_network(str(text), strict=False))
        except ValueError:
            notes.append(f"{where}: address {text!r} not understood")
    return tuple(sorted(out, key=lambda n: (n.version, n.network_address.packed, n.prefixlen)))


def _port_ranges(value: Any) -> tuple[PortRange, ...]:
    out = []
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("FromPort"), int):
            lo: int = entry["FromPort"]
            to = entry.get("ToPort")
            out.append(PortRange(lo, to if isinstance(to, int) else lo))
    return tuple(sorted(out, key=lambda r: (r.lo, r.hi)))


@dataclass(frozen=True)
class Unparsed:
    """Something in a rule group that was not understood, kept so the evidence can say so."""

    group: str
    where: str
    text: str
    reason: str
    may_pass: bool  # could this item let traffic through? (then it blocks a PASS)

    def describe(self) -> str:
        snippet = self.text if len(self.text) <= 160 else self.text[:157] + "..."
        return f"{self.group} {self.where}: {self.reason}: {snippet}"


@dataclass(frozen=True)
class RuleGroup:
    arn: str
    name: str
    kind: str  # STATELESS / STATEFUL / other as reported
    stateless_rules: tuple[StatelessRule, ...] = ()
    domain_lists: tuple[DomainList, ...] = ()
    stateful_rules: tuple[SuricataRule, ...] = ()
    rule_order: RuleOrder | None = None
    home_net: tuple[str, ...] | None = None
    unparsed: tuple[Unparsed, ...] = ()
    notes: tuple[str, ...] = ()


def parse_rule_group(resp: Mapping[str, Any], group_priority: int | None = None) -> RuleGroup:
    """Read a DescribeRuleGroup response (stateless and stateful content alike)."""
    meta = resp.get("RuleGroupResponse")
    meta = meta if isinstance(meta, Mapping) else {}
    arn = str(meta.get("RuleGroupArn", ""))
    name = str(meta.get("RuleGroupName") or arn.rsplit("/", 1)[-1] or "rule group")
    kind = str(meta.get("Type", ""))
    body = resp.get("RuleGroup")
    unparsed: list[Unparsed] = []
    notes: list[str] = []
    if not isinstance(body, Mapping):
        newer = [k for k in ("FirewallRuleGroup", "IpsRuleGroup") if k in resp]
        reason = f"rule group format {'/'.join(newer)} not understood" if newer else "no RuleGroup body"
        unparsed.append(Unparsed(name, "", "", reason, may_pass=True))
        return RuleGroup(arn, name, kind, unparsed=tuple(unparsed))
    variables = _variables(body.get("RuleVariables"))
    home_net = variables[0].get("HOME_NET")
    source = body.get("RulesSource")
    source = source if isinstance(source, Mapping) else {}
    options = body.get("StatefulRuleOptions")
    order_text = options.get("RuleOrder") if isinstance(options, Mapping) else None
    rule_order = RuleOrder(order_text) if order_text in {o.value for o in RuleOrder} else None

    stateless: list[StatelessRule] = []
    sracs = source.get("StatelessRulesAndCustomActions")
    if isinstance(sracs, Mapping):
        for i, rule in enumerate(sracs.get("StatelessRules") or []):
            parsed = _stateless_rule(rule, name, group_priority, i, notes, unparsed)
            if parsed is not None:
                stateless.append(parsed)
        stateless.sort(key=lambda r: (r.priority, r.describe()))

    domain_lists: list[DomainList] = []
    rsl = source.get("RulesSourceList")
    if isinstance(rsl, Mapping):
        gen = rsl.get("GeneratedRulesType")
        if gen in {d.value for d in DomainListType}:
            domain_lists.append(DomainList(name, tuple(sorted(_strings(rsl.get("Targets")))),
                                           tuple(sorted(_strings(rsl.get("TargetTypes")))), DomainListType(gen)))
        else:
            unparsed.append(Unparsed(name, "RulesSourceList", str(gen),
                                     "domain list type not understood", may_pass=True))

    stateful: list[SuricataRule] = []
    rules_string = source.get("RulesString")
    if isinstance(rules_string, str):
        rules, bad = parse_rules_string(rules_string, name, variables)
        stateful.extend(rules)
        unparsed.extend(bad)
    for i, rule in enumerate(source.get("StatefulRules") or []):
        try:
            stateful.append(_five_tuple(rule, name, i, variables))
        except SuricataParseError as exc:
            unparsed.append(Unparsed(name, f"StatefulRules[{i}]", str(rule)[:160], str(exc),
                                     may_pass=_may_pass(rule.get("Action") if isinstance(rule, Mapping) else None)))
    return RuleGroup(
        arn=arn, name=name, kind=kind, stateless_rules=tuple(stateless), domain_lists=tuple(domain_lists),
        stateful_rules=tuple(stateful), rule_order=rule_order,
        home_net=tuple(sorted(home_net)) if home_net is not None else None,
        unparsed=tuple(unparsed), notes=tuple(notes),
    )


def _stateless_rule(rule: Any, group: str, group_priority: int | None, index: int,
                    notes: list[str], unparsed: list[Unparsed]) -> StatelessRule | None:
    if not isinstance(rule, Mapping):
        return None
    definition = rule.get("RuleDefinition")
    prio = rule.get("Priority")
    if not isinstance(definition, Mapping) or not isinstance(prio, int):
        unparsed.append(Unparsed(group, f"StatelessRules[{index}]", str(rule)[:160],
                                 "no RuleDefinition or Priority", may_pass=True))
        return None
    match = definition.get("MatchAttributes")
    match = match if isinstance(match, Mapping) else {}
    where = f"{group} rule priority {prio}"
    protocols = tuple(sorted({p for p in match.get("Protocols") or [] if isinstance(p, int)}))
    flags = match.get("TCPFlags")
    parsed = StatelessRule(
        group=group, group_priority=group_priority, priority=prio,
        actions=tuple(sorted(_strings(definition.get("Actions")), key=lambda a: (not a.startswith("aws:"), a))),
        sources=_networks(match.get("Sources"), where, notes),
        destinations=_networks(match.get("Destinations"), where, notes),
        protocols=protocols,
        source_ports=_port_ranges(match.get("SourcePorts")),
        destination_ports=_port_ranges(match.get("DestinationPorts")),
        tcp_flags=bool(flags),
    )
    if parsed.action is None:
        unparsed.append(Unparsed(group, f"rule priority {prio}", ",".join(parsed.actions),
                                 "no single standard action (aws:pass/aws:drop/aws:forward_to_sfe)",
                                 may_pass=True))
    return parsed


@dataclass(frozen=True)
class StatelessFinding:
    """The stateless engine's verdict on a policy: what passes without stateful inspection."""

    bypasses: tuple[str, ...]  # each: why some traffic skips the stateful engine
    unknown: tuple[str, ...]  # why the answer is incomplete (missing group, unparsed rule)
    notes: tuple[str, ...]
    catch_all: str | None = None  # a rule every packet matches, which makes the defaults unreachable


def analyse_stateless(policy: Policy, groups: Mapping[str, RuleGroup | None]) -> StatelessFinding:
    """Walk stateless rules in evaluation order (group priority, then rule priority).

    The first matching rule decides a packet. A pass rule that matches every destination of a
    family is a bypass unless an earlier forward/drop rule already matches all of its traffic.
    The default action for full packets applies to what no rule matches; it cannot be reached
    once a rule matching everything has been seen. A missing group stops the walk: only
    bypasses found before it are certain.
    """
    bypasses: list[str] = []
    unknown: list[str] = []
    notes: list[str] = list(policy.notes)
    earlier: list[StatelessRule] = []
    catch_all: StatelessRule | None = None
    complete = True
    for ref in policy.stateless_groups:
        group = groups.get(ref.arn)
        if group is None:
            unknown.append(f"stateless rule group {ref.arn} is not in the snapshot")
            complete = False
            break
        for item in group.unparsed:
            if item.may_pass:
                unknown.append(f"not understood: {item.describe()}")
        notes.extend(group.notes)
        for rule in group.stateless_rules:
            action = rule.action
            if action is StatelessAction.PASS:
                shadow = next((e for e in earlier if e.action in (StatelessAction.FORWARD, StatelessAction.DROP)
                               and e.covers(rule)), None)
                if catch_all is not None:
                    notes.append(f"never reached ({catch_all.describe()} matches first): {rule.describe()}")
                elif shadow is not None:
                    notes.append(f"shadowed by {shadow.describe()}: {rule.describe()}")
                elif rule.all_destinations():
                    bypasses.append(f"{rule.describe()} passes traffic to any destination without stateful "
                                    "inspection")
                else:
                    notes.append(f"narrow stateless pass (not inspected by the stateful engine): {rule.describe()}")
            if catch_all is None and rule.matches_everything() and action is not None:
                catch_all = rule
            earlier.append(rule)
        if unknown:
            complete = False
            break
    default = standard_action(policy.stateless_defaults)
    fragment = standard_action(policy.stateless_fragment_defaults)
    if complete and catch_all is not None:
        notes.append(f"stateless default actions are never reached: {catch_all.describe()} matches all traffic")
    elif complete:
        if default is None:
            unknown.append(f"StatelessDefaultActions {list(policy.stateless_defaults)} has no single standard "
                           "action")
        elif default is StatelessAction.PASS:
            bypasses.append("StatelessDefaultActions is aws:pass: full packets no stateless rule matches skip "
                            "the stateful engine")
        if fragment is StatelessAction.PASS:
            bypasses.append("StatelessFragmentDefaultActions is aws:pass: fragmented packets no stateless "
                            "rule matches skip the stateful engine")
        elif fragment is None:
            notes.append(f"StatelessFragmentDefaultActions {list(policy.stateless_fragment_defaults)} "
                         "not understood")
    notes.insert(0, f"stateless defaults: full packets {list(policy.stateless_defaults)}, "
                    f"fragments {list(policy.stateless_fragment_defaults)}; "
                    f"{len(policy.stateless_groups)} stateless rule group(s)")
    return StatelessFinding(tuple(bypasses), tuple(unknown), tuple(notes),
                            catch_all.describe() if complete and catch_all is not None else None)


# --------------------------------------------------------------------------- stateful rules


@dataclass(frozen=True)
class DomainList:
    group: str
    targets: tuple[str, ...]
    target_types: tuple[str, ...]  # TLS_SNI / HTTP_HOST
    kind: DomainListType

    def describe(self) -> str:
        shown = ", ".join(self.targets[:10]) + (f" (+{len(self.targets) - 10} more)" if len(self.targets) > 10 else "")
        return f"{self.kind.value} in {self.group} for {'/'.join(self.target_types) or 'no target type'}: {shown}"


class SuricataParseError(ValueError):
    pass


@dataclass(frozen=True)
class Content:
    buffer: str  # "tls.sni", "http.host", other sticky buffer, or "" for the raw payload
    value: str
    negated: bool


# keywords that never change which packets a rule matches
_NON_MATCHING = frozenset({"msg", "sid", "rev", "gid", "classtype", "priority", "metadata", "reference",
                           "noalert", "target", "flow", "threshold", "tag", "fast_pattern"})
# modifiers of the preceding content, not restrictions of their own
_CONTENT_MODIFIERS = frozenset({"nocase", "endswith", "startswith", "dotprefix", "depth", "offset", "distance",
                                "within", "bsize", "rawbytes", "isdataat"})
_LEGACY_BUFFERS = {"tls_sni": "tls.sni", "http_host": "http.host", "http_uri": "http.uri",
                   "http_header": "http.header", "http_method": "http.method", "http_raw_host": "http.host.raw"}
_DOMAIN_BUFFERS = frozenset({"tls.sni", "http.host"})
_ACTIONS = {"pass": StatefulAction.PASS, "drop": StatefulAction.DROP, "reject": StatefulAction.REJECT,
            "rejectsrc": StatefulAction.REJECT, "rejectdst": StatefulAction.REJECT,
            "rejectboth": StatefulAction.REJECT, "alert": StatefulAction.ALERT}
# application protocols carried over TCP or UDP: a transport-level rule also matches them
TCP_APPS = frozenset({"tls", "http", "http2", "ssh", "smtp", "ftp", "ftp-data", "smb", "dcerpc", "imap", "pop3",
                      "msn", "rdp", "rfb", "mqtt", "modbus", "dnp3", "enip", "nfs", "ldap", "pgsql", "telnet"})
UDP_APPS = frozenset({"ntp", "dhcp", "tftp", "ikev2", "quic", "snmp", "sip"})
BOTH_APPS = frozenset({"dns", "krb5"})


@dataclass(frozen=True)
class SuricataRule:
    """One stateful rule, from a RulesString line or a StatefulRules entry."""

    group: str
    where: str  # "line 3" / "StatefulRules[0]"
    text: str
    action: StatefulAction
    protocol: str  # lower case
    source: str
    source_port: str
    direction: str
    destination: str
    destination_port: str
    options: tuple[tuple[str, str], ...]
    contents: tuple[Content, ...]
    restrictions: tuple[str, ...]  # option keywords that narrow the match and are not analysed
    any_source: bool | None  # None: an undefined variable
    any_destination: bool | None
    any_destination_port: bool | None
    any_source_port: bool | None

    @property
    def sid(self) -> str | None:
        for key, value in self.options:
            if key == "sid":
                return value
        return None

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.contents if c.buffer in _DOMAIN_BUFFERS and not c.negated)

    @property
    def flow(self) -> str | None:
        for key, value in self.options:
            if key == "flow":
                return value
        return None

    def label(self) -> str:
        sid = f"sid {self.sid}" if self.sid else self.where
        return f"{sid} in {self.group}"

    def describe(self) -> str:
        snippet = self.text if len(self.text) <= 160 else self.text[:157] + "..."
        return f"{self.label()}: {snippet}"

    def is_domain_pass(self) -> bool:
        return self.action is StatefulAction.PASS and bool(self.domains)

    def matches_all_of_protocol(self) -> bool | None:
        """Matches every flow of its protocol to every destination (None: cannot tell)."""
        if self.contents or self.restrictions:
            return False
        if None in (self.any_source, self.any_destination, self.any_source_port, self.any_destination_port):
            return None
        return bool(self.any_source and self.any_destination and self.any_source_port
                    and self.any_destination_port)


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    buf, start = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        full, buf = buf.strip(), ""
        if full and not full.startswith("#"):
            yield start, full
    if buf.strip() and not buf.strip().startswith("#"):
        yield start, buf.strip()


def _header_tokens(header: str) -> list[str]:
    tokens, cur, depth = [], "", 0
    for ch in header:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch.isspace() and depth == 0:
            if cur:
                tokens.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        tokens.append(cur)
    return tokens


def _split_options(body: str) -> list[tuple[str, str]]:
    parts, cur, quoted, escaped = [], "", False, False
    for ch in body:
        if escaped:
            cur += ch
            escaped = False
        elif ch == "\\":
            cur += ch
            escaped = True
        elif ch == '"':
            cur += ch
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if quoted:
        raise SuricataParseError("unbalanced quotes in rule options")
    if cur.strip():
        parts.append(cur)
    out = []
    for part in parts:
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition(":")
        out.append((key.strip().lower(), value.strip()))
    return out


def _unquote(value: str) -> tuple[str, bool]:
    negated = value.startswith("!")
    value = value[1:].strip() if negated else value
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value.replace('\\"', '"').replace("\\;", ";"), negated


Variables = tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]  # (IPSets, PortSets)


def _variables(value: Any) -> Variables:
    ip_sets: dict[str, tuple[str, ...]] = {}
    port_sets: dict[str, tuple[str, ...]] = {}
    if isinstance(value, Mapping):
        for src, dst in (("IPSets", ip_sets), ("PortSets", port_sets)):
            table = value.get(src)
            if isinstance(table, Mapping):
                for name, entry in table.items():
                    if isinstance(entry, Mapping):
                        dst[str(name)] = _strings(entry.get("Definition"))
    return ip_sets, port_sets


_ANY_DEST_WORDS = frozenset({"any", "$external_net", "!$home_net", "0.0.0.0/0", "::/0"})
_ANY_SOURCE_WORDS = frozenset({"any", "$home_net", "0.0.0.0/0", "::/0"})


def _is_any_address(token: str, words: frozenset[str], ip_sets: Mapping[str, tuple[str, ...]]) -> bool | None:
    t = token.strip().lower()
    if t in words:
        return True
    if t.startswith("[") and t.endswith("]"):
        items = [i.strip() for i in t[1:-1].split(",") if i.strip()]
        if any(i.startswith("!") for i in items):
            return False
        results = [_is_any_address(i, words, ip_sets) for i in items]
        if any(r is True for r in results):
            return True
        if any(r is None for r in results):
            return None
        nets = []
        for i in items:
            try:
                nets.append(ipaddress.ip_network(i, strict=False))
            except ValueError:
                return None
        return covers_family(nets)
    if t.startswith("$"):
        name = token.strip()[1:]
        definition = ip_sets.get(name)
        if definition is None:
            return None
        return _is_any_address("[" + ",".join(definition) + "]", words, ip_sets) if definition else False
    if t.startswith("@"):
        return None  # IP set reference: resolved only by AWS at run time
    return False


def _is_any_port(token: str, port_sets: Mapping[str, tuple[str, ...]]) -> bool | None:
    t = token.strip().lower().replace(" ", "")
    if t in ("any", "[any]", "0:65535", "[0:65535]", "0:", "[0:]", "1:65535", "[1:65535]", "1:", "[1:]"):
        return True
    if t.startswith("$"):
        definition = port_sets.get(token.strip()[1:])
        if definition is None:
            return None
        return any(_is_any_port(d, port_sets) for d in definition)
    return False


def parse_suricata_rule(line: str, group: str = "", where: str = "",
                        variables: Variables | None = None) -> SuricataRule:
    """Parse one Suricata rule line; raises SuricataParseError with the reason."""
    ip_sets, port_sets = variables or ({}, {})
    open_at = line.find("(")
    if open_at < 0:
        raise SuricataParseError("no rule options in parentheses")
    if not line.rstrip().endswith(")"):
        raise SuricataParseError("rule options are not closed with ')'")
    header = _header_tokens(line[:open_at])
    if len(header) != 7:
        raise SuricataParseError(f"header has {len(header)} fields, expected 7 "
                                 "(action proto src sport -> dst dport)")
    action_word, proto, src, sport, direction, dst, dport = header
    action = _ACTIONS.get(action_word.lower())
    if action is None:
        raise SuricataParseError(f"action {action_word!r} not understood")
    if direction not in ("->", "<>"):
        raise SuricataParseError(f"direction {direction!r} not understood")
    options = _split_options(line[open_at + 1: line.rstrip().rfind(")")])
    contents: list[Content] = []
    restrictions: list[str] = []
    buffer = ""
    for key, value in options:
        if key in _NON_MATCHING or key in _CONTENT_MODIFIERS:
            continue
        if key == "content":
            text, negated = _unquote(value)
            contents.append(Content(buffer, text, negated))
        elif key in _LEGACY_BUFFERS:
            if contents:
                last = contents[-1]
                contents[-1] = Content(_LEGACY_BUFFERS[key], last.value, last.negated)
        elif "." in key and not value:
            buffer = key  # a sticky buffer such as tls.sni or http.host
        else:
            restrictions.append(key)
    return SuricataRule(
        group=group, where=where, text=line, action=action, protocol=proto.lower(),
        source=src, source_port=sport, direction=direction, destination=dst, destination_port=dport,
        options=tuple(options), contents=tuple(contents), restrictions=tuple(restrictions),
        any_source=_is_any_address(src, _ANY_SOURCE_WORDS, ip_sets),
        any_destination=_is_any_address(dst, _ANY_DEST_WORDS, ip_sets),
        any_source_port=_is_any_port(sport, port_sets),
        any_destination_port=_is_any_port(dport, port_sets),
    )


def _may_pass(action_word: Any) -> bool:
    """Could an item with this action let traffic through? Unknown actions could."""
    word = str(action_word or "").lower()
    return word not in ("drop", "reject", "alert", "rejectsrc", "rejectdst", "rejectboth")


def parse_rules_string(text: str, group: str = "",
                       variables: Variables | None = None) -> tuple[list[SuricataRule], list[Unparsed]]:
    rules: list[SuricataRule] = []
    bad: list[Unparsed] = []
    for lineno, line in _logical_lines(text):
        try:
            rules.append(parse_suricata_rule(line, group, f"line {lineno}", variables))
        except SuricataParseError as exc:
            first = line.split(None, 1)[0] if line.split() else ""
            bad.append(Unparsed(group, f"line {lineno}", line, str(exc), may_pass=_may_pass(first)))
    return rules, bad


def _five_tuple(rule: Any, group: str, index: int, variables: Variables) -> SuricataRule:
    if not isinstance(rule, Mapping) or not isinstance(rule.get("Header"), Mapping):
        raise SuricataParseError("StatefulRules entry without Header")
    h = rule["Header"]
    direction = "<>" if h.get("Direction") == "ANY" else "->"
    opts = []
    # RuleOptions of 5-tuple rules carry sid/msg-style keywords: their order carries no meaning,
    # so they are sorted to keep the rendering independent of how AWS lists them
    for opt in rule.get("RuleOptions") or []:
        if isinstance(opt, Mapping) and isinstance(opt.get("Keyword"), str):
            settings = sorted(_strings(opt.get("Settings")))
            opts.append(f"{opt['Keyword']}:{','.join(settings)}" if settings else str(opt["Keyword"]))
    opts.sort()
    line = (f"{str(rule.get('Action', '')).lower()} {str(h.get('Protocol', '')).lower()} "
            f"{h.get('Source', '')} {h.get('SourcePort', '')} {direction} "
            f"{h.get('Destination', '')} {h.get('DestinationPort', '')} ({'; '.join(opts)};)")
    return parse_suricata_rule(line, group, f"StatefulRules[{index}]", variables)


@dataclass(frozen=True)
class StatefulFinding:
    """How the stateful engine treats traffic that no allow rule names."""

    rule_order: RuleOrder
    default_actions: tuple[str, ...]
    default_drop: str | None  # the default action that drops, STRICT_ORDER only
    allowlists: tuple[str, ...]  # descriptions of allow intent (domain lists, SNI/Host pass rules)
    catch_all_drops: tuple[str, ...]  # rules dropping every flow of a protocol
    dropped_protocols: frozenset[str]  # protocols fully dropped by catch-all rules
    leaks: tuple[str, ...]  # pass rules letting a whole protocol through to any destination
    unknown: tuple[str, ...]  # not understood items that might pass traffic
    notes: tuple[str, ...] = field(default=())
    # protocols fully dropped by catch-all rules whose source is not limited to $HOME_NET
    dropped_any_source: frozenset[str] = field(default=frozenset())
    domain_list_groups: tuple[str, ...] = field(default=())  # groups with a RulesSourceList (rule 18)
    home_net_drop_groups: tuple[str, ...] = field(default=())  # groups with catch-all drops from $HOME_NET

    def drops_everything_else(self) -> bool:
        return self.default_drop is not None or covers_all_protocols(self.dropped_protocols)

    def drops_outside_home_net(self) -> bool:
        """Is traffic from sources outside HOME_NET dropped whatever the domain lists say?

        Domain lists, and rules written for `$HOME_NET`, do not match other sources (rule 18);
        the STRICT_ORDER default drop actions and catch-all drops from any source do.
        """
        return self.default_drop is not None or covers_all_protocols(self.dropped_any_source)


def covers_protocol(dropped: Iterable[str], protocol: str) -> bool:
    d = set(dropped)
    if "ip" in d or protocol in d:
        return True
    if protocol in TCP_APPS:
        return "tcp" in d
    if protocol in UDP_APPS:
        return "udp" in d
    if protocol in BOTH_APPS:
        return {"tcp", "udp"} <= d
    return False


def covers_all_protocols(dropped: Iterable[str]) -> bool:
    """`ip`, or TCP+UDP+ICMP together (other IP protocols cannot cross a NAT gateway)."""
    d = set(dropped)
    return "ip" in d or {"tcp", "udp", "icmp"} <= d


def analyse_stateful(policy: Policy, groups: Mapping[str, RuleGroup | None]) -> StatefulFinding:
    """Classify the stateful rules of a policy (AWS semantics rules 17 and 18)."""
    order = policy.rule_order
    notes: list[str] = [f"stateful rule order: {order.value}"]
    unknown: list[str] = []
    allow: list[str] = []
    drops: list[str] = []
    dropped: set[str] = set()
    dropped_any_source: set[str] = set()
    domain_list_groups: list[str] = []
    home_net_drop_groups: list[str] = []
    leaks: list[str] = []
    defaults = policy.stateful_defaults
    default_drop = None
    if order is RuleOrder.STRICT:
        default_drop = next((a for a in defaults if a in DROP_DEFAULTS), None)
        notes.append(f"stateful default actions: {list(defaults) or 'none (pass)'}")
        if default_drop == "aws:drop_established":
            notes.append("aws:drop_established lets connection set-up packets through (TCP handshakes, first "
                         "packets of UDP flows) and drops the rest of flows no rule passes")
        for a in defaults:
            if a not in DROP_DEFAULTS + ALERT_DEFAULTS:
                notes.append(f"stateful default action {a!r} not understood; not counted as a drop")
    elif defaults:
        notes.append(f"StatefulDefaultActions {list(defaults)} are ignored in DEFAULT_ACTION_ORDER")
    if policy.home_net is not None:
        notes.append(f"policy sets HOME_NET to {list(policy.home_net)}: domain lists only apply to traffic "
                     "from those sources (the network proof must place the workloads inside it)")
    else:
        notes.append("HOME_NET is not set in the policy: domain lists apply to the firewall VPC's CIDR only")
    # STRICT_ORDER: a pass rule before a catch-all drop of its protocol is a leak; after one it is
    # unreachable. DEFAULT_ACTION_ORDER: pass rules win over every drop, whatever their position.
    seen_drops: set[str] = set()
    for ref in policy.stateful_groups:
        group = groups.get(ref.arn)
        if group is None:
            unknown.append(f"stateful rule group {ref.arn} is not in the snapshot")
            continue
        if group.home_net is not None:
            notes.append(f"rule group {group.name} sets HOME_NET to {list(group.home_net)}")
        notes.extend(group.notes)
        for item in group.unparsed:
            (unknown if item.may_pass else notes).append(f"not understood: {item.describe()}")
        if group.domain_lists:
            domain_list_groups.append(ref.arn)
        for dl in group.domain_lists:
            if dl.kind is DomainListType.ALLOWLIST:
                allow.append(dl.describe())
            else:
                notes.append(f"domain list {dl.describe()}")
        for rule in group.stateful_rules:
            whole = rule.matches_all_of_protocol()
            if rule.action in (StatefulAction.DROP, StatefulAction.REJECT):
                if ref.drop_to_alert:
                    notes.append(f"only alerts (group override DROP_TO_ALERT): {rule.describe()}")
                elif whole:
                    drops.append(rule.describe())
                    dropped.add(rule.protocol)
                    seen_drops.add(rule.protocol)
                    if rule.flow and "established" in rule.flow:
                        notes.append(f"{rule.label()} drops only established flows (flow:{rule.flow})")
                    if "$home_net" in rule.source.lower():
                        notes.append(f"{rule.label()} drops traffic from $HOME_NET only")
                        if ref.arn not in home_net_drop_groups:
                            home_net_drop_groups.append(ref.arn)
                    else:
                        dropped_any_source.add(rule.protocol)
                elif whole is None:
                    notes.append(f"drop rule with an undefined variable, not counted: {rule.describe()}")
            elif rule.action is StatefulAction.PASS:
                if rule.is_domain_pass():
                    allow.append(f"pass rule for {', '.join(rule.domains)} ({rule.label()})")
                    if rule.restrictions:
                        notes.append(f"{rule.label()} is further narrowed by {', '.join(rule.restrictions)}")
                    continue
                if any(not c.negated for c in rule.contents) or rule.restrictions:
                    what = sorted({c.buffer or "payload" for c in rule.contents} | set(rule.restrictions))
                    unknown.append(f"pass rule narrowed by {', '.join(what)} (not analysed): {rule.describe()}")
                    continue
                if rule.any_destination is None or rule.any_source is None:
                    unknown.append(f"pass rule with an undefined address variable: {rule.describe()}")
                    continue
                if not rule.any_destination:
                    notes.append(f"pass to specific addresses: {rule.describe()}")
                    continue
                if order is RuleOrder.STRICT and covers_protocol(seen_drops, rule.protocol):
                    notes.append(f"unreachable after an earlier catch-all drop: {rule.describe()}")
                    continue
                negated = " except the negated names" if rule.contents else ""
                port = "" if rule.any_destination_port else f" on port {rule.destination_port}"
                leaks.append(f"{rule.describe()} passes all {rule.protocol.upper()} traffic{negated} to any "
                             f"destination{port}")
    if order is RuleOrder.DEFAULT:  # no rule order to report: present findings sorted
        allow, drops, leaks, unknown = sorted(allow), sorted(drops), sorted(leaks), sorted(unknown)
    return StatefulFinding(
        rule_order=order, default_actions=defaults, default_drop=default_drop, allowlists=tuple(allow),
        catch_all_drops=tuple(drops), dropped_protocols=frozenset(dropped), leaks=tuple(leaks),
        unknown=tuple(unknown), notes=tuple(notes), dropped_any_source=frozenset(dropped_any_source),
        domain_list_groups=tuple(domain_list_groups), home_net_drop_groups=tuple(home_net_drop_groups),
    )
