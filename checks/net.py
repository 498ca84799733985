"""Network egress checks: each verdict is a proof over every destination, from the prover."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from safemaker.scanner.aws.s3_policy import PolicyParseError, is_s3_gateway, judge_s3_endpoint_policy
from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import CheckFunc, check
from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.graph.proof import EgressProof, managed_network_path
from safemaker.scanner.model import Path, ResourceType, Severity, Verdict

_NETWORK_OPS = (
    ("ec2", "DescribeSubnets"),
    ("ec2", "DescribeRouteTables"),
    ("ec2", "DescribeSecurityGroups"),
    ("ec2", "DescribeNetworkAcls"),
    ("ec2", "DescribeNetworkInterfaces"),
    ("ec2", "DescribeVpcs"),
)
_NOTEBOOK_OPS = (("sagemaker", "DescribeNotebookInstance"), *_NETWORK_OPS)
SEED_000 = "Seed 000: SageMaker notebooks behind a squid web proxy (private subnet, no NAT)"
SEED_001 = "Seed 001: Studio + AWS Network Firewall (NAT subnet routes through the firewall endpoint)"
# Semantics rule 19: a known limitation of every PASS, stated rather than proven.
DNS_LIMITATION = ("known limitation: DNS queries answered by the Route 53 Resolver inside the VPC are not seen by "
                  "the firewall or proxy (DNS tunnelling is outside this proof)")


def _first_path_summary(path: Path) -> str:
    hops = " -> ".join(h.id for h in path.hops)
    return f"{path.outcome.split(';')[0]} ({hops})"


def _blocked_summary(proof: EgressProof, limit: int = 3) -> str:
    if not proof.blocked:
        return ""
    shown = "; ".join(proof.blocked[:limit])
    more = len(proof.blocked) - limit
    return shown + (f"; and {more} more" if more > 0 else "")


def _undecided(proof: EgressProof) -> Verdict:
    return Verdict.error("could not complete the proof: " + "; ".join(proof.unknowns),
                         notes=proof.notes)


@check(
    id="NET-001",
    title="Notebook instance has an uninspected path to the internet",
    severity=Severity.CRITICAL,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=_NOTEBOOK_OPS,
    remediation=("Remove the route that bypasses inspection (NAT gateway or internet gateway reached without a "
                 "firewall endpoint), set DirectInternetAccess to Disabled, and send egress through an AWS "
                 "Network Firewall endpoint whose stateless default forwards to the stateful engine, or through "
                 "a sanctioned proxy with no other route out."),
    references=(SEED_000, SEED_001,
                "https://docs.aws.amazon.com/sagemaker/latest/dg/appendix-notebook-and-internet-access.html"),
)
def notebook_uninspected_egress(ctx: CheckContext, resource: Resource) -> Verdict:
    """A notebook that can reach the internet without passing a Network Firewall or a sanctioned
    proxy can download unvetted software and exfiltrate data. FAIL when any destination range,
    IPv4 or IPv6, has a live path from the notebook to the internet that passes no firewall
    endpoint sending it to the stateful engine and ends at no sanctioned proxy, including
    DirectInternetAccess Enabled (SageMaker's own network). ERROR when part of the network
    could not be resolved and no such path was proven."""
    proof = ctx.network.notebook_proof(resource)
    if proof.uninspected:
        first = proof.uninspected[0]
        more = len(proof.uninspected) - 1
        tail = f" (and {more} more path{'s' if more > 1 else ''})" if more else ""
        return Verdict.failed(f"{proof.source}: {_first_path_summary(first)}{tail}",
                              paths=proof.uninspected, notes=proof.notes)
    if proof.unknowns:
        return _undecided(proof)
    if proof.inspected:
        msg = f"every path to the internet is inspected ({len(proof.inspected)} inspected path(s))"
    else:
        msg = "no path to the internet exists"
    blocked = _blocked_summary(proof)
    return Verdict.passed(f"{proof.source}: {msg}" + (f"; {blocked}" if blocked else ""),
                          paths=proof.inspected, notes=(*proof.notes, *proof.blocked, DNS_LIMITATION))


@check(
    id="NET-004",
    title="Notebook instance has a latent path to an internet gateway",
    severity=Severity.MEDIUM,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=_NOTEBOOK_OPS,
    remediation=("Remove the internet gateway route from the notebook subnet's route table (or move the notebook "
                 "to a private subnet): one public IP assignment would make the path live."),
    references=(SEED_000,),
)
def latent_internet_gateway(ctx: CheckContext, resource: Resource) -> Verdict:
    """A route from the notebook's subnet to an internet gateway is one public-IP assignment away
    from a live, uninspected path. FAIL when traffic from the notebook's ENI, untranslated and
    with no public address, is routed to an internet gateway for some destination."""
    proof = ctx.network.notebook_proof(resource)
    if proof.latent:
        first = proof.latent[0]
        return Verdict.failed(f"{proof.source}: {_first_path_summary(first)}", paths=proof.latent,
                              notes=proof.notes)
    if proof.unknowns:
        return _undecided(proof)
    return Verdict.passed(f"{proof.source}: no route sends the notebook's private address to an internet gateway",
                          notes=proof.notes)


@check(
    id="NET-005",
    title="Notebook instance has IPv6 egress that bypasses inspection",
    severity=Severity.CRITICAL,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=(*_NOTEBOOK_OPS, ("ec2", "DescribeEgressOnlyInternetGateways")),
    remediation=("Remove the ::/0 route to the egress-only or internet gateway from the notebook subnet, or send "
                 "IPv6 through the firewall endpoint too; IPv4 controls (proxy, NAT + firewall) do not see IPv6."),
    references=("https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html",),
)
def ipv6_bypass(ctx: CheckContext, resource: Resource) -> Verdict:
    """Teams that lock down IPv4 with a proxy or a firewall often forget IPv6: an egress-only
    internet gateway carries IPv6 for any ENI with an IPv6 address and bypasses every IPv4
    control. FAIL when an IPv6 destination range has a live uninspected internet path (NET-001
    fails too; this check names the IPv6-specific cause)."""
    proof = ctx.network.notebook_proof(resource)
    if proof.uninspected_ipv6:
        return Verdict.failed(f"{proof.source}: {_first_path_summary(proof.uninspected_ipv6[0])}",
                              paths=proof.uninspected_ipv6, notes=proof.notes)
    if proof.unknowns:
        return _undecided(proof)
    return Verdict.passed(f"{proof.source}: no IPv6 path to the internet bypasses inspection", notes=proof.notes)


def _isolated(detail: Mapping[str, Any]) -> bool:
    cfg = detail.get("NetworkConfig") or {}
    return bool(detail.get("EnableNetworkIsolation") or cfg.get("EnableNetworkIsolation"))


def _vpc_config(detail: Mapping[str, Any]) -> Mapping[str, Any] | None:
    cfg = detail.get("VpcConfig") or (detail.get("NetworkConfig") or {}).get("VpcConfig")
    return cfg if isinstance(cfg, Mapping) else None


def _prove_placements(ctx: CheckContext, resource: Resource, subnets: Sequence[str],
                      sg_sets: Sequence[tuple[str, ...]], label: str) -> tuple[list[Path], list[str], list[str]]:
    paths: list[Path] = []
    unknowns: list[str] = []
    notes: list[str] = []
    for subnet in sorted(set(subnets)):
        for sgs in sorted(set(sg_sets)):
            try:
                proof = ctx.network.placement_proof(resource.view, subnet, sgs, label)
            except MissingData as exc:
                unknowns.append(f"{subnet} with {', '.join(sgs) or 'no security groups'}: {exc.reason}")
                continue
            paths.extend(proof.uninspected)
            unknowns.extend(proof.unknowns)
            notes.extend(proof.notes)
    return paths, sorted(set(unknowns)), sorted(set(notes))


@check(
    id="NET-002",
    title="Studio domain has an uninspected path to the internet",
    severity=Severity.CRITICAL,
    resource_types=[ResourceType.DOMAIN],
    requires=(("sagemaker", "DescribeDomain"), ("sagemaker", "ListUserProfiles"), *_NETWORK_OPS),
    remediation=("Create the domain with AppNetworkAccessType VpcOnly in private subnets whose egress passes a "
                 "Network Firewall endpoint (seed 001), and keep every user profile's security groups tight."),
    references=(SEED_001, "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-notebooks-and-internet-access.html"),
)
def studio_uninspected_egress(ctx: CheckContext, resource: Resource) -> Verdict:
    """Studio apps inherit the domain's network mode. FAIL when AppNetworkAccessType is
    PublicInternetOnly (the default), or when, in VpcOnly mode, some domain subnet combined with
    the security groups of the domain defaults, a user profile or the space defaults has a live
    uninspected path to the internet. ERROR when user profiles could not be read and no path was
    found (their security groups could add egress)."""
    domain = resource.detail()
    mode = domain.get("AppNetworkAccessType") or "PublicInternetOnly"
    if mode == "PublicInternetOnly":
        why = "AppNetworkAccessType is PublicInternetOnly" + ("" if domain.get("AppNetworkAccessType")
                                                              else " (the default)")
        path = managed_network_path(f"domain {resource.id}", why)
        return Verdict.failed(f"domain {resource.id}: {why}", paths=(path,))
    base = tuple((domain.get("DomainSettings") or {}).get("SecurityGroupIds", []) or [])
    default_user = tuple((domain.get("DefaultUserSettings") or {}).get("SecurityGroups", []) or [])
    default_space = tuple((domain.get("DefaultSpaceSettings") or {}).get("SecurityGroups", []) or [])
    sg_sets = [tuple(sorted({*base, *default_user}))]
    unknowns: list[str] = []
    view = resource.view
    for entry in view.items("sagemaker", "ListUserProfiles", "UserProfiles"):
        if entry.get("DomainId") != resource.id:
            continue
        key = f"{resource.id}/{entry.get('UserProfileName')}"
        try:
            profile = view.detail("sagemaker", "DescribeUserProfile", key)
        except MissingData as exc:
            unknowns.append(exc.reason)
            continue
        own = tuple((profile.get("UserSettings") or {}).get("SecurityGroups", []) or [])
        sg_sets.append(tuple(sorted({*base, *default_user, *own})))
    if view.has("sagemaker", "ListSpaces"):
        if any(s.get("DomainId") == resource.id for s in view.items("sagemaker", "ListSpaces", "Spaces")):
            sg_sets.append(tuple(sorted({*base, *default_space})))
    else:
        unknowns.append(view.missing_reason("sagemaker", "ListSpaces"))
    subnets = list(domain.get("SubnetIds", []) or [])
    if not subnets:
        return Verdict.error(f"domain {resource.id} is VpcOnly but lists no SubnetIds")
    paths, more_unknowns, notes = _prove_placements(ctx, resource, subnets, sg_sets, f"domain {resource.id}")
    unknowns += more_unknowns
    if paths:
        return Verdict.failed(f"domain {resource.id}: {_first_path_summary(paths[0])}", paths=tuple(paths),
                              notes=tuple(notes))
    if unknowns:
        return Verdict.error("could not complete the proof: " + "; ".join(unknowns), notes=tuple(notes))
    return Verdict.passed(f"domain {resource.id}: VpcOnly and no subnet/security group combination "
                          f"({len(subnets)} subnet(s), {len(set(sg_sets))} security group set(s)) reaches the "
                          "internet uninspected", notes=tuple(notes))


@check(
    id="NET-003",
    title="Training job, processing job or model can reach the internet uninspected",
    severity=Severity.HIGH,
    resource_types=[ResourceType.TRAINING_JOB, ResourceType.PROCESSING_JOB, ResourceType.MODEL],
    requires=_NETWORK_OPS,
    remediation=("Run jobs and models with EnableNetworkIsolation, or in a VpcConfig whose subnets have no "
                 "uninspected route out."),
    references=("https://docs.aws.amazon.com/sagemaker/latest/dg/mkt-algo-model-internet-free.html",),
)
def job_uninspected_egress(ctx: CheckContext, resource: Resource) -> Verdict:
    """Containers without a VPC run in SageMaker's network with internet access, so training
    code or a model can pull unvetted software and send data out. FAIL when the workload has
    neither network isolation nor a VpcConfig, or its VpcConfig subnets and security groups have
    a live uninspected path to the internet. Network isolation passes whatever the VPC says."""
    detail = resource.detail()
    label = f"{resource.ref.type.value.rsplit('::', 1)[-1]} {resource.id}"
    if _isolated(detail):
        return Verdict.passed(f"{label}: network isolation is enabled (no outbound calls)")
    vpc = _vpc_config(detail)
    if vpc is None:
        why = "no network isolation and no VpcConfig"
        return Verdict.failed(f"{label}: {why}", paths=(managed_network_path(label, why),))
    sgs = tuple(vpc.get("SecurityGroupIds", []) or [])
    paths, unknowns, notes = _prove_placements(ctx, resource, list(vpc.get("Subnets", []) or []), [sgs], label)
    if paths:
        return Verdict.failed(f"{label}: {_first_path_summary(paths[0])}", paths=tuple(paths), notes=tuple(notes))
    if unknowns:
        return Verdict.error("could not complete the proof: " + "; ".join(unknowns), notes=tuple(notes))
    return Verdict.passed(f"{label}: runs in its VPC and no subnet reaches the internet uninspected",
                          notes=tuple(notes))


def _api_services(region: str) -> tuple[str, str]:
    return (f"com.amazonaws.{region}.sagemaker.api", f"com.amazonaws.{region}.sagemaker.runtime")


@check(
    id="VPCE-001",
    title="VPC-only notebook or domain has no path to the SageMaker API and runtime",
    severity=Severity.LOW,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE, ResourceType.DOMAIN],
    requires=(*_NETWORK_OPS, ("ec2", "DescribeVpcEndpoints")),
    remediation=("Create interface endpoints com.amazonaws.<region>.sagemaker.api and sagemaker.runtime (private "
                 "DNS on) in the VPC (seed 004), so that the workload works without a NAT."),
    references=("Seed 004: SageMaker through AWS PrivateLink interface endpoints",
                "https://docs.aws.amazon.com/sagemaker/latest/dg/interface-vpc-endpoint.html"),
)
def no_sagemaker_api_endpoint(ctx: CheckContext, resource: Resource) -> Verdict:
    """A VPC-only notebook or domain needs the SageMaker API and runtime, either through interface
    endpoints or through a NAT; without them it does not work at all, and teams "fix" that by
    adding a NAT gateway that bypasses inspection. FAIL when the workload is VPC-only and neither
    both interface endpoints nor any path to the internet exist. An endpoint counts only when the
    workload can use it (rule 28): available, private DNS on, and an endpoint ENI reachable on
    tcp/443 through the workload's and the endpoint's security groups and the network ACLs.
    Workloads with internet access through SageMaker's network PASS (not VPC-only)."""
    api, runtime = _api_services(resource.ref.region)
    if resource.ref.type is ResourceType.DOMAIN:
        domain = resource.detail()
        if (domain.get("AppNetworkAccessType") or "PublicInternetOnly") != "VpcOnly":
            return Verdict.passed(f"domain {resource.id} is not VPC-only")
        subnets = list(domain.get("SubnetIds", []) or [])
        if not subnets:
            return Verdict.error(f"domain {resource.id} is VpcOnly but lists no SubnetIds")
        sgs = tuple((domain.get("DefaultUserSettings") or {}).get("SecurityGroups", []) or [])
        proof = ctx.network.placement_proof(resource.view, subnets[0], sgs, f"domain {resource.id}")
    else:
        nb = resource.detail()
        if nb.get("DirectInternetAccess") != "Disabled":
            return Verdict.passed(f"notebook {resource.id} is not VPC-only (DirectInternetAccess is not Disabled)")
        proof = ctx.network.notebook_proof(resource)
    services = set(proof.interface_endpoints)
    if {api, runtime} <= services:
        return Verdict.passed(f"{proof.source}: interface endpoints for sagemaker.api and sagemaker.runtime exist")
    if proof.reaches_internet:
        return Verdict.passed(f"{proof.source}: reaches the SageMaker API over the internet path "
                              f"({'inspected' if proof.inspected else 'uninspected'})")
    if proof.unknowns or proof.interface_endpoint_unknowns:
        return Verdict.error("could not complete the proof: "
                             + "; ".join([*proof.interface_endpoint_unknowns, *proof.unknowns]), notes=proof.notes)
    missing = ", ".join(sorted({api, runtime} - services))
    usable = "usable " if proof.interface_endpoint_problems else ""
    return Verdict.failed(f"{proof.source}: no {usable}interface endpoint for {missing} and no path to the internet",
                          notes=proof.interface_endpoint_problems)


@check(
    id="NET-006",
    title="Notebook instance can exfiltrate to any S3 bucket through a gateway endpoint",
    severity=Severity.HIGH,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=(*_NOTEBOOK_OPS, ("ec2", "DescribeVpcEndpoints"), ("ec2", "DescribePrefixLists")),
    remediation=("Restrict the S3 gateway endpoint policy to the buckets the notebook needs (seed 003), e.g. with "
                 "Resource arn:aws:s3:::my-bucket/* or a condition on aws:ResourceAccount."),
    references=("Seed 003: isolated notebooks with an S3 gateway endpoint",
                "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html"),
)
def any_bucket_through_s3_endpoint(ctx: CheckContext, resource: Resource) -> Verdict:
    """Traffic to an S3 gateway endpoint never passes the firewall or the proxy, so an endpoint
    policy that lets callers write to any bucket is an exfiltration path to an attacker's bucket.
    FAIL when the notebook's route table and security groups let it reach an S3 gateway endpoint
    whose policy allows writing objects into buckets of any account (no policy means AWS's
    full-access default)."""
    proof = ctx.network.notebook_proof(resource)
    topo = ctx.network.topology(resource.view)
    failing: list[Path] = []
    reasons: list[str] = []
    problems: list[str] = []
    for path in proof.gateway_endpoints:
        vpce = path.hops[-1].id
        endpoint = topo.vpc_endpoints.get(vpce)
        if endpoint is None or not is_s3_gateway(endpoint):
            continue
        try:
            judgement = judge_s3_endpoint_policy(endpoint.get("PolicyDocument"))
        except PolicyParseError as exc:
            problems.append(f"{vpce}: {exc}")
            continue
        if judgement.writes_any_bucket:
            failing.append(path)
            reasons.append(f"{vpce}: {judgement.reasons[0]}")
    if failing:
        return Verdict.failed(f"{proof.source}: reaches S3 through {reasons[0]}", paths=tuple(failing),
                              notes=tuple(reasons))
    if problems or proof.unknowns:
        return Verdict.error("could not complete the proof: " + "; ".join([*problems, *proof.unknowns]))
    if not proof.gateway_endpoints:
        return Verdict.passed(f"{proof.source}: reaches no gateway endpoint")
    return Verdict.passed(f"{proof.source}: every S3 gateway endpoint it reaches limits the buckets",
                          paths=proof.gateway_endpoints)


@check(
    id="NET-007",
    title="Notebook instance can reach an unsanctioned relay with its own internet path",
    severity=Severity.HIGH,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=(*_NOTEBOOK_OPS, ("ec2", "DescribeInstances")),
    remediation=("Tighten the notebook's security-group egress and the host's ingress so the notebook cannot "
                 "reach it, remove the host's own route out, or designate it as a proxy (tag safemaker:role=proxy) "
                 "if it is one and harden it accordingly."),
    references=(SEED_000,),
)
def unsanctioned_relay(ctx: CheckContext, resource: Resource) -> Verdict:
    """A notebook without an internet route can still hand its traffic to a host that has one
    (a bastion, a build box); anything running there can forward it. FAIL when an EC2 instance
    that is not a sanctioned proxy is reachable from the notebook -- in its VPC or through
    peering or a transit gateway, over IPv4 or IPv6, on any of the host's addresses, with network
    ACLs passing the traffic both ways and the host's security groups admitting it -- and has a
    live uninspected internet path of its own from any of its ENIs (rule 31). ERROR when part of
    that could not be decided and no relay was proven."""
    from safemaker.scanner.graph.relays import find_relays

    source = ctx.network.notebook_source(resource)
    if source is None:
        return Verdict.passed(f"notebook {resource.id} is not in a VPC: it can reach no VPC host")
    relays, unknowns = find_relays(ctx.network, source, ctx.network.notebook_proof(resource))
    if relays:
        first = relays[0]
        return Verdict.failed(f"{source.label}: reaches instance {first.instance_id} on {first.flow}, which "
                              f"{first.path.outcome.split(': ', 1)[-1].split(';')[0]}",
                              paths=tuple(r.path for r in relays))
    if unknowns:
        return Verdict.error("could not complete the proof: " + "; ".join(sorted(set(unknowns))))
    return Verdict.passed(f"{source.label}: no host it can reach (in its VPC, through peering or a transit gateway) "
                          "has its own uninspected internet path")


@check(
    id="NET-008",
    title="Firewall sees return traffic through a different path (asymmetric routing)",
    severity=Severity.HIGH,
    resource_types=[ResourceType.FIREWALL],
    requires=(("network-firewall", "DescribeFirewall"), ("ec2", "DescribeRouteTables"),
              ("ec2", "DescribeSubnets"), ("ec2", "DescribeNatGateways")),
    remediation=("Give the internet gateway an edge route table that sends each protected subnet's CIDR (the NAT "
                 "subnet in seed 001) to the firewall endpoint of its Availability Zone; when the firewall sits in "
                 "front of a NAT gateway, route the protected CIDRs from the NAT subnet back to the same endpoint."),
    references=(SEED_001, "https://docs.aws.amazon.com/network-firewall/latest/developerguide/arch-igw-ngw.html"),
)
def asymmetric_return(ctx: CheckContext, resource: Resource) -> Verdict:
    """A stateful firewall must see both directions of a flow at the same endpoint; when replies
    bypass it, stateful rules drop or misjudge flows and allowlists stop working as designed.
    FAIL when a subnet that sends traffic to one of the firewall's endpoints gets its replies
    back by another way: the IGW has no edge route table or it sends the subnet's CIDR elsewhere
    (firewall between NAT and IGW, seed 001), or the NAT subnet's route table does not send the
    protected CIDR back to the endpoint (firewall in front of the NAT gateway)."""
    from safemaker.scanner.graph.returns import firewall_return_issues

    desc = resource.detail()
    states = (desc.get("FirewallStatus") or {}).get("SyncStates") or {}
    endpoints = {s["Attachment"]["EndpointId"]: s["Attachment"]["SubnetId"] for s in states.values()
                 if (s.get("Attachment") or {}).get("EndpointId") and (s.get("Attachment") or {}).get("SubnetId")}
    if not endpoints:
        return Verdict.error(f"firewall {resource.id} has no endpoints in FirewallStatus.SyncStates")
    def spokes(subnet_id: str) -> AddrSet | None:
        return ctx.network.tgw_spoke_ranges(resource.view, subnet_id)

    issues = firewall_return_issues(ctx.network.topology(resource.view), endpoints, spokes)
    if issues:
        return Verdict.failed(issues[0].message + (f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""),
                              paths=tuple(i.path for i in issues))
    return Verdict.passed(f"firewall {resource.id}: replies to every subnet routed through its "
                          f"{len(endpoints)} endpoint(s) come back through the same endpoint")


CHECKS: list[CheckFunc] = [notebook_uninspected_egress, studio_uninspected_egress, job_uninspected_egress,
                           latent_internet_gateway, ipv6_bypass, any_bucket_through_s3_endpoint,
                           unsanctioned_relay, asymmetric_return, no_sagemaker_api_endpoint]
