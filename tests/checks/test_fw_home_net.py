"""fwpolicy's reading of HOME_NET scope (semantics rule 18): which drops apply to any source."""

from __future__ import annotations

from typing import Any

from safemaker.scanner.aws.firewall_policy import analyse_stateful, parse_policy, parse_rule_group

ARN = "arn:aws:network-firewall:eu-west-1:111122223333:stateful-rulegroup/"


def _group(name: str, source: dict[str, Any]) -> dict[str, Any]:
    return {"RuleGroup": {"RulesSource": source}, "RuleGroupResponse": {"RuleGroupArn": ARN + name,
                                                                        "RuleGroupName": name, "Type": "STATEFUL"}}


def _analyse(rules: str, strict_default: list[str] | None = None) -> Any:
    allow = _group("allow", {"RulesSourceList": {"Targets": [".example.com"], "TargetTypes": ["TLS_SNI"],
                                                 "GeneratedRulesType": "ALLOWLIST"}})
    drops = _group("drops", {"RulesString": rules})
    body: dict[str, Any] = {"StatelessDefaultActions": ["aws:forward_to_sfe"],
                            "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                            "StatefulRuleGroupReferences": [{"ResourceArn": ARN + "allow"},
                                                            {"ResourceArn": ARN + "drops"}]}
    if strict_default is not None:
        body["StatefulDefaultActions"] = strict_default
        body["StatefulEngineOptions"] = {"RuleOrder": "STRICT_ORDER"}
    policy = parse_policy({"FirewallPolicy": body, "FirewallPolicyResponse": {"FirewallPolicyArn": "p"}})
    groups = {ARN + n: parse_rule_group(g) for n, g in (("allow", allow), ("drops", drops))}
    return analyse_stateful(policy, groups)


def test_home_net_drop_covers_home_net_only() -> None:
    result = _analyse("drop ip $HOME_NET any -> $EXTERNAL_NET any (sid:1;)")
    assert result.drops_everything_else() and not result.drops_outside_home_net()
    assert result.domain_list_groups == (ARN + "allow",)
    assert result.home_net_drop_groups == (ARN + "drops",)


def test_any_source_drop_covers_outside_sources() -> None:
    result = _analyse("drop ip any any -> any any (sid:1;)")
    assert result.drops_outside_home_net() and result.home_net_drop_groups == ()


def test_strict_default_drop_covers_outside_sources() -> None:
    result = _analyse("alert ip any any -> any any (sid:1;)", strict_default=["aws:drop_established"])
    assert result.drops_outside_home_net()
