"""Tests of scanner/snapshot/validate.py: each kind of bad input is reported at its exact place, in one line.

The place strings are part of what users see (`safemaker analyze` prints them with exit 2), so
they are asserted verbatim rather than with `in`.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.errors import SnapshotError
from safemaker.scanner.snapshot.validate import (
    ACCOUNT_PATTERN,
    MAX_DEPTH,
    PER_RESOURCE_KEYS,
    PER_RESOURCE_OPERATIONS,
    REGION_PATTERN,
    SCHEMA,
    operation_names,
    service_names,
    validate_operation,
    validate_response,
    validate_snapshot,
)

ACCOUNT = "111122223333"
REGION = "eu-west-1"
SOURCE = "snap.json"
BASE = f"accounts.{ACCOUNT}.{REGION}"
BATFISH = Path("/work/shared/oracles/batfish")


def snapshot(services: dict[str, dict[str, Any]] | None = None, **envelope: Any) -> dict[str, Any]:
    """A snapshot of one account and region holding `services`."""
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "created": "2026-11-23T10:00:00Z",
        "tool_version": "0.1.0",
        "accounts": {ACCOUNT: {REGION: services if services is not None else {}}},
    }
    doc.update(envelope)
    return doc


def route_tables(count: int = 4) -> dict[str, Any]:
    return {
        "RouteTables": [
            {
                "RouteTableId": f"rtb-{i}",
                "VpcId": "vpc-1",
                "OwnerId": ACCOUNT,
                "Associations": [
                    {"Main": i == 0, "RouteTableAssociationId": f"rtbassoc-{i}", "RouteTableId": f"rtb-{i}"}
                ],
                "PropagatingVgws": [],
                "Routes": [
                    {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "Origin": "CreateRoute",
                     "State": "active"},
                    {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable",
                     "State": "active"},
                ],
                "Tags": [{"Key": "Name", "Value": f"rt{i}"}],
            }
            for i in range(count)
        ]
    }


def notebook(name: str) -> dict[str, Any]:
    return {
        "NotebookInstanceArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}",
        "NotebookInstanceName": name,
        "NotebookInstanceStatus": "InService",
        "InstanceType": "ml.t3.medium",
        "SubnetId": "subnet-1",
        "SecurityGroups": ["sg-1"],
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/nb",
        "NetworkInterfaceId": "eni-1",
        "LastModifiedTime": "2026-11-20T09:00:00.123000+00:00",
        "CreationTime": "2026-11-20 08:00:00",
        "DirectInternetAccess": "Disabled",
        "VolumeSizeInGB": 5,
        "RootAccess": "Disabled",
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
    }


FIREWALL_ARN = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:firewall/fw1"


def full_snapshot() -> dict[str, Any]:
    return snapshot(
        {
            "ec2": {
                "DescribeRouteTables": route_tables(),
                "DescribeVpcs": {"Vpcs": []},
                "GetManagedPrefixListEntries": {"pl-0123": {"Entries": [{"Cidr": "10.0.0.0/8", "Description": "x"}]}},
            },
            "network-firewall": {
                "ListFirewalls": {"Firewalls": [{"FirewallName": "fw1", "FirewallArn": FIREWALL_ARN}]},
                "DescribeLoggingConfiguration": {
                    FIREWALL_ARN: {
                        "FirewallArn": FIREWALL_ARN,
                        "LoggingConfiguration": {
                            "LogDestinationConfigs": [
                                {"LogType": "ALERT", "LogDestinationType": "S3",
                                 "LogDestination": {"bucketName": "logs"}}
                            ]
                        },
                    }
                },
            },
            "sagemaker": {
                "ListNotebookInstances": {"NotebookInstances": []},
                "DescribeNotebookInstance": {"nb-analysts": notebook("nb-analysts")},
            },
        },
        errors=[
            {"account": ACCOUNT, "region": REGION, "service": "sagemaker", "operation": "DescribeDomain",
             "resource": "d-abc", "error_code": "AccessDeniedException", "message": "denied"},
            {"account": ACCOUNT, "region": REGION, "service": "sagemaker", "operation": "ListDomains",
             "resource": None, "error_code": "AccessDeniedException", "message": ""},
            {"account": ACCOUNT, "region": REGION, "service": "ec2", "operation": "DescribeVpcs",
             "error_code": "Throttling", "message": "slow down"},
        ],
    )


def error_of(doc: object) -> SnapshotError:
    with pytest.raises(SnapshotError) as info:
        validate_snapshot(doc, SOURCE)
    err = info.value
    text = str(err)
    assert "\n" not in text and "\r" not in text, text
    assert text.startswith(f"{SOURCE}: ")
    return err


def assert_error(doc: object, place: str, problem: str) -> None:
    err = error_of(doc)
    assert (err.place, err.problem) == (place, problem)


# --- valid input ------------------------------------------------------------------------------


def test_minimal_snapshot_is_valid() -> None:
    validate_snapshot({"schema": SCHEMA, "created": "2026-11-23T10:00:00Z", "accounts": {}}, SOURCE)


def test_full_snapshot_is_valid() -> None:
    validate_snapshot(full_snapshot(), SOURCE)


def test_empty_levels_are_valid() -> None:
    """Empty means none: an account or region with nothing collected is a legal state."""
    validate_snapshot(snapshot({}), SOURCE)
    validate_snapshot(snapshot({"ec2": {}}), SOURCE)
    validate_snapshot(snapshot({"sagemaker": {"DescribeNotebookInstance": {}}}), SOURCE)


def test_validation_does_not_change_the_document() -> None:
    doc = full_snapshot()
    before = copy.deepcopy(doc)
    validate_snapshot(doc, SOURCE)
    assert doc == before


@pytest.mark.parametrize(
    ("service", "operation", "response"),
    [
        ("ec2", "DescribeInternetGateways", {"InternetGateways": [
            {"InternetGatewayId": "igw-1", "Attachments": [{"State": "available", "VpcId": "vpc-1"}]}]}),
        ("ec2", "DescribeNetworkInterfaces", {"NetworkInterfaces": [
            {"NetworkInterfaceId": "eni-1", "InterfaceType": "nat_gateway"}]}),
        ("ec2", "DescribeVpcEndpoints", {"VpcEndpoints": [
            {"VpcEndpointId": "vpce-1", "State": "available", "VpcEndpointType": "Gateway"}]}),
        ("sagemaker", "DescribeNotebookInstance", {"NotebookInstanceStatus": "SomethingNew"}),
    ],
)
def test_values_outside_botocore_enums_are_accepted(service: str, operation: str, response: Any) -> None:
    assert validate_response(service, operation, response) == []
    value = {"id-1": response} if (service, operation) in PER_RESOURCE_OPERATIONS else response
    validate_snapshot(snapshot({service: {operation: value}}), SOURCE)


def test_required_output_members_are_not_enforced() -> None:
    """botocore marks some output members required that moto and older APIs omit."""
    assert validate_response("network-firewall", "DescribeFirewall", {"FirewallStatus": {"Status": "READY"}}) == []
    assert validate_response("sagemaker", "DescribeDomain", {}) == []


@pytest.mark.parametrize(
    "stamp",
    ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00+00:00", "2026-11-23T10:00:00.123456Z",
     "2026-11-23 10:00:00", "2026-11-23T10:00:00.1234567+02:00", "2026-11-23"],
)
def test_iso_timestamps_are_accepted(stamp: str) -> None:
    doc = snapshot({"ec2": {"DescribeNatGateways": {"NatGateways": [{"NatGatewayId": "nat-1", "CreateTime": stamp}]}}})
    doc["created"] = stamp
    validate_snapshot(doc, SOURCE)


def test_numbers_accept_int_and_float() -> None:
    metrics = [{"MetricName": "loss", "Value": 1}, {"MetricName": "acc", "Value": 0.5}]
    assert validate_response("sagemaker", "DescribeTrainingJob", {"FinalMetricDataList": metrics}) == []
    bad = [{"MetricName": "loss", "Value": True}, {"MetricName": "acc", "Value": "0.5"}]
    assert validate_response("sagemaker", "DescribeTrainingJob", {"FinalMetricDataList": bad}) == [
        "FinalMetricDataList[0].Value: expected number, got boolean true",
        "FinalMetricDataList[1].Value: expected number, got string '0.5'",
    ]


def test_blobs_are_base64_strings() -> None:
    assert validate_response("kms", "Encrypt", {"CiphertextBlob": "aGVsbG8=", "KeyId": "k"}) == []
    assert validate_response("kms", "Encrypt", {"CiphertextBlob": "not base64!"}) == [
        "CiphertextBlob: expected a base64 string, got string 'not base64!'"
    ]


def test_maps_check_values_and_quote_odd_keys() -> None:
    params = {"epochs": "10", "a.b": 3}
    assert validate_response("sagemaker", "DescribeTrainingJob", {"HyperParameters": params}) == [
        'HyperParameters["a.b"]: expected string, got integer 3'
    ]


def test_document_members_hold_any_json() -> None:
    response = {
        "output": {"message": {"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "t1", "name": "tool", "input": {"deep": [1, None, {"x": True}]}}}]}},
        "stopReason": "tool_use",
    }
    assert validate_response("bedrock-runtime", "Converse", response) == []


def test_operation_without_output_takes_an_empty_object() -> None:
    assert validate_response("ec2", "DeleteRouteTable", {}) == []
    assert validate_response("ec2", "DeleteRouteTable", {"X": 1}) == [
        "X: unknown member 'X' (DeleteRouteTable returns no output)"
    ]


# --- envelope errors --------------------------------------------------------------------------


@pytest.mark.parametrize("doc", [[], "x", None, 3])
def test_non_object_document(doc: object) -> None:
    err = error_of(doc)
    assert err.place == ""
    assert err.problem.startswith(f"expected a JSON object (a {SCHEMA} snapshot), got ")


def test_unsupported_schema() -> None:
    assert_error(
        snapshot(schema="safemaker.snapshot/v2"),
        "schema",
        "unsupported schema 'safemaker.snapshot/v2' (expected safemaker.snapshot/v1)",
    )
    assert str(error_of(snapshot(schema="x"))) == (
        "snap.json: schema: unsupported schema 'x' (expected safemaker.snapshot/v1)"
    )
    assert_error(snapshot(schema=1), "schema", "unsupported schema integer 1 (expected safemaker.snapshot/v1)")


def test_schema_is_checked_before_anything_else() -> None:
    """A future version may change the layout; the user must hear about the version, not a cascade."""
    assert error_of({"schema": "safemaker.snapshot/v9", "new_layout": []}).place == "schema"


def test_missing_schema_says_it_is_not_a_snapshot() -> None:
    assert_error({"Vpcs": []}, "schema", "missing: not a safemaker snapshot (expected safemaker.snapshot/v1)")


def test_envelope_fields() -> None:
    doc = snapshot()
    del doc["created"]
    assert_error(doc, "created", "missing (the ISO-8601 time the snapshot was taken)")
    assert_error(snapshot(created="today"), "created", "expected an ISO-8601 timestamp string, got string 'today'")
    assert_error(snapshot(tool_version=1), "tool_version", "expected string, got integer 1")
    doc = snapshot()
    del doc["tool_version"]
    validate_snapshot(doc, SOURCE)
    del doc["accounts"]
    assert_error(doc, "accounts", "missing (object of account ID to regions)")
    assert_error(snapshot(accounts=[]), "accounts", "expected an object keyed by account ID, got array")
    assert_error(
        snapshot(extra=1),
        "extra",
        "unknown top-level key 'extra' (expected schema, created, tool_version, accounts, errors)",
    )


def test_bad_account_and_region_keys() -> None:
    assert_error(snapshot(accounts={"1234": {}}), "accounts.1234", "account ID must be 12 digits, got '1234'")
    assert_error(
        snapshot(accounts={ACCOUNT: {"eu_west_1": {}}}),
        f"accounts.{ACCOUNT}.eu_west_1",
        "not a region name: 'eu_west_1' (expected e.g. eu-west-1)",
    )
    assert_error(
        snapshot(accounts={ACCOUNT: []}), f"accounts.{ACCOUNT}", "expected an object keyed by region, got array"
    )
    assert_error(
        snapshot(accounts={ACCOUNT: {REGION: {"ec2": []}}}),
        f"{BASE}.ec2",
        "expected an object keyed by operation, got array",
    )


def test_region_pattern_accepts_every_botocore_region() -> None:
    import re

    import botocore.session

    session = botocore.session.get_session()
    regions = {r for p in session.get_available_partitions() for r in session.get_available_regions("ec2", p)}
    assert {"eu-west-1", "us-gov-west-1", "cn-north-1"} <= regions
    assert [r for r in regions if not re.fullmatch(REGION_PATTERN, r)] == []
    assert re.fullmatch(ACCOUNT_PATTERN, ACCOUNT)


def test_unknown_service() -> None:
    assert_error(
        snapshot({"ec3": {}}),
        f"{BASE}.ec3",
        "unknown service 'ec3' (not a botocore service name; did you mean one of 'ecs', 'ecr', 'ec2'?)",
    )
    assert_error(snapshot({"nope": {}}), f"{BASE}.nope", "unknown service 'nope' (not a botocore service name)")


def test_unknown_operation() -> None:
    assert_error(
        snapshot({"ec2": {"DescribeRouteTable": {}}}),
        f"{BASE}.ec2.DescribeRouteTable",
        "unknown operation 'DescribeRouteTable' for service ec2; did you mean 'DescribeRouteTables'?",
    )
    assert_error(
        snapshot({"ec2": {"describe_route_tables": {}}}),
        f"{BASE}.ec2.describe_route_tables",
        "unknown operation 'describe_route_tables' for service ec2; operation keys are botocore names: "
        "'DescribeRouteTables'",
    )


def test_errors_list() -> None:
    good = {"account": ACCOUNT, "region": REGION, "service": "ec2", "operation": "DescribeVpcs",
            "error_code": "X", "message": "m"}
    assert_error(snapshot(errors={}), "errors", "expected an array of collection failures, got object")
    assert_error(
        snapshot(errors=[good, "x"]), "errors[1]", "expected an object describing a failed call, got string 'x'"
    )
    missing = {k: v for k, v in good.items() if k != "error_code"}
    assert_error(snapshot(errors=[good, missing]), "errors[1]", "missing 'error_code'")
    assert_error(snapshot(errors=[{**good, "message": 5}]), "errors[0].message", "expected string, got integer 5")
    assert_error(
        snapshot(errors=[{**good, "resource": 5}]), "errors[0].resource", "expected string or null, got integer 5"
    )
    assert_error(
        snapshot(errors=[{**good, "code": "X"}]),
        "errors[0].code",
        "unknown field 'code' (expected account, error_code, message, operation, region, resource, service)",
    )
    validate_snapshot(snapshot(errors=[]), SOURCE)


# --- response errors --------------------------------------------------------------------------


def test_unknown_member_with_full_path() -> None:
    rts = route_tables()
    rts["RouteTables"][3]["Routes"][0]["Bogus"] = 1
    assert_error(
        snapshot({"ec2": {"DescribeRouteTables": rts}}),
        f"{BASE}.ec2.DescribeRouteTables.RouteTables[3].Routes[0].Bogus",
        "unknown member 'Bogus' (not in botocore shape Route)",
    )


def test_misspelt_member_gets_a_suggestion() -> None:
    rts = route_tables()
    rts["RouteTables"][1]["Routes"][1]["DestinationCidr"] = "10.0.0.0/8"
    assert_error(
        snapshot({"ec2": {"DescribeRouteTables": rts}}),
        f"{BASE}.ec2.DescribeRouteTables.RouteTables[1].Routes[1].DestinationCidr",
        "unknown member 'DestinationCidr' (not in botocore shape Route; did you mean 'DestinationCidrBlock'?)",
    )


def test_string_where_integer_and_integer_where_string() -> None:
    rts = route_tables()
    rts["RouteTables"][3]["Routes"][0]["DestinationCidrBlock"] = 5
    assert_error(
        snapshot({"ec2": {"DescribeRouteTables": rts}}),
        f"{BASE}.ec2.DescribeRouteTables.RouteTables[3].Routes[0].DestinationCidrBlock",
        "expected string, got integer 5",
    )
    subnets = {"Subnets": [{"SubnetId": "subnet-1", "AvailableIpAddressCount": "250"}]}
    assert_error(
        snapshot({"ec2": {"DescribeSubnets": subnets}}),
        f"{BASE}.ec2.DescribeSubnets.Subnets[0].AvailableIpAddressCount",
        "expected integer, got string '250'",
    )


def test_bool_is_not_an_integer() -> None:
    subnets = {"Subnets": [{"SubnetId": "subnet-1", "AvailableIpAddressCount": True}]}
    assert_error(
        snapshot({"ec2": {"DescribeSubnets": subnets}}),
        f"{BASE}.ec2.DescribeSubnets.Subnets[0].AvailableIpAddressCount",
        "expected integer, got boolean true",
    )


def test_integer_is_not_a_bool() -> None:
    subnets = {"Subnets": [{"SubnetId": "subnet-1", "MapPublicIpOnLaunch": 1}]}
    assert_error(
        snapshot({"ec2": {"DescribeSubnets": subnets}}),
        f"{BASE}.ec2.DescribeSubnets.Subnets[0].MapPublicIpOnLaunch",
        "expected boolean, got integer 1",
    )


def test_null_is_not_an_empty_list() -> None:
    """Checks iterate lists; null would crash them, and absent already means unknown."""
    assert_error(
        snapshot({"ec2": {"DescribeVpcs": {"Vpcs": None}}}),
        f"{BASE}.ec2.DescribeVpcs.Vpcs",
        "expected array (botocore shape VpcList), got null",
    )


def test_container_type_errors() -> None:
    assert_error(
        snapshot({"ec2": {"DescribeVpcs": []}}),
        f"{BASE}.ec2.DescribeVpcs",
        "expected object (botocore shape DescribeVpcsResult), got array",
    )
    assert_error(
        snapshot({"ec2": {"DescribeVpcs": {"Vpcs": [[]]}}}),
        f"{BASE}.ec2.DescribeVpcs.Vpcs[0]",
        "expected object (botocore shape Vpc), got array",
    )
    assert_error(
        snapshot({"ec2": {"DescribeSecurityGroups": {"SecurityGroups": [{"IpPermissions": [{"IpRanges": {}}]}]}}}),
        f"{BASE}.ec2.DescribeSecurityGroups.SecurityGroups[0].IpPermissions[0].IpRanges",
        "expected array (botocore shape IpRangeList), got object",
    )
    assert_error(
        snapshot({"ec2": {"DescribeVpcs": {"Vpcs": [{"CidrBlock": ["x"]}]}}}),
        f"{BASE}.ec2.DescribeVpcs.Vpcs[0].CidrBlock",
        "expected string, got array",
    )


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [("yesterday", "string 'yesterday'"), (1700000000, "integer 1700000000"), ("", "string ''"),
     ("2026-13-01T00:00:00Z", "string '2026-13-01T00:00:00Z'")],
)
def test_bad_timestamp(stamp: object, shown: str) -> None:
    nat = {"NatGateways": [{"NatGatewayId": "nat-1", "CreateTime": stamp}]}
    assert_error(
        snapshot({"ec2": {"DescribeNatGateways": nat}}),
        f"{BASE}.ec2.DescribeNatGateways.NatGateways[0].CreateTime",
        f"expected an ISO-8601 timestamp string, got {shown}",
    )


def test_python_objects_from_boto3_are_rejected() -> None:
    """A collector that forgets to serialise boto3's datetimes gets told, not a crash later."""
    nat = {"NatGateways": [{"NatGatewayId": "nat-1", "CreateTime": datetime(2026, 1, 1, tzinfo=UTC)}]}
    assert validate_response("ec2", "DescribeNatGateways", nat) == [
        "NatGateways[0].CreateTime: expected an ISO-8601 timestamp string, got a Python datetime"
    ]


