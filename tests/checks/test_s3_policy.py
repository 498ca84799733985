"""The S3 endpoint policy judgement (`safemaker.scanner.aws.s3_policy`), shared by VPCE-002 and
NET-006: exact answers for policies whose meaning is settled by the IAM policy language."""

from __future__ import annotations

import json
from typing import Any

import pytest

from safemaker.scanner.aws.s3_policy import (
    PolicyParseError,
    S3PolicyJudgement,
    is_s3_gateway,
    judge_s3_endpoint_policy,
)


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize(("stmt", "writes"), [
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::*/*"}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:Put*", "Resource": "*"}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "S3:PUTOBJECT", "Resource": "arn:aws:s3:::*"}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "*", "NotResource": "arn:aws:s3:::attacker/*"}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::corp-*/*"}, False),
    ({"Effect": "Allow", "Principal": "*", "NotAction": "s3:*", "Resource": "*"}, False),
    ({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
      "Condition": {"StringEquals": {"aws:ResourceOrgID": "o-abc123"}}}, False),
    ({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
      "Condition": {"StringLike": {"s3:ResourceAccount": "*"}}}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
      "Condition": {"StringEqualsIfExists": {"aws:ResourceAccount": "111122223333"}}}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
      "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}, True),
])
def test_judgement(stmt: dict[str, Any], writes: bool) -> None:
    assert judge_s3_endpoint_policy(policy(stmt)).writes_any_bucket is writes


def test_deny_for_some_principals_only_does_not_restrict() -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    deny = {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:role/x"}, "Action": "s3:*",
            "Resource": "*"}
    assert judge_s3_endpoint_policy(policy(allow, deny)).writes_any_bucket


def test_deny_outside_own_buckets_by_not_resource_restricts() -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
            "NotResource": ["arn:aws:s3:::corp-*", "arn:aws:s3:::corp-*/*"]}
    assert not judge_s3_endpoint_policy(policy(allow, deny)).writes_any_bucket


def test_full_access_is_distinguished_from_put_only() -> None:
    full = judge_s3_endpoint_policy(policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}))
    put = judge_s3_endpoint_policy(policy({"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                                           "Resource": "*"}))
    assert full.full_access and not put.full_access and put.writes_any_bucket


def test_url_encoded_and_empty_documents() -> None:
    from urllib.parse import quote

    encoded = quote(policy({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}))
    assert judge_s3_endpoint_policy(encoded).writes_any_bucket
    assert judge_s3_endpoint_policy(None).writes_any_bucket
    assert not judge_s3_endpoint_policy(policy()).writes_any_bucket


@pytest.mark.parametrize("doc", ["{", "[]", json.dumps({"Statement": [{"Effect": "Maybe"}]}),
                                 json.dumps({"Statement": ["x"]}),
                                 json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                                                            "Condition": "x"}]})])
def test_unreadable_policies_raise(doc: str) -> None:
    with pytest.raises(PolicyParseError):
        judge_s3_endpoint_policy(doc)


ALLOW_ALL = {"Sid": "Full", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def test_no_document_is_the_aws_full_access_default() -> None:
    assert judge_s3_endpoint_policy(None) == S3PolicyJudgement(
        True, True, ("no policy document: the AWS default allows full access",), ())
    assert judge_s3_endpoint_policy("") == judge_s3_endpoint_policy(None)


def test_no_statements_allow_nothing() -> None:
    assert judge_s3_endpoint_policy(policy()) == S3PolicyJudgement(
        False, False, (), ("policy has no statements: nothing is allowed",))


def test_grants_are_named_full_access_first() -> None:
    put = {"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::*/*"}
    assert judge_s3_endpoint_policy(policy(put, ALLOW_ALL)) == S3PolicyJudgement(True, True, (
        "statement Full allows s3:* on every bucket to any principal",
        "statement (Allow Action s3:PutObject on Resource arn:aws:s3:::*/*) allows s3:PutObject on every bucket "
        "to any principal"), ())


def test_a_named_principal_can_still_write_to_a_foreign_bucket() -> None:
    own = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:PutObject",
           "Resource": "*"}
    assert judge_s3_endpoint_policy(policy(own)) == S3PolicyJudgement(True, False, (
        'statement (Allow Action s3:PutObject on Resource *) allows s3:PutObject on every bucket to principal '
        '{"AWS": "arn:aws:iam::111122223333:root"}',), ())


def test_resource_org_condition_confines_the_buckets() -> None:
    org = {**ALLOW_ALL, "Sid": "Org", "Condition": {"StringEquals": {"aws:ResourceOrgID": "o-abc123"}}}
    assert judge_s3_endpoint_policy(policy(org)) == S3PolicyJudgement(
        False, False, (), ("statement Org is limited to buckets by aws:resourceorgid stringequals ['o-abc123']",))


def test_caller_condition_does_not_confine_the_buckets() -> None:
    vpc = {**ALLOW_ALL, "Sid": "Vpc", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}
    assert judge_s3_endpoint_policy(policy(vpc)) == S3PolicyJudgement(
        True, True, ("statement Vpc allows s3:* on every bucket to any principal",),
        ("statement Vpc: condition on aws:sourcevpc limits who calls, not which bucket data goes to",))


def test_deny_to_other_owners_stops_the_writes() -> None:
    deny = {"Sid": "D", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:ResourceAccount": "111122223333"}}}
    assert judge_s3_endpoint_policy(policy(ALLOW_ALL, deny)) == S3PolicyJudgement(False, False, (), (
        "statement D denies s3:PutObject to other buckets (aws:resourceaccount stringnotequals ['111122223333'])",))


def test_reading_any_bucket_is_not_exfiltration() -> None:
    read = {"Sid": "R", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    assert judge_s3_endpoint_policy(policy(read)) == S3PolicyJudgement(False, False, (), (
        "statement R allows s3:GetObject from every bucket to any principal (inbound only; not an exfiltration "
        "path)",))


@pytest.mark.parametrize(("doc", "reason"), [
    ("{", "PolicyDocument is not valid JSON (Expecting property name enclosed in double quotes at character 1)"),
    ("[]", "PolicyDocument is not a JSON object"),
    (5, "PolicyDocument is a int, not a JSON string"),
])
def test_unreadable_policy_says_why(doc: Any, reason: str) -> None:
    with pytest.raises(PolicyParseError) as raised:
        judge_s3_endpoint_policy(doc)
    assert str(raised.value) == reason


@pytest.mark.parametrize(("endpoint", "expected"), [
    ({"VpcEndpointType": "Gateway", "ServiceName": "com.amazonaws.eu-west-1.s3"}, True),
    ({"VpcEndpointType": "Interface", "ServiceName": "com.amazonaws.eu-west-1.s3"}, False),
    ({"VpcEndpointType": "Gateway", "ServiceName": "com.amazonaws.eu-west-1.dynamodb"}, False),
])
def test_only_s3_gateway_endpoints_are_judged(endpoint: dict[str, str], expected: bool) -> None:
    assert is_s3_gateway(endpoint) is expected
