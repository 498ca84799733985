"""Open Cybersecurity Schema Framework (OCSF 1.5) findings, for SIEMs and data lakes.

Which class: **Compliance Finding** (class_uid 2003), not Detection Finding (2004). A Detection
Finding reports something that was detected happening — a threat, an anomaly, an attack step —
and has no place for "checked and fine". safemaker evaluates a resource's configuration against
fixed rules, one result per (check, resource) with PASS included, which is what a Compliance
Finding is for: its required `compliance` object carries the control (`compliance.control`, the
check ID) and the outcome in `compliance.status_id`, where OCSF defines Pass (1), Fail (3) and
Warning (2, "did not yield a result due to missing information") — exactly PASS, FAIL and
ERROR. Prowler chose Detection Finding and puts PASS/FAIL in `status_code`; a consumer of this
file filters on `compliance.status_id` instead, and `status_code` still carries PASS/FAIL/ERROR.

Other fields a consumer relies on:

- `finding_info.uid` is the fingerprint (stable across runs and list orders), `finding_info.title`
  the check's title, `finding_info.first_seen_time` the finding's `first_seen` (through
  `--baseline`), else the run's time; `metadata.event_code` the check ID.
- `severity_id`: the check's severity for a FAIL, Informational for a PASS, Low for an ERROR
  (could not decide is not the check's severity; as in the SARIF and ASFF outputs).
- `status_id`: New (1), or Suppressed (3) when safemaker.toml suppresses the finding.
- `cloud` (the cloud profile, listed in `metadata.profiles`): provider AWS, the account and region.
- `resources[0]`: `uid` the ARN (else the ID), `type` the CloudFormation type, `name`, `region`,
  and `data` with the ID and the tags when the findings carry them.
- `remediation.desc` and `remediation.references` (the check's page).

Times are epoch milliseconds (`time`, `*_time`) with the ISO text beside them (`*_dt`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from safemaker.reports.asff import partition
from safemaker.reports.findings_json import findings_document
from safemaker.reports.sarif import help_uri
from safemaker.scanner.fastjson import dumps_indented
from safemaker.scanner.model import Report

OCSF_VERSION = "1.5.0"
CATEGORY_UID, CATEGORY_NAME = 2, "Findings"
CLASS_UID, CLASS_NAME = 2003, "Compliance Finding"
ACTIVITY_CREATE = 1
TYPE_UID = CLASS_UID * 100 + ACTIVITY_CREATE
COMPLIANCE_STATUS = {"PASS": (1, "Pass"), "FAIL": (3, "Fail"), "ERROR": (2, "Warning")}
SEVERITY = {"info": (1, "Informational"), "low": (2, "Low"), "medium": (3, "Medium"), "high": (4, "High"),
            "critical": (5, "Critical")}
STATUS_NEW, STATUS_SUPPRESSED = (1, "New"), (3, "Suppressed")
ACCOUNT_TYPE_AWS = (10, "AWS Account")


def render_ocsf(report: Report) -> str:
    """The report as a JSON list of OCSF Compliance Finding events, in the findings file's order."""
    return dumps_indented(ocsf_findings(findings_document(report))) + "\n"


def ocsf_findings(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    tool = doc.get("tool") or {}
    generated = str(doc.get("generated", ""))
    return [to_ocsf(f, generated, str(tool.get("version", ""))) for f in doc.get("findings") or ()]


def epoch_ms(text: str) -> int:
    """ISO-8601 (`2026-11-23T10:00:05Z`) to epoch milliseconds, OCSF's timestamp."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def to_ocsf(finding: Mapping[str, Any], generated: str, tool_version: str) -> dict[str, Any]:
    resource: Mapping[str, Any] = finding.get("resource") or {}
    status = str(finding.get("status", ""))
    check_id = str(finding.get("check_id", ""))
    message = str(finding.get("message", ""))
    first_seen = str(finding.get("first_seen") or generated)
    severity = {"PASS": "info", "ERROR": "low"}.get(status, str(finding.get("severity", "info")))
    severity_id, severity_name = SEVERITY.get(severity, SEVERITY["info"])
    compliance_id = COMPLIANCE_STATUS.get(status, (0, "Unknown"))[0]
    status_id, status_name = STATUS_SUPPRESSED if finding.get("suppressed") else STATUS_NEW
    region = str(resource.get("region", ""))
    account = str(resource.get("account", ""))
    data: dict[str, Any] = {"id": str(resource.get("id", ""))}
    tags = resource.get("tags")
    if isinstance(tags, Mapping) and tags:
        data["tags"] = {str(k): str(v) for k, v in sorted(tags.items())}
    details: dict[str, Any] = {
        "uid": str(resource.get("arn") or resource.get("id", "")),
        "name": str(resource.get("name") or resource.get("id", "")),
        "type": str(resource.get("type", "")),
        "data": data,
    }
    if region:
        details["region"] = region
        details["cloud_partition"] = partition(region)
    cloud: dict[str, Any] = {"provider": "AWS"}
    if account:
        cloud["account"] = {"uid": account, "name": account, "type_id": ACCOUNT_TYPE_AWS[0],
                            "type": ACCOUNT_TYPE_AWS[1]}
    if region:
        cloud["region"] = region
    return {
        "metadata": {"version": OCSF_VERSION, "product": {"name": "safemaker", "vendor_name": "safemaker",
                                                          "version": tool_version},
                     "event_code": check_id, "profiles": ["cloud"]},
        "category_uid": CATEGORY_UID,
        "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID,
        "class_name": CLASS_NAME,
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": TYPE_UID,
        "type_name": f"{CLASS_NAME}: Create",
        "time": epoch_ms(generated),
        "time_dt": generated,
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": status_id,
        "status": status_name,
        "status_code": status,
        "status_detail": message,
        "message": message,
        "finding_info": {
            "uid": str(finding.get("fingerprint", "")),
            "title": str(finding.get("title", "")),
            "desc": message,
            "types": [check_id.split("-", 1)[0]],
            "first_seen_time": epoch_ms(first_seen),
            "first_seen_time_dt": first_seen,
            "last_seen_time": epoch_ms(generated),
            "last_seen_time_dt": generated,
        },
        "compliance": {"control": check_id, "status_id": compliance_id, "desc": str(finding.get("title", "")),
                       "standards": ["safemaker"]},
        "remediation": {"desc": str(finding.get("remediation", "")), "references": [help_uri(check_id)]},
        "resources": [details],
        "cloud": cloud,
    }
