"""AWS Network Firewall checks: does the firewall that NET-001 counts as inspection inspect,
restrict, log, and sit in every Availability Zone it has to?

NET-001 treats a path through a firewall endpoint as inspected; these checks keep that honest.
The policy reading lives in `safemaker.scanner.aws.firewall_policy`; the checks only decide and explain.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from safemaker.scanner.aws.firewall_policy import (
    FirewallPolicyError,
    GroupRef,
    IPNetwork,
    Policy,
    RuleGroup,
    RuleOrder,
    StatefulFinding,
    analyse_stateful,
    analyse_stateless,
    covers_protocol,
    parse_policy,
    parse_rule_group,
)
from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import check
from safemaker.scanner.checking.resources import Resource, resources_of
from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.proof import EgressProof
from safemaker.scanner.model import Hop, ResourceType, Severity, Verdict
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
            scope = _home_net_scope(ctx, resource, policy, groups, result)
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


# --- rule 18: HOME_NET ---------------------------------------------------------------------------

@dataclass
class _Scope:
    """Which inspected workloads the domain lists of a policy do not apply to (rule 18)."""

    outside: list[str] = dc_field(default_factory=list)  # FAIL reasons
    unknowns: list[str] = dc_field(default_factory=list)
    notes: list[str] = dc_field(default_factory=list)


def _nets(cidrs: Iterable[str]) -> list[IPNetwork] | None:
    out: list[IPNetwork] = []
    for c in cidrs:
        try:
            out.append(ipaddress.ip_network(c.strip(), strict=False))
        except ValueError:
            return None
    return out


def _inside(source: IPNetwork, home: Sequence[IPNetwork]) -> bool:
    return any(source.version == h.version and source.subnet_of(h) for h in home)  # type: ignore[arg-type]


def _firewalls_of(resource: Resource) -> list[tuple[str, dict[str, str], str | None]]:
    """(firewall name, endpoint id -> AZ, VPC id) of every firewall in the view using this policy."""
    arn = resource.ref.arn or resource.id
    out = []
    for fw_res in resources_of(resource.view, ResourceType.FIREWALL):
        desc = fw_res.detail()
        fw = desc.get("Firewall")
        if not isinstance(fw, Mapping) or fw.get("FirewallPolicyArn") != arn:
            continue
        status = desc.get("FirewallStatus")
        sync = status.get("SyncStates") if isinstance(status, Mapping) else None
        endpoints: dict[str, str] = {}
        for az, state in (sync or {}).items():
            att = state.get("Attachment") if isinstance(state, Mapping) else None
            if isinstance(att, Mapping) and att.get("EndpointId"):
                endpoints[str(att["EndpointId"])] = str(az)
        vpc = fw.get("VpcId")
        out.append((fw_res.id, endpoints, vpc if isinstance(vpc, str) else None))
    return out


def _vpc_cidrs(view: RegionView, vpc_id: str) -> list[str]:
    for vpc in view.items("ec2", "DescribeVpcs", "Vpcs"):
        if isinstance(vpc, Mapping) and vpc.get("VpcId") == vpc_id:
            cidrs = [str(a["CidrBlock"]) for a in vpc.get("CidrBlockAssociationSet") or []
                     if isinstance(a, Mapping) and a.get("CidrBlock")
                     and (a.get("CidrBlockState") or {}).get("State") in ("associated", "associating", None)]
            cidrs += [str(a["Ipv6CidrBlock"]) for a in vpc.get("Ipv6CidrBlockAssociationSet") or []
                      if isinstance(a, Mapping) and a.get("Ipv6CidrBlock")
                      and (a.get("Ipv6CidrBlockState") or {}).get("State") in ("associated", "associating", None)]
            if not cidrs and vpc.get("CidrBlock"):
                cidrs = [str(vpc["CidrBlock"])]
            return cidrs
    raise MissingData(f"the firewall's VPC {vpc_id} is not in ec2 DescribeVpcs (its CIDR is the default HOME_NET)")


def _placements(ctx: CheckContext) -> Iterator[tuple[str, Callable[[], EgressProof], RegionView, str]]:
    """(label, proof, view, subnet id) of every SageMaker workload that sends traffic from a VPC subnet.

    Domains are placed with the security groups of the domain defaults and of each user profile;
    isolated jobs and models make no outbound calls and are skipped.
    """
    net = ctx.network
    for view in ctx.snapshot.views():
        if view.has("sagemaker", "ListNotebookInstances"):
            for nb in resources_of(view, ResourceType.NOTEBOOK_INSTANCE):
                subnet = nb.detail().get("SubnetId")
                if isinstance(subnet, str):
                    yield f"notebook {nb.id}", functools.partial(net.notebook_proof, nb), view, subnet
        if view.has("sagemaker", "ListDomains"):
            for dom in resources_of(view, ResourceType.DOMAIN):
                d = dom.detail()
                if d.get("AppNetworkAccessType") != "VpcOnly":
                    continue
                base = {*((d.get("DomainSettings") or {}).get("SecurityGroupIds") or []),
                        *((d.get("DefaultUserSettings") or {}).get("SecurityGroups") or [])}
                sg_sets = {tuple(sorted(base))}
                for entry in view.items("sagemaker", "ListUserProfiles", "UserProfiles"):
                    if entry.get("DomainId") == dom.id:
                        profile = view.detail("sagemaker", "DescribeUserProfile",
                                              f"{dom.id}/{entry.get('UserProfileName')}")
                        own = (profile.get("UserSettings") or {}).get("SecurityGroups") or []
                        sg_sets.add(tuple(sorted({*base, *own})))
                for subnet in d.get("SubnetIds") or []:
                    for sgs in sorted(sg_sets):
                        yield (f"domain {dom.id}", functools.partial(net.placement_proof, view, str(subnet), sgs,
                                                                      f"domain {dom.id}"), view, str(subnet))
        for rtype, list_op in ((ResourceType.TRAINING_JOB, "ListTrainingJobs"),
                               (ResourceType.PROCESSING_JOB, "ListProcessingJobs"), (ResourceType.MODEL, "ListModels")):
            if not view.has("sagemaker", list_op):
                continue
            for job in resources_of(view, rtype):
                d = job.detail()
                raw = d.get("NetworkConfig")
                cfg: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
                if d.get("EnableNetworkIsolation") or cfg.get("EnableNetworkIsolation"):
                    continue
                vpc = d.get("VpcConfig") or cfg.get("VpcConfig")
                if not isinstance(vpc, Mapping):
                    continue
                sgs = tuple(vpc.get("SecurityGroupIds") or [])
                label = f"{rtype.value.rsplit('::', 1)[-1]} {job.id}"
                for subnet in vpc.get("Subnets") or []:
                    yield label, functools.partial(net.placement_proof, view, str(subnet), sgs, label), view, \
                        str(subnet)


def _translated_source(ctx: CheckContext, hops: Sequence[Hop]) -> str | None:
    """The private address a NAT before the firewall gives the packet (None: no NAT on the way)."""
    nat = next((h for h in reversed(hops) if h.kind in ("nat-gateway", "nat-instance")), None)
    if nat is None:
        return None
    for view in ctx.snapshot.views():
        topo = ctx.network.topology(view)
        if nat.id.startswith("nat-") and nat.id in topo.nat_gateways:
            addrs = topo.nat_gateways[nat.id].get("NatGatewayAddresses") or []
            ip = next((a.get("PrivateIp") for a in addrs if isinstance(a, Mapping) and a.get("PrivateIp")), None)
            if ip:
                return str(ip)
        eni = topo.enis.get(nat.id) if nat.id.startswith("eni-") else None
        inst = topo.instances.get(nat.id) if nat.id.startswith("i-") else None
        for owner in (eni, inst):
            if isinstance(owner, Mapping) and owner.get("PrivateIpAddress"):
                return str(owner["PrivateIpAddress"])
    raise MissingData(f"the private address of {nat.id} (the source the firewall sees) is not in the snapshot")


def _subnet_ranges(ctx: CheckContext, view: RegionView, subnet_id: str, family: int) -> list[str]:
    subnet = ctx.network.topology(view).subnet(subnet_id)
    if family == 4:
        return [str(subnet["CidrBlock"])] if subnet.get("CidrBlock") else []
    return [str(a["Ipv6CidrBlock"]) for a in subnet.get("Ipv6CidrBlockAssociationSet") or []
            if isinstance(a, Mapping) and a.get("Ipv6CidrBlock")]


def _home_net_scope(ctx: CheckContext, resource: Resource, policy: Policy, groups: Mapping[str, RuleGroup | None],
                    result: StatefulFinding) -> _Scope:
    """Rule 18: domain lists match only sources in HOME_NET. HOME_NET is the firewall VPC's CIDR
    unless the policy's PolicyVariables or the rule group's RuleVariables define it; when both do,
    a source must be inside both (which one AWS applies is not assumed). A workload whose traffic
    reaches one of the firewall's endpoints for stateful inspection from outside it is not
    restricted by the allowlist -- unless traffic from any source is dropped anyway."""
    scope = _Scope()
    if result.drops_outside_home_net():
        scope.notes.append("traffic from outside HOME_NET is dropped too (" + (
            f"stateful default action {result.default_drop}" if result.default_drop
            else "catch-all drop rules from any source") + "): domain lists restrict every inspected source")
        return scope
    # per domain-list group: the HOME_NET definitions that may apply to it
    fixed: list[tuple[str, list[tuple[str, list[IPNetwork]]]]] = []
    for arn in dict.fromkeys([*result.domain_list_groups, *result.home_net_drop_groups]):
        group = groups.get(arn)
        defs: list[tuple[str, list[IPNetwork]]] = []
        for origin, cidrs in ((f"rule group {group.name if group else arn} RuleVariables",
                               group.home_net if group else None),
                              ("policy PolicyVariables", policy.home_net)):
            if cidrs is None:
                continue
            nets = _nets(cidrs)
            if nets is None:
                scope.unknowns.append(f"HOME_NET {list(cidrs)} of the {origin} is not a list of CIDRs")
                return scope
            defs.append((f"{origin} {list(cidrs)}", nets))
        fixed.append((group.name if group else arn, defs))
    try:
        firewalls = _firewalls_of(resource)
    except MissingData as exc:
        scope.unknowns.append(exc.reason)
        return scope
    endpoint_fw: dict[str, tuple[str, str | None]] = {}
    for name, endpoints, vpc in firewalls:
        for vpce in endpoints:
            endpoint_fw[vpce] = (name, vpc)
    if not endpoint_fw:
        scope.notes.append("no firewall using this policy has an endpoint: no workload traffic is inspected by it")
        return scope
    seen: set[str] = set()
    try:
        placements = list(_placements(ctx))
    except MissingData as exc:
        scope.unknowns.append(f"SageMaker workloads could not all be listed: {exc.reason}")
        placements = []
    checked = 0
    for label, prove, view, subnet_id in placements:
        try:
            proof = prove()
        except MissingData as exc:
            scope.unknowns.append(f"{label}: {exc.reason}")
            continue
        if proof.unknowns:
            scope.unknowns.append(f"{label}: its egress proof is incomplete ({proof.unknowns[0]})")
        for path in proof.inspected:
            at = next((i for i, h in enumerate(path.hops) if h.kind == "firewall-endpoint" and h.id in endpoint_fw
                       and "stateful engine" in h.detail), None)
            if at is None:
                continue
            vpce = path.hops[at].id
            fw_name, fw_vpc = endpoint_fw[vpce]
            family = 6 if any(":" in d for d in path.destinations) else 4
            try:
                nat_ip = _translated_source(ctx, path.hops[:at])
                sources = [nat_ip] if nat_ip and family == 4 else _subnet_ranges(ctx, view, subnet_id, family)
                default = _vpc_cidrs(resource.view, fw_vpc) if fw_vpc else None
            except MissingData as exc:
                scope.unknowns.append(f"{label}: {exc.reason}")
                continue
            checked += 1
            for group_name, defs in fixed:
                candidates = list(defs)
                if not candidates:
                    if default is None:
                        scope.unknowns.append(f"firewall {fw_name} is not in a VPC and HOME_NET is not set: the "
                                              f"sources {group_name} applies to are unknown")
                        continue
                    candidates = [(f"default: the CIDR of firewall {fw_name}'s VPC {fw_vpc} {default}",
                                   _nets(default) or [])]
                for src in sources:
                    src_net = ipaddress.ip_network(src, strict=False)
                    for origin, home in candidates:
                        if _inside(src_net, home):
                            continue
                        key = f"{label}/{src}/{group_name}/{origin}"
                        if key in seen:
                            continue
                        seen.add(key)
                        via = f" (after source NAT by {_nat_id(path.hops[:at])})" if nat_ip and family == 4 else ""
                        scope.outside.append(
                            f"{label} is inspected by firewall {fw_name} (endpoint {vpce}) from {src}{via}, which is "
                            f"outside HOME_NET ({origin}): the $HOME_NET rules of {group_name} do not apply to it, "
                            "and nothing else drops its traffic")
    if checked:
        scope.notes.append(f"HOME_NET checked for {checked} inspected workload path(s) through this policy's "
                           "firewalls")
    else:
        scope.notes.append("no SageMaker workload's traffic reaches a firewall using this policy")
    return scope


def _nat_id(hops: Sequence[Hop]) -> str:
    return next((h.id for h in reversed(hops) if h.kind in ("nat-gateway", "nat-instance")), "?")


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


# The list operations every FW-004 verdict reads; the per-resource Describe* operations are read
# for each listed workload and give ERROR through MissingData when an entry is absent.
_SUBNET_SOURCES = [
    ("sagemaker", "ListNotebookInstances"), ("sagemaker", "ListDomains"), ("sagemaker", "ListTrainingJobs"),
    ("sagemaker", "ListProcessingJobs"), ("sagemaker", "ListModels"),
]


def sagemaker_subnets(view: RegionView) -> list[tuple[str, str, bool]]:
    """(subnet id, "notebook nb-1" style owner, live) for every SageMaker workload with a subnet.

    `live` is False for jobs and models: a subnet they name may since have been deleted.
    """
    out: list[tuple[str, str, bool]] = []

    def detail(op: str, key: str) -> Mapping[str, Any]:
        value = view.detail("sagemaker", op, key)
        if not isinstance(value, Mapping):
            raise MissingData(f"sagemaker {op} for {key} is not an object")
        return value

    for nb in view.items("sagemaker", "ListNotebookInstances", "NotebookInstances"):
        name = str(nb.get("NotebookInstanceName"))
        subnet = detail("DescribeNotebookInstance", name).get("SubnetId")
        if isinstance(subnet, str):
            out.append((subnet, f"notebook {name}", True))
    for dom in view.items("sagemaker", "ListDomains", "Domains"):
        did = str(dom.get("DomainId"))
        d = detail("DescribeDomain", did)
        if d.get("AppNetworkAccessType") != "VpcOnly":
            continue  # internet traffic of PublicInternetOnly domains does not use the VPC (NET-002)
        for subnet in d.get("SubnetIds") or []:
            out.append((str(subnet), f"domain {did}", True))
    jobs = [
        ("ListTrainingJobs", "TrainingJobSummaries", "TrainingJobName", "DescribeTrainingJob", "training job"),
        ("ListProcessingJobs", "ProcessingJobSummaries", "ProcessingJobName", "DescribeProcessingJob",
         "processing job"),
        ("ListModels", "Models", "ModelName", "DescribeModel", "model"),
    ]
    for list_op, key, field, describe, label in jobs:
        for entry in view.items("sagemaker", list_op, key):
            name = str(entry.get(field))
            d = detail(describe, name)
            vpc = d.get("VpcConfig")
            if describe == "DescribeProcessingJob":
                net = d.get("NetworkConfig")
                vpc = net.get("VpcConfig") if isinstance(net, Mapping) else None
            if isinstance(vpc, Mapping):
                for subnet in vpc.get("Subnets") or []:
                    out.append((str(subnet), f"{label} {name}", False))
    return out


@dataclass(frozen=True)
class _Placement:
    """Where the region's SageMaker workloads sit, read once for all firewalls of the region."""

    subnets: dict[Any, Mapping[str, Any]]
    by_vpc: dict[Any, list[tuple[str, str]]]  # VpcId -> (AZ, "subnet (owner)")
    ignored: list[str]
    missing: str | None  # a live workload's subnet is not in DescribeSubnets


