"""From a snapshot to a report and its outputs: the one path `analyze`, `scan` and `demo` share.

The CLI parses arguments, builds a Snapshot (from a file, a collection or the demo) and maps the
result to an exit status; everything between — checks, the scope findings, triage, rendering,
writing, the terminal summary — happens here once, so that the commands cannot drift apart.

Scope findings ("empty is never clean"): the checks only see the accounts and regions that are
in the snapshot. An account whose role could not be assumed before anything was stored, an
`--accounts` entry that is not a member of the organization, or a snapshot with no account at
all would otherwise give zero findings and a green build. Every such scope becomes one ERROR
finding of SCOPE-001 (resource type `AWS::Region`, the region's name as id, or "all regions"
when the failure names no region), a stderr line, and it gates the exit status at any
`--fail-on`, even with `--no-fail-on-error` (see `scanner.gate`).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from safemaker import __version__
from safemaker.scanner import termsafe
from safemaker.scanner.checking.registry import Registry
from safemaker.scanner.config import Config
from safemaker.scanner.errors import SafemakerError
from safemaker.scanner.gate import SCOPE_CHECK, GateDecision, decide
from safemaker.scanner.model import (
    Finding,
    ResourceRef,
    ResourceType,
    Severity,
    SnapshotInfo,
    Status,
    Verdict,
)
from safemaker.scanner.model import Report as Report
from safemaker.scanner.output import OutputError, Text, pieces, write_all
from safemaker.scanner.snapshot.io import CollectionFailure, Snapshot
from safemaker.scanner.terminal import AnalysisProgress, Terminal

FORMATS = ("json", "html", "sarif", "junit", "asff", "ocsf")
FILENAMES = {"json": "findings.json", "html": "report.html", "sarif": "findings.sarif",
             "junit": "findings.junit.xml", "asff": "findings.asff.json", "ocsf": "findings.ocsf.json"}

SCOPE_TITLE = "Part of the estate was not collected"
SCOPE_REMEDIATION = ("Read the snapshot's errors for this account and region: grant or fix the role, correct "
                     "--accounts, or collect the missing scope again and merge it. Nothing in it was checked.")

Say = Callable[[str], None]


class UsageProblem(SafemakerError):
    """Options that cannot be combined (the CLI shows it as a usage error)."""


@dataclass(frozen=True)
class FormatOptions:
    """How the outputs are shaped, as opposed to what is analysed (SARIF for GitHub, for now)."""

    #: `runAutomationDetails.id` of the SARIF run: uploads of different categories do not replace
    #: each other in GitHub code scanning (one per account or shard).
    sarif_category: str | None = None
    #: Keep suppressed findings in the SARIF file (each result then carries `suppressions`).
    sarif_include_suppressed: bool = False


@dataclass(frozen=True)
class RunOptions:
    """What the user asked of one analysis; frozen so that no stage can change it for the next."""

    formats: tuple[str, ...] = ()
    output_dir: str | None = None
    baseline_path: str | None = None
    today: date | None = None
    #: Files written next to the reports in the same locked set (the demo's snapshot), name -> text.
    extra_files: Mapping[str, str] = field(default_factory=dict)
    format_options: FormatOptions = field(default_factory=FormatOptions)
    #: Analysing processes (--jobs); None: automatic (engine.analysis_jobs).
    jobs: int | None = None


def say_stderr(message: str) -> None:
    """One or more stderr lines, each made safe for a terminal (names and messages come from AWS)."""
    sys.stderr.write(termsafe.block(message) + "\n")
    sys.stderr.flush()


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_report(snapshot: Snapshot, findings: Sequence[Finding], generated: str | None = None) -> Report:
    info = SnapshotInfo(created=snapshot.created, accounts=snapshot.accounts, regions=snapshot.regions)
    return Report(tool_version=__version__, generated=generated or now(), snapshot=info,
                  findings=tuple(findings))


def render(report: Report, fmt: str, registry: Registry, options: FormatOptions | None = None,
           say: Say | None = None, snapshot: Snapshot | None = None) -> Text:
    """One format's text (the findings file in pieces, written in turn: see scanner/output.py)."""
    options = options or FormatOptions()
    if fmt == "json":
        from safemaker.reports.findings_json import render_json_pieces

        return render_json_pieces(report)
    if fmt == "html":
        from safemaker.reports.html import render_html

        return render_html(report, snapshot)  # the snapshot draws the network pictures
    if fmt == "sarif":
        from safemaker.reports.sarif import render_sarif

        return render_sarif(report, registry.specs(), category=options.sarif_category,
                            include_suppressed=options.sarif_include_suppressed, warn=say)
    if fmt == "asff":
        from safemaker.reports.asff import render_asff

        return render_asff(report)
    if fmt == "ocsf":
        from safemaker.reports.ocsf import render_ocsf

        return render_ocsf(report)
    from safemaker.reports.junit import render_junit

    return render_junit(report)


