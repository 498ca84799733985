"""Collecting a moto estate end to end: coverage of docs/snapshot-format.md, keys, JSON-ness, validity."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import boto3
import pytest

import safemaker
from safemaker.scanner.collect import collect_snapshot, planned_operations

ACCOUNT = "123456789012"
REGION = "eu-west-1"
OTHER_REGION = "us-east-1"
GLOBAL = "aws-global"
# Without an organization, Organizations answers AWSOrganizationsNotInUseException: recorded (the
# checks read it as "no SCP applies"); the calls that need ListRoots are then not made.
NO_ORGANIZATION = [("ListRoots", None, "AWSOrganizationsNotInUseException"), ("ListParents", None, "SourceFailed"),
                   ("ListPoliciesForTarget", None, "SourceFailed"), ("DescribePolicy", None, "SourceFailed")]

# moto answers these list calls with NotImplemented; their per-resource dependents are then skipped.
MOTO_LACKS = {("sagemaker", "ListUserProfiles"), ("sagemaker", "ListSpaces")}
SKIPPED = {("sagemaker", "DescribeUserProfile"), ("sagemaker", "DescribeSpace")}


def region_data(doc: dict[str, Any], region: str = REGION) -> dict[str, Any]:
    data: dict[str, Any] = doc["accounts"][ACCOUNT][region]
    return data


def errors_for(doc: dict[str, Any], service: str, operation: str) -> list[dict[str, Any]]:
    return [e for e in doc["errors"] if (e["service"], e["operation"]) == (service, operation)]


def assert_plain_json(value: Any) -> None:
    """Only JSON types anywhere: a datetime left behind would make writing the file fail."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            assert_plain_json(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain_json(item)
    else:
        assert value is None or isinstance(value, str | int | float | bool), repr(value)


