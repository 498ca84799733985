"""Unit tests of safemaker.scanner.aws.firewall_policy: Suricata lines, stateless order, strict vs default
stateful order."""

from __future__ import annotations

from typing import Any

import pytest

from safemaker.scanner.aws.firewall_policy import (
    Policy,
    RuleGroup,
    RuleOrder,
    StatefulAction,
    StatelessAction,
    SuricataParseError,
    analyse_stateful,
    analyse_stateless,
    covers_all_protocols,
    covers_protocol,
    parse_policy,
    parse_rule_group,
    parse_rules_string,
    parse_suricata_rule,
    standard_action,
)

ARN = "arn:aws:network-firewall:eu-west-1:111122223333"


# --- Suricata lines ---------------------------------------------------------------------------

def test_sni_pass_rule_is_domain_allow_intent() -> None:
    r = parse_suricata_rule('pass tls $HOME_NET any -> $EXTERNAL_NET 443 (tls.sni; dotprefix; '
                            'content:".pypi.org"; nocase; endswith; msg:"pypi; mirrors"; sid:100; rev:1;)')
    assert r.action is StatefulAction.PASS and r.protocol == "tls"
    assert r.domains == (".pypi.org",)
    assert r.is_domain_pass()
    assert r.sid == "100"
    assert r.restrictions == ()
    assert r.any_destination is True and r.any_destination_port is False


def test_http_host_and_legacy_modifiers() -> None:
    sticky = parse_suricata_rule('pass http any any -> any 80 (http.host; content:"repo.anaconda.com"; sid:1;)')
    legacy = parse_suricata_rule('pass tls any any -> any any (content:"example.org"; tls_sni; sid:2;)')
    assert sticky.domains == ("repo.anaconda.com",)
    assert legacy.domains == ("example.org",)


@pytest.mark.parametrize("line", [
    "drop ip any any -> any any (sid:1;)",
    'drop ip $HOME_NET any -> $EXTERNAL_NET any (msg:"deny"; flow:to_server; sid:2;)',
    "reject ip any any <> [0.0.0.0/0, ::/0] any (sid:3;)",
    "drop ip any any -> !$HOME_NET [0:65535] (sid:4;)",
])
def test_catch_all_drops(line: str) -> None:
    r = parse_suricata_rule(line)
    assert r.action in (StatefulAction.DROP, StatefulAction.REJECT)
    assert r.matches_all_of_protocol() is True


@pytest.mark.parametrize("line", [
    "drop ip any any -> 203.0.113.0/24 any (sid:1;)",
    "drop tcp any any -> any 22 (sid:2;)",
    'drop ip any any -> any any (content:"x"; sid:3;)',
    "drop ip any any -> any any (ip_proto:47; sid:4;)",
])
def test_narrow_drops_are_not_catch_all(line: str) -> None:
    assert parse_suricata_rule(line).matches_all_of_protocol() is False


def test_undefined_variable_is_unknown_not_any() -> None:
    r = parse_suricata_rule("drop ip any any -> $PARTNERS any (sid:1;)")
    assert r.any_destination is None and r.matches_all_of_protocol() is None


def test_variables_resolve_from_rule_group() -> None:
    variables: Any = ({"EVERYWHERE": ("0.0.0.0/0", "::/0"), "PARTNERS": ("198.51.100.0/24",)}, {"WEB": ("80", "443")})
    assert parse_suricata_rule("drop ip any any -> $EVERYWHERE any (sid:1;)", variables=variables).any_destination
    assert parse_suricata_rule("pass ip any any -> $PARTNERS any (sid:2;)",
                               variables=variables).any_destination is False


def test_negated_sni_content_is_not_allow_intent() -> None:
    r = parse_suricata_rule('pass tls any any -> any any (tls.sni; content:!"evil.example"; sid:1;)')
    assert r.domains == () and not r.is_domain_pass()
    assert r.contents[0].negated


