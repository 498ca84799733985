"""SARIF as GitHub code scanning uses it: one test per documented limit or behaviour.

GitHub's "SARIF support for code scanning" documents what an upload may hold (runs per file,
results, rules, tags per rule, locations per result, 1,024-character descriptions, 10 MB
gzip-compressed) and how alerts are matched (`partialFingerprints.primaryLocationLineHash`) and
separated (`runAutomationDetails.id`). Each is checked here on what `render_sarif` writes.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path as FsPath
from typing import Any

import jsonschema
import pytest

from safemaker.reports.sarif import (
    DOCS_BASE_URI,
    MAX_DESCRIPTION,
    MAX_RESULTS,
    SHOWN_RESULTS,
    Rule,
    SarifLimitError,
    render_sarif,
    sarif_document,
)
from safemaker.scanner.checking.registry import load_registry
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

ROOT = FsPath(__file__).resolve().parents[2]
SCHEMA_FILE = FsPath(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
GITHUB_MAX_RUNS = 20
GITHUB_MAX_RULES = 25_000
GITHUB_SHOWN_TAGS = 10
GITHUB_SHOWN_LOCATIONS = 100
GITHUB_MAX_GZIP_BYTES = 10 * 1024 * 1024


NAT_PATH = Path(hops=(Hop("eni", "eni-1", "notebook nb-analysts, sg-1 allows 0.0.0.0/0:443"),
                      Hop("route-table", "rtb-2", "0.0.0.0/0 -> nat-3"), Hop("nat-gateway", "nat-3", "public"),
                      Hop("route-table", "rtb-7", "0.0.0.0/0 -> igw-9"), Hop("internet-gateway", "igw-9", "")),
                destinations=("0.0.0.0/0",), outcome="internet")


def make_finding(check_id: str, status: Status, severity: Severity, rid: str, *, arn: str | None = None,
                 message: str = "message", paths: tuple[Path, ...] = (), notes: tuple[str, ...] = (),
                 fingerprint: str | None = None) -> Finding:
    return Finding(check_id, f"Title of {check_id}", status, severity,
                   ResourceRef(ResourceType.NOTEBOOK_INSTANCE, rid, "111122223333", "eu-west-1", arn), message,
                   Evidence(paths, notes), "Route 0.0.0.0/0 through a firewall.", fingerprint or f"fp-{check_id}-{rid}")


def make_report(findings: tuple[Finding, ...]) -> Report:
    return Report("0.1.0", "2026-11-23T10:00:05Z", SnapshotInfo("2026-11-23T10:00:00Z", ("111122223333",),
                                                               ("eu-west-1",)), findings)


def _many(count: int) -> Report:
    """`count` FAIL findings that look like real NET-001 results (a path, a note, an ARN)."""
    findings = tuple(
        make_finding("NET-001", Status.FAIL, Severity.CRITICAL, f"nb-{i:06d}",
                     arn=f"arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-{i:06d}",
                     message="0.0.0.0/0 from subnet-1 reaches igw-9 through nat-3 without passing firewall or proxy",
                     paths=(NAT_PATH,), notes=("Block Public Access options not collected: taken as off",),
                     fingerprint=f"{i:064x}")
        for i in range(count))
    return make_report(findings)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    return jsonschema.Draft4Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def test_primary_location_line_hash_follows_the_fingerprint(sample_report: Report) -> None:
    """GitHub matches alerts across uploads by this hash alone: it must depend on the fingerprint
    and on nothing else (not the order of findings, not the message)."""
    def hashes(report: Report) -> dict[str, str]:
        return {r["partialFingerprints"]["safemakerFingerprint/v1"]: r["partialFingerprints"]["primaryLocationLineHash"]
                for r in sarif_document(report, [])["runs"][0]["results"]}

    first = hashes(sample_report)
    reordered = dataclasses.replace(sample_report, findings=tuple(
        dataclasses.replace(f, message=f.message + " (reworded)") for f in reversed(sample_report.findings)))
    assert hashes(reordered) == first
    assert len(set(first.values())) == len(first)
    for value in first.values():
        digest, _, occurrence = value.partition(":")
        assert len(digest) == 16 and int(digest, 16) >= 0 and occurrence == "1"


def test_category_becomes_run_automation_details(sample_report: Report, validator: jsonschema.Draft4Validator) -> None:
    assert "automationDetails" not in sarif_document(sample_report, [])["runs"][0]
    doc = sarif_document(sample_report, [], category="account-111122223333")
    assert doc["runs"][0]["automationDetails"] == {"id": "account-111122223333/"}
    assert list(validator.iter_errors(doc)) == []
    # a category given with its trailing slash (GitHub's own spelling) is kept as it is
    assert sarif_document(sample_report, [], category="shard/2/")["runs"][0]["automationDetails"] == {"id": "shard/2/"}


def test_one_run_per_file(sample_report: Report) -> None:
    assert len(sarif_document(sample_report, [], category="x")["runs"]) <= GITHUB_MAX_RUNS


def test_over_25000_results_is_an_error_that_names_severity() -> None:
    with pytest.raises(SarifLimitError) as caught:
        render_sarif(_many(MAX_RESULTS + 1), [])
    assert MAX_RESULTS == 25_000
    assert "25,001 FAIL/ERROR results" in str(caught.value)
    assert "--severity" in str(caught.value)


def test_25000_results_fit_in_githubs_upload_size() -> None:
    """The largest upload GitHub accepts, rendered: no error, and under 10 MB gzip-compressed."""
    warnings: list[str] = []
    text = render_sarif(_many(MAX_RESULTS), [], warn=warnings.append)
    assert len(json.loads(text)["runs"][0]["results"]) == MAX_RESULTS
    assert len(gzip.compress(text.encode("utf-8"))) < GITHUB_MAX_GZIP_BYTES
    assert len(warnings) == 1


def test_over_5000_results_warns_that_github_shows_only_5000() -> None:
    warnings: list[str] = []
    render_sarif(_many(SHOWN_RESULTS), [], warn=warnings.append)
    assert warnings == []
    render_sarif(_many(SHOWN_RESULTS + 1), [], warn=warnings.append)
    assert warnings == ["safemaker: SARIF: 5,001 results; GitHub code scanning shows only 5,000 per upload "
                        "(the most severe): narrow the run with --severity or split it with --sarif-category"]


def test_suppressed_results_do_not_count_towards_the_limit(sample_report: Report) -> None:
    from safemaker.scanner.model import Suppression, Triage

    accepted = Triage(suppressed=Suppression("NET-001", "accepted"))
    report = _many(SHOWN_RESULTS + 1)
    report = dataclasses.replace(report, findings=(dataclasses.replace(report.findings[0], triage=accepted),
                                                   *report.findings[1:]))
    warnings: list[str] = []
    doc = sarif_document(report, [], warn=warnings.append)
    assert warnings == [] and len(doc["runs"][0]["results"]) == SHOWN_RESULTS


def _registered_rules() -> list[dict[str, Any]]:
    specs = load_registry().specs()
    findings = tuple(make_finding(s.id, status, s.severity, "nb-x")
                     for s in specs for status in (Status.FAIL, Status.ERROR))
    rules: list[dict[str, Any]] = sarif_document(make_report(findings), specs)["runs"][0]["tool"]["driver"]["rules"]
    return rules


def test_rule_descriptions_are_within_1024_characters() -> None:
    """FW-002 and PRX-002 have docstrings over 1,024 characters; GitHub refuses those."""
    rules = _registered_rules()
    assert len(rules) == 2 * len(load_registry().specs())
    for rule in rules:
        assert len(rule["shortDescription"]["text"]) <= MAX_DESCRIPTION, rule["id"]
        assert len(rule["fullDescription"]["text"]) <= MAX_DESCRIPTION, rule["id"]
    by_id = {r["id"]: r for r in rules}
    spec = {s.id: s for s in load_registry().specs()}["FW-002"]
    assert len(spec.description) > MAX_DESCRIPTION
    cut = by_id["FW-002"]["fullDescription"]["text"]
    assert cut.endswith(" … (continued in the rule's help)")
    assert spec.description.startswith(cut.removesuffix(" … (continued in the rule's help)"))
    assert "drop" in by_id["FW-002"]["help"]["markdown"]


def test_a_long_description_is_cut_at_a_word() -> None:
    rule = Rule("XX-001", "t", Severity.LOW, "word " * 400, "fix it")
    doc = sarif_document(make_report(()), [rule])
    text = doc["runs"][0]["tool"]["driver"]["rules"][0]["fullDescription"]["text"]
    assert len(text) <= MAX_DESCRIPTION
    assert text.removesuffix(" … (continued in the rule's help)").split(" ") == ["word"] * len(
        text.removesuffix(" … (continued in the rule's help)").split(" "))


def test_tags_rules_and_locations_within_what_github_shows(sample_report: Report) -> None:
    rules = _registered_rules()
    assert len(rules) <= GITHUB_MAX_RULES
    assert all(len(r["properties"]["tags"]) <= GITHUB_SHOWN_TAGS for r in rules)
    for result in sarif_document(sample_report, [])["runs"][0]["results"]:
        assert len(result["locations"]) <= GITHUB_SHOWN_LOCATIONS


def test_every_check_has_help_uri_and_markdown_pointing_at_its_page() -> None:
    for rule in _registered_rules():
        check_id = rule["id"].removesuffix("/could-not-decide")
        assert rule["helpUri"] == f"{DOCS_BASE_URI}{check_id}.md"
        assert (ROOT / "docs" / "checks" / f"{check_id}.md").is_file(), check_id
        assert rule["help"]["markdown"].endswith(f"]({DOCS_BASE_URI}{check_id}.md)")
        assert rule["help"]["text"]


def test_help_markdown_makes_check_text_inert() -> None:
    rule = Rule("XX-001", "[click](javascript:alert(1)) <b>", Severity.LOW, "*bold* `code`", "# heading")
    markdown = sarif_document(make_report(()), [rule])["runs"][0]["tool"]["driver"]["rules"][0]["help"]["markdown"]
    assert "\\[click\\]\\(javascript:alert\\(1\\)\\) \\<b\\>" in markdown
    assert "\\*bold\\* \\`code\\`" in markdown and "\\# heading" in markdown


def test_registered_rules_validate(validator: jsonschema.Draft4Validator, sample_report: Report) -> None:
    specs = load_registry().specs()
    doc = sarif_document(sample_report, specs, category="c", include_suppressed=True)
    assert list(validator.iter_errors(doc)) == []
