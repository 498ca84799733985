"""VPCE-002 against its fixture scenario, and the S3 endpoint policy judgement."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from checks_support import by_key, cases, load_doc, run, validate, without

from safemaker.checks import vpce
from safemaker.checks.vpce import PolicyParseError, judge_s3_endpoint_policy
from safemaker.scanner.model import Finding, Status

SCENARIOS = ("vpce-s3-policies",)


@cache
def findings(name: str) -> dict[tuple[str, str], Finding]:
    return by_key(run(load_doc(name), vpce.CHECKS, source=name))


def endpoint_id(tag: str) -> str:
    doc = load_doc("vpce-s3-policies")
    eps = doc["accounts"]["111122223333"]["eu-west-1"]["ec2"]["DescribeVpcEndpoints"]["VpcEndpoints"]
    return str(next(e["VpcEndpointId"] for e in eps if e["Tags"][0]["Value"] == tag))


@pytest.mark.parametrize("name", SCENARIOS)
def test_fixture_is_a_valid_snapshot(name: str) -> None:
    validate(load_doc(name), name)


@pytest.mark.parametrize(("name", "check_id", "resource_id", "status"), cases(SCENARIOS))
def test_expected_verdict(name: str, check_id: str, resource_id: str, status: str) -> None:
    finding = findings(name).get((check_id, resource_id))
    assert finding is not None, f"no {check_id} finding for {resource_id}"
    assert finding.status.value == status, finding.message


def test_only_s3_gateway_endpoints_are_checked() -> None:
    got = findings("vpce-s3-policies")
    for tag in ("s3-interface-not-applicable", "dynamodb-gateway-not-applicable"):
        assert ("VPCE-002", endpoint_id(tag)) not in got


def test_messages_and_notes() -> None:
    got = findings("vpce-s3-policies")
    assert "AWS default allows full access" in got[("VPCE-002", endpoint_id("s3-no-policy-fail"))].message
    principal = got[("VPCE-002", endpoint_id("s3-principal-account-fail"))]
    assert any("limits who calls, not which bucket" in n for n in principal.evidence.notes)
    unknown = got[("VPCE-002", endpoint_id("s3-unknown-condition-fail"))]
    assert any("condition not understood" in n for n in unknown.evidence.notes)
    deny = got[("VPCE-002", endpoint_id("s3-deny-foreign-pass"))]
    assert any("denies s3:PutObject to other buckets" in n for n in deny.evidence.notes)
    reads = got[("VPCE-002", endpoint_id("s3-read-only-pass"))]
    assert any("s3:GetObject from every bucket" in n for n in reads.evidence.notes)
    assert "not valid JSON" in got[("VPCE-002", endpoint_id("s3-unparseable-error"))].message


def test_endpoints_not_collected_is_a_region_error() -> None:
    got = run(without(load_doc("vpce-s3-policies"), "ec2", "DescribeVpcEndpoints"), vpce.CHECKS)
    assert [f.status for f in got] == [Status.ERROR]


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