# --------------------------------------------------------------------------------------------
# Scopes that were not collected


def _missing_scopes(snapshot: Snapshot) -> dict[tuple[str, str], list[CollectionFailure]]:
    """(account, region) -> the failures that explain it, for every scope the checks never saw.

    A failure is tied to a scope when its account and region are in the snapshot. A failure with
    no region ("" — an account-wide problem) is never tied: it cannot say which regions were left
    out, so the whole account is reported.
    """
    collected = {(view.account, view.region) for view in snapshot.views()}
    missing: dict[tuple[str, str], list[CollectionFailure]] = {}
    for failure in snapshot.failures:
        scope = (failure.account, failure.region)
        if scope not in collected:
            missing.setdefault(scope, []).append(failure)
    if not collected and not missing:
        missing[("", "")] = []
    return missing


def scope_findings(snapshot: Snapshot) -> list[Finding]:
    """One ERROR per scope that was not collected (see the module docstring)."""
    from safemaker.scanner.checking.engine import fingerprint

    out = []
    for (account, region), failures in sorted(_missing_scopes(snapshot).items()):
        if not account and not region and not failures:
            message = "the snapshot holds no account and no region: nothing was checked"
        else:
            where = f"account {account or '(unknown)'}" + (f" region {region}" if region else ", all regions")
            reasons = "; ".join(dict.fromkeys(
                f"{f.describe()}" + (f": {f.message}" if f.message else "") for f in failures))
            message = f"{where} was not collected: {reasons}"
        ref = ResourceRef(ResourceType.REGION, region or ("all regions" if account else "all accounts and regions"),
                          account, region)
        verdict = Verdict.error(message)
        out.append(Finding(check_id=SCOPE_CHECK, title=SCOPE_TITLE, status=Status.ERROR, severity=Severity.CRITICAL,
                           resource=ref, message=message, evidence=verdict.evidence, remediation=SCOPE_REMEDIATION,
                           fingerprint=fingerprint(SCOPE_CHECK, ref, verdict)))
    return out


def is_scope_error(finding: Finding) -> bool:
    return finding.check_id == SCOPE_CHECK and finding.status is Status.ERROR


def gates(report: Report, fail_on: str, fail_on_error: bool = True) -> bool:
    """Whether the run fails the build (exit 1); the rules are in `scanner.gate`."""
    return decide_gate(report, fail_on, fail_on_error).exit_code == 1


def decide_gate(report: Report, fail_on: str, fail_on_error: bool = True) -> GateDecision:
    """The exit status and the rule that decided it (contracts §3; see `scanner.gate`)."""
    return decide(report.findings, fail_on, fail_on_error)


# --------------------------------------------------------------------------------------------
# The stages


