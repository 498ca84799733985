"""The plan is consistent with botocore's models, and the shipped IAM policy is least privilege."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name

from safemaker.scanner.collect import PLAN, collect_snapshot, iam_actions, iam_policy, planned_operations
from safemaker.scanner.collect.plan import ACCOUNTS, IAM_PREFIX, SAFEMAKER
from safemaker.scanner.collect.runner import merge_pages, to_json

REGION = "eu-west-1"
READ_ONLY_VERBS = ("Describe", "List", "Get", "Search")
# Needs no IAM permission: AWS answers it even when every action is denied.
UNPRIVILEGED = {("sts", "GetCallerIdentity")}


def shipped_policy() -> dict[str, Any]:
    text = resources.files("safemaker.scanner.collect").joinpath("policy/safemaker-readonly.json").read_text("utf-8")
    policy: dict[str, Any] = json.loads(text)
    return policy


def policy_actions(policy: dict[str, Any]) -> list[str]:
    actions: list[str] = []
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}  # no NotAction / NotResource
        action = statement["Action"]
        actions.extend([action] if isinstance(action, str) else action)
    return actions


def test_calls_made_are_exactly_the_plan_and_all_allowed_by_the_policy(
    session: boto3.session.Session, served_estate: Any
) -> None:
    called: list[tuple[str, str]] = []

    def record(model: Any, **_: Any) -> None:
        called.append((model.service_model.service_name, model.name))

    # The guardrail reads need something to read: an organization (its policies) and a bucket
    # the S3 gateway endpoint's policy names.
    session.client("organizations").create_organization(FeatureSet="ALL")
    session.client("s3", region_name=REGION).create_bucket(
        Bucket="data-bucket", CreateBucketConfiguration={"LocationConstraint": REGION})
    session.client("ec2", region_name=REGION).modify_vpc_endpoint(
        VpcEndpointId=served_estate.estate.s3_endpoint, PolicyDocument=json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::data-bucket/*"}]}))
    # before-parameter-build fires for every call, including those the fake answers.
    session.events.register("before-parameter-build", record)
    collect_snapshot(session, [REGION])

    allowed = set(policy_actions(shipped_policy()))
    for service, operation in set(called) - UNPRIVILEGED:
        assert operation.startswith(READ_ONLY_VERBS), operation
        assert f"{IAM_PREFIX[service]}:{operation}" in allowed, f"{service} {operation} not in the policy"
    # With every planned call answered, every planned call was made: none is dead weight.
    assert set(called) - UNPRIVILEGED == set(planned_operations())
    assert ("sts", "GetCallerIdentity") in called


def test_policy_is_read_only_without_wildcards_and_matches_the_plan() -> None:
    policy = shipped_policy()
    assert policy["Version"] == "2012-10-17"
    actions = policy_actions(policy)
    assert len(actions) == len(set(actions))
    for action in actions:
        assert "*" not in action and "?" not in action, action
        _prefix, operation = action.split(":")
        assert operation.startswith(READ_ONLY_VERBS), action
    planned = {f"{IAM_PREFIX[service]}:{operation}" for service, operation in planned_operations()}
    assert set(actions) == planned
    assert sorted(actions) == iam_actions()
    # The file is generated from the plan; regenerate it with iam_policy() when the plan changes.
    assert policy == iam_policy()


def test_plan_matches_contracts_minimum_and_validator(minimum_operations: list[tuple[str, str]]) -> None:
    planned = set(planned_operations())
    assert len(planned) == len(PLAN), "an operation is planned twice"
    minimum = set(minimum_operations)
    assert minimum <= planned
    assert {(s.service, s.operation) for s in PLAN if s.optional} == {
        ("ec2", "DescribeVpcBlockPublicAccessOptions"), ("ec2", "DescribeVpcBlockPublicAccessExclusions"),
        ("ec2", "DescribeAddresses"), ("ec2", "DescribeVpnGateways"), ("ec2", "DescribeAvailabilityZones"),
        ("sagemaker", "ListTags"),
        # the guardrail operations (contracts §5): absent makes GRD ERROR, never another check
        ("s3", "GetBucketPolicy"), ("iam", "GetAccountAuthorizationDetails"), ("organizations", "ListRoots"),
        ("organizations", "ListParents"), ("organizations", "ListPoliciesForTarget"),
        ("organizations", "DescribePolicy"),
    }
    assert not (planned - minimum) - {(s.service, s.operation) for s in PLAN if s.optional}

    validate = pytest.importorskip("safemaker.scanner.snapshot.validate")
    per_resource = {(s.service, s.operation) for s in PLAN if s.per_resource}
    assert per_resource == set(validate.PER_RESOURCE_OPERATIONS)
    for step in PLAN:
        if step.per_resource:
            expected = validate.PER_RESOURCE_KEYS[(step.service, step.operation)]
            shown = "/".join(f"<{name}>" for name in step.key) if len(step.key) > 1 else step.key[0]
            assert shown == expected, step.operation


def test_plan_agrees_with_botocore_models() -> None:
    """Names, list keys, pagination and identifier fields all exist where the plan says."""
    core = botocore.session.get_session()
    models = {service: core.get_service_model(service) for service in IAM_PREFIX}
    seen: set[tuple[str, str]] = set()
    methods = {
        service: set(core.create_client(
            service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y"
        ).meta.method_to_api_mapping)
        for service in IAM_PREFIX
    }
    for step in PLAN:
        model = models[step.service]
        assert step.operation in model.operation_names
        assert xform_name(step.operation) in methods[step.service]
        op = model.operation_model(step.operation)
        outputs = op.output_shape.members
        inputs = op.input_shape.members if op.input_shape else {}
        if step.list_key:
            assert outputs[step.list_key].type_name == "list", step.operation
        try:
            core.get_paginator_model(step.service).get_paginator(step.operation)
            has_paginator = True
        except ValueError:
            has_paginator = False
        if has_paginator:
            assert step.paginated, f"{step.operation} has a botocore paginator"
        if step.paginated:
            assert step.token in inputs and step.token in outputs, step.operation
        for name in step.params:
            assert name in inputs, (step.operation, name)
        if step.per_resource:
            assert set(step.key) <= set(inputs), step.operation
            required = set(op.input_shape.required_members)
            follow = (step.follow,) if step.follow else ()
            for source in (*step.sources, *follow):
                assert set(source.fields) == set(step.key), step.operation
                assert required <= set(source.fields) | set(step.params), step.operation
                if (source.service, source.operation) == (SAFEMAKER, ACCOUNTS):
                    continue  # given by the collector (the accounts asked about), not collected
                if source is not step.follow:
                    assert (source.service, source.operation) in seen, f"{step.operation} runs before its source"
                # Walk the source's output shape along the path to check the fields exist.
                source_step = next(s for s in PLAN if (s.service, s.operation) == (source.service, source.operation))
                shape = models[source.service].operation_model(source.operation).output_shape
                path = list(source.path)
                if source_step.per_resource:
                    assert path[0] == "*"
                    path = path[1:]
                for part in path:
                    shape = shape.member if part == "*" else shape.members[part]
                for field_name in (*source.fields.values(), *source.when):
                    if source.derive is None or field_name in source.when:
                        assert field_name in shape.members, (step.operation, field_name)
        seen.add((step.service, step.operation))


def test_merge_drops_transport_members_and_converts_types() -> None:
    when = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    merged = merge_pages([
        {"Items": [1], "NextToken": "a", "Flag": True, "ResponseMetadata": {"RequestId": "r"}},
        {"Items": [2, 3], "Flag": False, "Marker": "m", "When": when, "Blob": b"\x00\xff"},
    ])
    assert merged == {"Items": [1, 2, 3], "Flag": False, "When": "2026-11-23T10:00:00+00:00", "Blob": "AP8="}
    assert to_json({"a": (dt.date(2026, 1, 2),)}) == {"a": ["2026-01-02"]}
