"""SARIF must validate against the OASIS schema and satisfy what GitHub code scanning needs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path as FsPath
from typing import Any

import jsonschema
import pytest

from safemaker.reports.sarif import (
    DOCS_BASE_URI,
    ERROR_PREFIX,
    FINGERPRINT_KEY,
    SECURITY_SEVERITY,
    Rule,
    RuleInfo,
    render_sarif,
)
from safemaker.scanner.checking.registry import CheckSpec
from safemaker.scanner.model import Report, ResourceType, Severity, Status

SCHEMA_FILE = FsPath(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
LEVELS = {"none", "note", "warning", "error"}


def _specs() -> list[RuleInfo]:
    """Registered checks, as the lead passes them (CheckSpec), plus one with no findings."""
    return [
        CheckSpec(
            id="NET-001",
            title="Notebook instance has an uninspected path to the internet",
            severity=Severity.CRITICAL,
            resource_types=(ResourceType.NOTEBOOK_INSTANCE,),
            requires=(),
            remediation="Send 0.0.0.0/0 to a Network Firewall endpoint.",
            references=(),
            description="Follows every route from the notebook's ENI.",
            func=lambda ctx, res: None,
        ),
        Rule("SM-001", "Root access enabled", Severity.MEDIUM, "Root can change the proxy.", "Disable it."),
        Rule("NET-002", "Studio domain reaches the internet", Severity.HIGH, "", ""),
        Rule("FW-003", "No firewall logging", Severity.LOW, "d", "r"),
        Rule("VPCE-002", "S3 endpoint policy allows any bucket", Severity.HIGH, "d", "r"),
    ]


def _doc(report: Report, specs: list[RuleInfo] | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_sarif(report, _specs() if specs is None else specs))
    return loaded


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("which", ["sample_report", "hostile_report", "empty_report"])
def test_validates_against_official_schema(
    which: str, request: pytest.FixtureRequest, sarif_validator: jsonschema.Draft4Validator
) -> None:
    report = request.getfixturevalue(which)
    errors = sorted(sarif_validator.iter_errors(_doc(report)), key=str)
    assert errors == []


def test_structure(sample_report: Report) -> None:
    doc = _doc(sample_report)
    assert doc["version"] == "2.1.0"
    assert isinstance(doc["$schema"], str) and doc["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "safemaker"
    assert driver["version"] == "0.1.0"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == sorted(rule_ids) and len(set(rule_ids)) == len(rule_ids)
    for i, result in enumerate(run["results"]):
        assert result["ruleId"] in rule_ids, i
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in LEVELS
        assert result["partialFingerprints"][FINGERPRINT_KEY]
        assert result["message"]["text"]
        (loc,) = result["locations"]
        assert loc["physicalLocation"]["region"]["startLine"] == 1
        assert loc["physicalLocation"]["artifactLocation"]["uri"].startswith("safemaker/")
        (logical,) = loc["logicalLocations"]
        assert logical["kind"] == "resource"
        assert logical["fullyQualifiedName"].count("/") >= 3
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in LEVELS
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
        assert "security" in rule["properties"]["tags"]


def test_only_fail_and_error_become_results(sample_report: Report) -> None:
    results = _doc(sample_report)["runs"][0]["results"]
    want = sorted(
        (f.check_id, f.resource.id) for f in sample_report.findings if f.status is not Status.PASS
    )
    assert sorted((r["properties"]["checkId"], r["properties"]["resourceId"]) for r in results) == want
    assert {r["properties"]["status"] for r in results} == {"FAIL", "ERROR"}


def test_levels_follow_severity_and_error_is_a_prefixed_warning(sample_report: Report) -> None:
    run = _doc(sample_report)["runs"][0]
    results = {(r["ruleId"], r["properties"]["resourceId"]): r for r in run["results"]}
    assert results[("NET-001", "nb-analysts")]["level"] == "error"  # critical
    assert results[("SM-001", "nb-analysts")]["level"] == "warning"  # medium
    assert results[("NET-004", "nb-latent")]["level"] == "note"  # info
    err = results[("NET-002/could-not-decide", "d-abc")]
    assert err["level"] == "warning"
    assert err["message"]["text"] == ERROR_PREFIX + "DescribeDomain was not collected"


def test_an_error_is_a_low_alert_under_its_own_rule(sample_report: Report) -> None:
    """GitHub takes an alert's severity from its rule: NET-002 is high, but not being able to
    read a domain is not a high finding, so ERRORs have a low rule of their own per check."""
    run = _doc(sample_report)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    undecided = rules["NET-002/could-not-decide"]
    assert undecided["properties"]["security-severity"] == "2.0"  # GitHub: low (below 4.0)
    assert undecided["defaultConfiguration"]["level"] == "warning"
    assert undecided["shortDescription"]["text"] == "NET-002 could not decide: Studio domain reaches the internet"
    assert undecided["helpUri"] == rules["NET-002"]["helpUri"]
    assert rules["NET-002"]["properties"]["security-severity"] == "8.0"
    # only checks with an ERROR result get the extra rule
    assert [r for r in rules if r.endswith("/could-not-decide")] == ["NET-002/could-not-decide"]
    (err,) = [r for r in run["results"] if r["properties"]["status"] == "ERROR"]
    assert run["tool"]["driver"]["rules"][err["ruleIndex"]]["id"] == err["ruleId"] == "NET-002/could-not-decide"


def test_security_severity_values() -> None:
    assert {s: float(v) for s, v in SECURITY_SEVERITY.items()} == {
        Severity.CRITICAL: 9.5,
        Severity.HIGH: 8.0,
        Severity.MEDIUM: 5.5,
        Severity.LOW: 3.0,
        Severity.INFO: 0.0,
    }


def test_rules_come_from_specs_including_checks_without_findings(sample_report: Report) -> None:
    rules = {r["id"]: r for r in _doc(sample_report)["runs"][0]["tool"]["driver"]["rules"]}
    assert "VPCE-002" in rules
    net1 = rules["NET-001"]
    assert net1["name"] == "NotebookInstanceHasAnUninspectedPathToTheInternet"
    assert net1["fullDescription"]["text"] == "Follows every route from the notebook's ENI."
    assert net1["help"]["text"] == (
        "Send 0.0.0.0/0 to a Network Firewall endpoint.\n\nSee " + DOCS_BASE_URI + "NET-001.md")
    assert net1["helpUri"] == DOCS_BASE_URI + "NET-001.md"
    assert net1["properties"]["security-severity"] == "9.5"
    assert net1["defaultConfiguration"]["level"] == "error"
    # empty description and remediation fall back to the title instead of an empty text
    assert rules["NET-002"]["fullDescription"]["text"] == "Studio domain reaches the internet"


def test_unknown_check_gets_a_rule_from_its_finding(sample_report: Report) -> None:
    doc = _doc(sample_report, specs=[])
    rule_ids = {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rule_ids == {"NET-001", "NET-002", "NET-002/could-not-decide", "NET-004", "SM-001"}


def test_locations_and_fingerprints(sample_report: Report) -> None:
    results = _doc(sample_report)["runs"][0]["results"]
    r = next(x for x in results if x["ruleId"] == "NET-001")
    loc = r["locations"][0]
    uri = loc["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "safemaker/111122223333/eu-west-1/nb-analysts"
    assert loc["logicalLocations"][0]["fullyQualifiedName"] == (
        "111122223333/eu-west-1/AWS::SageMaker::NotebookInstance/nb-analysts"
    )
    assert r["partialFingerprints"] == {
        FINGERPRINT_KEY: "fp-NET-001-nb-analysts",
        "primaryLocationLineHash": hashlib.sha256(b"fp-NET-001-nb-analysts").hexdigest()[:16] + ":1",
    }
    assert r["properties"]["paths"][0].startswith("eni eni-1 (notebook nb-analysts")


def test_hostile_ids_are_percent_encoded_in_uris(hostile_report: Report) -> None:
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in _doc(hostile_report)["runs"][0]["results"]
    ]
    assert "safemaker/111122223333/eu-west-1/%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in uris
    for uri in uris:
        assert all(c not in uri for c in ' "<>')


def test_information_uri_is_optional(sample_report: Report) -> None:
    assert "informationUri" not in _doc(sample_report)["runs"][0]["tool"]["driver"]
    uri = "https://example.invalid/safemaker"
    doc = json.loads(render_sarif(sample_report, _specs(), information_uri=uri))
    assert doc["runs"][0]["tool"]["driver"]["informationUri"] == uri


def test_deterministic(sample_report: Report) -> None:
    shuffled = dataclasses.replace(sample_report, findings=tuple(reversed(sample_report.findings)))
    specs = _specs()
    assert render_sarif(sample_report, specs) == render_sarif(shuffled, list(reversed(specs)))
    assert render_sarif(sample_report, specs).endswith("}\n")
