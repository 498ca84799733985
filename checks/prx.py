"""Proxy checks: the seed-000 design (notebooks behind a squid proxy) is only as strong as the
proxy host and the notebook's proxy settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from safemaker.scanner.aws.lifecycle import BASE, IMDS, ImdsRoute, LifecycleSettings, Route, covering_entry
from safemaker.scanner.aws.proxies import (
    AddressIndex,
    Designation,
    address_index,
    instances_by_vpc,
    lifecycle_designations,
    merge_designations,
    notebook_lifecycle,
    static_designations,
    subnet_vpcs,
)
from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import check
from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.proof import EgressProof
from safemaker.scanner.graph.relays import reachable_proxies
from safemaker.scanner.model import Path, ResourceType, Severity, Verdict
from safemaker.scanner.snapshot.io import RegionView

T = TypeVar("T")
_EC2_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide"

# Designation reads every notebook's lifecycle configuration and the address index reads every
# interface; compute each once per run and region, kept by the run's context.
def _once(ctx: CheckContext, view: RegionView, what: str, make: Callable[[], T]) -> T:
    return ctx.memo(("PRX " + what, view.account, view.region), make)


def _designation(ctx: CheckContext, view: RegionView) -> Designation:
    return _once(ctx, view, "designation",
                 lambda: merge_designations(_static(ctx, view), _by_lifecycle(ctx, view)))


def _static(ctx: CheckContext, view: RegionView) -> dict[str, list[str]]:
    return _once(ctx, view, "static", lambda: static_designations(view, ctx.config))


def _by_lifecycle(ctx: CheckContext, view: RegionView) -> Designation:
    return _once(ctx, view, "lifecycle", lambda: lifecycle_designations(view, ctx.memo))


def _instance_index(ctx: CheckContext, view: RegionView) -> AddressIndex:
    return _once(ctx, view, "instance-addresses", lambda: address_index(view, interfaces=False))


def _imds_v1_allowed(options: Any) -> tuple[bool, str]:
    if not isinstance(options, Mapping):
        return True, "MetadataOptions is absent: IMDSv1 allowed by default"
    if options.get("HttpEndpoint") == "disabled":
        return False, "the instance metadata service is disabled (HttpEndpoint disabled)"
    tokens = options.get("HttpTokens")
    if tokens == "required":
        return False, "IMDSv2 is required (HttpTokens required)"
    shown = f"HttpTokens is {tokens}" if tokens else "HttpTokens is not set"
    return True, f"{shown}: IMDSv1 allowed"


@check(
    id="PRX-001",
    title="Proxy instance allows IMDSv1",
    severity=Severity.HIGH,
    resource_types=[ResourceType.EC2_INSTANCE],
    requires=[("ec2", "DescribeInstances")],
    remediation=(
        "Require IMDSv2 on the proxy: `aws ec2 modify-instance-metadata-options --instance-id <id> "
        "--http-tokens required --http-put-response-hop-limit 1` (and set it in the launch template), "
        "as the seed-000 post recommends for the squid instance."
    ),
    references=[f"{_EC2_DOC}/configuring-IMDS-existing-instances.html",
                "https://aws.amazon.com/blogs/security/defense-in-depth-open-firewalls-reverse-proxies-ssrf-"
                "vulnerabilities-ec2-instance-metadata-service/"],
)
def proxy_imdsv1(ctx: CheckContext, resource: Resource) -> Verdict | None:
    """A forward proxy fetches whatever URL a notebook asks for. With IMDSv1 a request for
    http://169.254.169.254/ through the proxy returns the proxy's own instance role credentials to
    the notebook user; IMDSv2's PUT-for-token with a hop limit of 1 stops that.

    Applies only to sanctioned proxies (tag safemaker:role=proxy, named in safemaker.toml, or the
    target of a notebook lifecycle configuration's HTTP(S)_PROXY); other instances get no finding.
    Fails when MetadataOptions.HttpTokens is not "required" (absent MetadataOptions means IMDSv1 is
    allowed), unless the metadata endpoint is disabled. Gives ERROR for an instance that allows
    IMDSv1 when some designation could not be read (it may be a proxy).
    """
    # Tag and safemaker.toml designations need only DescribeInstances; notebook lifecycle
    # configurations are read only for instances those do not already designate.
    allowed, why = _imds_v1_allowed(resource.summary.get("MetadataOptions"))
    reasons = _static(ctx, resource.view).get(resource.id)
    if reasons is None:
        by_lifecycle = _by_lifecycle(ctx, resource.view)
        reason = by_lifecycle.proxies.get(resource.id)
        if reason is None:
            if allowed and by_lifecycle.unknowns:
                return Verdict.error(
                    f"could not tell whether {resource.id} is a proxy ({by_lifecycle.unknowns[0]}); it allows "
                    "IMDSv1", notes=by_lifecycle.unknowns)
            return None
        reasons = [reason]
    notes = (f"designated as a proxy by {'; '.join(reasons)}",)
    if allowed:
        return Verdict.failed(f"proxy {resource.id}: {why}", notes=notes)
    return Verdict.passed(f"proxy {resource.id}: {why}", notes=notes)


def _shown(route: ImdsRoute) -> str:
    """`HTTP_PROXY/HTTPS_PROXY=http://***@host:port`: redacted URLs only (lifecycle.redact_proxy)."""
    by_url: dict[str, list[str]] = {}
    for p in route.proxies:
        by_url.setdefault(p.url, []).append(p.variable)
    return ", ".join(f"{'/'.join(names)}={url}" for url, names in by_url.items()) or "a proxy computed at run time"


def _in(route: ImdsRoute) -> str:
    return "" if route.environment == BASE else f" in {route.environment}"


def _route_note(lc_name: str | None, route: ImdsRoute) -> str:
    return (f"lifecycle config {lc_name} sets {_shown(route)}{_in(route)}; NO_PROXY entries: "
            f"{route.no_proxy or 'none'}")


def notebook_proof(ctx: CheckContext, resource: Resource) -> EgressProof:
    """The network prover's proof for a notebook; one seam so that tests can stand it in."""
    return ctx.network.notebook_proof(resource)


def _is_proxy_path(path: Path) -> bool:
    return any(h.inspection == "proxy" for h in path.hops)


def _is_firewall_path(path: Path) -> bool:
    return not _is_proxy_path(path) and any(h.inspection in ("firewall", "appliance") for h in path.hops)


def _notebook_vpc(ctx: CheckContext, view: RegionView, detail: Mapping[str, Any]) -> str | None:
    subnet_id = detail.get("SubnetId")
    if not isinstance(subnet_id, str):
        return None
    vpcs = subnet_vpcs(view, ctx.memo)
    if subnet_id in vpcs:
        return vpcs[subnet_id]
    raise MissingData(f"subnet {subnet_id} of the notebook is not in ec2 DescribeSubnets")


def _proxies_in_vpc(ctx: CheckContext, view: RegionView, proxies: Mapping[str, str], vpc_id: str | None) -> list[str]:
    if vpc_id is None or not proxies:
        return []
    in_vpc = instances_by_vpc(view, ctx.memo).get(vpc_id, [])
    return sorted(f"{iid} ({proxies[iid]})" for iid in in_vpc if iid in proxies)


def _proxy_notes(index: AddressIndex, settings: LifecycleSettings, static: Mapping[str, list[str]]) -> list[str]:
    notes = []
    for host in settings.proxy_hosts:
        eni = index.resolve(host)
        iid = index.owners.get(eni) if eni else None
        if eni is None or iid is None:
            notes.append(f"proxy host {host} is not an EC2 instance in the snapshot (NET-001 decides whether "
                         "traffic to it is inspected)")
            continue
        also = f"; also {'; '.join(static[iid])}" if iid in static else ""
        notes.append(f"proxy host {host} is {eni} of instance {iid}, a sanctioned proxy by this lifecycle "
                     f"configuration{also}")
    return notes


@check(
    id="PRX-002",
    title="Notebook proxy settings incomplete",
    severity=Severity.MEDIUM,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    # Read when needed, with ERROR naming whatever is absent: the notebook's lifecycle
    # configuration, the network proof, and (for designations) instances, subnets and the other
    # notebooks' lifecycle configurations.
    requires=[("sagemaker", "ListNotebookInstances"), ("sagemaker", "DescribeNotebookInstance")],
    remediation=(
        "In the notebook's lifecycle configuration (OnStart), export HTTP_PROXY/HTTPS_PROXY and their "
        "lower-case twins pointing at the sanctioned proxy, and NO_PROXY/no_proxy containing "
        "169.254.169.254, as in the seed-000 script written to /etc/profile.d/proxy.sh; attach the "
        "lifecycle configuration to the notebook instance."
    ),
    references=["https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-lifecycle-config.html",
                f"{_EC2_DOC}/instancedata-data-retrieval.html"],
)
def notebook_proxy_settings(ctx: CheckContext, resource: Resource) -> Verdict:
    """In the seed-000 design the proxy is the only way out, and the notebook reaches it only
    through the proxy variables its lifecycle configuration exports. Without NO_PROXY covering
    169.254.169.254, the notebook's requests for its role credentials go to the proxy, which
    either breaks them or, worse, answers with the proxy's own credentials.

    Fails when, in some environment the lifecycle configuration sets up (the notebook's, a conda
    environment's, a Jupyter kernel's), HTTP(S)_PROXY is set and NO_PROXY/no_proxy does not send
    169.254.169.254 direct as botocore applies it (the address, `*`, a suffix; CIDR entries are
    ignored: lifecycle.no_proxy_covers); and when the notebook sets
    no proxy although a sanctioned proxy is its egress (the network proof reaches a sanctioned
    proxy, or a designated proxy runs in the notebook's VPC) and no firewall inspects its traffic.
    Passes when the proxy settings are complete, when no proxy is set and a firewall inspects the
    notebook's internet traffic, when the notebook has no internet path and no proxy is available
    (nothing to configure), and when no proxy exists for it (uninspected egress is NET-001's
    finding). Gives ERROR when the lifecycle configuration cannot be read or a proxy variable it
    sets is computed at run time (naming the script and line) and no environment proves a FAIL,
    and, for a notebook that
    sets no proxy, when the network proof is incomplete, the firewall inventory was not collected,
    or another notebook's lifecycle configuration (which may designate a proxy) cannot be read.
    """
    view = resource.view
    detail = resource.detail()
    lc_name, settings = notebook_lifecycle(view, resource.id, ctx.memo)
    if settings is not None and settings.unreadable:
        return Verdict.error(f"could not decide: lifecycle config {lc_name} scripts "
                             f"{', '.join(settings.unreadable)} could not be decoded")
    routes = settings.imds_routes() if settings is not None else ()
    exposed = [r for r in routes if r.route is Route.PROXIED]
    unknown = [r for r in routes if r.route is Route.UNKNOWN]
    direct = [r for r in routes if r.route is Route.DIRECT]
    lc_notes = (*(_route_note(lc_name, r) for r in routes if r.route is not Route.NO_PROXY_SET),
                *(f"could not read: {r.reason}" for r in unknown))
    if exposed:
        # which instance answers in the proxy's place: evidence for the FAIL only, so that a PASS
        # reads nothing beyond the notebook and its lifecycle configuration
        assert settings is not None
        try:
            where_to = _proxy_notes(_instance_index(ctx, view), settings, _static(ctx, view))
        except MissingData as exc:
            where_to = [f"proxy hosts not resolved: {exc.reason}"]
        first = exposed[0]
        if first.no_proxy is None:
            missing = "NO_PROXY is not set"
        else:
            missing = f"NO_PROXY is {first.no_proxy}, which botocore does not apply to {IMDS}"
            if any("/" in e for e in first.no_proxy.split(",")):
                missing += " (it ignores CIDR entries)"
        return Verdict.failed(
            f"lifecycle config {lc_name} sets {_shown(first)}{_in(first)} but {missing}: requests for the "
            f"notebook's instance metadata ({IMDS}, its role credentials) go to the proxy",
            notes=(*lc_notes, *where_to))
    if unknown:
        return Verdict.error(f"could not decide: {unknown[0].reason}", notes=lc_notes)
    if direct:
        first = direct[0]
        assert first.no_proxy is not None
        how = covering_entry(IMDS, first.no_proxy)
        return Verdict.passed(f"lifecycle config {lc_name} sets {_shown(first)}{_in(first)} and NO_PROXY covers "
                              f"{IMDS} ({how})", notes=lc_notes)

    # No proxy set: whether one is needed depends on the network proof, read only now.
    where = f"lifecycle config {lc_name} sets no proxy" if lc_name else "the notebook has no lifecycle config"
    # telling firewall inspection from none needs the firewall inventory, whatever the proof says
    for op in ("ListFirewalls", "DescribeFirewall"):
        if not view.has("network-firewall", op):
            raise MissingData(view.missing_reason("network-firewall", op))
    proof = notebook_proof(ctx, resource)
    notes = (f"network proof for {proof.source}", *proof.notes)
    firewall = [p for p in proof.inspected if _is_firewall_path(p)]
    if firewall and not proof.unknowns:
        return Verdict.passed(f"{where}; none is needed: its internet traffic is inspected by a firewall",
                              paths=tuple(firewall[:3]), notes=notes)
    proxied = [p for p in proof.inspected if _is_proxy_path(p)]
    if proxied:
        return Verdict.failed(f"{where}, yet its only sanctioned egress is a proxy (it reaches a sanctioned proxy "
                              f"over {len(proxied)} path{'s' if len(proxied) != 1 else ''}) and no firewall "
                              "inspects its traffic", paths=tuple(proxied[:3]), notes=notes)
    designation = _designation(ctx, view)
    in_vpc = (_proxies_in_vpc(ctx, view, designation.proxies, _notebook_vpc(ctx, view, detail))
              if designation.proxies else [])
    if in_vpc:
        ids = sorted(i.split(" ", 1)[0] for i in in_vpc)
        return Verdict.failed(f"{where}, yet its only sanctioned egress is a proxy (sanctioned "
                              f"prox{'ies' if len(ids) != 1 else 'y'} {', '.join(ids)} in its VPC) and no "
                              "firewall inspects its traffic",
                              notes=(*(f"proxy in the notebook's VPC: {i}" for i in in_vpc), *notes))
    groups = tuple(str(g) for g in detail.get("SecurityGroups") or [])
    elsewhere = reachable_proxies(ctx.network, proof, groups)
    if elsewhere:
        return Verdict.failed(f"{where}, yet its only sanctioned egress is a proxy (it reaches sanctioned "
                              f"prox{'ies' if len(elsewhere) != 1 else 'y'} {', '.join(elsewhere)}) and no firewall "
                              "inspects its traffic", notes=notes)
    if proof.unknowns:
        return Verdict.error(f"could not decide: {proof.unknowns[0]}", notes=(*proof.unknowns, *notes))
    if designation.unknowns:
        return Verdict.error(f"could not decide whether a proxy serves this notebook: {designation.unknowns[0]}",
                             notes=(*designation.unknowns, *notes))
    if not proof.reaches_internet:
        return Verdict.passed(f"{where} and it has no internet path: isolated, nothing to configure", notes=notes)
    return Verdict.passed(
        f"{where} and no sanctioned proxy serves it; its uninspected egress is NET-001's finding", notes=notes)


CHECKS = [proxy_imdsv1, notebook_proxy_settings]
