"""JUnit XML output, for CI systems that show test results but know nothing about SARIF.

Each check is a test suite and each (check, resource) finding a test case, so a CI dashboard
lists "NET-001 / notebook nb-analysts" as a failing test and a PASS as a passing one: the same
"checked and fine is visible" rule the findings file follows. ERROR is a JUnit error (the test
could not run to a verdict), not a failure, so the two are counted apart as in the findings file.
A FAIL or ERROR suppressed in safemaker.toml is a skipped test whose message is the justification:
visible on the dashboard, not red.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from safemaker.scanner.model import Finding, Report, Status

from ._text import path_text, xml_safe

SUITES_NAME = "safemaker"


def render_junit(report: Report) -> str:
    """Serialise the report; findings are sorted so the same report always gives the same bytes."""
    findings = sorted(report.findings, key=lambda f: f.sort_key())
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)

    root = ET.Element("testsuites", {"name": SUITES_NAME})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for check_id in sorted(by_check):
        suite = _suite(check_id, by_check[check_id])
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))

    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _suite(check_id: str, findings: list[Finding]) -> ET.Element:
    failures = sum(1 for f in findings if f.status is Status.FAIL and not _suppressed(f))
    errors = sum(1 for f in findings if f.status is Status.ERROR and not _suppressed(f))
    skipped = sum(1 for f in findings if _suppressed(f))
    suite = ET.Element(
        "testsuite",
        {
            "name": xml_safe(check_id),
            "tests": str(len(findings)),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": str(skipped),
        },
    )
    for f in findings:
        suite.append(_case(f))
    return suite


def _case(finding: Finding) -> ET.Element:
    r = finding.resource
    case = ET.Element(
        "testcase",
        {
            "classname": xml_safe(finding.check_id),
            "name": xml_safe(f"{r.type.value} {r.id} ({r.account}/{r.region})"),
        },
    )
    if _suppressed(finding):
        suppression = finding.triage.suppressed
        assert suppression is not None
        until = f" (until {suppression.expires.isoformat()})" if suppression.expires else ""
        skipped = ET.SubElement(
            case, "skipped", {"message": xml_safe(f"suppressed{until}: {suppression.justification}")}
        )
        skipped.text = xml_safe(_details(finding))
    elif finding.status is Status.FAIL:
        failure = ET.SubElement(
            case, "failure", {"message": xml_safe(finding.message), "type": finding.severity.value}
        )
        failure.text = xml_safe(_details(finding))
    elif finding.status is Status.ERROR:
        error = ET.SubElement(case, "error", {"message": xml_safe(finding.message), "type": "ERROR"})
        error.text = xml_safe(_details(finding))
    return case


def _suppressed(finding: Finding) -> bool:
    return finding.status is not Status.PASS and finding.triage.suppressed is not None


def _details(finding: Finding) -> str:
    """The body a CI log shows under the failure: the proof first, then what to do about it."""
    lines = [f"{finding.title} [{finding.severity.value}]", finding.message]
    triage = finding.triage
    if triage.baseline is not None:
        lines.append(f"baseline: {triage.baseline.value}")
    if triage.suppression_expired is not None:
        expired = triage.suppression_expired
        when = expired.expires.isoformat() if expired.expires else "?"
        lines.append(f"suppression expired on {when}: {expired.justification}")
    lines += [f"path: {path_text(p)}" for p in finding.evidence.paths]
    lines += [f"note: {n}" for n in finding.evidence.notes]
    if finding.remediation:
        lines.append(f"remediation: {finding.remediation}")
    if finding.resource.arn:
        lines.append(f"arn: {finding.resource.arn}")
    lines.append(f"fingerprint: {finding.fingerprint}")
    return "\n".join(lines)
