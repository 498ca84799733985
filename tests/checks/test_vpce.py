"""VPCE-002 against its fixture scenario; the policy judgement itself is in test_s3_policy.py."""

from __future__ import annotations

from functools import cache

import pytest
from checks_support import by_key, cases, load_doc, run, validate, without

from safemaker.checks import vpce
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


# The scenario's expected file also holds the GRD verdicts of the whole analysis (tests/test_fixtures.py);
# this module runs the VPCE checks alone.
@pytest.mark.parametrize(("name", "check_id", "resource_id", "status"),
                         [c for c in cases(SCENARIOS) if str(c.values[1]).startswith("VPCE-")])
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
