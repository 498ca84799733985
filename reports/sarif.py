"""SARIF 2.1.0 output, shaped for GitHub code scanning (and readable by other SARIF viewers).

SARIF was designed for source files; safemaker's subjects are cloud resources. Each result
therefore carries a logical location naming the resource, and, because GitHub rejects results
without a physical one, a synthetic artifact URI `safemaker/<account>/<region>/<resource id>`
that points at no real file. Only FAIL and ERROR findings become results: SARIF has no notion of
"checked and fine", and a PASS uploaded as a result would show up as an alert.

What GitHub does with a SARIF file decides most of the shape here:

- It matches an alert across uploads by rule and `partialFingerprints.primaryLocationLineHash`
  only (a tool's own fingerprint keys are stored but ignored), so that hash is derived from the
  finding's fingerprint: the same finding keeps its alert however the estate's lists are ordered.
- It does not honour `suppressions`: a suppressed result is an open alert. Accepted risks are
  therefore left out unless `include_suppressed` is asked for; then every result carries a
  `suppressions` array (empty when not suppressed), because SARIF wants them on all results or
  on none.
- Uploads of one tool to one commit replace each other unless `runAutomationDetails.id` gives
  each its category, so per-account or per-shard uploads pass `category`.
- An upload with more than 25,000 results in a run is rejected and only 5,000 are shown:
  the first raises `SarifLimitError` (the CLI exits 2) and the second is a warning.
- Rule descriptions over 1,024 characters are refused: `fullDescription` is cut at a word
  and the whole text goes to `help`, which also links each check's page under `docs/checks/`.
- A result's severity in the Security tab is its rule's `security-severity`. An ERROR (the
  check could not decide) is not the check's critical finding, so ERRORs are reported under a
  rule of their own per check, `<ID>/could-not-decide`, of low severity, whose message says
  what could not be decided. Its alert is also separate from the FAIL's, so an estate that
  becomes readable again closes the ERROR alert instead of turning it into a FAIL.

With `--baseline`, each result has SARIF's own `baselineState` (`new` or `unchanged`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from safemaker.scanner.errors import SafemakerError
from safemaker.scanner.fastjson import dumps_indented
from safemaker.scanner.model import Finding, Report, Severity, Status

from ._text import path_text

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "safemakerFingerprint/v1"
#: The one fingerprint GitHub code scanning matches alerts by.
GITHUB_HASH_KEY = "primaryLocationLineHash"
ERROR_PREFIX = "Could not decide: "
#: Suffix of the rule under which a check's ERROR results are reported.
UNDECIDED_SUFFIX = "/could-not-decide"
#: Where each check's page lives; `<ID>.md` is appended. The pages are docs/checks/<ID>.md of
#: the source tree.
DOCS_BASE_URI = "https://github.com/safemaker/safemaker/blob/main/docs/checks/"

# GitHub code scanning's documented limits (SARIF support for code scanning).
MAX_RESULTS = 25_000  # per run: the upload is rejected above this
SHOWN_RESULTS = 5_000  # per run: only this many, by severity, are shown
MAX_DESCRIPTION = 1_024  # characters of shortDescription / fullDescription

# GitHub turns security-severity into its own scale (>= 9.0 critical, 7.0-8.9 high,
# 4.0-6.9 medium, below that low); the values sit inside those bands, away from their edges.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
#: An ERROR says the estate could not be read, not that it is open: low, whatever the check.
UNDECIDED_SECURITY_SEVERITY = "2.0"

# SARIF's `level` is the only severity that every viewer understands.
LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
ERROR_LEVEL = "warning"


class SarifLimitError(SafemakerError):
    """The SARIF file would break a hard limit of GitHub code scanning (the CLI exits 2)."""


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
    category: str | None = None,
    include_suppressed: bool = False,
    docs_base_uri: str = DOCS_BASE_URI,
    warn: Callable[[str], None] | None = None,
) -> str:
    """Serialise the report as a SARIF log with one run; identical inputs give identical bytes."""
    doc = sarif_document(report, specs, information_uri=information_uri, category=category,
                         include_suppressed=include_suppressed, docs_base_uri=docs_base_uri, warn=warn)
    return dumps_indented(doc) + "\n"


def sarif_document(
    report: Report,
    specs: Sequence[RuleInfo],
    *,
    information_uri: str | None = None,
    category: str | None = None,
    include_suppressed: bool = False,
    docs_base_uri: str = DOCS_BASE_URI,
    warn: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """The SARIF log as plain data, for callers that want to merge runs or add properties.

    Raises SarifLimitError when the run would have more results than GitHub accepts; calls
    `warn` when it has more than GitHub shows.
    """
    findings = sorted(
        (f for f in report.findings
         if f.status in (Status.FAIL, Status.ERROR) and (include_suppressed or f.triage.suppressed is None)),
        key=lambda f: f.sort_key(),
    )
    _check_count(len(findings), warn)
    rules = _collect_rules(specs, findings)
    index = {rule_id(rule.id, undecided): i for i, (rule, undecided) in enumerate(rules)}

    driver: dict[str, Any] = {"name": "safemaker", "version": report.tool_version}
    if information_uri:
        driver["informationUri"] = information_uri
    driver["rules"] = [_rule_json(rule, undecided, docs_base_uri) for rule, undecided in rules]

    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "results": [_result_json(f, index, include_suppressed) for f in findings],
        "columnKind": "unicodeCodePoints",
    }
    if category:
        run["automationDetails"] = {"id": automation_id(category)}
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def automation_id(category: str) -> str:
    """`runAutomationDetails.id` for a category: GitHub takes everything before the last `/` as
    the category (the rest names one run of it), so the category gets a trailing slash."""
    return category if category.endswith("/") else category + "/"


def _check_count(count: int, warn: Callable[[str], None] | None) -> None:
    if count > MAX_RESULTS:
        raise SarifLimitError(
            f"SARIF: {count:,} FAIL/ERROR results, more than the {MAX_RESULTS:,} GitHub code scanning accepts "
            "in one upload; nothing was written. Narrow the run with --severity (e.g. --severity high), split "
            "it per account or region with a --sarif-category each, or leave out --format sarif")
    if count > SHOWN_RESULTS and warn is not None:
        warn(f"safemaker: SARIF: {count:,} results; GitHub code scanning shows only {SHOWN_RESULTS:,} per upload "
             "(the most severe): narrow the run with --severity or split it with --sarif-category")


def rule_id(check_id: str, undecided: bool) -> str:
    """The SARIF rule of a check's FAIL results, or of its ERROR results."""
    return check_id + UNDECIDED_SUFFIX if undecided else check_id