def analyze_snapshot(snapshot: Snapshot, config: Config, registry: Registry,
                     progress: AnalysisProgress | None = None, jobs: int | None = 1) -> Report:
    """Checks plus scope findings, sorted as the findings file is; `progress` counts each check's
    call on each resource; `jobs` None chooses the processes by the size of the work."""
    from safemaker.scanner.checking.engine import run_checks

    if progress is not None:
        progress.plan(*planned_work(snapshot, registry, config))
    findings = run_checks(snapshot, registry, config, jobs=jobs,
                          tick=progress.advance if progress is not None else None)
    scopes = scope_findings(snapshot)
    if scopes:
        findings = sorted([*findings, *scopes], key=Finding.sort_key)
    return build_report(snapshot, findings)


def planned_work(snapshot: Snapshot, registry: Registry, config: Config) -> tuple[int, int, int]:
    """(check calls, resources, checks) the analysis will make: the analysis progress bar's total.

    Counted with the engine's own enumeration; a resource type that cannot be listed counts none
    (the engine reports it as one ERROR without calling the check)."""
    from safemaker.scanner.checking.engine import selected
    from safemaker.scanner.checking.resources import resources_of

    specs = selected(registry, config)
    calls = resources = 0
    for view in snapshot.views():
        listed: dict[ResourceType, int] = {}
        for spec in specs:
            for rtype in spec.resource_types:
                if rtype not in listed:
                    try:
                        listed[rtype] = len(resources_of(view, rtype))
                    except Exception:  # the engine reports it; progress must never stop a run
                        listed[rtype] = 0
                calls += listed[rtype]
        resources += sum(listed.values())
    return calls, resources, len(specs)


def triage(report: Report, config: Config, baseline_path: str | None, today: date | None = None,
           say: Say = say_stderr, snapshot: Snapshot | None = None) -> Report:
    """Annotate findings with the baseline comparison and the suppressions; stderr says what expired."""
    from safemaker.scanner.triage.baseline import apply_baseline, baseline_generated, load_baseline
    from safemaker.scanner.triage.suppress import apply_suppressions, snapshot_tags

    findings = report.findings
    if baseline_path is not None:
        findings, info = apply_baseline(findings, load_baseline(baseline_path), baseline_path,
                                        generated=report.generated, baseline_time=baseline_generated(baseline_path))
        report = dataclasses.replace(report, baseline=info)
    if config.suppress:
        tags_of = snapshot_tags(snapshot.doc) if snapshot is not None and config.suppress_scopes else None
        result = apply_suppressions(findings, config.suppress, today or datetime.now(UTC).date(),
                                    config.suppress_scopes, tags_of)
        for line in result.messages:
            say(line)
        findings = result.findings
        report = dataclasses.replace(report, suppressions=result.uses)
    return dataclasses.replace(report, findings=tuple(findings))


def emit(report: Report, formats: Sequence[str], output_dir: str | None, registry: Registry,
         say: Say = say_stderr, extra_files: Mapping[str, str] | None = None,
         format_options: FormatOptions | None = None, info: Say | None = None,
         snapshot: Snapshot | None = None) -> None:
    """Render everything first, then write it as one set (or the one format to stdout).

    `info` takes the "wrote ..." lines (--quiet drops them), `say` the warnings."""
    formats = list(dict.fromkeys(formats or ["json"]))
    if output_dir is None and len(formats) != 1:
        raise UsageProblem("several --format values need --output-dir")
    rendered = {fmt: render(report, fmt, registry, format_options, say, snapshot=snapshot) for fmt in formats}
    if output_dir is None:
        for piece in pieces(rendered[formats[0]]):
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as exc:
        raise OutputError(termsafe.line(f"{output_dir}: cannot create the output folder: {exc.strerror or exc}")) \
            from None
    files: dict[str, Text] = {os.path.join(output_dir, name): text for name, text in (extra_files or {}).items()}
    files.update({os.path.join(output_dir, FILENAMES[f]): text for f, text in rendered.items()})
    # Extra files are snapshots (lifecycle scripts may hold credentials): owner-only, like `collect -o`.
    write_all(files, private=set(os.path.join(output_dir, n) for n in (extra_files or {})), say=say)
    for fmt in formats:
        (info or say)(f"wrote {os.path.join(output_dir, FILENAMES[fmt])}")


