"""AWS Security Finding Format (ASFF), the shape Security Hub's BatchImportFindings takes.

One ASFF finding per safemaker finding, PASS included: Security Hub shows compliance checks
with `Compliance.Status`, and a PASSED finding is how a control that was fixed closes there.
The mapping is built from a findings document (the `safemaker.findings/v1` data), not from the
live report, so that `--format asff` and `safemaker securityhub import findings.json` produce the
same records from the same findings, byte for byte.

Fields a Security Hub user relies on:

- `Id` is `safemaker/<fingerprint>`: the same finding gets the same Id on every run and in any
  list order, so a re-import updates the record instead of adding one. `GeneratorId` is the
  check ID (Security Hub groups by it), `ProductFields` carry the fingerprint and status.
- `Compliance.Status`: PASS -> PASSED, FAIL -> FAILED, ERROR -> NOT_AVAILABLE (the check could
  not decide; the description says what was missing).
- `Severity.Label`: the check's severity for a FAIL; INFORMATIONAL for a PASS, as Security Hub
  sets it for passed controls; LOW for an ERROR, which says the estate could not be read, not
  that it is open (as in the SARIF output). `Severity.Original` keeps safemaker's severity.
- `Resources[0].Type` is the ASFF type where ASFF has one (AwsSageMakerNotebookInstance,
  AwsEc2Instance, AwsNetworkFirewallFirewall, AwsNetworkFirewallFirewallPolicy), else `Other`
  with the CloudFormation type in `Details.Other`; `Id` is the ARN when known; `Tags` are the
  resource's tags when the findings carry them.
- `FirstObservedAt` is the finding's `first_seen` (carried through `--baseline`), else the run's
  time; `CreatedAt` the same, `UpdatedAt` and `LastObservedAt` the run's time.
- `ProductArn` is the account's own "default" product in the finding's region, the one every
  account may import into: `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`.

Security Hub documents limits that botocore's model does not carry: Title 256 characters,
Description 1,024, Recommendation.Text 512, Tags 50, ProductFields 50. Longer text is cut at
a word. Findings without an account (a snapshot that held none) cannot be imported and are left
out. Records a fixed finding must archive (`RecordState` ARCHIVED) are built by `archived`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from safemaker.reports.findings_json import findings_document
from safemaker.reports.sarif import help_uri
from safemaker.scanner.fastjson import dumps_indented
from safemaker.scanner.model import Report

SCHEMA_VERSION = "2018-10-08"
ID_PREFIX = "safemaker/"
ERROR_PREFIX = "Could not decide: "
MAX_TITLE, MAX_DESCRIPTION, MAX_RECOMMENDATION, MAX_TAGS = 256, 1024, 512, 50

COMPLIANCE = {"PASS": "PASSED", "FAIL": "FAILED", "ERROR": "NOT_AVAILABLE"}
SEVERITY_LABEL = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW",
                  "info": "INFORMATIONAL"}
# CloudFormation type -> ASFF resource type, where ASFF has one (Resources[].Type).
RESOURCE_TYPES = {
    "AWS::SageMaker::NotebookInstance": "AwsSageMakerNotebookInstance",
    "AWS::EC2::Instance": "AwsEc2Instance",
    "AWS::NetworkFirewall::Firewall": "AwsNetworkFirewallFirewall",
    "AWS::NetworkFirewall::FirewallPolicy": "AwsNetworkFirewallFirewallPolicy",
}
OTHER = "Other"
TYPES_BY_FAMILY = {
    "NET": "Software and Configuration Checks/AWS Security Best Practices/Network Reachability",
    "FW": "Software and Configuration Checks/AWS Security Best Practices/Network Firewall",
    "PRX": "Software and Configuration Checks/AWS Security Best Practices/Egress Proxy",
    "VPCE": "Software and Configuration Checks/AWS Security Best Practices/VPC Endpoints",
}
DEFAULT_TYPE = "Software and Configuration Checks/AWS Security Best Practices"


def render_asff(report: Report) -> str:
    """The report as a JSON list of ASFF findings (`aws securityhub batch-import-findings
    --findings file://...` takes it as is, up to 100 at a time)."""
    return dumps_indented(asff_findings(findings_document(report))) + "\n"


def asff_findings(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One ASFF finding per finding of a findings document that has an account."""
    generated = str(doc.get("generated", ""))
    return [to_asff(f, generated) for f in doc.get("findings") or () if _importable(f)]