def _collect_rules(specs: Sequence[RuleInfo], findings: Sequence[Finding]) -> list[tuple[RuleInfo, bool]]:
    """Every registered check, any check a finding names that the caller did not pass, and the
    could-not-decide rule of each check that has an ERROR result, sorted by rule ID.

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
    rules = {rule.id: (rule, False) for rule in by_id.values()}
    for f in findings:
        if f.status is Status.ERROR:
            rules[rule_id(f.check_id, True)] = (by_id[f.check_id], True)
    return [rules[k] for k in sorted(rules)]


def _cut(text: str, limit: int = MAX_DESCRIPTION) -> str:
    """`text` within `limit` characters, cut at a word and marked, for GitHub's description limit."""
    if len(text) <= limit:
        return text
    marker = " … (continued in the rule's help)"
    room = limit - len(marker)
    cut = text[:room]
    if " " in cut[room // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + marker


def help_uri(check_id: str, docs_base_uri: str = DOCS_BASE_URI) -> str:
    return f"{docs_base_uri}{quote(check_id, safe='')}.md"


def _rule_json(rule: RuleInfo, undecided: bool, docs_base_uri: str) -> dict[str, Any]:
    description = rule.description.strip() or rule.title
    remediation = rule.remediation.strip()
    uri = help_uri(rule.id, docs_base_uri)
    if undecided:
        title = f"{rule.id} could not decide: {rule.title}"
        full = (f"{rule.id} could not reach a verdict on this resource: data it needs was not collected or "
                "could not be read (the message names what). Until it is, nothing is known either way.")
        help_text = ("Collect the missing operations (grant the collector's read-only policy, or collect the "
                     "missing account or region again), then analyze again.")
        severity = UNDECIDED_SECURITY_SEVERITY
        level, tags = ERROR_LEVEL, ["security", "could-not-decide"]
        problem = "warning"
    else:
        title, full, help_text = rule.title, description, remediation or description
        severity, level = SECURITY_SEVERITY[rule.severity], LEVEL[rule.severity]
        tags, problem = ["security", rule.id.split("-", 1)[0].lower()], _problem_severity(rule.severity)
    markdown = (f"**{_md(title)}**\n\n{_md(full)}\n\n**How to fix**\n\n{_md(help_text)}\n\n"
                f"[{_md(rule.id)}: what it proves, why it matters, an example]({uri})")
    return {
        "id": rule_id(rule.id, undecided),
        "name": _pascal_case(title) or rule.id,
        "shortDescription": {"text": _cut(title)},
        "fullDescription": {"text": _cut(full)},
        "helpUri": uri,
        "help": {"text": f"{help_text}\n\nSee {uri}", "markdown": markdown},
        "defaultConfiguration": {"level": level},
        "properties": {
            "tags": tags,
            "precision": "high",
            "problem.severity": problem,
            "security-severity": severity,
        },
    }


def _md(text: str) -> str:
    """Plain text made inert in Markdown: check text comes from plugins too, and GitHub renders it."""
    return "".join("\\" + c if c in "\\`*_{}[]()<>#+!|~" else c for c in text)


def _result_json(finding: Finding, index: dict[str, int], include_suppressed: bool) -> dict[str, Any]:
    r = finding.resource
    undecided = finding.status is Status.ERROR
    if undecided:
        level, text = ERROR_LEVEL, ERROR_PREFIX + finding.message
    else:
        level, text = LEVEL[finding.severity], finding.message
    properties: dict[str, Any] = {
        "checkId": finding.check_id,
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
    rid = rule_id(finding.check_id, undecided)
    result: dict[str, Any] = {
        "ruleId": rid,
        "ruleIndex": index[rid],
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
        "partialFingerprints": {
            FINGERPRINT_KEY: finding.fingerprint,
            GITHUB_HASH_KEY: line_hash(finding.fingerprint),
        },
        "properties": properties,
    }
    if include_suppressed:
        result["suppressions"] = []
        if triage.suppressed is not None:
            suppression: dict[str, Any] = {
                "kind": "external",
                "status": "accepted",
                "justification": triage.suppressed.justification,
            }
            if triage.suppressed.expires is not None:
                suppression["properties"] = {"expires": triage.suppressed.expires.isoformat()}
            result["suppressions"].append(suppression)
    if triage.baseline is not None:
        result["baselineState"] = triage.baseline.value
    return result


def line_hash(fingerprint: str) -> str:
    """GitHub's `primaryLocationLineHash` for a finding: `<hash>:<occurrence>` as its own tools
    write it, taken from the fingerprint (hashed again, so any fingerprint text gives hex)."""
    return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:16] + ":1"


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
