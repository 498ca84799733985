"""Failed, looping and truncated calls become error entries; the run always goes on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from safemaker.scanner.collect import account_id, collect_snapshot
from safemaker.scanner.errors import CollectionError

ACCOUNT = "123456789012"
REGION = "eu-west-1"


def region_data(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = doc["accounts"][ACCOUNT][REGION]
    return data


def only_error(doc: dict[str, Any], service: str, operation: str) -> dict[str, Any]:
    matching = [e for e in doc["errors"] if (e["service"], e["operation"]) == (service, operation)]
    assert len(matching) == 1, matching
    return matching[0]


EC2_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code>'
    b"<Message>You are not authorized to perform this operation.</Message></Error></Errors>"
    b"<RequestID>6f1e2d3c-0000-4000-8000-000000000000</RequestID></Response>"
)
SAGEMAKER_DENIED = json.dumps({
    "__type": "AccessDeniedException",
    "Message": "User is not authorized to perform: sagemaker:ListNotebookInstances",
}).encode()


@pytest.mark.parametrize(
    ("service", "operation", "status", "body", "code", "dependent"),
    [
        ("ec2", "DescribeNatGateways", 403, EC2_DENIED, "UnauthorizedOperation", None),
        ("sagemaker", "ListNotebookInstances", 400, SAGEMAKER_DENIED, "AccessDeniedException",
         "DescribeNotebookInstance"),
    ],
)
def test_denied_call_is_recorded_and_the_run_continues(
    session: boto3.session.Session, estate: Any, fake: Any,
    service: str, operation: str, status: int, body: bytes, code: str, dependent: str | None,
) -> None:
    sent: list[str] = []

    def deny(**_: Any) -> Any:
        sent.append(operation)
        return fake.response(status, body, {"x-amzn-RequestId": "req-1"})

    # A real HTTP answer, parsed by botocore's own protocol parser; registered before the
    # collector makes its clients, as any caller's hook would be.
    session.events.register(f"before-send.{service}.{operation}", deny)
    doc = collect_snapshot(session, [REGION])
    data = region_data(doc)

    assert operation not in data[service]
    error = only_error(doc, service, operation)
    assert error == {
        "account": ACCOUNT, "region": REGION, "service": service, "operation": operation, "resource": None,
        "error_code": code, "message": error["message"],
    }
    assert "not authorized" in error["message"]
    assert sent == [operation]  # an authorization failure is not retried
    if dependent:
        assert dependent not in data[service]
    for other in ("DescribeVpcs", "DescribeRouteTables", "DescribeNetworkInterfaces"):
        assert other in data["ec2"]
    assert "DescribeDomain" in data["sagemaker"]


def test_one_failed_resource_leaves_only_that_resource_out(
    session: boto3.session.Session, estate: Any, fake: Any
) -> None:
    def describe(params: dict[str, Any]) -> dict[str, Any] | None:
        if params["NotebookInstanceName"] == "nb-second":
            raise fake.Error("AccessDeniedException", "no access to nb-second")
        return None  # moto answers

    fake.on("sagemaker", "DescribeNotebookInstance", describe)
    doc = collect_snapshot(session, [REGION])
    notebooks = region_data(doc)["sagemaker"]["DescribeNotebookInstance"]

    assert list(notebooks) == ["nb-analysts"]
    error = only_error(doc, "sagemaker", "DescribeNotebookInstance")
    assert error["resource"] == "nb-second"
    assert error["error_code"] == "AccessDeniedException"
    assert error["message"] == "no access to nb-second"
    # The lifecycle configuration still comes from the notebook that was described.
    assert list(region_data(doc)["sagemaker"]["DescribeNotebookInstanceLifecycleConfig"]) == ["proxy-lcc"]


def test_repeated_pagination_token_stops_instead_of_looping(
    session: boto3.session.Session, estate: Any, fake: Any
) -> None:
    fake.on("ec2", "DescribeVpcs", {"Vpcs": [{"VpcId": "vpc-loop", "CidrBlock": "10.9.0.0/16"}], "NextToken": "again"})
    doc = collect_snapshot(session, [REGION])

    assert "DescribeVpcs" not in region_data(doc)["ec2"]  # a partial list would look complete
    error = only_error(doc, "ec2", "DescribeVpcs")
    assert error["error_code"] == "RepeatedPaginationToken"
    assert "'again'" in error["message"]
    vpc_calls = [params for _, op, params in fake.calls if op == "DescribeVpcs"]
    assert vpc_calls == [{}, {"NextToken": "again"}]
    assert "DescribeSubnets" in region_data(doc)["ec2"]


def test_pages_are_merged_in_order(session: boto3.session.Session, fake: Any) -> None:
    pages = {
        None: {"Subnets": [{"SubnetId": "subnet-1"}], "NextToken": "p2"},
        "p2": {"Subnets": [{"SubnetId": "subnet-2"}], "NextToken": "p3"},
        "p3": {"Subnets": [{"SubnetId": "subnet-3"}]},
    }
    fake.on("ec2", "DescribeSubnets", lambda params: pages[params.get("NextToken")])
    doc = collect_snapshot(session, [REGION])

    assert region_data(doc)["ec2"]["DescribeSubnets"] == {
        "Subnets": [{"SubnetId": "subnet-1"}, {"SubnetId": "subnet-2"}, {"SubnetId": "subnet-3"}]
    }


def test_truncated_transit_gateway_routes_are_left_out(
    session: boto3.session.Session, estate: Any, fake: Any
) -> None:
    def search(params: dict[str, Any]) -> dict[str, Any] | None:
        assert params["Filters"] == [{"Name": "state", "Values": ["active", "blackhole"]}]
        if params["TransitGatewayRouteTableId"] != estate.tgw_rtb:
            return None
        return {"Routes": [{"DestinationCidrBlock": "10.0.0.0/8", "State": "active", "Type": "static"}],
                "AdditionalRoutesAvailable": True}

    fake.on("ec2", "SearchTransitGatewayRoutes", search)
    doc = collect_snapshot(session, [REGION])
    routes = region_data(doc)["ec2"]["SearchTransitGatewayRoutes"]

    assert estate.tgw_rtb not in routes
    assert len(routes) >= 1  # the other (default) route table was collected
    error = only_error(doc, "ec2", "SearchTransitGatewayRoutes")
    assert error["resource"] == estate.tgw_rtb
    assert error["error_code"] == "TruncatedResults"
    assert "AdditionalRoutesAvailable" in error["message"]


def test_optional_operation_failures_are_recorded_but_harmless(session: boto3.session.Session) -> None:
    doc = collect_snapshot(session, [REGION])
    error = only_error(doc, "ec2", "DescribeVpcBlockPublicAccessOptions")
    assert error["error_code"] == "NotImplementedError"
    assert "DescribeVpcBlockPublicAccessOptions" not in region_data(doc)["ec2"]


@pytest.fixture
def no_credentials(aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))


# The endpoint is a closed local port: even if credentials turned up, nothing leaves the machine.
CLOSED = "http://127.0.0.1:9"


def test_no_credentials_is_a_collection_error(no_credentials: None) -> None:
    session = boto3.session.Session(region_name=REGION)
    with pytest.raises(CollectionError, match="credentials") as info:
        collect_snapshot(session, [REGION], endpoint_url=CLOSED)
    assert "\n" not in str(info.value)
    assert "GetCallerIdentity" in str(info.value)


def test_bad_endpoint_url_is_a_collection_error(aws_env: None) -> None:
    session = boto3.session.Session(region_name=REGION)
    with pytest.raises(CollectionError, match="GetCallerIdentity"):
        account_id(session, endpoint_url="not a url")


def test_account_id_comes_from_sts(session: boto3.session.Session) -> None:
    assert account_id(session) == ACCOUNT


def test_no_region_anywhere_is_a_collection_error(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/safemaker-test-config")
    session = boto3.session.Session()
    with pytest.raises(CollectionError, match="no region"):
        collect_snapshot(session, [], endpoint_url=CLOSED)


def test_malformed_region_is_a_collection_error(aws_env: None) -> None:
    session = boto3.session.Session(region_name=REGION)
    with pytest.raises(CollectionError, match="not an AWS region name: 'eu-west1'"):
        collect_snapshot(session, [REGION, "eu-west1"], endpoint_url=CLOSED)
