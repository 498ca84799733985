"""VPC endpoint checks. An S3 gateway endpoint is reached by a prefix-list route that never
passes the firewall or the proxy (semantics rule 12), so its policy is the only thing deciding
which buckets data can be written to. VPCE-001 (reachability of the SageMaker API) belongs to the
network checks.

The policy is read by `safemaker.scanner.aws.s3_policy`, which NET-006 shares for the endpoints a
notebook actually reaches; the check only decides which endpoints apply and explains.
"""

from __future__ import annotations

from safemaker.scanner.aws.s3_policy import PolicyParseError, is_s3_gateway, judge_s3_endpoint_policy
from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import check
from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.model import ResourceType, Severity, Verdict


@check(
    id="VPCE-002",
    title="S3 gateway endpoint policy allows any bucket",
    severity=Severity.HIGH,
    resource_types=[ResourceType.VPC_ENDPOINT],
    requires=[("ec2", "DescribeVpcEndpoints")],
    remediation=(
        "Replace the endpoint's full-access policy with one that names your buckets (Resource "
        "arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*) or limits them to your accounts "
        "(Condition StringEquals aws:ResourceAccount / aws:ResourceOrgID), plus the AWS-owned buckets "
        "SageMaker and package repositories need. Principal conditions do not help: your own role can "
        "write to an attacker's bucket."
    ),
    references=["https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"],
)
def s3_endpoint_any_bucket(ctx: CheckContext, resource: Resource) -> Verdict | None:
    """Traffic to an S3 gateway endpoint bypasses the firewall and the proxy; if its policy lets
    callers write to any bucket, data leaves to a bucket in someone else's account and no
    network control sees it.

    Applies to gateway endpoints of S3 only (other endpoints get no finding). Fails when the
    endpoint has no policy (the AWS default is full access), or when an Allow statement, for any
    principal, grants s3:* or s3:PutObject (by Action or NotAction) on every bucket ("*",
    "arn:aws:s3:::*", "arn:aws:s3:::*/*" or NotResource) without a condition on
    aws:ResourceAccount, aws:ResourceOrgID, aws:ResourceOrgPaths or s3:ResourceAccount confining it,
    and no Deny statement for every principal stops such writes to other owners' buckets.
    Conditions on the caller (aws:PrincipalAccount, aws:SourceVpc, ...) do not confine buckets;
    unknown condition keys are not counted as restrictions and are named in the evidence. An
    unreadable policy gives ERROR.
    """
    ep = resource.summary
    if not is_s3_gateway(ep):
        return None
    try:
        judgement = judge_s3_endpoint_policy(ep.get("PolicyDocument"))
    except PolicyParseError as exc:
        return Verdict.error(f"policy of {resource.id} could not be read: {exc}")
    where = f"{ep.get('ServiceName')} gateway endpoint in {ep.get('VpcId')}"
    if judgement.writes_any_bucket:
        more = f" (and {len(judgement.reasons) - 1} more)" if len(judgement.reasons) > 1 else ""
        return Verdict.failed(f"{where}: {judgement.reasons[0]}{more}",
                              notes=(*judgement.reasons, *judgement.notes))
    return Verdict.passed(f"{where}: the policy does not allow writing to buckets of any account",
                          notes=judgement.notes)


CHECKS = [s3_endpoint_any_bucket]