@pytest.mark.parametrize(("line", "reason"), [
    ("pass tls any any -> any 443 tls.sni;", "no rule options"),
    ("pass tls any any -> any (sid:1;)", "header has 6 fields"),
    ("allow tls any any -> any any (sid:1;)", "action 'allow'"),
    ("pass tls any any => any any (sid:1;)", "direction"),
    ('pass tls any any -> any any (msg:"unterminated; sid:1;)', "unbalanced quotes"),
    ("pass tls any any -> any any (sid:1;", "not closed"),
])
def test_unparseable_lines_say_why(line: str, reason: str) -> None:
    with pytest.raises(SuricataParseError, match=reason):
        parse_suricata_rule(line)


def test_rules_string_skips_comments_joins_continuations_and_keeps_bad_lines() -> None:
    text = "\n".join([
        "# comment",
        "",
        "pass tls any any -> any any (tls.sni; \\",
        '  content:"a.example"; sid:1;)',
        "drop ip any any -> any any sid:2;",
        "frobnicate ip any any -> any any (sid:3;)",
    ])
    rules, bad = parse_rules_string(text, "rg")
    assert [r.sid for r in rules] == ["1"]
    assert rules[0].where == "line 3"
    assert [(b.where, b.may_pass) for b in bad] == [("line 5", False), ("line 6", True)]


# --- stateless engine -------------------------------------------------------------------------

def policy_resp(body: dict[str, Any], name: str = "pol") -> dict[str, Any]:
    return {"UpdateToken": "t", "FirewallPolicyResponse": {
        "FirewallPolicyName": name, "FirewallPolicyArn": f"{ARN}:firewall-policy/{name}", "FirewallPolicyId": "x"},
        "FirewallPolicy": body}


def stateless_group(name: str, rules: list[tuple[int, list[str], dict[str, Any]]]) -> tuple[str, RuleGroup]:
    arn = f"{ARN}:stateless-rulegroup/{name}"
    resp = {"UpdateToken": "t", "RuleGroupResponse": {"RuleGroupArn": arn, "RuleGroupName": name,
                                                      "RuleGroupId": "x", "Type": "STATELESS"},
            "RuleGroup": {"RulesSource": {"StatelessRulesAndCustomActions": {"StatelessRules": [
                {"Priority": p, "RuleDefinition": {"Actions": a, "MatchAttributes": m}} for p, a, m in rules]}}}}
    return arn, parse_rule_group(resp)


def addrs(*cidrs: str) -> list[dict[str, str]]:
    return [{"AddressDefinition": c} for c in cidrs]


def stateless_policy(groups: list[str], default: str = "aws:forward_to_sfe") -> Policy:
    return parse_policy(policy_resp({
        "StatelessDefaultActions": [default], "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
        "StatelessRuleGroupReferences": [{"ResourceArn": g, "Priority": i} for i, g in enumerate(groups, 1)]}))


def test_standard_action_ignores_custom_actions() -> None:
    assert standard_action(["Metric", "aws:pass"]) is StatelessAction.PASS
    assert standard_action(["Metric"]) is None
    assert standard_action(["aws:pass", "aws:drop"]) is None


def test_groups_are_evaluated_by_priority_across_groups() -> None:
    fwd_arn, fwd = stateless_group("fwd", [(1, ["aws:forward_to_sfe"], {})])
    pas_arn, pas = stateless_group("pas", [(1, ["aws:pass"], {"Destinations": addrs("0.0.0.0/0")})])
    first_forward = analyse_stateless(stateless_policy([fwd_arn, pas_arn]), {fwd_arn: fwd, pas_arn: pas})
    first_pass = analyse_stateless(stateless_policy([pas_arn, fwd_arn]), {fwd_arn: fwd, pas_arn: pas})
    assert first_forward.bypasses == ()
    assert len(first_pass.bypasses) == 1 and "in pas" in first_pass.bypasses[0]


def test_partial_forward_does_not_shadow_a_wider_pass() -> None:
    arn, grp = stateless_group("g", [
        (1, ["aws:forward_to_sfe"], {"Protocols": [6], "DestinationPorts": [{"FromPort": 443, "ToPort": 443}]}),
        (2, ["aws:pass"], {"Protocols": [6], "DestinationPorts": [{"FromPort": 0, "ToPort": 65535}]}),
    ])
    assert analyse_stateless(stateless_policy([arn]), {arn: grp}).bypasses


