"""AWS Network Firewall resources -> the `network-firewall` responses the collector writes.

A firewall's endpoints (`vpce-…`, one per Availability Zone) exist only after apply. Routes
reach them through `firewall_status[0].sync_states`, a reference a function call usually cuts
(`tolist(...)[0].attachment[0].endpoint_id` records only up to `sync_states`). Such a route is
read as "that firewall's endpoint" only when the firewall has subnets in exactly one zone;
with several zones the plan does not say which endpoint the expression picks, so it is ERROR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safemaker.scanner.terraform.estate import CREATED, Estate, arn_of, tags
from safemaker.scanner.terraform.plan import Planned
from safemaker.scanner.terraform.refs import Unresolved, expression, references

NFW = "network-firewall"


def endpoint_id(fw: Planned, az: str) -> str:
    return f"vpce-{fw.address}-{az}"


def _subnets(est: Estate, res: Planned) -> list[str]:
    mappings = est.known(res, "subnet_mapping") if not est.is_unknown(res, "subnet_mapping") else None
    if mappings is None:
        raise Unresolved(res.address, "subnet_mapping", "the plan cannot resolve it")
    known = [m.get("subnet_id") for i, m in enumerate(mappings) if not est.is_unknown(res, "subnet_mapping", i,
                                                                                     "subnet_id")]
    unknown = len(mappings) - len(known)
    if unknown:
        found, opaque = est.resolver.targets(res.module, references(expression(res, ["subnet_mapping", "subnet_id"])))
        if opaque:
            raise Unresolved(res.address, "subnet_mapping.subnet_id", opaque[0])
        ids = list(dict.fromkeys(est.placeholder(t, res, "subnet_mapping.subnet_id") for t in found
                                 if t.resource.type == "aws_subnet" and t.attribute == "id"
                                 and est.is_unknown(t.resource, "id")))
        if len(ids) != unknown:
            raise Unresolved(res.address, "subnet_mapping.subnet_id",
                             f"{unknown} subnets are unknown and the references name {len(ids)}")
        known += ids
    return [str(s) for s in known]


def _zones(est: Estate, res: Planned) -> dict[str, str]:
    region = est.region_of(res)
    zones = {}
    for sid in _subnets(est, res):
        sub = est.find(region, "ec2", "DescribeSubnets", "Subnets", "SubnetId", sid)
        if sub is None or not sub.get("AvailabilityZone"):
            raise Unresolved(res.address, "subnet_mapping", f"subnet {sid} is neither planned nor in the live snapshot")
        zones[str(sub["AvailabilityZone"])] = sid
    return zones


def route_endpoint(est: Estate, fw: Planned, res: Planned, attr: str) -> str:
    """The endpoint a route reaches through `firewall_status[0].sync_states`."""
    zones = _zones(est, fw)
    if len(zones) != 1:
        raise Unresolved(res.address, attr, f"{fw.address} has endpoints in {len(zones)} zones and the plan does not "
                                            "record which one the expression picks")
    return endpoint_id(fw, next(iter(zones)))


def firewall(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    arn = arn_of(est, res)
    if not arn:
        raise Unresolved(res.address, "arn", "its name is unknown")
    describe = est.op(region, NFW, "DescribeFirewall")
    listing = est.items(region, NFW, "ListFirewalls", "Firewalls")
    listing[:] = [f for f in listing if f.get("FirewallArn") != arn]
    describe.pop(arn, None)
    if res.deleted:
        est.op(region, NFW, "DescribeLoggingConfiguration").pop(arn, None)
        return
    name = str(res.values["name"])
    zones = _zones(est, res)
    policy = est.ref(res, ["firewall_policy_arn"], ["aws_networkfirewall_firewall_policy"])
    listing.append({"FirewallName": name, "FirewallArn": arn})
    describe[arn] = {"UpdateToken": "planned", "Firewall": {
        "FirewallName": name, "FirewallArn": arn, "FirewallId": f"id-{res.address}", "FirewallPolicyArn": policy,
        "VpcId": est.ref(res, ["vpc_id"], ["aws_vpc"]),
        "SubnetMappings": [{"SubnetId": s, "IPAddressType": "IPV4"} for s in zones.values()],
        "DeleteProtection": bool(res.values.get("delete_protection")), "SubnetChangeProtection": False,
        "FirewallPolicyChangeProtection": False, "Tags": tags(res.values)},
        "FirewallStatus": {"Status": "READY", "ConfigurationSyncStateSummary": "IN_SYNC", "SyncStates": {
            az: {"Attachment": {"SubnetId": sid, "EndpointId": endpoint_id(res, az), "Status": "READY"}}
            for az, sid in sorted(zones.items())}}}
    est.op(region, NFW, "DescribeLoggingConfiguration").setdefault(
        arn, {"FirewallArn": arn, "LoggingConfiguration": {"LogDestinationConfigs": []}})
    est.origin(arn, res)
    for az in zones:
        est.origin(endpoint_id(res, az), res)


def _arn_list(est: Estate, res: Planned, block: str, strict: bool) -> list[dict[str, Any]]:
    refs = est.known(res, "firewall_policy", 0, block) or []
    out = []
    unknown_idx = [i for i in range(len(refs)) if est.is_unknown(res, "firewall_policy", 0, block, i, "resource_arn")]
    pool: list[str] = []
    if unknown_idx:
        found, opaque = est.resolver.targets(res.module, references(
            expression(res, ["firewall_policy", block, "resource_arn"])))
        if opaque:
            raise Unresolved(res.address, f"firewall_policy.{block}", opaque[0])
        pool = list(dict.fromkeys(est.placeholder(t, res, block) for t in found
                                  if t.resource.type == "aws_networkfirewall_rule_group"))
        if len(pool) != len(unknown_idx) or (len(pool) > 1 and strict):
            raise Unresolved(res.address, f"firewall_policy.{block}.resource_arn",
                             "the plan does not record which rule group takes which priority")
    for i, ref in enumerate(refs):
        arn = pool.pop(0) if i in unknown_idx else ref.get("resource_arn")
        item: dict[str, Any] = {"ResourceArn": arn}
        if ref.get("priority") is not None:
            item["Priority"] = int(ref["priority"])
        out.append(item)
    return out


def firewall_policy(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    arn = arn_of(est, res)
    if not arn:
        raise Unresolved(res.address, "arn", "its name is unknown")
    describe = est.op(region, NFW, "DescribeFirewallPolicy")
    describe.pop(arn, None)
    if res.deleted:
        return
    if est.is_unknown(res, "firewall_policy"):
        raise Unresolved(res.address, "firewall_policy", "the plan cannot resolve it")
    body = (est.known(res, "firewall_policy") or [{}])[0]
    engine = (body.get("stateful_engine_options") or [{}])[0] or {}
    strict = engine.get("rule_order") == "STRICT_ORDER"
    policy: dict[str, Any] = {
        "StatelessDefaultActions": list(body.get("stateless_default_actions") or []),
        "StatelessFragmentDefaultActions": list(body.get("stateless_fragment_default_actions") or []),
        "StatelessRuleGroupReferences": _arn_list(est, res, "stateless_rule_group_reference", True),
        "StatefulRuleGroupReferences": _arn_list(est, res, "stateful_rule_group_reference", strict)}
    if body.get("stateful_default_actions"):
        policy["StatefulDefaultActions"] = list(body["stateful_default_actions"])
    if engine:
        policy["StatefulEngineOptions"] = {k: v for k, v in (("RuleOrder", engine.get("rule_order")),
                                                             ("StreamExceptionPolicy",
                                                              engine.get("stream_exception_policy"))) if v}
    describe[arn] = {"UpdateToken": "planned", "FirewallPolicy": policy, "FirewallPolicyResponse": {
        "FirewallPolicyName": res.values["name"], "FirewallPolicyArn": arn, "FirewallPolicyId": f"id-{res.address}",
        "FirewallPolicyStatus": "ACTIVE", "LastModifiedTime": CREATED}}
    est.origin(arn, res)


def _ports(items: Any) -> list[dict[str, int]]:
    return [{"FromPort": int(p["from_port"]), "ToPort": int(p.get("to_port") or p["from_port"])}
            for p in items or []]


def _rules_source(src: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if src.get("rules_string"):
        out["RulesString"] = src["rules_string"]
    for lst in src.get("rules_source_list") or []:
        out["RulesSourceList"] = {"Targets": list(lst.get("targets") or []),
                                  "TargetTypes": list(lst.get("target_types") or []),
                                  "GeneratedRulesType": lst.get("generated_rules_type")}
    if src.get("stateful_rule"):
        out["StatefulRules"] = [{
            "Action": r.get("action"),
            "Header": {h[0]: (r.get("header") or [{}])[0].get(h[1]) for h in (
                ("Protocol", "protocol"), ("Source", "source"), ("SourcePort", "source_port"),
                ("Direction", "direction"), ("Destination", "destination"), ("DestinationPort", "destination_port"))},
            "RuleOptions": [{"Keyword": o.get("keyword"), "Settings": list(o.get("settings") or [])}
                            for o in r.get("rule_option") or []]} for r in src["stateful_rule"]]
    for block in src.get("stateless_rules_and_custom_actions") or []:
        rules = []
        for rule in block.get("stateless_rule") or []:
            definition = (rule.get("rule_definition") or [{}])[0]
            match = (definition.get("match_attributes") or [{}])[0]
            rules.append({"Priority": int(rule.get("priority") or 0), "RuleDefinition": {
                "Actions": list(definition.get("actions") or []), "MatchAttributes": {
                    "Sources": [{"AddressDefinition": a["address_definition"]} for a in match.get("source") or []],
                    "Destinations": [{"AddressDefinition": a["address_definition"]}
                                     for a in match.get("destination") or []],
                    "SourcePorts": _ports(match.get("source_port")),
                    "DestinationPorts": _ports(match.get("destination_port")),
                    "Protocols": [int(p) for p in match.get("protocols") or []]}}})
        out["StatelessRulesAndCustomActions"] = {"StatelessRules": rules}
    return out


def rule_group(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    arn = arn_of(est, res)
    if not arn:
        raise Unresolved(res.address, "arn", "its name is unknown")
    describe = est.op(region, NFW, "DescribeRuleGroup")
    describe.pop(arn, None)
    if res.deleted:
        return
    if est.is_unknown(res, "rule_group") or est.is_unknown(res, "rules"):
        raise Unresolved(res.address, "rule_group", "the plan cannot resolve it")
    body = (est.known(res, "rule_group") or [{}])[0] or {}
    group: dict[str, Any] = {"RulesSource": _rules_source((body.get("rules_source") or [{}])[0] or {})}
    if res.values.get("rules"):
        group["RulesSource"] = {"RulesString": res.values["rules"]}
    options = (body.get("stateful_rule_options") or [{}])[0] or {}
    if options.get("rule_order"):
        group["StatefulRuleOptions"] = {"RuleOrder": options["rule_order"]}
    variables = (body.get("rule_variables") or [{}])[0] or {}
    ip_sets = {s["key"]: {"Definition": list((s.get("ip_set") or [{}])[0].get("definition") or [])}
               for s in variables.get("ip_sets") or []}
    if ip_sets:
        group["RuleVariables"] = {"IPSets": ip_sets}
    describe[arn] = {"UpdateToken": "planned", "RuleGroup": group, "RuleGroupResponse": {
        "RuleGroupArn": arn, "RuleGroupName": res.values["name"], "RuleGroupId": f"id-{res.address}",
        "Type": str(res.values.get("type")), "Capacity": int(res.values.get("capacity") or 0),
        "RuleGroupStatus": "ACTIVE"}}
    est.origin(arn, res)


def logging_configuration(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    arn = est.ref(res, ["firewall_arn"], ["aws_networkfirewall_firewall"]) or ""
    logging = est.op(region, NFW, "DescribeLoggingConfiguration")
    if res.deleted:
        logging[arn] = {"FirewallArn": arn, "LoggingConfiguration": {"LogDestinationConfigs": []}}
        return
    if est.is_unknown(res, "logging_configuration"):
        raise Unresolved(res.address, "logging_configuration", "the plan cannot resolve it")
    configs = []
    for block in est.known(res, "logging_configuration") or []:
        for i, dest in enumerate(block.get("log_destination_config") or []):
            configs.append({"LogType": dest.get("log_type"), "LogDestinationType": dest.get("log_destination_type"),
                            "LogDestination": {k: str(v) for k, v in (dest.get("log_destination") or {}).items()}
                            or {"unknown-until-apply": f"{res.address}[{i}]"}})
    logging[arn] = {"FirewallArn": arn, "LoggingConfiguration": {"LogDestinationConfigs": configs}}
    est.origin(arn, res)
