"""Readers for the guardrail checks (GRD): who the principals of an account are, which SCPs
apply along its OU path, which buckets S3 gateway endpoints name, and the requests each check
asks the IAM evaluator about.

Everything read here is optional in a snapshot (contracts §5): what is absent raises
MissingData naming the call, and a part that cannot be read (a managed policy whose document is
not in GetAccountAuthorizationDetails, an OU whose parent was not listed) becomes an unknown that
the evaluator carries to an ERROR, never a PASS.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from safemaker.scanner.aws.iam_eval import SAGEMAKER_NAME, Policy, PolicyError, Principal, Request, parse_document
from safemaker.scanner.errors import MissingData
from safemaker.scanner.snapshot.io import RegionView, Snapshot
from safemaker.scanner.snapshot.validate import GLOBAL_REGION

PEOPLE = "people"
SERVICE_ROLE = "AWS service role"
SERVICE_LINKED = "service-linked role"


@dataclass(frozen=True)
class AccountPrincipal:
    name: str  # "user/alice", "role/exec"
    kind: str  # PEOPLE, SERVICE_ROLE or SERVICE_LINKED
    principal: Principal


def global_view(snapshot: Snapshot, account: str) -> RegionView:
    try:
        return snapshot.view(account, GLOBAL_REGION)
    except MissingData:
        raise MissingData(f"iam GetAccountAuthorizationDetails was not collected for account {account} "
                          f"(no {GLOBAL_REGION} data)") from None


def principals(snapshot: Snapshot, account: str) -> list[AccountPrincipal]:
    """Every IAM user and role of the account with the policies that apply to it."""
    view = global_view(snapshot, account)
    gaad = view.response("iam", "GetAccountAuthorizationDetails")
    if not isinstance(gaad, Mapping):
        raise MissingData(f"iam GetAccountAuthorizationDetails in {view.where} is not an object")
    managed = _managed_policies(gaad)
    scps = scp_levels(snapshot, account)
    groups = {g.get("GroupName"): g for g in gaad.get("GroupDetailList", []) if isinstance(g, Mapping)}

    def attached(entity: Mapping[str, Any]) -> list[Policy]:
        out = []
        for a in entity.get("AttachedManagedPolicies", []) or []:
            arn = a.get("PolicyArn") if isinstance(a, Mapping) else None
            out.append(managed.get(str(arn), Policy(f"managed policy {arn} (its document was not collected)", None)))
        return out

    def inline(entity: Mapping[str, Any], member: str, owner: str) -> list[Policy]:
        return [Policy(f"inline policy {p.get('PolicyName')} of {owner}", p.get("PolicyDocument"))
                for p in entity.get(member, []) or [] if isinstance(p, Mapping)]

    def boundary(entity: Mapping[str, Any]) -> Policy | None:
        pb = entity.get("PermissionsBoundary")
        if not isinstance(pb, Mapping):
            return None
        arn = pb.get("PermissionsBoundaryArn")
        return managed.get(str(arn), Policy(f"boundary {arn} (its document was not collected)", None))

    out: list[AccountPrincipal] = []
    for user in gaad.get("UserDetailList", []) or []:
        name = f"user/{user.get('UserName')}"
        identity = inline(user, "UserPolicyList", name) + attached(user)
        for group_name in user.get("GroupList", []) or []:
            group = groups.get(group_name)
            if group is None:
                identity.append(Policy(f"group {group_name} (not in GetAccountAuthorizationDetails)", None))
                continue
            identity += inline(group, "GroupPolicyList", f"group/{group_name}") + attached(group)
        out.append(AccountPrincipal(name, PEOPLE, Principal(str(user.get("Arn")), tuple(identity),
                                                            boundary(user), scps)))
    for role in gaad.get("RoleDetailList", []) or []:
        name = f"role/{role.get('RoleName')}"
        identity = inline(role, "RolePolicyList", name) + attached(role)
        out.append(AccountPrincipal(name, _role_kind(role), Principal(str(role.get("Arn")), tuple(identity),
                                                                      boundary(role), scps)))
    return sorted(out, key=lambda p: p.name)


def _managed_policies(gaad: Mapping[str, Any]) -> dict[str, Policy]:
    """Managed policies by ARN, with the default version's document (the only one in force)."""
    out: dict[str, Policy] = {}
    for pol in gaad.get("Policies", []) or []:
        if not isinstance(pol, Mapping) or not isinstance(pol.get("Arn"), str):
            continue
        docs = [v.get("Document") for v in pol.get("PolicyVersionList", []) or []
                if isinstance(v, Mapping) and v.get("IsDefaultVersion") is True]
        name = pol.get("PolicyName") or pol["Arn"].rsplit("/", 1)[-1]
        out[pol["Arn"]] = Policy(f"managed policy {name}", docs[0] if len(docs) == 1 else None)
    return out


