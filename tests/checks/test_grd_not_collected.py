"""Guardrail data that was not collected is unknown: every account and every bucket an S3
gateway endpoint names gets an ERROR naming the operation, never a PASS and never silence
(contracts §5; the snapshots written before the collector read these operations have none)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.model import Finding, Status
from safemaker.scanner.snapshot.io import Snapshot

ROOT = Path(__file__).resolve().parents[2]
VPCE = ROOT / "fixtures" / "scenarios" / "vpce-s3-policies.json"
ACCOUNT, REGION = "111122223333", "eu-west-1"
BUCKETS = {"corp-ml-data-111122223333", "sagemaker-eu-west-1-111122223333"}


def grd(doc: dict[str, Any]) -> dict[tuple[str, str], Finding]:
    findings = run_checks(Snapshot(doc, "<test>"), load_registry(entry_points=False))
    return {(f.check_id, f.resource.id): f for f in findings if f.check_id.startswith("GRD-")}


def fixture() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(VPCE.read_text("utf-8"))
    return doc


def test_without_aws_global_each_account_is_error_naming_the_iam_read() -> None:
    found = grd(fixture())
    for check in ("GRD-001", "GRD-002"):
        f = found[(check, ACCOUNT)]
        assert f.status is Status.ERROR
        assert f.resource.region == "aws-global"  # the same reference as when the data is there
        assert "iam GetAccountAuthorizationDetails was not collected in 111122223333/aws-global" in f.message


def test_each_endpoint_named_bucket_without_its_policy_is_error_naming_the_s3_read() -> None:
    found = grd(fixture())
    buckets = {r for (c, r) in found if c == "GRD-003"}
    assert buckets == BUCKETS
    for bucket in BUCKETS:
        f = found[("GRD-003", bucket)]
        assert f.status is Status.ERROR
        assert f"s3 GetBucketPolicy was not collected in {ACCOUNT}/{REGION}" in f.message


def test_a_failed_read_is_named_with_its_error() -> None:
    doc = fixture()
    doc["errors"] = [
        {"account": ACCOUNT, "region": "aws-global", "service": "iam", "operation": "GetAccountAuthorizationDetails",
         "resource": None, "error_code": "AccessDenied", "message": "not authorized"},
        {"account": ACCOUNT, "region": REGION, "service": "s3", "operation": "GetBucketPolicy",
         "resource": "corp-ml-data-111122223333", "error_code": "AccessDenied", "message": "not authorized"}]
    doc["accounts"][ACCOUNT]["aws-global"] = {}
    doc["accounts"][ACCOUNT][REGION]["s3"] = {"GetBucketPolicy": {"sagemaker-eu-west-1-111122223333": {}}}
    found = grd(doc)
    assert "iam GetAccountAuthorizationDetails failed with AccessDenied" in found[("GRD-001", ACCOUNT)].message
    assert found[("GRD-001", ACCOUNT)].status is Status.ERROR
    denied = found[("GRD-003", "corp-ml-data-111122223333")]
    assert denied.status is Status.ERROR and "GetBucketPolicy for corp-ml-data-111122223333 failed" in denied.message
    # The other bucket was read and has no policy ({}): a FAIL proven from what was read.
    assert found[("GRD-003", "sagemaker-eu-west-1-111122223333")].status is Status.FAIL


def test_one_account_finding_whatever_the_number_of_regions() -> None:
    doc = fixture()
    doc["accounts"][ACCOUNT]["us-east-1"] = copy.deepcopy(doc["accounts"][ACCOUNT][REGION])
    found = grd(doc)
    assert [r for (c, r) in found if c == "GRD-001"] == [ACCOUNT]