def _importable(finding: Mapping[str, Any]) -> bool:
    account = str((finding.get("resource") or {}).get("account", ""))
    return len(account) == 12 and account.isdigit()


def finding_id(fingerprint: str) -> str:
    return ID_PREFIX + fingerprint


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def home_region(region: str) -> str:
    """The Security Hub region of a finding: a global scope (`aws-global`, or none) goes to
    us-east-1 of its partition, where global services report."""
    if region and region != "aws-global":
        return region
    return "us-east-1"


def product_arn(account: str, region: str) -> str:
    return f"arn:{partition(region)}:securityhub:{region}:{account}:product/{account}/default"


def to_asff(finding: Mapping[str, Any], generated: str, *, record_state: str = "ACTIVE") -> dict[str, Any]:
    """One ASFF finding (see the module docstring for each field's meaning)."""
    resource: Mapping[str, Any] = finding.get("resource") or {}
    account = str(resource.get("account", ""))
    region = home_region(str(resource.get("region", "")))
    status = str(finding.get("status", ""))
    check_id = str(finding.get("check_id", ""))
    severity = str(finding.get("severity", "info"))
    fingerprint = str(finding.get("fingerprint", ""))
    first_seen = str(finding.get("first_seen") or generated)
    message = str(finding.get("message", "")) or status
    if status == "ERROR":
        message = ERROR_PREFIX + message
    label = {"PASS": "INFORMATIONAL", "ERROR": "LOW"}.get(status, SEVERITY_LABEL.get(severity, "INFORMATIONAL"))
    out: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": finding_id(fingerprint),
        "ProductArn": product_arn(account, region),
        "ProductName": "safemaker",
        "CompanyName": "safemaker",
        "Region": region,
        "GeneratorId": check_id,
        "AwsAccountId": account,
        "Types": [TYPES_BY_FAMILY.get(check_id.split("-", 1)[0], DEFAULT_TYPE)],
        "FirstObservedAt": first_seen,
        "LastObservedAt": generated,
        "CreatedAt": first_seen,
        "UpdatedAt": generated,
        "Severity": {"Label": label, "Original": severity},
        "Title": _cut(f"{check_id} {finding.get('title', '')}".strip(), MAX_TITLE),
        "Description": _cut(message, MAX_DESCRIPTION),
        "Remediation": {"Recommendation": {
            "Text": _cut(str(finding.get("remediation", "")) or "See the check's page.", MAX_RECOMMENDATION),
            "Url": help_uri(check_id)}},
        "ProductFields": {"safemaker/CheckId": check_id, "safemaker/Fingerprint": fingerprint,
                          "safemaker/Status": status},
        "Resources": [_resource(resource, region)],
        "Compliance": {"Status": COMPLIANCE.get(status, "NOT_AVAILABLE")},
        "RecordState": record_state,
    }
    if finding.get("suppressed"):
        out["Workflow"] = {"Status": "SUPPRESSED"}
    return out


def archived(fixed: Iterable[Mapping[str, Any]], generated: str) -> list[dict[str, Any]]:
    """ASFF records that archive findings no longer reported (a baseline's FAIL/ERROR that is fixed):
    the same Id as when they were imported, `RecordState` ARCHIVED."""
    return [to_asff(f, generated, record_state="ARCHIVED") for f in fixed if _importable(f)]


def _resource(resource: Mapping[str, Any], region: str) -> dict[str, Any]:
    cfn_type = str(resource.get("type", ""))
    rid = str(resource.get("id", ""))
    out: dict[str, Any] = {
        "Type": RESOURCE_TYPES.get(cfn_type, OTHER),
        "Id": str(resource.get("arn") or rid),
        "Partition": partition(region),
        "Region": region,
    }
    tags = resource.get("tags")
    if isinstance(tags, Mapping) and tags:
        out["Tags"] = {str(k): str(v) for k, v in sorted(tags.items())[:MAX_TAGS]}
    other = {"safemaker/ResourceType": cfn_type, "safemaker/ResourceId": rid}
    if resource.get("name"):
        other["safemaker/ResourceName"] = str(resource["name"])
    out["Details"] = {"Other": other}
    return out


def _cut(text: str, limit: int) -> str:
    """`text` within Security Hub's limit, cut at a word; never empty (ASFF wants a non-blank value)."""
    text = text.strip() or "-"
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"
