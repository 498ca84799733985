"""`--format asff`: valid against botocore's BatchImportFindings input shape, and the fields a
Security Hub user relies on (Id stable across runs and list orders, compliance, types, severity)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from asff_shape import finding_shape, problems  # type: ignore[import-not-found]

from safemaker.reports.asff import archived, asff_findings, render_asff, to_asff
from safemaker.reports.findings_json import findings_document
from safemaker.scanner.model import Report, ResourceRef, ResourceType

GENERATED = "2026-11-23T10:00:05Z"


def _by_id(report: Report) -> dict[str, dict[str, object]]:
    return {f["Id"]: f for f in json.loads(render_asff(report))}


@pytest.mark.parametrize("which", ["sample_report", "hostile_report"])
def test_every_finding_matches_the_botocore_input_shape(which: str, request: pytest.FixtureRequest) -> None:
    report: Report = request.getfixturevalue(which)
    findings = json.loads(render_asff(report))
    importable = [f for f in report.findings if len(f.resource.account) == 12]
    assert len(findings) == len(importable) > 0
    for finding in findings:
        assert problems(finding) == [], finding["Id"]


def test_the_shape_walk_catches_what_security_hub_would_refuse(sample_report: Report) -> None:
    good = json.loads(render_asff(sample_report))[0]
    bad = dict(good, Compliance={"Status": "OK"}, Bogus=1)
    del bad["Resources"]
    assert problems(bad) == [
        "$.Resources: required",
        "$.Compliance.Status: 'OK' is not one of ['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']",
        "$.Bogus: not a member of AwsSecurityFinding",
    ]
    assert finding_shape().name == "AwsSecurityFinding"


def test_fields_of_a_fail(sample_report: Report) -> None:
    fail = next(f for f in sample_report.findings if f.check_id == "NET-001" and f.status.value == "FAIL")
    (asff,) = [a for a in json.loads(render_asff(sample_report)) if a["Id"] == "safemaker/" + fail.fingerprint]
    assert asff == {
        "SchemaVersion": "2018-10-08",
        "Id": "safemaker/fp-NET-001-nb-analysts",
        "ProductArn": "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default",
        "ProductName": "safemaker",
        "CompanyName": "safemaker",
        "Region": "eu-west-1",
        "GeneratorId": "NET-001",
        "AwsAccountId": "111122223333",
        "Types": ["Software and Configuration Checks/AWS Security Best Practices/Network Reachability"],
        "FirstObservedAt": GENERATED,
        "LastObservedAt": GENERATED,
        "CreatedAt": GENERATED,
        "UpdatedAt": GENERATED,
        "Severity": {"Label": "CRITICAL", "Original": "critical"},
        "Title": "NET-001 Title of NET-001",
        "Description": "0.0.0.0/0 from subnet-1 reaches igw-9 through nat-3 without passing firewall or proxy",
        "Remediation": {"Recommendation": {
            "Text": "Route 0.0.0.0/0 through a Network Firewall endpoint.",
            "Url": "https://github.com/safemaker/safemaker/blob/main/docs/checks/NET-001.md"}},
        "ProductFields": {"safemaker/CheckId": "NET-001", "safemaker/Fingerprint": "fp-NET-001-nb-analysts",
                          "safemaker/Status": "FAIL"},
        "Resources": [{
            "Type": "AwsSageMakerNotebookInstance",
            "Id": "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-analysts",
            "Partition": "aws",
            "Region": "eu-west-1",
            "Details": {"Other": {"safemaker/ResourceType": "AWS::SageMaker::NotebookInstance",
                                  "safemaker/ResourceId": "nb-analysts"}},
        }],
        "Compliance": {"Status": "FAILED"},
        "RecordState": "ACTIVE",
    }


def test_status_severity_and_resource_type_mapping(sample_report: Report) -> None:
    rows = {(a["GeneratorId"], a["Resources"][0]["Details"]["Other"]["safemaker/ResourceId"]):
            (a["Compliance"]["Status"], a["Severity"]["Label"], a["Resources"][0]["Type"])
            for a in json.loads(render_asff(sample_report))}
    assert rows == {
        ("SM-001", "nb-analysts"): ("FAILED", "MEDIUM", "AwsSageMakerNotebookInstance"),
        ("NET-001", "nb-analysts"): ("FAILED", "CRITICAL", "AwsSageMakerNotebookInstance"),
        ("NET-001", "nb-safe"): ("PASSED", "INFORMATIONAL", "AwsSageMakerNotebookInstance"),
        ("NET-002", "d-abc"): ("NOT_AVAILABLE", "LOW", "Other"),
        ("FW-003", "fw-1"): ("PASSED", "INFORMATIONAL", "AwsNetworkFirewallFirewall"),
        ("NET-004", "nb-latent"): ("FAILED", "INFORMATIONAL", "AwsSageMakerNotebookInstance"),
    }
    error = next(a for a in json.loads(render_asff(sample_report)) if a["GeneratorId"] == "NET-002")
    assert error["Description"] == "Could not decide: DescribeDomain was not collected"
    assert error["AwsAccountId"] == "444455556666" and error["Region"] == "us-east-1"
    assert error["Resources"][0]["Details"]["Other"]["safemaker/ResourceType"] == "AWS::SageMaker::Domain"


def test_ids_are_stable_across_runs_and_list_orders(sample_report: Report) -> None:
    later = dataclasses.replace(sample_report, generated="2026-12-01T00:00:00Z",
                                findings=tuple(reversed(sample_report.findings)))
    assert set(_by_id(later)) == set(_by_id(sample_report))
    assert sorted(_by_id(sample_report)) == sorted("safemaker/" + f.fingerprint for f in sample_report.findings)
    # the output itself follows the findings file's order, not the report's
    assert render_asff(dataclasses.replace(sample_report, findings=tuple(reversed(sample_report.findings)))) == \
        render_asff(sample_report)


def test_first_seen_tags_and_name_are_carried() -> None:
    finding = {"check_id": "NET-001", "title": "t", "status": "FAIL", "severity": "high", "message": "m",
               "remediation": "r", "fingerprint": "ab", "first_seen": "2026-01-02T03:04:05Z",
               "resource": {"type": "AWS::EC2::Instance", "id": "i-1", "name": "proxy-a",
                            "tags": {"owner": "team-net", "Name": "proxy-a"}, "account": "111122223333",
                            "region": "eu-west-1"}}
    asff = to_asff(finding, GENERATED)
    assert (asff["FirstObservedAt"], asff["CreatedAt"], asff["UpdatedAt"]) == (
        "2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z", GENERATED)
    assert asff["Resources"][0]["Type"] == "AwsEc2Instance"
    assert asff["Resources"][0]["Tags"] == {"Name": "proxy-a", "owner": "team-net"}
    assert asff["Resources"][0]["Details"]["Other"]["safemaker/ResourceName"] == "proxy-a"
    assert problems(asff) == []


def test_long_text_is_cut_to_security_hubs_limits() -> None:
    finding = {"check_id": "FW-002", "title": "x " * 300, "status": "FAIL", "severity": "high",
               "message": "word " * 500, "remediation": "fix " * 300, "fingerprint": "cd",
               "resource": {"type": "AWS::NetworkFirewall::FirewallPolicy", "id": "p", "account": "111122223333",
                            "region": "cn-north-1"}}
    asff = to_asff(finding, GENERATED)
    assert len(asff["Title"]) <= 256 and len(asff["Description"]) <= 1024
    assert len(asff["Remediation"]["Recommendation"]["Text"]) <= 512
    assert asff["Description"].endswith("word…")
    assert asff["ProductArn"] == "arn:aws-cn:securityhub:cn-north-1:111122223333:product/111122223333/default"


def test_findings_without_an_account_are_left_out() -> None:
    ref = ResourceRef(ResourceType.REGION, "all accounts and regions", "", "")
    doc = {"generated": GENERATED, "findings": [{"check_id": "SCOPE-001", "status": "ERROR", "fingerprint": "x",
                                                 "resource": ref.to_json()}]}
    assert asff_findings(doc) == []


def test_archived_records_keep_the_id(sample_report: Report) -> None:
    doc = findings_document(sample_report)
    (rec,) = archived([doc["findings"][0]], "2026-12-01T00:00:00Z")
    assert rec["Id"] == "safemaker/" + doc["findings"][0]["fingerprint"]
    assert rec["RecordState"] == "ARCHIVED" and problems(rec) == []