def test_pagination_token_kept() -> None:
    rts = {**route_tables(), "NextToken": "abc"}
    assert_error(
        snapshot({"ec2": {"DescribeRouteTables": rts}}),
        f"{BASE}.ec2.DescribeRouteTables.NextToken",
        "pagination token 'NextToken' kept: merge all pages and drop it",
    )
    # Even an empty or null token: the merged response has no paging state at all.
    assert validate_response("ec2", "DescribeVpcs", {"Vpcs": [], "NextToken": None}) == [
        "NextToken: pagination token 'NextToken' kept: merge all pages and drop it"
    ]


def test_pagination_tokens_come_from_the_paginator_model() -> None:
    assert validate_response("ecs", "ListClusters", {"clusterArns": [], "nextToken": "t"}) == [
        "nextToken: pagination token 'nextToken' kept: merge all pages and drop it"
    ]
    assert validate_response("iam", "ListRoles", {"Roles": [], "IsTruncated": False, "Marker": "m"}) == [
        "Marker: pagination token 'Marker' kept: merge all pages and drop it"
    ]
    assert validate_response(
        "cloudfront", "ListDistributions", {"DistributionList": {"Marker": "", "NextMarker": "n", "Quantity": 0}}
    ) == ["DistributionList.NextMarker: pagination token 'NextMarker' kept: merge all pages and drop it"]