def _sagemaker_placement(view: RegionView) -> _Placement:
    subnets = {s.get("SubnetId"): s for s in view.items("ec2", "DescribeSubnets", "Subnets") if isinstance(s, Mapping)}
    by_vpc: dict[Any, list[tuple[str, str]]] = {}
    ignored = []
    for subnet_id, owner, live in sorted(sagemaker_subnets(view)):
        subnet = subnets.get(subnet_id)
        if subnet is None:
            if live:
                return _Placement(subnets, {}, [], f"subnet {subnet_id} of {owner} is not in ec2 DescribeSubnets")
            ignored.append(f"subnet {subnet_id} of {owner} is not in DescribeSubnets (deleted?); ignored")
            continue
        by_vpc.setdefault(subnet.get("VpcId"), []).append((str(subnet.get("AvailabilityZone")),
                                                           f"{subnet_id} ({owner})"))
    return _Placement(subnets, by_vpc, ignored, None)


@check(
    id="FW-004",
    title="Availability Zone with SageMaker subnets has no firewall endpoint",
    severity=Severity.HIGH,
    resource_types=[ResourceType.FIREWALL],
    requires=[(NFW, "ListFirewalls"), (NFW, "DescribeFirewall"), ("ec2", "DescribeSubnets"), *_SUBNET_SOURCES],
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
    placed = ctx.memo(("FW-004 placement", view.account, view.region), lambda: _sagemaker_placement(view))
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
