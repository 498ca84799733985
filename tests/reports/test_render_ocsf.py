"""`--format ocsf`: Compliance Finding events validated with py-ocsf-models (Prowler's OCSF
models, OCSF 1.5), and the fields a SIEM relies on pinned.

The package's models ignore fields they do not know, so validity is checked as a round trip:
each event parsed by `ComplianceFinding` and dumped again must give back exactly what was
written — an unknown or misspelt field, or a value of the wrong type, would not survive it. The
cloud profile's `cloud` object is not part of the class model there, so it is checked against the
package's `Cloud` model the same way.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from safemaker.reports.ocsf import epoch_ms, render_ocsf, to_ocsf
from safemaker.scanner.model import Report

ocsf = pytest.importorskip("py_ocsf_models", reason="py-ocsf-models (the test extra) is not installed")
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding  # noqa: E402
from py_ocsf_models.objects.cloud import Cloud  # noqa: E402


def roundtrip(event: dict[str, Any]) -> None:
    body = {k: v for k, v in event.items() if k != "cloud"}
    parsed = ComplianceFinding.model_validate(body)
    assert parsed.model_dump(mode="json", exclude_none=True) == body
    cloud = Cloud.model_validate(event["cloud"])
    assert cloud.model_dump(mode="json", exclude_none=True) == event["cloud"]


@pytest.mark.parametrize("which", ["sample_report", "hostile_report", "empty_report"])
def test_events_validate_with_py_ocsf_models(which: str, request: pytest.FixtureRequest) -> None:
    report: Report = request.getfixturevalue(which)
    events = json.loads(render_ocsf(report))
    assert len(events) == len(report.findings)
    for event in events:
        roundtrip(event)


def test_the_roundtrip_catches_a_wrong_field(sample_report: Report) -> None:
    event = json.loads(render_ocsf(sample_report))[0]
    with pytest.raises(AssertionError):
        roundtrip(dict(event, finding_info=dict(event["finding_info"], titel="x")))
    with pytest.raises(ValueError):
        roundtrip(dict(event, severity_id="very"))


def test_fields_a_siem_relies_on(sample_report: Report) -> None:
    events = {(e["metadata"]["event_code"], e["resources"][0]["data"]["id"]): e
              for e in json.loads(render_ocsf(sample_report))}
    fail = events[("NET-001", "nb-analysts")]
    assert (fail["class_uid"], fail["category_uid"], fail["type_uid"]) == (2003, 2, 200301)
    assert fail["compliance"] == {"control": "NET-001", "status_id": 3, "desc": "Title of NET-001",
                                  "standards": ["safemaker"]}
    assert (fail["severity_id"], fail["severity"], fail["status_code"]) == (5, "Critical", "FAIL")
    assert fail["finding_info"]["uid"] == "fp-NET-001-nb-analysts"
    assert fail["time"] == epoch_ms("2026-11-23T10:00:05Z") == 1795428005000
    assert fail["resources"][0] == {
        "uid": "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-analysts",
        "name": "nb-analysts", "type": "AWS::SageMaker::NotebookInstance", "data": {"id": "nb-analysts"},
        "region": "eu-west-1", "cloud_partition": "aws"}
    assert fail["cloud"] == {"provider": "AWS", "region": "eu-west-1", "account": {
        "uid": "111122223333", "name": "111122223333", "type_id": 10, "type": "AWS Account"}}
    assert fail["remediation"]["references"] == [
        "https://github.com/safemaker/safemaker/blob/main/docs/checks/NET-001.md"]
    assert (events[("NET-001", "nb-safe")]["compliance"]["status_id"], events[("NET-001", "nb-safe")]["severity_id"]) \
        == (1, 1)
    error = events[("NET-002", "d-abc")]
    assert (error["compliance"]["status_id"], error["severity_id"], error["status_code"]) == (2, 2, "ERROR")


def test_uids_are_stable_across_runs_and_list_orders(sample_report: Report) -> None:
    later = dataclasses.replace(sample_report, generated="2026-12-01T00:00:00Z",
                                findings=tuple(reversed(sample_report.findings)))
    uids = [e["finding_info"]["uid"] for e in json.loads(render_ocsf(sample_report))]
    assert uids == [e["finding_info"]["uid"] for e in json.loads(render_ocsf(later))]
    assert len(set(uids)) == len(uids)


def test_first_seen_tags_name_and_suppression() -> None:
    finding = {"check_id": "PRX-001", "title": "IMDSv1", "status": "FAIL", "severity": "high", "message": "m",
               "remediation": "r", "fingerprint": "ab", "first_seen": "2026-01-02T03:04:05Z",
               "suppressed": {"justification": "x", "expires": None},
               "resource": {"type": "AWS::EC2::Instance", "id": "i-1", "name": "proxy-a", "tags": {"owner": "net"},
                            "account": "111122223333", "region": "eu-west-1"}}
    event = to_ocsf(finding, "2026-11-23T10:00:05Z", "0.1.0")
    roundtrip(event)
    assert event["finding_info"]["first_seen_time_dt"] == "2026-01-02T03:04:05Z"
    assert event["finding_info"]["first_seen_time"] == epoch_ms("2026-01-02T03:04:05Z")
    assert (event["status_id"], event["status"]) == (3, "Suppressed")
    assert event["resources"][0]["name"] == "proxy-a"
    assert event["resources"][0]["data"] == {"id": "i-1", "tags": {"owner": "net"}}