def test_response_metadata_kept() -> None:
    vpcs = {"Vpcs": [], "ResponseMetadata": {"RequestId": "r", "HTTPStatusCode": 200}}
    assert_error(
        snapshot({"ec2": {"DescribeVpcs": vpcs}}),
        f"{BASE}.ec2.DescribeVpcs.ResponseMetadata",
        "ResponseMetadata kept: snapshots store responses without boto3's metadata",
    )
    assert validate_response("ec2", "DescribeVpcs", vpcs) == [
        "ResponseMetadata: ResponseMetadata kept: snapshots store responses without boto3's metadata"
    ]


# --- per-resource operations ------------------------------------------------------------------


def test_per_resource_operations_exist_in_botocore() -> None:
    assert frozenset(PER_RESOURCE_KEYS) == PER_RESOURCE_OPERATIONS
    assert len(PER_RESOURCE_OPERATIONS) == 19
    for service, operation in PER_RESOURCE_OPERATIONS:
        assert service in service_names()
        assert operation in operation_names(service)


def test_per_resource_entries_are_validated_each() -> None:
    bad = notebook("nb-2")
    bad["DirectInternetAccess"] = 1
    doc = snapshot({"sagemaker": {"DescribeNotebookInstance": {"nb-1": notebook("nb-1"), "nb-2": bad}}})
    assert_error(
        doc,
        f"{BASE}.sagemaker.DescribeNotebookInstance.nb-2.DirectInternetAccess",
        "expected string, got integer 1",
    )