def _role_kind(role: Mapping[str, Any]) -> str:
    """Service-linked roles are AWS's (path /aws-service-role/); roles only AWS services may
    assume are service roles; any other role can be assumed by a person or their code."""
    if str(role.get("Path", "")).startswith("/aws-service-role/"):
        return SERVICE_LINKED
    try:
        doc = parse_document(role.get("AssumeRolePolicyDocument"))
    except PolicyError:
        return PEOPLE
    stmts = doc.get("Statement", [])
    stmts = [stmts] if isinstance(stmts, Mapping) else stmts if isinstance(stmts, list) else []
    allows = [s for s in stmts if isinstance(s, Mapping) and s.get("Effect") == "Allow"]
    if allows and all(isinstance(s.get("Principal"), Mapping) and set(s["Principal"]) == {"Service"}
                      for s in allows):
        return SERVICE_ROLE
    return PEOPLE


# --- service control policies ---------------------------------------------------------------


def scp_levels(snapshot: Snapshot, account: str) -> tuple[tuple[str, tuple[Policy, ...]], ...] | None:
    """The SCPs attached at each level of the account's path, root first; () when none apply;
    None when they could not be read (the evaluator then never answers "allowed" or PASS)."""
    for failure in snapshot.failures:
        if failure.account == account and failure.service == "organizations" \
                and failure.error_code == "AWSOrganizationsNotInUseException":
            return ()
    org = _org_view(snapshot, account)
    if org is None:
        return None
    roots = org.optional("organizations", "ListRoots")
    root_arn = ""
    if isinstance(roots, Mapping) and roots.get("Roots"):
        root_arn = str(roots["Roots"][0].get("Arn", ""))
    if root_arn.split(":")[4:5] == [account]:
        return ()  # SCPs do not apply to the management account
    parents = org.optional("organizations", "ListParents")
    targets = [account]
    child = account
    for _ in range(10):
        entry = parents.get(child) if isinstance(parents, Mapping) else None
        found = entry.get("Parents") if isinstance(entry, Mapping) else None
        if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], Mapping):
            return None
        child = str(found[0].get("Id"))
        targets.append(child)
        if found[0].get("Type") == "ROOT":
            break
    else:
        return None
    attached = org.optional("organizations", "ListPoliciesForTarget")
    described = org.optional("organizations", "DescribePolicy")
    levels = []
    for target in reversed(targets):
        entry = attached.get(target) if isinstance(attached, Mapping) else None
        if not isinstance(entry, Mapping) or not isinstance(entry.get("Policies"), list):
            return None
        policies = []
        for summary in entry["Policies"]:
            pid = summary.get("Id") if isinstance(summary, Mapping) else None
            body = described.get(pid) if isinstance(described, Mapping) and isinstance(pid, str) else None
            content = body.get("Policy", {}).get("Content") if isinstance(body, Mapping) else None
            if content is None:
                return None
            policies.append(Policy(f"SCP {summary.get('Name') or pid} ({pid}) attached to {target}", content))
        levels.append((target, tuple(policies)))
    return tuple(levels)


def _org_view(snapshot: Snapshot, account: str) -> RegionView | None:
    """The aws-global view (of the management or a delegated administrator account) that lists
    this account's parent."""
    for view in snapshot.views():
        if view.region == GLOBAL_REGION:
            parents = view.optional("organizations", "ListParents")
            if isinstance(parents, Mapping) and account in parents:
                return view
    return None


