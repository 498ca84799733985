"""Where SageMaker workloads sit relative to AWS Network Firewalls.

Two firewall checks need the same facts about the estate: which subnets SageMaker workloads use
(FW-004 compares their Availability Zones with the firewall's endpoints), and which workloads
send traffic from a VPC subnet, with their egress proofs, and which firewalls use a policy
(FW-002 asks whether those proofs reach the policy's endpoints from inside HOME_NET). Reading
them here keeps the checks to deciding and explaining.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from safemaker.scanner.checking.resources import Resource, resources_of
from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.proof import EgressProof
from safemaker.scanner.model import ResourceType
from safemaker.scanner.snapshot.io import RegionView

if TYPE_CHECKING:
    from safemaker.scanner.graph.prove import Network

# The list operations `sagemaker_subnets` reads; the per-resource Describe* operations are read
# for each listed workload and raise MissingData when an entry is absent.
SAGEMAKER_SUBNET_SOURCES = [
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
class Placement:
    """Where the region's SageMaker workloads sit, read once for all firewalls of the region."""

    subnets: dict[Any, Mapping[str, Any]]
    by_vpc: dict[Any, list[tuple[str, str]]]  # VpcId -> (AZ, "subnet (owner)")
    ignored: list[str]
    missing: str | None  # a live workload's subnet is not in DescribeSubnets


def sagemaker_placement(view: RegionView) -> Placement:
    """The Availability Zone of every SageMaker subnet, by VPC. A job's or model's subnet that is
    gone is ignored (and said so); a live workload's missing subnet is reported in `missing`."""
    subnets = {s.get("SubnetId"): s for s in view.items("ec2", "DescribeSubnets", "Subnets") if isinstance(s, Mapping)}
    by_vpc: dict[Any, list[tuple[str, str]]] = {}
    ignored = []
    for subnet_id, owner, live in sorted(sagemaker_subnets(view)):
        subnet = subnets.get(subnet_id)
        if subnet is None:
            if live:
                return Placement(subnets, {}, [], f"subnet {subnet_id} of {owner} is not in ec2 DescribeSubnets")
            ignored.append(f"subnet {subnet_id} of {owner} is not in DescribeSubnets (deleted?); ignored")
            continue
        by_vpc.setdefault(subnet.get("VpcId"), []).append((str(subnet.get("AvailabilityZone")),
                                                           f"{subnet_id} ({owner})"))
    return Placement(subnets, by_vpc, ignored, None)


def firewalls_using(view: RegionView, policy_arn: str) -> list[tuple[str, dict[str, str], str | None]]:
    """(firewall name, endpoint id -> AZ, VPC id) of every firewall in the view using the policy.

    Every endpoint FirewallStatus.SyncStates names counts, whatever its status: this answers
    which hops of a proof are this policy's endpoints, not whether they work (FW-004 asks that).
    """
    out = []
    for fw_res in resources_of(view, ResourceType.FIREWALL):
        desc = fw_res.detail()
        fw = desc.get("Firewall")
        if not isinstance(fw, Mapping) or fw.get("FirewallPolicyArn") != policy_arn:
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


def workload_placements(network: Network) -> Iterator[tuple[str, Callable[[], EgressProof], RegionView, str]]:
    """(label, proof, view, subnet id) of every SageMaker workload that sends traffic from a VPC subnet.

    Domains are placed with the security groups of the domain defaults and of each user profile;
    isolated jobs and models make no outbound calls and are skipped. The proof is a callable so
    that a workload whose proof cannot be built is reported by the caller, with its label.
    """
    for view in network.snapshot.views():
        if view.has("sagemaker", "ListNotebookInstances"):
            for nb in resources_of(view, ResourceType.NOTEBOOK_INSTANCE):
                subnet = nb.detail().get("SubnetId")
                if isinstance(subnet, str):
                    yield f"notebook {nb.id}", functools.partial(network.notebook_proof, nb), view, subnet
        if view.has("sagemaker", "ListDomains"):
            for dom in resources_of(view, ResourceType.DOMAIN):
                yield from _domain_placements(network, view, dom)
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
                    yield label, functools.partial(network.placement_proof, view, str(subnet), sgs, label), view, \
                        str(subnet)


def _domain_placements(network: Network, view: RegionView,
                       dom: Resource) -> Iterator[tuple[str, Callable[[], EgressProof], RegionView, str]]:
    d = dom.detail()
    if d.get("AppNetworkAccessType") != "VpcOnly":
        return
    base = {*((d.get("DomainSettings") or {}).get("SecurityGroupIds") or []),
            *((d.get("DefaultUserSettings") or {}).get("SecurityGroups") or [])}
    sg_sets = {tuple(sorted(base))}
    for entry in view.items("sagemaker", "ListUserProfiles", "UserProfiles"):
        if entry.get("DomainId") == dom.id:
            profile = view.detail("sagemaker", "DescribeUserProfile", f"{dom.id}/{entry.get('UserProfileName')}")
            own = (profile.get("UserSettings") or {}).get("SecurityGroups") or []
            sg_sets.add(tuple(sorted({*base, *own})))
    for subnet in d.get("SubnetIds") or []:
        for sgs in sorted(sg_sets):
            yield (f"domain {dom.id}", functools.partial(network.placement_proof, view, str(subnet), sgs,
                                                         f"domain {dom.id}"), view, str(subnet))
