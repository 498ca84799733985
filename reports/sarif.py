"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

SARIF was designed for source files; safemaker's subjects are cloud resources. Each result
therefore carries a logical location naming the resource, and, because GitHub rejects results
without a physical one, a synthetic artifact URI `safemaker/<account>/<region>/<resource id>`
that points at no real file. Only FAIL and ERROR findings become results: SARIF has no notion of
"checked and fine", and a PASS uploaded as a result would show up as an alert.

A finding suppressed in safemaker.toml stays a result, with an `external` suppression carrying
the justification, so viewers show it as accepted rather than dropping it; with `--baseline`,
each result has SARIF's own `baselineState` (`new` or `unchanged`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from safemaker.scanner.model import Finding, Report, Severity, Status

from ._text import path_text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "safemakerFingerprint/v1"
ERROR_PREFIX = "Could not decide: "

# GitHub turns security-severity into its own scale (>= 9.0 critical, 7.0-8.9 high,
# 4.0-6.9 medium, below that low); the values sit inside those bands, away from their edges.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

# SARIF's `level` is the only severity that every viewer understands.
LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
ERROR_LEVEL = "warning"


class RuleInfo(Protocol):
    """What a SARIF rule needs from a check; `scanner.registry.CheckSpec` satisfies it as is."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def severity(self) -> Severity: ...

    @property
    def description(self) -> str: ...

    @property
    def remediation(self) -> str: ...


@dataclass(frozen=True)
class Rule:
    """A RuleInfo for rules that exist only in findings (a check that is no longer registered)."""

    id: str
    title: str
    severity: Severity
    description: str
    remediation: str


def render_sarif(
    report: Report,
    specs: Sequence[RuleInfo],
    *,
    information_uri: str | None = None,
) -> str:
    """Serialise the report as a SARIF log with one run; identical inputs give identical bytes."""
    return json.dumps(sarif_document(report, specs, information_uri=information_uri), indent=2) + "\n"


def sarif_document(
    report: Report,
    specs: Sequence[RuleInfo],
    *,
    information_uri: str | None = None,
) -> dict[str, Any]:
    """The SARIF log as plain data, for callers that want to merge runs or add properties."""
    findings = sorted(
        (f for f in report.findings if f.status in (Status.FAIL, Status.ERROR)),
        key=lambda f: f.sort_key(),
    )
    rules = _collect_rules(specs, findings)
    index = {rule.id: i for i, rule in enumerate(rules)}

    driver: dict[str, Any] = {"name": "safemaker", "version": report.tool_version}
    if information_uri:
        driver["informationUri"] = information_uri
    driver["rules"] = [_rule_json(rule) for rule in rules]

    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "results": [_result_json(f, index[f.check_id]) for f in findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def _collect_rules(specs: Sequence[RuleInfo], findings: Sequence[Finding]) -> list[RuleInfo]:
    """Every registered check, plus any check a finding names that the caller did not pass.

    GitHub drops results whose ruleId is not in the driver's rules, so a finding from an
    unregistered check (an old findings file, a plugin that was uninstalled) gets a rule built
    from the finding itself rather than silently disappearing.
    """
    by_id: dict[str, RuleInfo] = {}
    for spec in specs:
        by_id.setdefault(spec.id, spec)
    for f in findings:
        if f.check_id not in by_id:
            by_id[f.check_id] = Rule(f.check_id, f.title, f.severity, f.title, f.remediation)
    return [by_id[k] for k in sorted(by_id)]


def _rule_json(rule: RuleInfo) -> dict[str, Any]:
    description = rule.description.strip() or rule.title
    help_text = rule.remediation.strip() or description
    return {
        "id": rule.id,
        "name": _pascal_case(rule.title) or rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": description},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": ["security", rule.id.split("-", 1)[0].lower()],
            "precision": "high",
            "problem.severity": _problem_severity(rule.severity),
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def _result_json(finding: Finding, rule_index: int) -> dict[str, Any]:
    r = finding.resource
    if finding.status is Status.ERROR:
        level, text = ERROR_LEVEL, ERROR_PREFIX + finding.message
    else:
        level, text = LEVEL[finding.severity], finding.message
    properties: dict[str, Any] = {
        "status": finding.status.value,
        "severity": finding.severity.value,
        "resourceType": r.type.value,
        "resourceId": r.id,
        "account": r.account,
        "region": r.region,
    }
    if r.arn:
        properties["arn"] = r.arn
    paths = [path_text(p) for p in finding.evidence.paths]
    if paths:
        properties["paths"] = paths
    if finding.evidence.notes:
        properties["notes"] = list(finding.evidence.notes)
    triage = finding.triage
    if triage.suppression_expired is not None:
        properties["suppressionExpired"] = triage.suppression_expired.to_json()
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(finding)},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {
                        "name": r.id,
                        "fullyQualifiedName": "/".join((r.account, r.region, r.type.value, r.id)),
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if triage.suppressed is not None:
        suppression: dict[str, Any] = {
            "kind": "external",
            "status": "accepted",
            "justification": triage.suppressed.justification,
        }
        if triage.suppressed.expires is not None:
            suppression["properties"] = {"expires": triage.suppressed.expires.isoformat()}
        result["suppressions"] = [suppression]
    if triage.baseline is not None:
        result["baselineState"] = triage.baseline.value
    return result


def artifact_uri(finding: Finding) -> str:
    """The stand-in file path GitHub needs; each part is percent-encoded so any id is a valid URI."""
    r = finding.resource
    return "/".join(["safemaker", *(quote(part, safe="") for part in (r.account, r.region, r.id))])


def _problem_severity(severity: Severity) -> str:
    """The non-security severity GitHub shows when `security-severity` is not used."""
    return {"error": "error", "warning": "warning"}.get(LEVEL[severity], "recommendation")


def _pascal_case(title: str) -> str:
    """SARIF wants `name` to be an identifier-like string, unlike the human title."""
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words)