def test_adjacent_port_ranges_and_split_networks_cover() -> None:
    arn, grp = stateless_group("g", [
        (1, ["aws:drop"], {"Destinations": addrs("0.0.0.0/1", "128.0.0.0/1"),
                           "DestinationPorts": [{"FromPort": 0, "ToPort": 1023}, {"FromPort": 1024, "ToPort": 65535}]}),
        (2, ["aws:pass"], {"Destinations": addrs("0.0.0.0/0"), "Protocols": [17]}),
    ])
    result = analyse_stateless(stateless_policy([arn]), {arn: grp})
    assert result.bypasses == ()
    assert any(n.startswith("shadowed by rule priority 1") for n in result.notes)


def test_ipv6_any_destination_is_broad() -> None:
    arn, grp = stateless_group("g", [(1, ["aws:pass"], {"Destinations": addrs("::/0")})])
    assert analyse_stateless(stateless_policy([arn]), {arn: grp}).bypasses


def test_bypass_before_a_missing_group_is_still_certain() -> None:
    arn, grp = stateless_group("g", [(1, ["aws:pass"], {})])
    missing = f"{ARN}:stateless-rulegroup/missing"
    result = analyse_stateless(stateless_policy([arn, missing]), {arn: grp, missing: None})
    assert result.bypasses and result.unknown


def test_missing_group_hides_the_default_action() -> None:
    missing = f"{ARN}:stateless-rulegroup/missing"
    result = analyse_stateless(stateless_policy([missing], default="aws:pass"), {missing: None})
    assert result.bypasses == () and result.unknown


def test_rule_without_standard_action_is_unknown() -> None:
    arn, grp = stateless_group("g", [(1, ["JustAMetric"], {})])
    result = analyse_stateless(stateless_policy([arn]), {arn: grp})
    assert any("no single standard action" in u for u in result.unknown)


# --- stateful engine: strict vs default order -------------------------------------------------

def stateful_group(name: str, source: dict[str, Any], variables: dict[str, Any] | None = None) -> tuple[str, RuleGroup]:
    arn = f"{ARN}:stateful-rulegroup/{name}"
    body: dict[str, Any] = {"RulesSource": source}
    if variables:
        body["RuleVariables"] = variables
    return arn, parse_rule_group({"UpdateToken": "t", "RuleGroup": body, "RuleGroupResponse": {
        "RuleGroupArn": arn, "RuleGroupName": name, "RuleGroupId": "x", "Type": "STATEFUL"}})


def stateful_policy(groups: list[str], order: str | None = None, defaults: list[str] | None = None,
                    override: bool = False) -> Policy:
    body: dict[str, Any] = {"StatelessDefaultActions": ["aws:forward_to_sfe"],
                            "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                            "StatefulRuleGroupReferences": [
                                {"ResourceArn": g, "Priority": i,
                                 **({"Override": {"Action": "DROP_TO_ALERT"}} if override else {})}
                                for i, g in enumerate(groups, 1)]}
    if order:
        body["StatefulEngineOptions"] = {"RuleOrder": order}
    if defaults is not None:
        body["StatefulDefaultActions"] = defaults
    return parse_policy(policy_resp(body))


ALLOW = {"RulesSourceList": {"Targets": [".pypi.org"], "TargetTypes": ["TLS_SNI"], "GeneratedRulesType": "ALLOWLIST"}}


def test_absent_engine_options_mean_default_action_order() -> None:
    assert stateful_policy([]).rule_order is RuleOrder.DEFAULT


def test_strict_order_needs_a_default_drop() -> None:
    arn, grp = stateful_group("allow", ALLOW)
    alert = analyse_stateful(stateful_policy([arn], "STRICT_ORDER", ["aws:alert_strict"]), {arn: grp})
    drop = analyse_stateful(stateful_policy([arn], "STRICT_ORDER", ["aws:drop_strict"]), {arn: grp})
    assert alert.allowlists and not alert.drops_everything_else()
    assert drop.default_drop == "aws:drop_strict" and drop.drops_everything_else()


