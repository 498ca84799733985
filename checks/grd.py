"""Guardrail checks: whether tomorrow's resources can be created open, whether a notebook can be
opened from outside the VPC, and whether the data buckets accept traffic that does not come
through their endpoint (seeds 002 and 004).

The network checks prove today's estate; these prove the controls that keep new resources and
new callers inside it. Each question is a request a person could choose to make, asked of the
IAM evaluator (scanner/aws/iam_eval.py) for every principal; the readers and the requests are in
scanner/aws/guardrails.py. A principal the evaluator cannot decide for makes the check ERROR
naming what it could not evaluate, never PASS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from safemaker.scanner.aws.guardrails import (
    PEOPLE,
    SERVICE_LINKED,
    SERVICE_ROLE,
    AccountPrincipal,
    Question,
    bucket_policy,
    bucket_questions,
    create_questions,
    presign_questions,
    principals,
    scp_unknown_reason,
)
from safemaker.scanner.aws.iam_eval import Decision, Outcome, Policy, PolicyError, Principal, evaluate, explicit_deny
from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import check
from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.errors import MissingData
from safemaker.scanner.model import ResourceType, Severity, Verdict
from safemaker.scanner.snapshot.validate import GLOBAL_REGION

Asker = Callable[[Principal, str, str], Iterator[Question]]


def _regions(ctx: CheckContext, account: str) -> list[str]:
    regions = sorted(r for a, r in ((v.account, v.region) for v in ctx.snapshot.views())
                     if a == account and r != GLOBAL_REGION)
    if not regions:
        raise MissingData(f"no region of account {account} was collected to ask about")
    return regions


def _judge(p: AccountPrincipal, account: str, regions: list[str], ask: Asker) -> tuple[str, str]:
    """("allow"|"unknown"|"deny", why) for one principal over every question and region."""
    unknown: str | None = None
    denied: str | None = None
    for region in regions:
        for q in ask(p.principal, account, region):
            d: Decision = evaluate(p.principal, q.request)
            if d.outcome is Outcome.ALLOW:
                return "allow", f"{p.name} can {q.what} in {region}: {d.reasons[0]}"
            if d.outcome is Outcome.UNKNOWN and unknown is None:
                unknown = f"{p.name}: could not decide whether it can {q.what}: {'; '.join(d.unknowns[:2])}"
            if d.outcome is not Outcome.UNKNOWN and denied is None:
                denied = f"{p.name}: {d.reasons[0]}"
    if unknown is not None:
        return "unknown", unknown
    return "deny", denied or f"{p.name}: refused"


def _account_verdict(ctx: CheckContext, resource: Resource, ask: Asker, doing: str) -> Verdict:
    account = resource.ref.account
    everyone = principals(ctx.snapshot, account)
    regions = _regions(ctx, account)
    results = {p.name: (p, *_judge(p, account, regions, ask)) for p in everyone}
    counted = [r for r in results.values() if r[0].kind != SERVICE_LINKED]
    apart = [f"{SERVICE_LINKED} (AWS-managed, not counted): {why}"
             for p, _s, why in results.values() if p.kind == SERVICE_LINKED]
    notes: list[str] = []
    scp_note = ([f"{scp_unknown_reason(ctx.snapshot, account)}: a principal its own policies allow is "
                 "ERROR, not FAIL"] if counted and counted[0][0].principal.scp_levels is None else [])
    for kind in (PEOPLE, SERVICE_ROLE):
        notes += [f"{kind}: {why}" for p, _s, why in counted if p.kind == kind]
    allowed = [(p, why) for p, s, why in counted if s == "allow"]
    if allowed:
        groups = []
        for kind in (PEOPLE, SERVICE_ROLE):
            named = [why for p, why in allowed if p.kind == kind]
            if named:
                groups.append(f"{kind}: " + "; ".join(named))
        return Verdict.failed(f"{len(allowed)} principal(s) can {doing} — " + " | ".join(groups),
                              notes=(*notes, *apart))
    unsure = [why for _p, s, why in counted if s == "unknown"]
    if unsure:
        return Verdict.error(f"could not decide for {len(unsure)} principal(s): {unsure[0]}",
                             notes=(*scp_note, *notes, *apart))
    if not counted:
        return Verdict.passed(f"the account has no IAM user or role (but service-linked ones) that could {doing}",
                              notes=tuple(apart))
    reasons = _tally(why.split(": ", 1)[1] for _p, _s, why in counted)
    return Verdict.passed(f"no principal can {doing}: " + "; ".join(reasons), notes=(*notes, *apart))


def _tally(reasons: Iterable[str]) -> list[str]:
    counts: dict[str, int] = {}
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    ordered = sorted(counts.items(), key=lambda x: (-x[1], x[0]))
    return [f"{r} ({n} principal{'s' if n > 1 else ''})" for r, n in ordered]


@check(
    id="GRD-001",
    title="A principal can create a SageMaker resource without the network controls",
    severity=Severity.HIGH,
    resource_types=[ResourceType.ACCOUNT],
    requires=[("iam", "GetAccountAuthorizationDetails")],
    remediation=(
        "Add a service control policy (or a Deny in every principal's policies) that refuses "
        "sagemaker:CreateNotebookInstance unless sagemaker:DirectInternetAccess and "
        "sagemaker:RootAccess are Disabled, using StringNotEquals (or Null for absence) so that a "
        "request that leaves the parameter out is refused too; likewise CreateDomain unless "
        "sagemaker:AppNetworkAccessType is VpcOnly, and CreateTrainingJob/CreateProcessingJob "
        "unless sagemaker:VPCSubnets is present or sagemaker:NetworkIsolation is true."
    ),
    references=["https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html",
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"],
)
def open_resource_creation(ctx: CheckContext, resource: Resource) -> Verdict | None:
    """Today's notebooks can be closed and tomorrow's open: if any principal may create a
    notebook instance with direct internet access or root access, a Studio domain with public
    internet access, or a training/processing job with neither a VPC nor network isolation, the
    network proof holds only until that principal acts.

    For every IAM user and role of the account (groups, inline and managed policies, permissions
    boundary, and the SCPs along the account's OU path), asks whether each such request is
    allowed, both with the open value sent and with the parameter left out (its default is the
    open one, and a condition on a key that is not sent does not match). FAIL names each
    principal and the statement that allows it; PASS says which deny or condition refuses each.
    Service-linked roles are listed apart and never fail; roles only AWS services assume are
    named apart from people. A principal the evaluator cannot decide for (an operator, key or
    element it does not implement, SCPs not read) gives ERROR.
    """
    return _account_verdict(ctx, resource, create_questions, "create an open SageMaker resource")


@check(
    id="GRD-002",
    title="A principal can open a notebook or Studio from outside the VPC",
    severity=Severity.HIGH,
    resource_types=[ResourceType.ACCOUNT],
    requires=[("iam", "GetAccountAuthorizationDetails")],
    remediation=(
        "Give every principal that may call sagemaker:CreatePresignedNotebookInstanceUrl or "
        "sagemaker:CreatePresignedDomainUrl an aws:SourceVpce (or aws:SourceVpc) condition on its "
        "Allow, or add a Deny (or an SCP) with StringNotEquals aws:SourceVpce for those actions."
    ),
    references=["https://aws.amazon.com/blogs/machine-learning/direct-access-to-amazon-sagemaker-notebooks-from-amazon-vpc-by-using-an-aws-privatelink-endpoint/"],
)
def presigned_url_from_anywhere(ctx: CheckContext, resource: Resource) -> Verdict | None:
    """There is no policy on a notebook instance itself: the only thing that keeps its UI behind
    the VPC endpoint is that no principal may create a presigned URL from outside, and a URL
    created from anywhere can be used from anywhere.

    For every IAM user and role, asks whether CreatePresignedNotebookInstanceUrl and
    CreatePresignedDomainUrl are allowed for a request that carries no aws:SourceVpce,
    aws:SourceVpc or aws:VpcSourceIp (one from the internet). FAIL names each principal and the
    allowing statement; PASS says which deny or condition refuses each; ERROR when a principal
    cannot be decided.
    """
    return _account_verdict(ctx, resource, presign_questions,
                            "create a presigned notebook/Studio URL from outside the VPC")


@check(
    id="GRD-003",
    title="A bucket behind an S3 endpoint accepts requests from elsewhere",
    severity=Severity.HIGH,
    resource_types=[ResourceType.S3_BUCKET],
    requires=[("ec2", "DescribeVpcEndpoints"), ("s3", "GetBucketPolicy")],
    remediation=(
        "Give the bucket a policy with a Deny for Principal \"*\" on s3:GetObject, s3:PutObject and "
        "s3:ListBucket (arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*) with Condition "
        "StringNotEquals aws:SourceVpce <the endpoint's id>."
    ),
    references=["https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies-vpc-endpoint.html"],
)
def bucket_outside_endpoint(ctx: CheckContext, resource: Resource) -> Verdict | None:
    """The endpoint policy fences which buckets the notebooks reach; the bucket policy fences who
    reaches the data. Without a deny for requests that do not come through the endpoint, the
    data can be read or overwritten from the internet or from another VPC by any principal with
    S3 permissions.

    For each bucket named (without wildcards) in an S3 gateway endpoint policy of the region,
    asks whether its bucket policy explicitly denies, for every caller, s3:GetObject,
    s3:PutObject and s3:ListBucket coming from outside any VPC and through any other endpoint
    (each endpoint or VPC the policy names that is not the bucket's own endpoint, and one it
    does not name). FAIL names the first request not denied; no bucket policy is a FAIL; a
    policy not read (GetBucketPolicy missing or denied) or a statement the evaluator cannot
    decide gives ERROR.
    """
    bucket = resource.id
    endpoints = [e for e in resource.summary.get("Endpoints", []) if isinstance(e, Mapping)]
    own = sorted(str(e.get("VpcEndpointId")) for e in endpoints)
    vpcs = sorted({str(e.get("VpcId")) for e in endpoints})
    try:
        document = bucket_policy(resource.view, bucket)
    except PolicyError as exc:
        return Verdict.error(f"bucket policy of {bucket} could not be read: {exc}")
    where = f"bucket {bucket} (named by {', '.join(own)})"
    if document is None:
        return Verdict.failed(f"{where} has no bucket policy: requests from outside the endpoint are not denied")
    policy = [Policy(f"bucket policy of {bucket}", document)]
    denied_by: list[str] = []
    for q in bucket_questions(bucket, own, vpcs, document):
        d = explicit_deny(policy, q.request)
        if d.outcome is Outcome.IMPLICIT_DENY:
            return Verdict.failed(f"{where}: {q.what} is not denied by its bucket policy",
                                  notes=(f"only requests through {', '.join(own)} should reach it",))
        if d.outcome is Outcome.UNKNOWN:
            return Verdict.error(f"{where}: could not decide whether {q.what} is denied: {d.unknowns[0]}")
        denied_by.extend(d.reasons)
    reasons = sorted(set(denied_by))
    return Verdict.passed(f"{where}: requests from outside any VPC and through other endpoints are denied by "
                          + ", ".join(reasons))


CHECKS = [open_resource_creation, presigned_url_from_anywhere, bucket_outside_endpoint]
