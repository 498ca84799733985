"""Network egress checks: each verdict is a proof over every destination, from the prover."""

from __future__ import annotations

from safemaker.scanner.context import CheckContext
from safemaker.scanner.graph.proof import EgressProof
from safemaker.scanner.model import Path, ResourceType, Severity, Verdict
from safemaker.scanner.registry import CheckFunc, check
from safemaker.scanner.resources import Resource

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
def net_001(ctx: CheckContext, resource: Resource) -> Verdict:
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
                          paths=proof.inspected, notes=(*proof.notes, *proof.blocked))


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
def net_004(ctx: CheckContext, resource: Resource) -> Verdict:
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


CHECKS: list[CheckFunc] = [net_001, net_004]