FENCE = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::fenced-bucket/*",
    "Condition": {"StringNotEquals": {"aws:sourceVpce": "vpce-1"}}}]})


def add_guardrail_reads(session: boto3.session.Session, estate: Any) -> None:
    """Something for every guardrail read to find: an organization (the caller is its management
    account, FullAWSAccess attached), and two buckets the S3 gateway endpoint's policy names, one
    with a bucket policy and one without (NoSuchBucketPolicy, stored as {})."""
    session.client("organizations").create_organization(FeatureSet="ALL")
    s3 = session.client("s3", region_name=REGION)
    for bucket in ("fenced-bucket", "open-bucket"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="fenced-bucket", Policy=FENCE)
    session.client("ec2", region_name=REGION).modify_vpc_endpoint(
        VpcEndpointId=estate.s3_endpoint, PolicyDocument=json.dumps({"Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": ["arn:aws:s3:::open-bucket/*", "arn:aws:s3:::fenced-bucket/*"]}]}))


def validate(doc: dict[str, Any]) -> None:
    validate_mod = pytest.importorskip("safemaker.scanner.snapshot.validate")
    validate_mod.validate_snapshot(doc, source="collected")


def test_minimum_operations_collected_from_moto_estate(
    session: boto3.session.Session, estate: Any, minimum_operations: list[tuple[str, str]]
) -> None:
    doc = collect_snapshot(session, [REGION])
    data = region_data(doc)

    assert doc["schema"] == "safemaker.snapshot/v1"
    assert doc["tool_version"] == safemaker.__version__
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["created"])
    assert list(doc["accounts"]) == [ACCOUNT]
    assert list(doc["accounts"][ACCOUNT]) == [GLOBAL, REGION]

    for service, op in minimum_operations:
        if (service, op) in MOTO_LACKS:
            assert op not in data.get(service, {}), f"{op} should be absent (unknown)"
            [error] = errors_for(doc, service, op)
            assert error["error_code"] == "NotImplementedError"
            assert error["resource"] is None
        elif (service, op) in SKIPPED:
            assert op not in data.get(service, {})
        else:
            assert op in data[service], f"{service} {op} missing"

    ec2, nfw, sm = data["ec2"], data["network-firewall"], data["sagemaker"]
    # Network Firewall: moto lists and describes the firewall but cannot describe its policy.
    assert list(nfw["DescribeFirewall"]) == [estate.firewall_arn]
    assert list(nfw["DescribeLoggingConfiguration"]) == [estate.firewall_arn]
    assert estate.firewall_policy_arn not in nfw["DescribeFirewallPolicy"]
    [policy_error] = errors_for(doc, "network-firewall", "DescribeFirewallPolicy")
    assert policy_error["resource"] == estate.firewall_policy_arn
    assert policy_error["error_code"] == "NotImplementedError"
    assert nfw["DescribeRuleGroup"] == {}

    # Resources land under the keys docs/snapshot-format.md names.
    assert set(sm["DescribeNotebookInstance"]) == {"nb-analysts", "nb-second"}
    assert sm["DescribeNotebookInstance"]["nb-analysts"]["SubnetId"] == estate.private_subnet
    assert list(sm["DescribeNotebookInstanceLifecycleConfig"]) == ["proxy-lcc"]  # shared config, described once
    assert sm["DescribeNotebookInstanceLifecycleConfig"]["proxy-lcc"]["OnStart"][0]["Content"].startswith("ZXhwb3J0")
    assert list(sm["DescribeDomain"]) == [estate.domain]
    assert list(sm["DescribeTrainingJob"]) == ["train-1"]
    assert list(sm["DescribeProcessingJob"]) == ["proc-1"]
    assert list(sm["DescribeModel"]) == ["model-1"]
    assert estate.prefix_list in ec2["GetManagedPrefixListEntries"]
    assert ec2["GetManagedPrefixListEntries"][estate.prefix_list]["Entries"][0]["Cidr"] == "192.168.0.0/16"
    routes = ec2["SearchTransitGatewayRoutes"][estate.tgw_rtb]["Routes"]
    assert [r["DestinationCidrBlock"] for r in routes] == ["0.0.0.0/0"]

    route_tables = {rt["RouteTableId"]: rt for rt in ec2["DescribeRouteTables"]["RouteTables"]}
    assert any(r.get("GatewayId") == estate.igw for r in route_tables[estate.public_rtb]["Routes"])
    assert any(r.get("NatGatewayId") == estate.nat for r in route_tables[estate.private_rtb]["Routes"])
    assert estate.s3_endpoint in {e["VpcEndpointId"] for e in ec2["DescribeVpcEndpoints"]["VpcEndpoints"]}
    assert estate.eni in {e["NetworkInterfaceId"] for e in ec2["DescribeNetworkInterfaces"]["NetworkInterfaces"]}
    instances = [i["InstanceId"] for r in ec2["DescribeInstances"]["Reservations"] for i in r["Instances"]]
    assert instances == [estate.instance]
    attachments = ec2["DescribeTransitGatewayVpcAttachments"]["TransitGatewayVpcAttachments"]
    assert estate.tgw_attachment in {a["TransitGatewayAttachmentId"] for a in attachments}

    # Transport members are gone; timestamps are strings.
    for ops in data.values():
        for op, value in ops.items():
            assert "ResponseMetadata" not in value, op
            assert "NextToken" not in value, op
    assert isinstance(sm["DescribeNotebookInstance"]["nb-analysts"]["CreationTime"], str)
    dt.datetime.fromisoformat(sm["DescribeNotebookInstance"]["nb-analysts"]["CreationTime"])

    for error in doc["errors"]:
        assert set(error) == {"account", "region", "service", "operation", "resource", "error_code", "message"}
        assert error["account"] == ACCOUNT and error["region"] == (GLOBAL if error["service"] == "organizations"
                                                                     else REGION)
    assert [(e["operation"], e["resource"], e["error_code"]) for e in doc["errors"] if e["region"] == GLOBAL] == \
        NO_ORGANIZATION
    # The account's IAM is read whole (users, groups, roles, policies), under aws-global.
    assert set(region_data(doc, GLOBAL)) == {"iam"}
    gaad = region_data(doc, GLOBAL)["iam"]["GetAccountAuthorizationDetails"]
    assert {"UserDetailList", "RoleDetailList", "GroupDetailList", "Policies"} <= set(gaad)
    assert "Marker" not in gaad
    assert_plain_json(doc)
    json.dumps(doc)
    validate(doc)


def test_every_planned_operation_collected_when_aws_answers_everything(
    session: boto3.session.Session, served_estate: Any
) -> None:
    add_guardrail_reads(session, served_estate.estate)
    doc = collect_snapshot(session, [REGION])
    data = region_data(doc)

    # moto cannot list the tags of an untagged domain (AWS can): the optional call fails alone.
    assert [(e["operation"], e["resource"]) for e in doc["errors"]] == [
        ("ListTags", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:domain/d-studio")]
    assert data["sagemaker"]["ListTags"][f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/model-1"] == {"Tags": []}
    for service, op in planned_operations():
        where = data if service not in ("iam", "organizations") else region_data(doc, GLOBAL)
        assert op in where[service], f"{service} {op} missing"
    assert data["s3"]["GetBucketPolicy"] == {"fenced-bucket": {"Policy": FENCE}, "open-bucket": {}}

    served = served_estate
    nfw, sm = data["network-firewall"], data["sagemaker"]
    assert list(nfw["DescribeFirewall"]) == list(served.firewall_arns)
    assert list(nfw["DescribeLoggingConfiguration"]) == list(served.firewall_arns)
    assert list(nfw["DescribeFirewallPolicy"]) == list(served.policy_arns)
    # Rule groups in the order the policies reference them; the shared one is described once.
    assert list(nfw["DescribeRuleGroup"]) == [served.stateless_group, served.stateful_group]
    rule_group_calls = [c for c in served.fake.calls if c[1] == "DescribeRuleGroup"]
    assert len(rule_group_calls) == 2
    assert nfw["DescribeRuleGroup"][served.stateful_group]["RuleGroupResponse"]["Type"] == "STATEFUL"

    profile_key = f"{served.estate.domain}/alice"
    assert list(sm["DescribeUserProfile"]) == [profile_key]
    assert sm["DescribeUserProfile"][profile_key]["CreationTime"] == "2026-11-01T09:30:00+00:00"
    assert list(sm["DescribeSpace"]) == [f"{served.estate.domain}/team"]
    assert data["ec2"]["DescribeVpcBlockPublicAccessOptions"]["VpcBlockPublicAccessOptions"]["State"] == (
        "default-state"
    )
    assert_plain_json(doc)
    validate(doc)


def test_two_regions_are_collected_side_by_side(
    session: boto3.session.Session, estate: Any, make_estate: Callable[..., Any]
) -> None:
    other = make_estate(session, OTHER_REGION)
    lines: list[str] = []
    doc = collect_snapshot(session, [OTHER_REGION, REGION, OTHER_REGION], progress=lines.append, max_workers=2)

    assert list(doc["accounts"][ACCOUNT]) == sorted([GLOBAL, REGION, OTHER_REGION])  # deduplicated, sorted
    for region, built in ((REGION, estate), (OTHER_REGION, other)):
        data = region_data(doc, region)
        vpcs = {v["VpcId"] for v in data["ec2"]["DescribeVpcs"]["Vpcs"]}
        assert built.vpc in vpcs
        assert set(data["sagemaker"]["DescribeNotebookInstance"]) == {"nb-analysts", "nb-second"}
    assert estate.vpc not in {v["VpcId"] for v in region_data(doc, OTHER_REGION)["ec2"]["DescribeVpcs"]["Vpcs"]}
    assert {e["region"] for e in doc["errors"]} == {GLOBAL, REGION, OTHER_REGION}
    # Errors grouped per region in sorted region order, so the document is deterministic.
    regions_in_order = [e["region"] for e in doc["errors"]]
    assert regions_in_order == sorted(regions_in_order)

    tables = len(region_data(doc)["ec2"]["DescribeRouteTables"]["RouteTables"])
    assert f"collect {ACCOUNT}/{REGION}: ec2 DescribeRouteTables ({tables})" in lines
    assert any(line.startswith(f"collect {ACCOUNT}/{OTHER_REGION}: ") for line in lines)
    assert f"collect {ACCOUNT}/{REGION}: sagemaker ListSpaces failed: NotImplementedError" in lines


def test_same_estate_gives_same_document(session: boto3.session.Session, estate: Any) -> None:
    first = collect_snapshot(session, [REGION])
    second = collect_snapshot(session, [REGION])
    first.pop("created")
    second.pop("created")
    assert json.dumps(first) == json.dumps(second)


def test_no_regions_means_the_session_region(session: boto3.session.Session) -> None:
    doc = collect_snapshot(session, [])
    assert list(doc["accounts"][ACCOUNT]) == [GLOBAL, REGION]


def _iam_page(user: str, marker: str | None, truncated: bool) -> dict[str, Any]:
    page: dict[str, Any] = {
        "UserDetailList": [{"UserName": user, "UserId": f"AIDA{user.upper()}", "Path": "/",
                            "Arn": f"arn:aws:iam::{ACCOUNT}:user/{user}", "CreateDate": dt.datetime(2026, 1, 1)}],
        "GroupDetailList": [], "RoleDetailList": [], "Policies": [], "IsTruncated": truncated}
    if marker:
        page["Marker"] = marker
    return page


def test_iam_authorization_details_follow_the_marker_and_merge(session: boto3.session.Session, fake: Any) -> None:
    """IAM pages with Marker/IsTruncated, not NextToken: every page is read and merged."""
    pages = {None: _iam_page("alice", "m-1", True), "m-1": _iam_page("bob", "m-2", True),
             "m-2": _iam_page("carol", None, False)}
    fake.on("iam", "GetAccountAuthorizationDetails", lambda params: pages[params.get("Marker")])
    doc = collect_snapshot(session, [REGION])
    gaad = region_data(doc, GLOBAL)["iam"]["GetAccountAuthorizationDetails"]
    assert [u["UserName"] for u in gaad["UserDetailList"]] == ["alice", "bob", "carol"]
    assert gaad["IsTruncated"] is False and "Marker" not in gaad
    assert [c[2].get("Marker") for c in fake.calls if c[1] == "GetAccountAuthorizationDetails"] == [None, "m-1", "m-2"]


def test_iam_authorization_details_still_truncated_at_the_end_are_left_out(
        session: boto3.session.Session, fake: Any) -> None:
    """A last page that says IsTruncated without a Marker: part of the principals is missing,
    and a principal left out could be the one that may create an open notebook."""
    fake.on("iam", "GetAccountAuthorizationDetails", _iam_page("alice", None, True))
    doc = collect_snapshot(session, [REGION])
    assert "iam" not in region_data(doc, GLOBAL)
    [error] = errors_for(doc, "iam", "GetAccountAuthorizationDetails")
    assert (error["region"], error["error_code"]) == (GLOBAL, "TruncatedResults")
