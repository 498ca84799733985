"""The result of proving one workload's egress: what reaches where, and what is unknown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from safemaker.scanner.model import Hop, HopKind, Path


@dataclass(frozen=True)
class EgressProof:
    """Every way traffic from one source can leave, classified.

    A check reads the classes it cares about. `unknowns` lists what could not be decided
    (missing operation, unresolvable target): a check that would otherwise PASS must report
    ERROR when it is non-empty.
    """

    source: str  # e.g. "eni-1 (notebook nb-1) in subnet-1"
    uninspected: tuple[Path, ...] = ()  # live internet paths bypassing firewall/proxy (NET-001)
    uninspected_ipv6: tuple[Path, ...] = ()  # the IPv6 subset of `uninspected` (NET-005)
    latent: tuple[Path, ...] = ()  # an IGW is routed to but the source has no public address (NET-004)
    inspected: tuple[Path, ...] = ()  # internet paths through a firewall or to a sanctioned proxy
    gateway_endpoints: tuple[Path, ...] = ()  # S3/DynamoDB gateway endpoints reached (NET-006)
    interface_endpoints: tuple[str, ...] = ()  # service names of interface endpoints it can use (rule 28)
    interface_endpoint_problems: tuple[str, ...] = ()  # why other interface endpoints are unusable
    interface_endpoint_unknowns: tuple[str, ...] = ()  # endpoints whose usability could not be decided
    blocked: tuple[str, ...] = ()  # why each other route out goes nowhere (PASS evidence)
    unknowns: tuple[str, ...] = ()  # reasons the proof is incomplete
    notes: tuple[str, ...] = ()  # assumptions and limitations worth stating in the evidence
    # where traffic is delivered inside a VPC (local route, peering): the hosts it can reach
    # (graph.prove.Delivery; NET-007 reads them for relays, rule 31)
    deliveries: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    @property
    def reaches_internet(self) -> bool:
        return bool(self.uninspected or self.inspected)


def managed_network_path(label: str, why: str) -> Path:
    """The witness for workloads in SageMaker's own network (rules 24, 26, 27): no VPC data can
    stop that traffic, so the path is the same for notebooks, domains, jobs and models."""
    hops = (Hop(HopKind.WORKLOAD, label, why),
            Hop(HopKind.SAGEMAKER_NETWORK, "sagemaker", "SageMaker service VPC with internet access"),
            Hop(HopKind.INTERNET, "internet", ""))
    return Path(hops=hops, destinations=("0.0.0.0/0",),
                outcome=f"reaches the internet through the SageMaker-managed network ({why})")
