"""Baseline and suppression annotations in every renderer.

The reports are the hand-made ones of conftest.py with a Triage attached to findings, so each
renderer is tested on exactly what it must show: new / unchanged, suppressed with a
justification, an expired suppression, and the baseline's fixed findings.
"""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from report_data import block, pass_rows  # type: ignore[import-not-found]

from safemaker.reports.findings_json import findings_document, findings_schema, render_json
from safemaker.reports.html import render_html
from safemaker.reports.junit import render_junit
from safemaker.reports.sarif import sarif_document
from safemaker.scanner.model import (
    BaselineInfo,
    BaselineState,
    Finding,
    FixedFinding,
    Report,
    Status,
    Suppression,
    SuppressionUse,
    Triage,
)

# The hostile strings of conftest.py (its fixtures build the reports), spelt out here.
SCRIPT = "<script>alert(1)</script>"
ATTR_BREAK = '"><img src=x onerror=alert(1)>'

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
ACTIVE = Suppression("SM-001", "root access needed for a GPU driver (RISK-12)", "nb-*", date(2027, 1, 31), 1)
EXPIRED = Suppression("NET-004", "latent path accepted until the proxy move", "*", date(2026, 1, 1), 2)
FIXED = FixedFinding("NET-001", "Notebook instance has an uninspected path to the internet", "FAIL", "critical",
                     (("type", "AWS::SageMaker::NotebookInstance"), ("id", "nb-gone"),
                      ("account", "111122223333"), ("region", "eu-west-1")),
                     "reaches igw-1 through nat-1", "fp-gone")


def annotate(f: Finding) -> Finding:
    triage = Triage(baseline=BaselineState.UNCHANGED if f.check_id == "NET-001" else BaselineState.NEW)
    if f.check_id == "SM-001":
        triage = dataclasses.replace(triage, suppressed=ACTIVE)
    if f.check_id == "NET-004":
        triage = dataclasses.replace(triage, suppression_expired=EXPIRED)
    return dataclasses.replace(f, triage=triage)


@pytest.fixture
def triaged(sample_report: Report) -> Report:
    findings = tuple(annotate(f) for f in sample_report.findings)
    new = sum(1 for f in findings if f.triage.baseline is BaselineState.NEW)
    return dataclasses.replace(
        sample_report, findings=findings,
        baseline=BaselineInfo("previous/findings.json", new, len(findings) - new, (FIXED,),
                              (("PASS", 1), ("FAIL", 2), ("ERROR", 1))),
        suppressions=(SuppressionUse(ACTIVE, False, 1), SuppressionUse(EXPIRED, True, 1)),
    )


def test_json_annotations_and_schema(triaged: Report) -> None:
    doc = findings_document(triaged)
    jsonschema.Draft202012Validator(findings_schema()).validate(doc)
    assert list(doc) == ["schema", "tool", "generated", "snapshot", "summary", "baseline", "suppressions", "findings"]
    assert doc["baseline"] == {
        "file": "previous/findings.json", "new": 4, "unchanged": 2,
        "new_by_status": {"PASS": 1, "FAIL": 2, "ERROR": 1},
        "fixed": [{"check_id": "NET-001", "title": "Notebook instance has an uninspected path to the internet",
                   "status": "FAIL", "severity": "critical",
                   "resource": {"type": "AWS::SageMaker::NotebookInstance", "id": "nb-gone",
                                "account": "111122223333", "region": "eu-west-1"},
                   "message": "reaches igw-1 through nat-1", "fingerprint": "fp-gone"}],
    }
    assert doc["suppressions"][1] == {"check": "NET-004", "resource": "*",
                                      "justification": "latent path accepted until the proxy move",
                                      "expires": "2026-01-01", "state": "expired", "matched": 1}
    sm = next(f for f in doc["findings"] if f["check_id"] == "SM-001")
    assert list(sm)[-3:] == ["fingerprint", "baseline", "suppressed"]
    assert sm["suppressed"] == {"justification": "root access needed for a GPU driver (RISK-12)",
                                "expires": "2027-01-31"}
    latent = next(f for f in doc["findings"] if f["check_id"] == "NET-004")
    assert latent["suppression_expired"]["expires"] == "2026-01-01" and "suppressed" not in latent
    assert doc["summary"] == {"PASS": 2, "FAIL": 3, "ERROR": 1}  # verdicts are never rewritten


@pytest.mark.parametrize(
    ("place", "value"),
    [
        (("findings", 0, "baseline"), "old"),
        (("findings", 0, "suppressed"), {"reason": "x"}),
        (("findings", 0, "suppressed"), {"justification": "", "expires": None}),
        (("findings", 0, "suppressed"), {"justification": "x", "expires": "31/01/2027"}),
        (("baseline", "fixed", 0, "note"), "misspelt"),
        (("suppressions", 0, "state"), "paused"),
    ],
)
def test_schema_catches_malformed_annotations(triaged: Report, place: tuple[str | int, ...], value: object) -> None:
    doc = json.loads(render_json(triaged))
    target = doc
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(findings_schema()).validate(doc)


