"""A `dynamic` block over a collection known only after apply: the rules it makes are not in
the plan, so the verdicts that need them are ERROR, never "no rules" (docs/terraform.md, Known
limits). The shapes below are what Terraform 1.11 with hashicorp/aws 5.100 writes for
`for_each = terraform_data.x.output`: an attributes-as-blocks list (security group rules) gets
one element whose fields are unknown; a nested block (a firewall policy's rule group references)
is left out of `after` and marked unknown whole in `after_unknown`."""

from __future__ import annotations

from typing import Any

from safemaker.scanner.terraform.plan import Plan
from safemaker.scanner.terraform.translate import translate


def _change(address: str, after: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
    type_, name = address.split(".")
    return {"address": address, "mode": "managed", "type": type_, "name": name,
            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown}}


def _plan() -> Plan:
    group_after = {"name": "g", "description": "Managed by Terraform", "tags": None, "ingress": [],
                   "egress": [{"description": "", "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                               "security_groups": [], "self": False}]}
    group_unknown = {"id": True, "vpc_id": True, "ingress": [],
                     "egress": [{"cidr_blocks": True, "from_port": True, "protocol": True, "to_port": True,
                                 "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": []}]}
    policy_after = {"name": "p", "firewall_policy": [{
        "stateless_default_actions": ["aws:forward_to_sfe"],
        "stateless_fragment_default_actions": ["aws:forward_to_sfe"], "stateless_rule_group_reference": [],
        "stateful_default_actions": None, "stateful_engine_options": [], "policy_variables": [],
        "stateless_custom_action": [], "tls_inspection_configuration_arn": None}]}
    policy_unknown = {"arn": True, "id": True, "firewall_policy": [{"stateful_rule_group_reference": True}]}
    doc = {"format_version": "1.2", "resource_changes": [
        _change("aws_vpc.v", {"cidr_block": "10.0.0.0/16"}, {"id": True}),
        _change("aws_security_group.g", group_after, group_unknown),
        _change("aws_networkfirewall_firewall_policy.p", policy_after, policy_unknown)],
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {
            "region": {"constant_value": "eu-west-1"}}}}, "root_module": {"resources": [
                {"address": "aws_security_group.g", "mode": "managed", "type": "aws_security_group", "name": "g",
                 "provider_config_key": "aws",
                 "expressions": {"vpc_id": {"references": ["aws_vpc.v.id", "aws_vpc.v"]}}}]}}}
    return Plan(doc, "dynamic.json")


def test_rules_from_a_dynamic_block_over_an_unknown_collection_are_not_proven() -> None:
    result = translate(_plan(), "111122223333", None)
    assert any(line.startswith("aws_security_group.g: egress[0].cidr_blocks is known only after apply")
               for line in result.unresolved), result.unresolved
    assert any(line.startswith("aws_networkfirewall_firewall_policy.p: firewall_policy[0]."
                               "stateful_rule_group_reference is known only after apply")
               for line in result.unresolved), result.unresolved
    region = result.doc["accounts"]["111122223333"]["eu-west-1"]
    assert "DescribeSecurityGroups" not in region["ec2"]  # left out: the checks needing it say ERROR
    assert not region["network-firewall"].get("DescribeFirewallPolicy")  # no policy that reads as "no groups"