def test_default_order_ignores_default_actions_and_needs_catch_all_rule() -> None:
    arn, grp = stateful_group("allow", ALLOW)
    result = analyse_stateful(stateful_policy([arn], None, ["aws:drop_strict"]), {arn: grp})
    assert result.default_drop is None and not result.drops_everything_else()
    assert any("ignored in DEFAULT_ACTION_ORDER" in n for n in result.notes)
    darn, dgrp = stateful_group("drop", {"RulesString": "drop ip any any -> any any (sid:9;)"})
    result = analyse_stateful(stateful_policy([arn, darn]), {arn: grp, darn: dgrp})
    assert result.drops_everything_else()


def test_pass_rule_wins_anywhere_in_default_order_but_not_after_a_strict_drop() -> None:
    darn, dgrp = stateful_group("drop", {"RulesString": "drop tcp any any -> any any (sid:1;)"})
    parn, pgrp = stateful_group("pass", {"RulesString": "pass tls any any -> any any (sid:2;)"})
    groups = {darn: dgrp, parn: pgrp}
    default = analyse_stateful(stateful_policy([darn, parn]), groups)
    strict = analyse_stateful(stateful_policy([darn, parn], "STRICT_ORDER", ["aws:drop_strict"]), groups)
    strict_pass_first = analyse_stateful(stateful_policy([parn, darn], "STRICT_ORDER", ["aws:drop_strict"]), groups)
    assert default.leaks
    assert strict.leaks == () and any("unreachable" in n for n in strict.notes)
    assert strict_pass_first.leaks


def test_drop_to_alert_override_removes_drops() -> None:
    darn, dgrp = stateful_group("drop", {"RulesString": "drop ip any any -> any any (sid:1;)"})
    result = analyse_stateful(stateful_policy([darn], override=True), {darn: dgrp})
    assert result.catch_all_drops == () and not result.drops_everything_else()


def test_five_tuple_rules_are_read() -> None:
    arn, grp = stateful_group("five", {"StatefulRules": [{"Action": "DROP", "Header": {
        "Protocol": "IP", "Source": "ANY", "SourcePort": "ANY", "Direction": "ANY", "Destination": "ANY",
        "DestinationPort": "ANY"}, "RuleOptions": [{"Keyword": "sid", "Settings": ["7"]}]}]})
    assert grp.stateful_rules[0].sid == "7"
    assert analyse_stateful(stateful_policy([arn]), {arn: grp}).dropped_protocols == {"ip"}


def test_protocol_coverage() -> None:
    assert covers_protocol({"tcp"}, "tls") and covers_protocol({"udp"}, "quic")
    assert not covers_protocol({"tcp"}, "dns") and covers_protocol({"tcp", "udp"}, "dns")
    assert covers_all_protocols({"ip"}) and covers_all_protocols({"tcp", "udp", "icmp"})
    assert not covers_all_protocols({"tcp", "udp"})


def test_home_net_overrides_are_noted() -> None:
    arn, grp = stateful_group("allow", ALLOW, {"IPSets": {"HOME_NET": {"Definition": ["10.0.0.0/8"]}}})
    result = analyse_stateful(stateful_policy([arn]), {arn: grp})
    assert any("rule group allow sets HOME_NET to ['10.0.0.0/8']" in n for n in result.notes)


def test_newer_rule_group_formats_are_unparsed_and_may_pass() -> None:
    grp = parse_rule_group({"UpdateToken": "t", "FirewallRuleGroup": {"RulesSource": {}},
                            "RuleGroupResponse": {"RuleGroupArn": "a", "RuleGroupName": "n", "RuleGroupId": "x"}})
    assert grp.unparsed and grp.unparsed[0].may_pass
    assert "FirewallRuleGroup" in grp.unparsed[0].reason