def test_per_resource_arn_keys_stay_readable() -> None:
    doc = full_snapshot()
    entry = doc["accounts"][ACCOUNT][REGION]["network-firewall"]["DescribeLoggingConfiguration"][FIREWALL_ARN]
    entry["LoggingConfiguration"]["LogDestinationConfigs"][0]["LogDestination"]["bucketName"] = 7
    assert_error(
        doc,
        f"{BASE}.network-firewall.DescribeLoggingConfiguration.{FIREWALL_ARN}"
        ".LoggingConfiguration.LogDestinationConfigs[0].LogDestination.bucketName",
        "expected string, got integer 7",
    )


def test_per_resource_operation_given_as_a_single_response() -> None:
    """The likely mistake: pasting `aws sagemaker describe-notebook-instance` output directly."""
    assert_error(
        snapshot({"sagemaker": {"DescribeNotebookInstance": notebook("nb-1")}}),
        f"{BASE}.sagemaker.DescribeNotebookInstance.NotebookInstanceArn",
        "expected the DescribeNotebookInstance response for this NotebookInstanceName, an object, "
        f"got string 'arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/nb-1' "
        "(DescribeNotebookInstance is per-resource: keyed by NotebookInstanceName)",
    )
    assert_error(
        snapshot({"ec2": {"GetManagedPrefixListEntries": []}}),
        f"{BASE}.ec2.GetManagedPrefixListEntries",
        "expected an object keyed by PrefixListId (GetManagedPrefixListEntries is per-resource), got array",
    )


