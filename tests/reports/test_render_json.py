"""The findings file is a public contract (docs/snapshot-format.md, findings file): these tests pin its bytes."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest

from safemaker.reports.findings_json import findings_document, findings_schema, render_json
from safemaker.scanner.model import (
    Evidence,
    Finding,
    Hop,
    Path,
    Report,
    ResourceRef,
    ResourceType,
    Severity,
    SnapshotInfo,
    Status,
)


def _small_report() -> Report:
    fail = Finding(
        check_id="NET-001",
        title="Notebook instance has an uninspected path to the internet",
        status=Status.FAIL,
        severity=Severity.CRITICAL,
        resource=ResourceRef(
            ResourceType.NOTEBOOK_INSTANCE,
            "nb-analysts",
            "111122223333",
            "eu-west-1",
            "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-analysts",
        ),
        message="0.0.0.0/0 reaches igw-9 through nat-3",
        evidence=Evidence(
            paths=(
                Path(
                    hops=(
                        Hop("eni", "eni-1", "sg-1 allows 0.0.0.0/0:443"),
                        Hop("nat-gateway", "nat-3", "public"),
                        Hop("internet-gateway", "igw-9"),
                    ),
                    destinations=("0.0.0.0/0",),
                    outcome="internet",
                ),
            ),
            notes=("Block Public Access not collected: taken as off",),
        ),
        remediation="Send 0.0.0.0/0 to a firewall endpoint.",
        fingerprint="abc123",
    )
    passed = Finding(
        check_id="FW-003",
        title="Firewall has no ALERT or FLOW logging",
        status=Status.PASS,
        severity=Severity.LOW,
        resource=ResourceRef(ResourceType.FIREWALL, "fw-1", "111122223333", "eu-west-1"),
        message="ALERT logs go to CloudWatch \u2014 caf\u00e9",
        evidence=Evidence(),
        remediation="",
        fingerprint="def456",
    )
    return Report(
        tool_version="0.1.0",
        generated="2026-11-23T10:00:05Z",
        snapshot=SnapshotInfo("2026-11-23T10:00:00Z", ("111122223333",), ("eu-west-1",)),
        findings=(fail, passed),
    )


GOLDEN = """\
{
  "schema": "safemaker.findings/v1",
  "tool": {
    "name": "safemaker",
    "version": "0.1.0"
  },
  "generated": "2026-11-23T10:00:05Z",
  "snapshot": {
    "created": "2026-11-23T10:00:00Z",
    "accounts": [
      "111122223333"
    ],
    "regions": [
      "eu-west-1"
    ]
  },
  "summary": {
    "PASS": 1,
    "FAIL": 1,
    "ERROR": 0
  },
  "findings": [
    {
      "check_id": "FW-003",
      "title": "Firewall has no ALERT or FLOW logging",
      "status": "PASS",
      "severity": "low",
      "resource": {
        "type": "AWS::NetworkFirewall::Firewall",
        "id": "fw-1",
        "account": "111122223333",
        "region": "eu-west-1"
      },
      "message": "ALERT logs go to CloudWatch \\u2014 caf\\u00e9",
      "evidence": {
        "paths": []
      },
      "remediation": "",
      "fingerprint": "def456"
    },
    {
      "check_id": "NET-001",
      "title": "Notebook instance has an uninspected path to the internet",
      "status": "FAIL",
      "severity": "critical",
      "resource": {
        "type": "AWS::SageMaker::NotebookInstance",
        "id": "nb-analysts",
        "arn": "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-analysts",
        "account": "111122223333",
        "region": "eu-west-1"
      },
      "message": "0.0.0.0/0 reaches igw-9 through nat-3",
      "evidence": {
        "paths": [
          {
            "hops": [
              {
                "kind": "eni",
                "id": "eni-1",
                "detail": "sg-1 allows 0.0.0.0/0:443"
              },
              {
                "kind": "nat-gateway",
                "id": "nat-3",
                "detail": "public"
              },
              {
                "kind": "internet-gateway",
                "id": "igw-9",
                "detail": ""
              }
            ],
            "destinations": [
              "0.0.0.0/0"
            ],
            "outcome": "internet"
          }
        ],
        "notes": [
          "Block Public Access not collected: taken as off"
        ]
      },
      "remediation": "Send 0.0.0.0/0 to a firewall endpoint.",
      "fingerprint": "abc123"
    }
  ]
}
"""


def _validate(doc: object) -> None:
    jsonschema.Draft202012Validator(findings_schema()).validate(doc)


def test_small_report_matches_golden_bytes() -> None:
    assert render_json(_small_report()) == GOLDEN


def test_golden_validates_against_schema() -> None:
    _validate(json.loads(GOLDEN))


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = findings_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_sample_and_hostile_reports_validate(sample_report: Report, hostile_report: Report) -> None:
    _validate(json.loads(render_json(sample_report)))
    _validate(json.loads(render_json(hostile_report)))


def test_empty_report_validates(empty_report: Report) -> None:
    doc = json.loads(render_json(empty_report))
    _validate(doc)
    assert doc["findings"] == []
    assert doc["summary"] == {"PASS": 0, "FAIL": 0, "ERROR": 0}


def test_same_report_gives_same_bytes_whatever_the_finding_order(sample_report: Report) -> None:
    shuffled = dataclasses.replace(sample_report, findings=tuple(reversed(sample_report.findings)))
    assert render_json(sample_report) == render_json(sample_report)
    assert render_json(sample_report) == render_json(shuffled)


def test_findings_are_in_sort_key_order_and_summary_counts(sample_report: Report) -> None:
    doc = findings_document(sample_report)
    keys = [
        (f["check_id"], *(f["resource"][k] for k in ("account", "region", "type", "id")))
        for f in doc["findings"]
    ]
    assert keys == sorted(keys)
    assert doc["summary"] == {"PASS": 2, "FAIL": 3, "ERROR": 1}
    assert list(doc) == ["schema", "tool", "generated", "snapshot", "summary", "findings"]


def test_output_is_ascii_with_trailing_newline(hostile_report: Report) -> None:
    text = render_json(hostile_report)
    assert text.endswith("}\n")
    assert text.isascii()
    assert json.loads(text)["findings"][0]["resource"]["id"]  # round-trips


def test_schema_allows_future_finding_fields() -> None:
    doc = json.loads(GOLDEN)
    doc["findings"][0]["owner"] = {"team": "ml-platform"}
    doc["findings"][1]["baseline"] = "new"
    doc["findings"][1]["suppressed"] = {"justification": "accepted risk", "expires": None}
    doc["future_top_level"] = 1
    _validate(doc)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("status",), "WARN"),
        (("severity",), "CRITICAL"),
        (("check_id",), "net-1"),
        (("resource", "type"), "notebook"),
        (("fingerprint",), 12),
        (("evidence", "paths", 0, "hops", 0, "detail"), None),
        (("evidence", "notes"), "not a list"),
        (("evidence", "paths", 0, "outcome"), ["internet"]),
    ],
)
def test_schema_rejects_malformed_findings(path: tuple[str | int, ...], value: object) -> None:
    doc = json.loads(GOLDEN)
    target = doc["findings"][1]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        _validate(doc)


def test_schema_requires_every_summary_status() -> None:
    doc = json.loads(GOLDEN)
    del doc["summary"]["ERROR"]
    with pytest.raises(jsonschema.ValidationError):
        _validate(doc)


def test_findings_schema_returns_an_independent_copy() -> None:
    findings_schema()["title"] = "changed"
    assert findings_schema()["title"] != "changed"