def summary_line(report: Report, decision: GateDecision | None = None, config_source: str | None = None) -> str:
    """The one stderr line a pipeline log shows: counts, triage, the configuration file used, and the
    rule behind the exit status."""
    counts = report.summary()
    line = f"safemaker: {counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['ERROR']} ERROR"
    extra = []
    t = report.triage_counts()
    if report.suppressions is not None:
        extra.append(f"{t['suppressed']} suppressed")
        if t["expired"]:
            extra.append(f"{t['expired']} with an expired suppression")
    if report.baseline is not None:
        b = report.baseline
        extra.append(f"baseline: {dict(b.new_by_status).get('FAIL', 0)} new FAIL, "
                     f"{t['unchanged']} unchanged FAIL, {len(b.fixed)} fixed")
    if extra:
        counted = sum(1 for f in report.findings if f.counts and f.status is not Status.PASS)
        line += f" ({'; '.join(extra)}; {counted} FAIL/ERROR count towards the exit status)"
    if config_source is not None:
        line += f"; config {config_source}"
    if decision is not None:
        line += f"; {decision.text}"
    return line


def reported(report: Report, config: Config) -> Report:
    """The findings `--severity` / `--status` / `--tag` (or [report] in safemaker.toml) ask to be written out.

    Only the outputs are narrowed: the gate and the summary line still see every finding, so a
    filter chosen to shorten a report can never turn a build green (`--fail-on` and
    `--no-fail-on-error` are the gate's own settings).
    """
    if config.report_severity is None and not config.report_status and not config.report_tags:
        return report
    floor = config.report_severity.rank if config.report_severity is not None else -1
    keep = tuple(f for f in report.findings if f.severity.rank >= floor
                 and (not config.report_status or f.status in config.report_status)
                 and all(_tagged(f, key, value) for key, value in config.report_tags))
    return dataclasses.replace(report, findings=keep)


def _tagged(finding: Finding, key: str, value: str) -> bool:
    """The resource carries tag `key` with a value matching the glob (findings without known tags
    never match: a filter must not guess an owner)."""
    import fnmatch

    return any(k == key and fnmatch.fnmatchcase(v, value) for k, v in finding.resource.tags)


def run(snapshot: Snapshot, config: Config, registry: Registry, options: RunOptions,
        say: Say = say_stderr, terminal: Terminal | None = None) -> Report:
    """The whole analysis of one snapshot: findings, triage, outputs, and the stderr summary.

    With a `terminal` (the CLI's), the analysis shows progress on stderr, and when stdout is a
    terminal that carries no requested format the readable summary goes there instead of the
    findings JSON (scanner/terminal.py); without one, nothing but the outputs is shown, as before.
    """
    from safemaker.scanner.checking.engine import paused_gc

    for problem in snapshot.problems:
        say(f"safemaker: unreadable data treated as not collected (its checks report ERROR): {problem}")
    with paused_gc():
        if terminal is None or terminal.quiet:
            report = analyze_snapshot(snapshot, config, registry, jobs=options.jobs)
        else:
            with terminal.analysis() as progress:
                report = analyze_snapshot(snapshot, config, registry, progress, jobs=options.jobs)
    report = triage(report, config, options.baseline_path, options.today, say, snapshot)
    shown = reported(report, config)
    summary = terminal is not None and terminal.summary_wanted(options.formats, options.output_dir)
    if not (summary and options.output_dir is None):
        emit(shown, options.formats, options.output_dir, registry, say, options.extra_files,
             options.format_options, info=terminal.info if terminal is not None else None, snapshot=snapshot)
    if summary and terminal is not None:
        sys.stdout.write(terminal.summary(shown, {spec.id: spec.title for spec in registry.specs()}))
        sys.stdout.flush()
    for finding in report.findings:
        if is_scope_error(finding):
            say(f"safemaker: {finding.message}")
    return report