def test_sarif_suppressions_and_baseline_state(triaged: Report) -> None:
    """GitHub shows suppressed results as open alerts: they are left out unless asked for, and
    then every result carries `suppressions` (SARIF: on all results or on none)."""
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    default = sarif_document(triaged, [])
    jsonschema.Draft4Validator(schema).validate(default)
    assert "SM-001" not in {r["ruleId"] for r in default["runs"][0]["results"]}
    assert all("suppressions" not in r for r in default["runs"][0]["results"])

    doc = sarif_document(triaged, [], include_suppressed=True)
    jsonschema.Draft4Validator(schema).validate(doc)
    results = doc["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["SM-001"]["suppressions"] == [{
        "kind": "external", "status": "accepted", "justification": "root access needed for a GPU driver (RISK-12)",
        "properties": {"expires": "2027-01-31"}}]
    assert all(r["suppressions"] == [] for r in results if r["ruleId"] != "SM-001")
    assert by_rule["NET-001"]["baselineState"] == "unchanged"
    assert by_rule["NET-002/could-not-decide"]["baselineState"] == "new"
    assert by_rule["NET-004"]["properties"]["suppressionExpired"]["expires"] == "2026-01-01"


def test_sarif_without_triage_has_no_new_keys(sample_report: Report) -> None:
    for result in sarif_document(sample_report, [])["runs"][0]["results"]:
        assert "suppressions" not in result and "baselineState" not in result


def test_junit_suppressed_fail_is_skipped(triaged: Report) -> None:
    root = ET.fromstring(render_junit(triaged).encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("6", "2", "1", "1")
    suite = root.find("testsuite[@name='SM-001']")
    assert suite is not None and (suite.get("failures"), suite.get("skipped")) == ("0", "1")
    case = suite.find("testcase")
    assert case is not None and case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "suppressed (until 2027-01-31): root access needed for a GPU driver (RISK-12)"
    latent = root.find("testsuite[@name='NET-004']/testcase/failure")
    assert latent is not None
    assert "suppression expired on 2026-01-01: latent path accepted" in (latent.text or "")
    assert "baseline: new" in (latent.text or "")


def test_junit_suppressed_error_is_skipped_not_an_error(sample_report: Report) -> None:
    findings = tuple(dataclasses.replace(f, triage=Triage(suppressed=ACTIVE)) if f.status is Status.ERROR else f
                     for f in sample_report.findings)
    root = ET.fromstring(render_junit(dataclasses.replace(sample_report, findings=findings)).encode("utf-8"))
    assert (root.get("errors"), root.get("skipped")) == ("0", "1")


def test_html_marks_new_unchanged_suppressed_and_lists_fixed(triaged: Report) -> None:
    page = render_html(triaged)
    # FAIL/ERROR findings are articles; PASS findings are rows of the JSON block ("new" in the row)
    written = [f for f in triaged.findings if f.status.value != "PASS"]
    assert page.count('data-baseline="new"') == sum(1 for f in written if f.triage.baseline == "new") == 3
    assert page.count('data-baseline="unchanged"') == sum(1 for f in written if f.triage.baseline == "unchanged")
    passed = [f.triage.baseline for f in triaged.findings if f.status.value == "PASS"]
    states = [row["baseline"] for row in pass_rows(block(page))]
    assert states.count("new") == passed.count("new") and states.count("unchanged") == passed.count("unchanged")
    assert len(passed) == 2
    assert page.count('data-suppressed="yes"') == 1
    assert '<select name="baseline">' in page and '<select name="suppressed">' in page
    assert "Suppressed by safemaker.toml [[suppress]] #1 until 2027-01-31" in page
    assert "The suppression [[suppress]] #2 expired on 2026-01-01, so this finding counts again" in page
    fixed = page.split('id="fixed"', 1)[1].split("</table>", 1)[0]
    assert "nb-gone" in fixed and "reaches igw-1 through nat-1" in fixed
    suppressions = page.split('id="suppressions"', 1)[1].split("</table>", 1)[0]
    assert "expired" in suppressions and "RISK-12" in suppressions
    assert ('<p class="gate" id="gate">Compared with the baseline: 2 new FAIL, 1 unchanged FAIL, 1 fixed since '
            "then. 1 suppressed in safemaker.toml, 1 with an expired suppression. 1 FAIL count towards the exit "
            "status.</p>") in page


def test_html_without_triage_shows_none_of_it(sample_report: Report) -> None:
    page = render_html(sample_report)
    for marker in ('id="fixed"', 'id="suppressions"', 'name="baseline"', 'name="suppressed"', 'id="gate"',
                   "data-baseline=", 'class="tri '):
        assert marker not in page


def test_html_escapes_hostile_annotations(hostile_report: Report) -> None:
    hostile = Suppression("NET-001", SCRIPT, ATTR_BREAK, None, 1)
    fixed = dataclasses.replace(FIXED, resource=(("id", ATTR_BREAK),), message=SCRIPT, title=SCRIPT)
    report = dataclasses.replace(
        hostile_report,
        findings=tuple(dataclasses.replace(f, triage=Triage(BaselineState.NEW, hostile))
                       for f in hostile_report.findings),
        baseline=BaselineInfo(SCRIPT, 1, 0, (fixed,)),
        suppressions=(SuppressionUse(hostile, False, 1),),
    )
    page = render_html(report)
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
