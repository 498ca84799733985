"""The guardrail checks end to end against moto: an organization's tree and SCPs, IAM users,
roles and groups with inline and managed policies and boundaries, and S3 bucket policies are
collected, then analysed; GRD-001..003 give the verdicts the estate is built for.

The organization: the management account (the caller), member ``fenced`` in OU ``ml`` whose
SCP carries the seed-002 denies, and member ``loose`` directly under the root. In each member a
data scientists' role may do anything in SageMaker; in ``fenced`` the SCP stops it creating
open resources (GRD-001 PASS) but nothing stops presigned URLs from anywhere (GRD-002 FAIL), in
``loose`` nothing stops the creation (GRD-001 FAIL) and its only other principal may open
notebooks through the VPC endpoint alone (GRD-002 PASS). ``fenced`` also has an S3 gateway
endpoint naming two buckets: one denies every request not through that endpoint (GRD-003
PASS), the other has a policy without such a deny (GRD-003 FAIL).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.collect.org import collect_organization
from safemaker.scanner.collect.sessions import assumed_session
from safemaker.scanner.model import Status
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot

REGION = "eu-west-1"
ROLE = "safemaker-audit"
ENDPOINT_SCP = {"Version": "2012-10-17", "Statement": [
    {"Sid": "NoDirectInternet", "Effect": "Deny", "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
     "Condition": {"StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}}},
    {"Sid": "NoRoot", "Effect": "Deny", "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
     "Condition": {"StringNotEquals": {"sagemaker:RootAccess": "Disabled"}}},
    {"Sid": "VpcOnlyDomains", "Effect": "Deny", "Action": "sagemaker:CreateDomain", "Resource": "*",
     "Condition": {"StringNotEquals": {"sagemaker:AppNetworkAccessType": "VpcOnly"}}},
    {"Sid": "JobsInTheVpc", "Effect": "Deny", "Action": ["sagemaker:CreateTrainingJob",
                                                          "sagemaker:CreateProcessingJob"],
     "Resource": "*", "Condition": {"Null": {"sagemaker:VPCSubnets": "true"}}},
]}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@dataclass
class Org:
    doc: dict[str, Any]
    management: str
    fenced: str
    loose: str
    ou: str
    scp: str


@contextlib.contextmanager
def _environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true",
                        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


def _people_role(iam: Any, name: str, account: str) -> None:
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"})
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)


def _member(base: boto3.session.Session, account: str) -> Any:
    return assumed_session(base, f"arn:aws:iam::{account}:role/{ROLE}")


def _build_fenced(session: Any, account: str) -> None:
    iam = session.client("iam")
    _people_role(iam, "data-scientists", account)
    iam.put_role_policy(RoleName="data-scientists", PolicyName="sagemaker-all", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}))
    # A user in a group whose managed policy opens notebooks through the endpoint only, under a
    # permissions boundary that allows SageMaker.
    presign = iam.create_policy(PolicyName="presign-through-endpoint", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sagemaker:CreatePresignedNotebookInstanceUrl", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0sagemakerapi0001"}}}))["Policy"]["Arn"]
    boundary = iam.create_policy(PolicyName="sagemaker-boundary", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}))["Policy"]["Arn"]
    iam.create_group(GroupName="analysts")
    iam.attach_group_policy(GroupName="analysts", PolicyArn=presign)
    iam.create_user(UserName="alice", PermissionsBoundary=boundary)
    iam.add_user_to_group(GroupName="analysts", UserName="alice")

    ec2 = session.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway", RouteTableIds=[rt],
        PolicyDocument=doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": [
            f"arn:aws:s3:::fenced-data-{account}/*", f"arn:aws:s3:::open-data-{account}/*"]}),
    )["VpcEndpoint"]["VpcEndpointId"]
    s3 = session.client("s3", region_name=REGION)
    for bucket in (f"fenced-data-{account}", f"open-data-{account}"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    fenced = f"fenced-data-{account}"
    s3.put_bucket_policy(Bucket=fenced, Policy=doc(
        {"Sid": "OnlyThroughTheEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{fenced}", f"arn:aws:s3:::{fenced}/*"],
         "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoint}}}))
    # A policy, but only an allow: requests from anywhere are not refused.
    s3.put_bucket_policy(Bucket=f"open-data-{account}", Policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::open-data-{account}/*"}))


def _build_loose(session: Any, account: str) -> None:
    iam = session.client("iam")
    _people_role(iam, "data-scientists", account)
    iam.put_role_policy(RoleName="data-scientists", PolicyName="notebooks", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["sagemaker:CreateNotebookInstance", "sagemaker:CreateTrainingJob"],
         "Resource": "*"}))
    _people_role(iam, "notebook-users", account)
    iam.put_role_policy(RoleName="notebook-users", PolicyName="open-through-endpoint", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "sagemaker:CreatePresignedNotebookInstanceUrl", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0sagemakerapi0002"}}}))


@pytest.fixture(scope="module")
def org() -> Iterator[Org]:
    with pytest.MonkeyPatch.context() as mp, _environment(mp):
        base = boto3.session.Session(region_name=REGION)
        client = base.client("organizations", region_name=REGION)
        management = client.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
        root = client.list_roots()["Roots"][0]["Id"]
        ou = client.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
        fenced, loose = (client.create_account(Email=f"{n}@example.com", AccountName=n)
                         ["CreateAccountStatus"]["AccountId"] for n in ("fenced", "loose"))
        client.move_account(AccountId=fenced, SourceParentId=root, DestinationParentId=ou)
        scp = client.create_policy(Name="seed-002", Description="no open SageMaker resources",
                                   Type="SERVICE_CONTROL_POLICY", Content=json.dumps(ENDPOINT_SCP))
        scp_id = scp["Policy"]["PolicySummary"]["Id"]
        client.attach_policy(PolicyId=scp_id, TargetId=ou)
        with contextlib.suppress(client.exceptions.DuplicatePolicyAttachmentException):
            client.attach_policy(PolicyId="p-FullAWSAccess", TargetId=ou)  # as AWS does for a new OU
        _build_fenced(_member(base, fenced), fenced)
        _build_loose(_member(base, loose), loose)
        collected = collect_organization(base, ROLE, regions=[REGION], max_attempts=2)
        yield Org(collected, management, fenced, loose, ou, scp_id)


def verdicts(org: Org) -> dict[tuple[str, str], tuple[Status, str]]:
    validate_snapshot(org.doc, "<guardrails>")
    findings = run_checks(Snapshot(org.doc, "<guardrails>"), load_registry(entry_points=False))
    return {(f.check_id, f.resource.id): (f.status, f.message) for f in findings if f.check_id.startswith("GRD-")}


def test_each_member_holds_its_own_path_and_scps(org: Org) -> None:
    fenced = org.doc["accounts"][org.fenced]["aws-global"]["organizations"]
    assert fenced["ListParents"][org.fenced]["Parents"] == [{"Id": org.ou, "Type": "ORGANIZATIONAL_UNIT"}]
    assert fenced["ListParents"][org.ou]["Parents"][0]["Type"] == "ROOT"
    assert org.scp in {p["Id"] for p in fenced["ListPoliciesForTarget"][org.ou]["Policies"]}
    assert json.loads(fenced["DescribePolicy"][org.scp]["Policy"]["Content"]) == ENDPOINT_SCP
    loose = org.doc["accounts"][org.loose]["aws-global"]["organizations"]
    assert org.ou not in loose["ListParents"] and org.scp not in loose["DescribePolicy"]
    gaad = org.doc["accounts"][org.fenced]["aws-global"]["iam"]["GetAccountAuthorizationDetails"]
    assert {u["UserName"] for u in gaad["UserDetailList"]} == {"alice"}
    assert not [e for e in org.doc["errors"] if e["service"] in ("organizations", "iam", "s3")]


def test_an_scp_on_the_ou_keeps_open_resources_from_being_created(org: Org) -> None:
    got = verdicts(org)
    status, message = got[("GRD-001", org.fenced)]
    assert status is Status.PASS, message
    assert "SCP seed-002" in message
    status, message = got[("GRD-001", org.loose)]
    assert status is Status.FAIL, message
    assert "role/data-scientists can create a notebook instance" in message


def test_presigned_urls_from_anywhere(org: Org) -> None:
    got = verdicts(org)
    status, message = got[("GRD-002", org.fenced)]
    assert status is Status.FAIL, message
    assert "role/data-scientists" in message and "user/alice" not in message.split(" — ")[1]
    status, message = got[("GRD-002", org.loose)]
    assert status is Status.PASS, message


def test_bucket_policies(org: Org) -> None:
    got = verdicts(org)
    status, message = got[("GRD-003", f"fenced-data-{org.fenced}")]
    assert status is Status.PASS, message
    assert "OnlyThroughTheEndpoint" in message
    status, message = got[("GRD-003", f"open-data-{org.fenced}")]
    assert status is Status.FAIL, message
    assert "is not denied by its bucket policy" in message