def scp_unknown_reason(snapshot: Snapshot, account: str) -> str:
    return (f"the service control policies of {account} were not read (organizations ListParents, "
            "ListPoliciesForTarget and DescribePolicy along its OU path, from the management account)")


# --- buckets --------------------------------------------------------------------------------


def endpoint_buckets(endpoint: Mapping[str, Any]) -> list[str]:
    """Bucket names an S3 gateway endpoint's policy names in its Allow statements' Resource
    (names with wildcards cannot be asked about and are left out)."""
    service = str(endpoint.get("ServiceName", ""))
    if endpoint.get("VpcEndpointType") != "Gateway" or not service.endswith(".s3"):
        return []
    try:
        doc = parse_document(endpoint.get("PolicyDocument"))
    except PolicyError:
        return []
    stmts = doc.get("Statement", [])
    stmts = [stmts] if isinstance(stmts, Mapping) else stmts if isinstance(stmts, list) else []
    out: set[str] = set()
    for stmt in stmts:
        if not isinstance(stmt, Mapping) or stmt.get("Effect") != "Allow":
            continue
        res = stmt.get("Resource", [])
        for r in res if isinstance(res, list) else [res]:
            if isinstance(r, str) and r.startswith("arn:aws:s3:::"):
                name = r[len("arn:aws:s3:::"):].split("/", 1)[0]
                if name and "*" not in name and "?" not in name and "$" not in name:
                    out.add(name)
    return sorted(out)


def bucket_policy(view: RegionView, bucket: str) -> Mapping[str, Any] | None:
    """The bucket's policy document, None when it has none ({}), MissingData when not read."""
    answer = view.detail("s3", "GetBucketPolicy", bucket)
    if not isinstance(answer, Mapping):
        raise MissingData(f"s3 GetBucketPolicy for {bucket} in {view.where} is not an object")
    if "Policy" not in answer:
        return None
    return parse_document(answer["Policy"])


# --- the questions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One request a principal must not be able to make, and how to say it."""

    what: str  # "create a notebook instance with DirectInternetAccess Enabled (key sent)"
    request: Request


def _scenario_text(context: Mapping[str, tuple[str, ...]], absent: frozenset[str]) -> str:
    parts = [f"{k}={','.join(v)}" for k, v in sorted(context.items())]
    parts += [f"{k} not sent" for k in sorted(absent)]
    return ", ".join(parts)


def _principal_keys(p: Principal, account: str) -> dict[str, tuple[str, ...]]:
    return {"aws:PrincipalArn": (p.arn,), "aws:PrincipalAccount": (account,)}


def create_questions(p: Principal, account: str, region: str) -> Iterator[Question]:
    """GRD-001: requests that would create an open resource. A parameter left out takes its
    default, which is the open one, so "not sent" is asked as well as the open value."""
    arn = f"arn:aws:sagemaker:{region}:{account}:"
    base = {**_principal_keys(p, account), "aws:RequestedRegion": (region,)}
    nb_keys = ("sagemaker:DirectInternetAccess", "sagemaker:RootAccess")
    for choice in itertools.product(("Enabled", None, "Disabled"), repeat=2):
        if all(c == "Disabled" for c in choice):
            continue
        ctx = {k: (c,) for k, c in zip(nb_keys, choice, strict=True) if c is not None}
        absent = frozenset(k for k, c in zip(nb_keys, choice, strict=True) if c is None)
        yield Question(f"create a notebook instance ({_scenario_text(ctx, absent)})",
                       Request("sagemaker:CreateNotebookInstance", arn + "notebook-instance/", {**base, **ctx},
                               absent, any_name=True, name_alphabet=SAGEMAKER_NAME))
    for choice_d in ("PublicInternetOnly", None):
        ctx = {"sagemaker:AppNetworkAccessType": (choice_d,)} if choice_d else {}
        absent = frozenset() if choice_d else frozenset({"sagemaker:AppNetworkAccessType"})
        yield Question(f"create a Studio domain ({_scenario_text(ctx, absent)})",
                       Request("sagemaker:CreateDomain", arn + "domain/", {**base, **ctx}, absent,
                               any_name=True, name_alphabet=SAGEMAKER_NAME))
    for action, kind in (("sagemaker:CreateTrainingJob", "training-job/"),
                         ("sagemaker:CreateProcessingJob", "processing-job/")):
        for iso in ("false", None):
            ctx = {"sagemaker:NetworkIsolation": (iso,)} if iso else {}
            absent = frozenset({"sagemaker:VPCSubnets", "sagemaker:VPCSecurityGroupIds"}
                               | (set() if iso else {"sagemaker:NetworkIsolation"}))
            yield Question(f"call {action.split(':')[1]} ({_scenario_text(ctx, absent)})",
                           Request(action, arn + kind, {**base, **ctx}, absent, any_name=True,
                                   name_alphabet=SAGEMAKER_NAME))


