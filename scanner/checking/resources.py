"""Which resources each resource type means in a snapshot, and how to name them.

Enumeration is data-driven: the list operation, the key of the list, the identifier field and
the detail operation. A missing list operation raises MissingData so that the engine can
report ERROR for the whole account/region instead of silently checking nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.model import ResourceRef, ResourceType
from safemaker.scanner.snapshot.io import RegionView
from safemaker.scanner.snapshot.validate import GLOBAL_REGION


@dataclass(frozen=True)
class Resource:
    ref: ResourceRef
    summary: Mapping[str, Any]  # the list entry as the API returned it
    detail_key: str | None  # key into the per-resource operation, when there is one
    detail_op: tuple[str, str] | None
    view: RegionView

    @property
    def id(self) -> str:
        return self.ref.id

    def detail(self) -> Mapping[str, Any]:
        """The per-resource describe response, or MissingData; falls back to the summary."""
        if self.detail_op is None or self.detail_key is None:
            return self.summary
        service, operation = self.detail_op
        value = self.view.detail(service, operation, self.detail_key)
        if not isinstance(value, Mapping):
            raise MissingData(f"{service} {operation} for {self.detail_key} is not an object")
        return value


@dataclass(frozen=True)
class _Plan:
    service: str
    list_op: str
    list_key: str
    id_field: str
    arn_field: str | None
    detail_op: str | None
    detail_field: str  # which field of the summary keys the detail operation


_PLANS: dict[ResourceType, _Plan] = {
    ResourceType.NOTEBOOK_INSTANCE: _Plan(
        "sagemaker", "ListNotebookInstances", "NotebookInstances", "NotebookInstanceName",
        "NotebookInstanceArn", "DescribeNotebookInstance", "NotebookInstanceName"),
    ResourceType.DOMAIN: _Plan(
        "sagemaker", "ListDomains", "Domains", "DomainId", "DomainArn", "DescribeDomain", "DomainId"),
    ResourceType.TRAINING_JOB: _Plan(
        "sagemaker", "ListTrainingJobs", "TrainingJobSummaries", "TrainingJobName",
        "TrainingJobArn", "DescribeTrainingJob", "TrainingJobName"),
    ResourceType.PROCESSING_JOB: _Plan(
        "sagemaker", "ListProcessingJobs", "ProcessingJobSummaries", "ProcessingJobName",
        "ProcessingJobArn", "DescribeProcessingJob", "ProcessingJobName"),
    ResourceType.MODEL: _Plan(
        "sagemaker", "ListModels", "Models", "ModelName", "ModelArn", "DescribeModel", "ModelName"),
    ResourceType.FIREWALL: _Plan(
        "network-firewall", "ListFirewalls", "Firewalls", "FirewallName", "FirewallArn",
        "DescribeFirewall", "FirewallArn"),
    ResourceType.VPC_ENDPOINT: _Plan(
        "ec2", "DescribeVpcEndpoints", "VpcEndpoints", "VpcEndpointId", None, None, "VpcEndpointId"),
}


def resources_of(view: RegionView, rtype: ResourceType) -> list[Resource]:
    """All resources of a type in one account/region, sorted by id.

    The global region key (aws-global: organizations, iam) holds no regional resource, and the
    account itself is the resource of the guardrail checks there."""
    if rtype is ResourceType.ACCOUNT:
        return _account(view)
    if view.region == GLOBAL_REGION:
        return []
    if rtype is ResourceType.S3_BUCKET:
        return _endpoint_buckets(view)
    if rtype is ResourceType.EC2_INSTANCE:
        return _instances(view)
    if rtype is ResourceType.FIREWALL_POLICY:
        return _firewall_policies(view)
    plan = _PLANS.get(rtype)
    if plan is None:
        raise MissingData(f"no enumeration is defined for {rtype.value}")
    out = []
    for entry in view.items(plan.service, plan.list_op, plan.list_key):
        if not isinstance(entry, Mapping) or not isinstance(entry.get(plan.id_field), str):
            raise MissingData(f"{plan.service} {plan.list_op} has an entry without {plan.id_field}")
        arn = entry.get(plan.arn_field) if plan.arn_field else None
        ref = ResourceRef(rtype, entry[plan.id_field], view.account, view.region, arn)
        detail = (plan.service, plan.detail_op) if plan.detail_op else None
        out.append(Resource(ref, entry, str(entry.get(plan.detail_field)), detail, view))
    return sorted(out, key=lambda r: r.id)


def _instances(view: RegionView) -> list[Resource]:
    out = []
    for reservation in view.items("ec2", "DescribeInstances", "Reservations"):
        for inst in reservation.get("Instances", []):
            iid = inst.get("InstanceId")
            if not isinstance(iid, str):
                raise MissingData("ec2 DescribeInstances has an instance without InstanceId")
            arn = f"arn:aws:ec2:{view.region}:{view.account}:instance/{iid}"
            ref = ResourceRef(ResourceType.EC2_INSTANCE, iid, view.account, view.region, arn)
            out.append(Resource(ref, inst, None, None, view))
    return sorted(out, key=lambda r: r.id)


def _firewall_policies(view: RegionView) -> list[Resource]:
    """Policies in use, found through the firewalls (ListFirewallPolicies is not collected)."""
    seen: dict[str, Resource] = {}
    for fw in resources_of(view, ResourceType.FIREWALL):
        arn = fw.detail().get("Firewall", {}).get("FirewallPolicyArn")
        if not isinstance(arn, str):
            raise MissingData(f"firewall {fw.id} has no FirewallPolicyArn")
        name = arn.rsplit("/", 1)[-1]
        ref = ResourceRef(ResourceType.FIREWALL_POLICY, name, view.account, view.region, arn)
        seen.setdefault(arn, Resource(ref, {"FirewallPolicyArn": arn}, arn,
                                      ("network-firewall", "DescribeFirewallPolicy"), view))
    return sorted(seen.values(), key=lambda r: r.id)


def _account(view: RegionView) -> list[Resource]:
    """One resource per account: from its aws-global view, or, when the snapshot has none for
    it, from its first region, so that the guardrail checks report ERROR naming what was not
    collected (absent means unknown) instead of leaving the account out. The reference is the
    same either way (region aws-global), so a finding keeps its fingerprint once data comes."""
    if view.region != GLOBAL_REGION:
        regions = sorted(v.region for v in view.snapshot.views() if v.account == view.account)
        if GLOBAL_REGION in regions or regions[:1] != [view.region]:
            return []
    ref = ResourceRef(ResourceType.ACCOUNT, view.account, view.account, GLOBAL_REGION)
    return [Resource(ref, {"AccountId": view.account}, None, None, view)]


def _endpoint_buckets(view: RegionView) -> list[Resource]:
    """The buckets that the S3 gateway endpoints of this region name in their policies (each is
    ERROR where GetBucketPolicy was not collected)."""
    from safemaker.scanner.aws.guardrails import endpoint_buckets

    found: dict[str, list[Mapping[str, Any]]] = {}
    for ep in view.items("ec2", "DescribeVpcEndpoints", "VpcEndpoints"):
        if isinstance(ep, Mapping):
            for bucket in endpoint_buckets(ep):
                found.setdefault(bucket, []).append(ep)
    out = []
    for bucket, eps in sorted(found.items()):
        ref = ResourceRef(ResourceType.S3_BUCKET, bucket, view.account, view.region, f"arn:aws:s3:::{bucket}")
        summary = {"Bucket": bucket, "Endpoints": [dict(ep) for ep in eps]}
        out.append(Resource(ref, summary, bucket, ("s3", "GetBucketPolicy"), view))
    return out