def test_per_resource_entries_drop_paging_too() -> None:
    doc = snapshot({"ec2": {"GetManagedPrefixListEntries": {"pl-1": {"Entries": [], "NextToken": "t"}}}})
    assert_error(
        doc,
        f"{BASE}.ec2.GetManagedPrefixListEntries.pl-1.NextToken",
        "pagination token 'NextToken' kept: merge all pages and drop it",
    )


def test_per_resource_empty_identifier() -> None:
    assert_error(
        snapshot({"sagemaker": {"DescribeDomain": {"": {}}}}),
        f'{BASE}.sagemaker.DescribeDomain[""]',
        "empty identifier: DescribeDomain entries are keyed by DomainId",
    )


def test_validate_operation_and_response_helpers() -> None:
    assert validate_operation("sagemaker", "DescribeNotebookInstance", {"nb": notebook("nb")}) == []
    assert validate_response("sagemaker", "DescribeNotebookInstance", notebook("nb")) == []
    assert validate_operation("sagemaker", "DescribeNotebookInstance", {"nb": {"VolumeSizeInGB": "5"}}) == [
        "nb.VolumeSizeInGB: expected integer, got string '5'"
    ]
    assert validate_response("ec3", "X", {}) == [
        "unknown service 'ec3' (not a botocore service name; did you mean one of 'ecs', 'ecr', 'ec2'?)"
    ]
    assert validate_response("ec2", "Nope", {}) == ["unknown operation 'Nope' for service ec2"]
    assert validate_response("ec2", "DescribeVpcs", []) == [
        "expected object (botocore shape DescribeVpcsResult), got array"
    ]
    many = {"Vpcs": [{"VpcId": i} for i in range(500)]}
    assert len(validate_response("ec2", "DescribeVpcs", many)) == 100
    assert len(validate_response("ec2", "DescribeVpcs", many, limit=3)) == 3