_OUTSIDE = frozenset({"aws:SourceVpce", "aws:SourceVpc", "aws:SourceVpcArn", "aws:VpcSourceIp"})


def presign_questions(p: Principal, account: str, region: str) -> Iterator[Question]:
    """GRD-002: a presigned URL asked for from outside any VPC (no endpoint keys in the request)."""
    arn = f"arn:aws:sagemaker:{region}:{account}:"
    base = {**_principal_keys(p, account), "aws:RequestedRegion": (region,)}
    yield Question("call CreatePresignedNotebookInstanceUrl from outside the VPC",
                   Request("sagemaker:CreatePresignedNotebookInstanceUrl", arn + "notebook-instance/", base,
                           _OUTSIDE, any_name=True, name_alphabet=SAGEMAKER_NAME))
    yield Question("call CreatePresignedDomainUrl from outside the VPC",
                   Request("sagemaker:CreatePresignedDomainUrl", arn + "user-profile/", base, _OUTSIDE,
                           any_name=True, name_alphabet=SAGEMAKER_NAME + "/"))


def bucket_questions(bucket: str, allowed_endpoints: list[str], allowed_vpcs: list[str],
                     document: Mapping[str, Any] | None) -> Iterator[Question]:
    """GRD-003: requests to the bucket that do not come through one of its endpoints: from the
    internet, and through any other endpoint (each endpoint and VPC the policy names that is not
    the bucket's own, and one the policy does not name at all)."""
    named_vpce, named_vpc = _named_values(document)
    vpces = sorted({*named_vpce, "vpce-0a1b2c3d4e5f60000"} - set(allowed_endpoints))
    vpcs = sorted({*named_vpc, *allowed_vpcs, "vpc-0a1b2c3d4e5f60000"})
    sources: list[tuple[str, dict[str, tuple[str, ...]], frozenset[str]]] = [
        ("from outside any VPC", {}, _OUTSIDE)]
    for vpce, vpc in itertools.product(vpces, vpcs):
        sources.append((f"through endpoint {vpce} in {vpc}",
                        {"aws:SourceVpce": (vpce,), "aws:SourceVpc": (vpc,)},
                        frozenset({"aws:SourceVpcArn", "aws:VpcSourceIp"})))
    for text, ctx, absent in sources:
        for action in ("s3:GetObject", "s3:PutObject"):
            yield Question(f"{action} {text}",
                           Request(action, f"arn:aws:s3:::{bucket}/", ctx, absent, any_name=True))
        yield Question(f"s3:ListBucket {text}", Request("s3:ListBucket", f"arn:aws:s3:::{bucket}", ctx, absent))


def _named_values(document: Mapping[str, Any] | None) -> tuple[set[str], set[str]]:
    """aws:SourceVpce and aws:SourceVpc values anywhere in the policy's conditions."""
    vpce: set[str] = set()
    vpc: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                low = str(k).lower()
                if low in ("aws:sourcevpce", "aws:sourcevpc"):
                    for value in v if isinstance(v, list) else [v]:
                        if isinstance(value, str) and "*" not in value and "?" not in value:
                            (vpce if low == "aws:sourcevpce" else vpc).add(value)
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return vpce, vpc


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
