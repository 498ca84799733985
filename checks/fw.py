"""AWS Network Firewall checks: does the firewall that NET-001 counts as inspection inspect,
restrict, log, and sit in every Availability Zone it has to?

NET-001 treats a path through a firewall endpoint as inspected; these checks keep that honest.
The reasoning lives below the checks: the policy in `safemaker.scanner.aws.firewall_policy`, the
HOME_NET scope (rule 18) in `safemaker.scanner.aws.home_net`, where workloads sit in
`safemaker.scanner.aws.firewall_placement`. The checks only decide and explain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from safemaker.scanner.aws.firewall_placement import SAGEMAKER_SUBNET_SOURCES, sagemaker_placement
from safemaker.scanner.aws.firewall_policy import (
    FirewallPolicyError,
    GroupRef,
    Policy,
    RuleGroup,
    RuleOrder,
    analyse_stateful,
    analyse_stateless,
    covers_protocol,
    parse_policy,
    parse_rule_group,
)
from safemaker.scanner.aws.home_net import home_net_scope
from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import check
from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.errors import MissingData
from safemaker.scanner.model import ResourceType, Severity, Verdict
from safemaker.scanner.snapshot.io import RegionView

NFW = "network-firewall"
_DOC = "https://docs.aws.amazon.com/network-firewall/latest/developerguide"


def _policy(resource: Resource) -> Policy:
    try:
        return parse_policy(resource.detail())
    except FirewallPolicyError as exc:
        raise MissingData(f"firewall policy {resource.id}: {exc}") from None


def _groups(view: RegionView, refs: Iterable[GroupRef]) -> tuple[dict[str, RuleGroup | None], list[str]]:
    """Referenced rule groups by ARN (None when not collected) and why each missing one is missing.

    DescribeRuleGroup is read only when the policy references groups, so a policy without any
    does not depend on it.
    """
    refs = list(refs)
    if not refs:
        return {}, []
    responses = view.response(NFW, "DescribeRuleGroup")
    if not isinstance(responses, Mapping):
        raise MissingData(f"{NFW} DescribeRuleGroup in {view.where} is not an object")
    out: dict[str, RuleGroup | None] = {}
    missing: list[str] = []
    for ref in refs:
        resp = responses.get(ref.arn)
        if isinstance(resp, Mapping):
            out[ref.arn] = parse_rule_group(resp, ref.priority)
        else:
            out[ref.arn] = None
            missing.append(view.missing_reason(NFW, "DescribeRuleGroup", ref.arn))
    return out, missing


@check(
    id="FW-001",
    title="Firewall policy passes traffic without stateful inspection",
    severity=Severity.CRITICAL,
    resource_types=[ResourceType.FIREWALL_POLICY],
    requires=[(NFW, "ListFirewalls"), (NFW, "DescribeFirewall"), (NFW, "DescribeFirewallPolicy")],
    remediation=(
        "Set the policy's StatelessDefaultActions and StatelessFragmentDefaultActions to "
        "aws:forward_to_sfe, and change stateless rules that pass broad traffic (any source or "
        "destination) to aws:forward_to_sfe, so that the stateful rules (the domain allowlist of the "
        "seed-001 design) see every packet. Keep stateless aws:pass only for narrow, known flows."
    ),
    references=[f"{_DOC}/stateless-default-actions.html", f"{_DOC}/firewall-policy-processing.html"],
)
def stateless_bypass(ctx: CheckContext, resource: Resource) -> Verdict:
    """The stateless engine sees packets first; what it passes never reaches the stateful rules,
    so a domain allowlist there restricts nothing. NET-001 counts a firewall endpoint as inspection,
    which is only true if the stateless engine forwards traffic to the stateful engine.

    Fails when the default action for full packets (or for fragments) is `aws:pass` and some
    traffic can reach it, or when a stateless rule whose standard action is `aws:pass` matches
    every destination of IPv4 or IPv6 (any protocol or ports) and no earlier rule in evaluation
    order (rule group priority, then rule priority) already forwards or drops all of that
    traffic. Custom actions only publish metrics and are ignored. A referenced stateless rule
    group that is missing from the snapshot gives ERROR naming its ARN, unless a bypass was
    already proven before it.
    """
    policy = _policy(resource)
    groups, missing = _groups(resource.view, policy.stateless_groups)
    result = analyse_stateless(policy, groups)
    notes = (*result.bypasses, *result.unknown, *missing, *result.notes)
    if result.bypasses:
        more = f" (and {len(result.bypasses) - 1} more)" if len(result.bypasses) > 1 else ""
        return Verdict.failed(f"{result.bypasses[0]}{more}", notes=notes)
    if result.unknown:
        why = f" ({missing[0]})" if missing else ""
        return Verdict.error(f"could not decide: {result.unknown[0]}{why}", notes=notes)
    if result.catch_all:
        return Verdict.passed(f"every packet matches {result.catch_all} first; the stateless default actions "
                              "are never reached", notes=notes)
    return Verdict.passed(
        "no traffic to arbitrary destinations skips the stateful engine (stateless defaults "
        f"{'/'.join(policy.stateless_defaults)}, fragments {'/'.join(policy.stateless_fragment_defaults)})",
        notes=notes)


@check(
    id="FW-002",
    title="Firewall domain allowlist does not drop other traffic",
    severity=Severity.HIGH,
    resource_types=[ResourceType.FIREWALL_POLICY],
    requires=[(NFW, "ListFirewalls"), (NFW, "DescribeFirewall"), (NFW, "DescribeFirewallPolicy")],
    remediation=(
        "Use STRICT_ORDER with StatefulDefaultActions aws:drop_established (or aws:drop_strict) so "
        "that anything the allowlist does not pass is dropped; in DEFAULT_ACTION_ORDER add an explicit "
        "catch-all rule such as `drop ip $HOME_NET any -> $EXTERNAL_NET any (sid:1000000;)`. The "
        "seed-001 design (an ALLOWLIST in default order) drops only HTTP/TLS to other domains: DNS, "
        "SSH and any other protocol still leave. Remove pass rules that allow a whole protocol to any "
        "destination."
    ),
    references=[f"{_DOC}/stateful-rule-groups-domain-names.html", f"{_DOC}/suricata-rule-evaluation-order.html",
                f"{_DOC}/stateful-default-actions.html"],
)
def allowlist_without_drop(ctx: CheckContext, resource: Resource) -> Verdict:
    """A domain allowlist is only a control if everything it does not allow is dropped. Domain
    lists see only HTTP and TLS: in DEFAULT_ACTION_ORDER an ALLOWLIST drops just HTTP/TLS to other
    domains and every other protocol passes; in STRICT_ORDER nothing is dropped unless a default
    drop action is set.

    Fails when traffic no allow rule names is not dropped: in STRICT_ORDER, unless the stateful
    default actions include `aws:drop_strict` or `aws:drop_established` or catch-all drop rules
    cover every protocol; in DEFAULT_ACTION_ORDER, unless catch-all drop rules (Suricata or 5-tuple,
    any source to any destination, not in a group overridden to DROP_TO_ALERT) cover `ip`, or TCP,
    UDP and ICMP together. Also fails when no allowlist is used and nothing is dropped (all traffic
    allowed), and when a pass rule lets a whole protocol through to any destination (before a
    catch-all drop in STRICT_ORDER; anywhere in DEFAULT_ACTION_ORDER, where pass rules win). Passes
    when traffic not explicitly allowed is dropped. Gives ERROR when a referenced rule group is
    missing, or when a rule that might pass traffic could not be understood and the verdict would
    otherwise be PASS.

    HOME_NET (rule 18): domain lists and rules written for `$HOME_NET` match only sources in
    HOME_NET, the CIDR of the firewall's VPC unless the policy's PolicyVariables or the rule
    group's RuleVariables set it. When traffic from other sources is not dropped anyway (STRICT_ORDER
    default drop, or catch-all drops from any source), fails when a SageMaker workload (notebook,
    VpcOnly domain, job or model with a VpcConfig) reaches one of the firewall endpoints of this
    policy for stateful inspection, by the network proof, from an address outside HOME_NET (the
    NAT gateway's address when a NAT comes first): typically a spoke VPC behind a transit gateway.
    Gives ERROR when that cannot be decided (a workload's proof is incomplete, the firewall's VPC
    is unknown).
    """
    policy = _policy(resource)
    groups, missing = _groups(resource.view, policy.stateful_groups)
    result = analyse_stateful(policy, groups)
    parsed = [*(f"allow: {a}" for a in result.allowlists), *(f"catch-all drop: {d}" for d in result.catch_all_drops)]
    notes = (*result.leaks, *result.unknown, *missing, *parsed, *result.notes)
    absent = [arn for arn, g in groups.items() if g is None]
    # in DEFAULT_ACTION_ORDER a pass rule wins wherever it is, so a leak holds whatever a missing
    # group says; in STRICT_ORDER a missing group could drop the traffic before the pass rule
    if absent and not (result.leaks and result.rule_order is RuleOrder.DEFAULT):
        return Verdict.error(f"could not decide: stateful rule group {absent[0]} is not in the snapshot "
                             f"({missing[0]})", notes=notes)
    if result.leaks:
        more = f" (and {len(result.leaks) - 1} more)" if len(result.leaks) > 1 else ""
        return Verdict.failed(f"{result.leaks[0]}{more}", notes=notes)
    if result.drops_everything_else():
        if result.unknown:
            return Verdict.error(f"could not decide: {result.unknown[0]}", notes=notes)
        if result.domain_list_groups:
            scope = home_net_scope(ctx.network, resource.view, resource.ref.arn or resource.id, policy, groups,
                                   result)
            notes = (*notes, *scope.notes)
            if scope.outside:
                more = f" (and {len(scope.outside) - 1} more)" if len(scope.outside) > 1 else ""
                return Verdict.failed(f"{scope.outside[0]}{more}", notes=(*notes, *scope.outside[1:]))
            if scope.unknowns:
                return Verdict.error(f"could not decide whether every workload inspected by this policy is in "
                                     f"HOME_NET: {scope.unknowns[0]}", notes=(*notes, *scope.unknowns[1:]))
        how = (f"stateful default action {result.default_drop}" if result.default_drop
               else "catch-all drop rules for " + ", ".join(sorted(result.dropped_protocols)))
        what = "traffic not on the allowlist" if result.allowlists else "traffic no pass rule names"
        extra: tuple[str, ...] = ()
        if not result.default_drop and "ip" not in result.dropped_protocols:
            extra = ("IP protocols other than TCP, UDP and ICMP are not dropped; they cannot cross a NAT "
                     "gateway but can leave through an internet gateway from a public address",)
        return Verdict.passed(f"{what} is dropped ({how})", notes=(*notes, *extra))
    gap = _gap(result.rule_order, result.dropped_protocols, result.default_actions)
    if result.allowlists:
        return Verdict.failed(f"a domain allowlist is used but other traffic is not dropped: {gap}", notes=notes)
    return Verdict.failed(f"no domain allowlist and no default drop: all traffic allowed ({gap})", notes=notes)


def _gap(order: RuleOrder, dropped: frozenset[str], defaults: tuple[str, ...]) -> str:
    uncovered = [p for p in ("tcp", "udp", "icmp") if not covers_protocol(dropped, p)]
    not_dropped = f"{', '.join(p.upper() for p in uncovered)} to other destinations pass"
    if order is RuleOrder.STRICT:
        return (f"STRICT_ORDER with stateful default actions {list(defaults) or '[]'} (no aws:drop_strict / "
                f"aws:drop_established), so {not_dropped}")
    return (f"DEFAULT_ACTION_ORDER without a catch-all drop rule; domain lists drop only HTTP/TLS, so "
            f"{not_dropped}")


@check(
    id="FW-003",
    title="Firewall has no alert or flow logging",
    severity=Severity.MEDIUM,
    resource_types=[ResourceType.FIREWALL],
    requires=[(NFW, "ListFirewalls"), (NFW, "DescribeLoggingConfiguration")],
    remediation=(
        "Configure the firewall's logging with an ALERT log destination (and FLOW for full records), "
        "to CloudWatch Logs, S3 or Kinesis Data Firehose, as the seed-001 walkthrough does, so that "
        "dropped and allowed egress can be investigated."
    ),
    references=[f"{_DOC}/firewall-logging.html"],
)
def no_logging(ctx: CheckContext, resource: Resource) -> Verdict:
    """Without logs nobody can tell what the firewall dropped or let through, so an exfiltration
    attempt or a misconfigured allowlist goes unnoticed.

    Fails when the firewall's DescribeLoggingConfiguration has no LogDestinationConfigs entry with
    LogType ALERT or FLOW (TLS logs alone do not count). Gives ERROR when the logging
    configuration of the firewall was not collected.
    """
    arn = resource.ref.arn or str(resource.summary.get("FirewallArn", ""))
    resp = resource.view.detail(NFW, "DescribeLoggingConfiguration", arn)
    config = resp.get("LoggingConfiguration") if isinstance(resp, Mapping) else None
    entries = config.get("LogDestinationConfigs") if isinstance(config, Mapping) else None
    kept = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping):
            kept.append(f"{entry.get('LogType')} -> {entry.get('LogDestinationType')}")
    kept.sort()
    useful = sorted({k.split(" ")[0] for k in kept} & {"ALERT", "FLOW"})
    if useful:
        return Verdict.passed(f"logging configured: {', '.join(kept)}", notes=tuple(kept))
    if kept:
        return Verdict.failed(f"only {', '.join(kept)} is logged; no ALERT or FLOW log", notes=tuple(kept))
    return Verdict.failed("no ALERT or FLOW logging is configured")


@check(
    id="FW-004",
    title="Availability Zone with SageMaker subnets has no firewall endpoint",
    severity=Severity.HIGH,
    resource_types=[ResourceType.FIREWALL],
    requires=[(NFW, "ListFirewalls"), (NFW, "DescribeFirewall"), ("ec2", "DescribeSubnets"),
              *SAGEMAKER_SUBNET_SOURCES],
    remediation=(
        "Add a firewall subnet in every Availability Zone that hosts SageMaker subnets (the firewall's "
        "SubnetMappings) and route each AZ's SageMaker subnets to the endpoint in the same AZ, "
        "duplicating the seed-001 single-AZ layout (firewall, NAT and SageMaker subnets, route tables) "
        "per AZ as that post recommends for production."
    ),
    references=[f"{_DOC}/arch-igw-ngw.html", f"{_DOC}/vpc-config.html"],
)
def az_without_endpoint(ctx: CheckContext, resource: Resource) -> Verdict:
    """Network Firewall endpoints are zonal. An Availability Zone without one either sends its
    SageMaker traffic to another zone's endpoint (and loses it when that zone fails) or, more
    often, is routed around the firewall altogether.

    Fails when a subnet in the firewall's VPC that hosts a notebook instance, a VpcOnly Studio
    domain, a training or processing job or a model lies in an Availability Zone with no firewall
    endpoint: the zones with an endpoint are the keys of FirewallStatus.SyncStates whose Attachment
    has an EndpointId (and is not DELETING, FAILED or ERROR). Passes when every such zone has an
    endpoint, or when no SageMaker subnet is in the firewall's VPC. Gives ERROR for a
    transit-gateway-attached firewall (no VPC subnets to compare) and when a notebook's or
    domain's subnet is not in DescribeSubnets.
    """
    view = resource.view
    desc = resource.detail()
    fw = desc.get("Firewall")
    if not isinstance(fw, Mapping):
        raise MissingData(f"DescribeFirewall for {resource.id} has no Firewall")
    vpc_id = fw.get("VpcId")
    if fw.get("TransitGatewayId") or not isinstance(vpc_id, str):
        return Verdict.error("could not decide: transit-gateway-attached firewalls are not analysed by FW-004")
    placed = ctx.memo(("FW-004 placement", view.account, view.region), lambda: sagemaker_placement(view))
    subnets = placed.subnets
    status = desc.get("FirewallStatus")
    sync = status.get("SyncStates") if isinstance(status, Mapping) else None
    endpoints: dict[str, str] = {}
    notes: list[str] = []
    for az, state in sorted((sync or {}).items()):
        att = state.get("Attachment") if isinstance(state, Mapping) else None
        if not isinstance(att, Mapping) or not att.get("EndpointId"):
            notes.append(f"{az}: no endpoint attached yet")
        elif att.get("Status") in ("DELETING", "FAILED", "ERROR"):
            notes.append(f"{az}: endpoint {att['EndpointId']} is {att['Status']}; not counted")
        else:
            endpoints[az] = str(att["EndpointId"])
    mapping_notes = []
    for mapping in fw.get("SubnetMappings") or []:
        sid = mapping.get("SubnetId") if isinstance(mapping, Mapping) else None
        az = subnets.get(sid, {}).get("AvailabilityZone")
        if az is None:
            mapping_notes.append(f"firewall subnet {sid} is not in DescribeSubnets")
        elif az not in endpoints:
            mapping_notes.append(f"firewall subnet {sid} in {az} has no working endpoint in FirewallStatus.SyncStates")
    notes.extend(sorted(mapping_notes))
    notes.insert(0, "firewall endpoints: " + (", ".join(f"{az} {ep}" for az, ep in sorted(endpoints.items()))
                                              or "none"))
    if placed.missing:
        raise MissingData(placed.missing)
    zones: dict[str, set[str]] = {}
    for az, user in placed.by_vpc.get(vpc_id, []):
        zones.setdefault(az, set()).add(user)
    notes.extend(placed.ignored)
    if not zones:
        return Verdict.passed(f"no SageMaker subnet is in the firewall's VPC {vpc_id}", notes=tuple(notes))
    for az, users in sorted(zones.items()):
        notes.append(f"{az}: SageMaker subnets {', '.join(sorted(users))}")
    gaps = sorted(az for az in zones if az not in endpoints)
    if gaps:
        detail = "; ".join(f"{az} ({', '.join(sorted(zones[az]))})" for az in gaps)
        return Verdict.failed(f"no firewall endpoint in {detail}", notes=tuple(notes))
    return Verdict.passed(
        f"every Availability Zone with SageMaker subnets in {vpc_id} has a firewall endpoint "
        f"({', '.join(sorted(zones))})", notes=tuple(notes))


CHECKS = [stateless_bypass, allowlist_without_drop, no_logging, az_without_endpoint]