# --- robustness -------------------------------------------------------------------------------


def test_hostile_nesting_in_a_recursive_shape() -> None:
    """DynamoDB's AttributeValue is recursive; the depth cap must answer, not the interpreter."""
    value: dict[str, Any] = {"S": "leaf"}
    for _ in range(50_000):
        value = {"L": [value]}
    doc = snapshot({"dynamodb": {"GetItem": {"Item": {"a": value}}}})
    err = error_of(doc)
    assert err.problem == f"nested more than {MAX_DEPTH} levels deep"
    assert err.place.startswith(f"{BASE}.dynamodb.GetItem.Item.a.L[0].L[0].")
    assert validate_response("dynamodb", "GetItem", {"Item": {"a": {"L": [{"S": "x"}, {"N": "1"}]}}}) == []


def test_hostile_nesting_under_an_unknown_key() -> None:
    value: Any = []
    for _ in range(50_000):
        value = [value]
    assert_error(
        snapshot({"ec2": {"DescribeVpcs": {"Vpcs": [{"Junk": value}]}}}),
        f"{BASE}.ec2.DescribeVpcs.Vpcs[0].Junk",
        "unknown member 'Junk' (not in botocore shape Vpc)",
    )


def test_messages_stay_on_one_line() -> None:
    rts = route_tables()
    rts["RouteTables"][0]["Bad\nKey"] = 1
    err = error_of(snapshot({"ec2": {"DescribeRouteTables": rts}}))
    assert err.place == f'{BASE}.ec2.DescribeRouteTables.RouteTables[0]["Bad\\nKey"]'
    long_value = "x" * 10_000 + "\n"
    err = error_of(snapshot({"ec2": {"DescribeVpcs": {"Vpcs": [{"VpcId": 1, "CidrBlock": long_value}]}}}))
    assert len(str(err)) < 300


def test_big_snapshot_validates() -> None:
    subnets: list[dict[str, Any]] = [
        {
            "AvailabilityZone": "eu-west-1a",
            "AvailabilityZoneId": "euw1-az1",
            "AvailableIpAddressCount": 251,
            "CidrBlock": f"10.{i // 256 % 256}.{i % 256}.0/24",
            "DefaultForAz": False,
            "MapPublicIpOnLaunch": False,
            "State": "available",
            "SubnetId": f"subnet-{i:017x}",
            "VpcId": f"vpc-{i // 100}",
            "OwnerId": ACCOUNT,
            "AssignIpv6AddressOnCreation": False,
            "Ipv6CidrBlockAssociationSet": [],
            "Tags": [{"Key": "Name", "Value": f"subnet {i}"}],
            "SubnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-{i:017x}",
            "PrivateDnsNameOptionsOnLaunch": {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False},
        }
        for i in range(20_000)
    ]
    doc = snapshot({"ec2": {"DescribeSubnets": {"Subnets": subnets}, "DescribeRouteTables": route_tables(2000)}})
    validate_snapshot(doc, SOURCE)
    subnets[19_999]["Tags"][0]["Value"] = 0
    assert_error(
        doc, f"{BASE}.ec2.DescribeSubnets.Subnets[19999].Tags[0].Value", "expected string, got integer 0"
    )


# --- shared fixtures (only where the shared workspace exists) ---------------------------------


def _batfish_snapshots() -> list[Path]:
    if not BATFISH.is_dir():
        return []
    return sorted(p for p in BATFISH.glob("*.json") if p.name != "expected.json")


@pytest.mark.skipif(not _batfish_snapshots(), reason=f"{BATFISH} is absent")
@pytest.mark.parametrize("path", _batfish_snapshots() or [None], ids=lambda p: getattr(p, "stem", "none"))
def test_batfish_oracle_snapshots_validate(path: Path) -> None:
    validate_snapshot(json.loads(path.read_text(encoding="utf-8")), str(path))
