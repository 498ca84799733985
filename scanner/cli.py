"""Command line: the only place that maps failures to exit statuses (README, CLI reference).

0: no FAIL or ERROR at or above --fail-on counts; 1: such findings exist (`scanner.gate` decides,
and the summary line names the rule: ERRORs gate like FAILs unless --no-fail-on-error, a scope
ERROR — an account or region that was not collected — gates at any --fail-on); 2: usage error,
unreadable or invalid input, a collection that could not run, an output that cannot be written,
or an internal error (one line, never a traceback); 130: interrupted.

The analysis itself lives in `pipeline.run`; the commands here only gather their inputs.
Everything printed to the terminal from AWS data goes through `termsafe`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click

from safemaker import __version__
from safemaker.scanner import termsafe
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.config import Config, find_config, load_config, tag_filter
from safemaker.scanner.errors import ConfigError, SafemakerError, SnapshotError
from safemaker.scanner.model import Severity, Status
from safemaker.scanner.output import write_atomic
from safemaker.scanner.pipeline import (
    FILENAMES,
    FORMATS,
    FormatOptions,
    Report,
    RunOptions,
    UsageProblem,
    analyze_snapshot,
    build_report,
    decide_gate,
    emit,
    gates,
    render,
    say_stderr,
    scope_findings,
    summary_line,
    triage,
)
from safemaker.scanner.pipeline import run as run_pipeline
from safemaker.scanner.snapshot.io import Snapshot, load, read_json, snapshot_from_doc
from safemaker.scanner.terminal import CollectionProgress, Terminal

SEVERITIES = [s.value for s in Severity]

#: The input of the running command, named by the last-resort error line ("please report ...").
_current_input: list[str] = []


def _say(message: str) -> None:
    say_stderr(message)


def _reading(path: str) -> None:
    _current_input.append(path)


def gate(report: Report, fail_on: str, fail_on_error: bool = True) -> int:
    """1 when the run fails the build (see scanner.gate)."""
    return 1 if gates(report, fail_on, fail_on_error) else 0


def _finish(report: Report, fail_on: str, fail_on_error: bool, config: Config | None = None,
            terminal: Terminal | None = None) -> None:
    """The summary line, naming the configuration file and the rule that decided the exit status,
    then that exit status."""
    decision = decide_gate(report, fail_on, fail_on_error)
    source = config.source if config is not None and config.source != Config().source else None
    (terminal or Terminal()).final(summary_line(report, decision, source), decision.exit_code)
    sys.exit(decision.exit_code)


_format_opt = click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
                           help="Output format; repeat for several (needs --output-dir).")
_outdir_opt = click.option("--output-dir", type=click.Path(file_okay=False), default=None,
                           help="Write findings.json / report.html / findings.sarif / findings.junit.xml here.")
_failon_opt = click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True,
                           help="Exit 1 when a FAIL or ERROR of at least this severity counts "
                                "(suppressed ones and, with --baseline, unchanged ones do not); an account or "
                                "region that was not collected (SCOPE-001 ERROR) exits 1 at any severity.")
_no_fail_on_error_opt = click.option(
    "--no-fail-on-error", "no_fail_on_error", is_flag=True, default=False,
    help="ERROR findings are reported but do not fail the run (SCOPE-001, a scope not collected, still does).")
_config_opt = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                           help="safemaker.toml with proxies, enabled checks, severity overrides, suppressions.")
_baseline_opt = click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), default=None,
                             help="An earlier findings.json: only findings not in it count towards the exit status.")
# Today's date for suppression expiry; hidden, for tests and for replaying an old run.
_today_opt = click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                          envvar="SAFEMAKER_TODAY", hidden=True)


def _keep(name: str) -> Any:
    """A click callback that keeps an option's value for `_format_options` (options that only shape
    the outputs are not parameters of each command function)."""
    def store(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        ctx.meta[f"safemaker.{name}"] = value
        return value
    return store


_sarif_category_opt = click.option(
    "--sarif-category", default=None, metavar="CATEGORY", expose_value=False, callback=_keep("sarif_category"),
    help="SARIF runAutomationDetails.id: GitHub code scanning keeps uploads of different categories (one per "
         "account or shard) side by side instead of replacing one with the next.")
_sarif_suppressed_opt = click.option(
    "--sarif-include-suppressed", is_flag=True, default=False, expose_value=False,
    callback=_keep("sarif_include_suppressed"),
    help="Keep suppressed findings in the SARIF file, each result with its suppressions (GitHub code scanning "
         "ignores suppressions and would show them as open alerts, so they are left out by default).")


def _with_format_opts(func: Any) -> Any:
    return _sarif_category_opt(_sarif_suppressed_opt(func))


def _id_list(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for value in values for v in value.split(",") if v.strip()))


_STATUSES = ("PASS", "FAIL", "ERROR")
_selection_opts = [
    click.option("--checks", "sel_checks", multiple=True, metavar="ID,..", expose_value=False,
                 callback=_keep("checks"),
                 help="Run only these checks or families (e.g. NET-001,SM); replaces [checks] enable."),
    click.option("--exclude-checks", "sel_exclude", multiple=True, metavar="ID,..", expose_value=False,
                 callback=_keep("exclude_checks"), help="Do not run these checks or families (added to [checks] "
                                                         "disable)."),
    click.option("--severity", "sel_severity", type=click.Choice(SEVERITIES), default=None, expose_value=False,
                 callback=_keep("severity"),
                 help="Write out only findings of at least this severity ([report] severity); the gate still "
                      "sees every finding."),
    click.option("--status", "sel_status", multiple=True, type=click.Choice(_STATUSES, case_sensitive=False),
                 expose_value=False, callback=_keep("status"),
                 help="Write out only findings with this status; repeat for several ([report] status). The gate "
                      "still sees every finding."),
    click.option("--tag", "sel_tag", multiple=True, metavar="KEY=VALUE", expose_value=False, callback=_keep("tag"),
                 help="Write out only findings whose resource has this tag (VALUE a glob, * for any); repeat to "
                      "require several ([report] tags). The gate still sees every finding."),
    click.option("--jobs", "sel_jobs", type=click.IntRange(1, 64), default=None, metavar="N", expose_value=False,
                 callback=_keep("jobs"),
                 help="Processes that share the analysis (default on Linux: one per usable CPU, at most 4, when the "
                      "estate has more than about a hundred notebooks; 1 analyses in this process). The findings are "
                      "the same whatever N."),
]


_terminal_opts = [
    click.option("-q", "--quiet", is_flag=True, default=False, expose_value=False, callback=_keep("quiet"),
                 help="No progress and no informational lines on stderr; warnings, errors and the summary line "
                      "stay (stdout is unchanged)."),
    click.option("-v", "--verbose", is_flag=True, default=False, expose_value=False, callback=_keep("verbose"),
                 help="Also show the collector's line for each operation in each region."),
    click.option("--no-color", "no_color", is_flag=True, default=False, expose_value=False,
                 callback=_keep("no_color"), help="No colour on the terminal (so does a non-empty NO_COLOR)."),
]


def _with_terminal_opts(func: Any) -> Any:
    for opt in reversed(_terminal_opts):
        func = opt(func)
    return func


def _terminal() -> Terminal:
    """What stdout and stderr are, and what --quiet, --verbose and --no-color ask of them."""
    meta = click.get_current_context().meta
    quiet, verbose = bool(meta.get("safemaker.quiet")), bool(meta.get("safemaker.verbose"))
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose cannot be combined")
    terminal = Terminal.detect(quiet=quiet, verbose=verbose, no_color=bool(meta.get("safemaker.no_color")))
    meta["safemaker.terminal"] = terminal  # for _collect, whose signature callers and tests rely on
    return terminal


def _with_selection_opts(func: Any) -> Any:
    for opt in reversed(_selection_opts):
        func = opt(func)
    return func


def _analysis_config(config_path: str | None) -> Config:
    """safemaker.toml (found as `find_config` says) with --checks/--exclude-checks/--severity/--status
    laid over it; an unknown check ID or family is a usage error, not a filter that matches nothing."""
    import dataclasses

    config = load_config(find_config(config_path))
    meta = click.get_current_context().meta
    only, exclude = _id_list(meta.get("safemaker.checks") or ()), _id_list(meta.get("safemaker.exclude_checks") or ())
    if only or exclude:
        specs = load_registry().specs()
        known = {spec.id for spec in specs} | {spec.family for spec in specs}
        unknown = [c for c in (*only, *exclude) if c not in known]
        if unknown:
            raise click.UsageError(f"unknown check ID or family: {', '.join(unknown)} (see `safemaker checks`)")
    overrides: dict[str, Any] = {}
    if only:
        overrides["enable"] = only
    if exclude:
        overrides["disable"] = tuple(dict.fromkeys((*config.disable, *exclude)))
    if meta.get("safemaker.severity"):
        overrides["report_severity"] = Severity(meta["safemaker.severity"])
    if meta.get("safemaker.status"):
        overrides["report_status"] = tuple(Status(v.upper()) for v in dict.fromkeys(meta["safemaker.status"]))
    if meta.get("safemaker.tag"):
        try:
            overrides["report_tags"] = tuple(tag_filter(v, "--tag", "") for v in dict.fromkeys(meta["safemaker.tag"]))
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
    return dataclasses.replace(config, **overrides) if overrides else config


def _format_options() -> FormatOptions:
    meta = click.get_current_context().meta
    return FormatOptions(sarif_category=meta.get("safemaker.sarif_category"),
                         sarif_include_suppressed=bool(meta.get("safemaker.sarif_include_suppressed")))


def _jobs() -> int | None:
    value = click.get_current_context().meta.get("safemaker.jobs")
    return int(value) if value is not None else None


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="safemaker")
def cli() -> None:
    """Prove whether SageMaker workloads can reach the internet without inspection."""


@cli.command()
@click.argument("snapshot_path", metavar="SNAPSHOT", type=click.Path(dir_okay=False))
@_config_opt
@_format_opt
@_with_format_opts
@_outdir_opt
@_failon_opt
@_no_fail_on_error_opt
@_with_selection_opts
@_baseline_opt
@_with_terminal_opts
@_today_opt
def analyze(snapshot_path: str, config_path: str | None, formats: tuple[str, ...], output_dir: str | None,
            fail_on: str, no_fail_on_error: bool, baseline_path: str | None, today: datetime | None) -> None:
    """Run the checks on a snapshot file.

    On a terminal with no --format, prints a readable summary instead of the findings JSON;
    piped or redirected, stdout carries the findings JSON as always.
    """
    _reading(snapshot_path)
    terminal = _terminal()
    config = _analysis_config(config_path)
    if baseline_path is not None:
        from safemaker.scanner.triage.baseline import load_baseline

        load_baseline(baseline_path)  # a bad baseline is bad input: fail before the analysis
    snapshot = load(snapshot_path, _jobs())
    registry = load_registry()
    terminal.info(f"safemaker: analyzing {snapshot_path} ({len(registry)} checks)")
    options = RunOptions(formats=formats, output_dir=output_dir, baseline_path=baseline_path, today=_day(today),
                         format_options=_format_options(), jobs=_jobs())
    report = run_pipeline(snapshot, config, registry, options, terminal=terminal)
    _finish(report, fail_on, not no_fail_on_error, config, terminal)


def _collect(profile: str | None, regions: str | None, role_arns: Sequence[str], external_id: str | None,
             org_role_name: str | None = None, accounts: str | None = None, account_shard: str | None = None,
             deadline: float | None = None, max_attempts: int | None = None) -> dict[str, Any]:
    ctx = click.get_current_context(silent=True)
    terminal = ctx.meta.get("safemaker.terminal") if ctx is not None else None
    with (terminal if isinstance(terminal, Terminal) else Terminal()).collection() as progress:
        return _collect_with(progress, profile, regions, role_arns, external_id, org_role_name, accounts,
                             account_shard, deadline, max_attempts)


def _collect_with(progress: CollectionProgress, profile: str | None, regions: str | None,
                  role_arns: Sequence[str], external_id: str | None, org_role_name: str | None,
                  accounts: str | None, account_shard: str | None, deadline: float | None,
                  max_attempts: int | None = None) -> dict[str, Any]:
    """The collection, its lines and progress going to `progress` (a bar, plain lines or nothing)."""
    from safemaker.scanner.collect import collect_snapshot
    from safemaker.scanner.collect.runner import CollectionInterrupted
    from safemaker.scanner.collect.sessions import assumed_session, base_session
    from safemaker.scanner.snapshot.merge import merge_snapshots

    if (accounts or account_shard) and not org_role_name:
        raise click.UsageError("--accounts and --account-shard select accounts of --org-role-name")
    if org_role_name and role_arns:
        raise click.UsageError("--org-role-name and --role-arn cannot be combined")
    region_list = [r.strip() for r in (regions or "").split(",") if r.strip()]
    base = base_session(profile, region_list[0] if region_list else None)
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
    deadline_at = None if deadline is None else time.monotonic() + deadline
    attempts: dict[str, Any] = {} if max_attempts is None else {"max_attempts": max_attempts}
    if org_role_name:
        from safemaker.scanner.collect.org import collect_organization, parse_accounts, parse_shard

        return collect_organization(base, org_role_name, regions=region_list, accounts=parse_accounts(accounts),
                                    shard=parse_shard(account_shard) if account_shard else None,
                                    external_id=external_id, endpoint_url=endpoint, progress=progress,
                                    deadline_at=deadline_at, **attempts)
    sessions = [base] if not role_arns else [assumed_session(base, arn, external_id=external_id,
                                                             endpoint_url=endpoint) for arn in role_arns]
    docs: list[tuple[str, dict[str, Any]]] = []
    try:
        for i, session in enumerate(sessions):
            docs.append((f"session {i + 1}",
                         collect_snapshot(session, region_list, endpoint_url=endpoint, progress=progress,
                                          deadline_at=deadline_at, **attempts)))
    except CollectionInterrupted as exc:  # keep the sessions already done in the partial snapshot
        if docs:
            exc.partial = merge_snapshots([*docs, ("interrupted", exc.partial)])[0]
        raise
    if len(docs) == 1:
        return docs[0][1]
    merged, conflicts = merge_snapshots(docs)
    for c in conflicts:
        progress(f"safemaker: merge conflict: {c}")
    return merged


def _given(options: dict[str, Any]) -> dict[str, Any]:
    """The organization options actually given (unset ones are not passed on)."""
    return {name: value for name, value in options.items() if value is not None}


def _interrupted(exc: KeyboardInterrupt, path: str | None, partial: bool) -> None:
    """Ctrl-C while collecting: nothing is written unless --partial (and a path) says so."""
    from safemaker.scanner.collect.runner import CollectionInterrupted

    if not isinstance(exc, CollectionInterrupted) or not partial:
        _say("safemaker: collection interrupted; nothing written" + ("" if partial else " (--partial keeps "
                                                                     "what was collected)"))
        return
    if path is None:
        _say("safemaker: collection interrupted; --partial needs -o to write the snapshot")
        return
    write_atomic(path, json.dumps(exc.partial, indent=1) + "\n", private=True)
    _say(f"safemaker: collection interrupted; wrote the partial snapshot {path} (what is missing is "
         "listed in its errors and reported as ERROR)")


_collect_opts = [
    click.option("--profile", default=None, help="AWS profile (default: AWS_PROFILE or the default chain)."),
    click.option("--regions", default=None, help="Comma-separated regions (default: the profile's region)."),
    click.option("--role-arn", "role_arns", multiple=True, help="Assume this role first; repeat per account."),
    click.option("--external-id", default=None, help="External ID for --role-arn / --org-role-name."),
    click.option("--org-role-name", default=None,
                 help="Collect every ACTIVE account of the organization by assuming this role in each."),
    click.option("--accounts", default=None, help="With --org-role-name: only these account ids (comma-separated)."),
    click.option("--account-shard", default=None, metavar="I/N",
                 help="With --org-role-name: only the accounts whose sorted position is I-1 modulo N."),
    click.option("--deadline", type=click.FloatRange(min=1), default=None, metavar="SECONDS",
                 help="Stop calling AWS after this long; what was not reached is listed in errors (ERROR)."),
    click.option("--max-attempts", type=click.IntRange(1, 20), default=None, metavar="N",
                 help="Attempts per AWS call, retries of throttling included (default 10); 1-3 fails fast."),
    click.option("--partial", is_flag=True, default=False,
                 help="On Ctrl-C, still write what was collected (marked as interrupted)."),
]


def _with_collect_opts(func: Any) -> Any:
    for opt in reversed(_collect_opts):
        func = opt(func)
    return func


@cli.command()
@_with_collect_opts
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Snapshot file to write.")
@_with_terminal_opts
def collect(profile: str | None, regions: str | None, role_arns: tuple[str, ...], external_id: str | None,
            output: str, partial: bool, **org: Any) -> None:
    """Read-only calls to AWS (or AWS_ENDPOINT_URL); writes a snapshot.

    Progress (accounts x regions x operations) goes to stderr: a bar on a terminal, a plain line
    every 10 s otherwise, nothing with --quiet.
    """
    terminal = _terminal()
    try:
        doc = _collect(profile, regions, role_arns, external_id, **_given(org))
    except KeyboardInterrupt as exc:
        _interrupted(exc, output, partial)
        raise
    write_atomic(output, json.dumps(doc, indent=1, sort_keys=False) + "\n", private=True)
    terminal.info(f"wrote {output} ({len(doc.get('errors', []))} failed calls recorded)")
    for finding in scope_findings(Snapshot(doc, output)):  # e.g. an --accounts entry that is no member
        _say(f"safemaker: {finding.message}")


@cli.command()
@_with_collect_opts
@click.option("-o", "--output", "snapshot_out", default=None, type=click.Path(dir_okay=False),
              help="Also keep the snapshot here.")
@_config_opt
@_format_opt
@_with_format_opts
@_outdir_opt
@_failon_opt
@_no_fail_on_error_opt
@_with_selection_opts
@_baseline_opt
@_with_terminal_opts
@_today_opt
def scan(profile: str | None, regions: str | None, role_arns: tuple[str, ...], external_id: str | None,
         snapshot_out: str | None, config_path: str | None, formats: tuple[str, ...], output_dir: str | None,
         fail_on: str, no_fail_on_error: bool, baseline_path: str | None, today: datetime | None, partial: bool,
         **org: Any) -> None:
    """Collect, then analyze (on a terminal with no --format: a readable summary, as analyze)."""
    terminal = _terminal()
    config = _analysis_config(config_path)
    if baseline_path is not None:
        from safemaker.scanner.triage.baseline import load_baseline

        load_baseline(baseline_path)  # check it before spending minutes collecting
    try:
        doc = _collect(profile, regions, role_arns, external_id, **_given(org))
    except KeyboardInterrupt as exc:
        _interrupted(exc, snapshot_out, partial)
        raise
    if snapshot_out:
        _reading(snapshot_out)
        write_atomic(snapshot_out, json.dumps(doc, indent=1) + "\n", private=True)
    snapshot = snapshot_from_doc(doc, "<collected snapshot>")
    options = RunOptions(formats=formats, output_dir=output_dir, baseline_path=baseline_path, today=_day(today),
                         format_options=_format_options(), jobs=_jobs())
    report = run_pipeline(snapshot, config, load_registry(), options, terminal=terminal)
    _finish(report, fail_on, not no_fail_on_error, config, terminal)


@cli.command("checks")
def list_checks() -> None:
    """List every check: ID, severity, title, source package."""
    for spec in load_registry().specs():
        click.echo(f"{spec.id:<9} {spec.severity.value:<8} {spec.title}  [{spec.source}]")


DEMO_NEEDS_MOTO = ("safemaker demo needs moto, the embedded mock AWS, which a plain install leaves out: "
                   "pip install 'safemaker[demo]'")


def _require_moto() -> None:
    """The demo's mock AWS is an extra, so that installing the scanner never pulls in a mock server."""
    import importlib.util

    if importlib.util.find_spec("moto") is None:
        raise UsageProblem(DEMO_NEEDS_MOTO)


@cli.command()
@click.option("--output-dir", type=click.Path(file_okay=False), default=".", show_default=True)
def demo(output_dir: str) -> None:
    """Build the demo estate in an embedded mock AWS, scan it, write the reports (needs safemaker[demo])."""
    _require_moto()
    from safemaker.scanner.devtools.demo import build_demo_snapshot, simulated

    _say("safemaker demo: building the seed architectures in an embedded mock AWS (moto)")
    for line in simulated():
        _say(f"  simulated: {line}")
    doc = build_demo_snapshot(progress=_say)
    snapshot = snapshot_from_doc(doc, "<demo snapshot>")
    options = RunOptions(formats=("json", "html"), output_dir=output_dir,
                         extra_files={"demo-snapshot.json": json.dumps(doc, indent=1) + "\n"})
    report = run_pipeline(snapshot, Config(), load_registry(), options)
    for f in report.findings:
        if f.check_id == "NET-001":
            _say(f"  {f.check_id} {f.status.value:<5} {f.resource.id}: {f.message[:150]}")
    _say(summary_line(report))


@cli.command()
@click.argument("snapshot_path", metavar="SNAPSHOT", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["graphml", "json"]), default="json", show_default=True,
              help="GraphML (Gephi, yEd, Cytoscape) or node-link JSON (d3, networkx).")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False), help="Write here instead of stdout.")
def graph(snapshot_path: str, fmt: str, output: str | None) -> None:
    """The estate's topology (VPCs, subnets, gateways, endpoints, peering, transit gateways, hosts) as a graph."""
    from safemaker.scanner.graph.estate_graph import build_estate_graph, kinds, render_graph

    _reading(snapshot_path)
    estate = build_estate_graph(load(snapshot_path))
    text = render_graph(estate, fmt)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(output, text)
    counted = ", ".join(f"{n} {kind}" for kind, n in kinds(estate).items()) or "no nodes"
    _say(f"safemaker graph: {estate.number_of_nodes()} nodes ({counted}), {estate.number_of_edges()} edges"
         + (f"; wrote {output}" if output else ""))
    if estate.graph.get("missing"):
        _say(f"safemaker graph: not collected, left out of the graph: {estate.graph['missing']}")


@cli.command()
@click.argument("resource")
@click.argument("snapshot_path", metavar="SNAPSHOT", type=click.Path(dir_okay=False))
@_config_opt
def explain(resource: str, snapshot_path: str, config_path: str | None) -> None:
    """Print the proof for one notebook / domain / job as text."""
    from safemaker.scanner.explain import explain_resource

    _reading(snapshot_path)
    config = load_config(find_config(config_path))
    snapshot = load(snapshot_path)
    for problem in snapshot.problems:
        _say(f"safemaker: unreadable data treated as not collected: {problem}")
    click.echo(termsafe.block(explain_resource(snapshot, config, load_registry(), resource)))


@cli.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--summary", is_flag=True, help="Count unchanged findings without listing them (text only).")
def diff(old: str, new: str, fmt: str, summary: bool) -> None:
    """New, unchanged and fixed findings between two findings files.

    Only FAIL and ERROR findings are compared, by fingerprint and status; exit 0 unless a file
    cannot be read (2). Gate a build with `analyze/scan --baseline OLD.json` instead.
    """
    from safemaker.scanner.triage.diff import diff_findings, format_json, format_text, read_findings

    _reading(new)
    result = diff_findings(read_findings(old), read_findings(new))
    if fmt == "json":
        click.echo(format_json(result, old, new), nl=False)
    else:
        click.echo(termsafe.block(format_text(result, old, new, show_unchanged=not summary)), nl=False)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--prefer", type=click.Choice(["newest"]), default=None,
              help="When two inputs hold the same account and region, keep the newer copy (recorded in "
                   "the snapshot's errors) instead of stopping.")
def merge(inputs: tuple[str, ...], output: str, prefer: str | None) -> None:
    """Combine snapshots of different accounts or regions.

    An account and region present in two inputs with different data is an error (exit 2) unless
    --prefer newest says which copy to keep: a merge never drops data silently.
    """
    from safemaker.scanner.snapshot.merge import merge_snapshots
    from safemaker.scanner.snapshot.validate import validate_snapshot

    docs = []
    for path in inputs:
        _reading(path)
        doc = read_json(path)
        validate_snapshot(doc, source=path)
        docs.append((path, doc))
    merged, choices = merge_snapshots(docs, prefer_newest=prefer == "newest")
    for choice in choices:
        _say(f"safemaker: merge: {choice}")
    write_atomic(output, json.dumps(merged, indent=1) + "\n", private=True)
    _say(f"wrote {output} from {len(inputs)} snapshots ({len(choices)} overlapping copies replaced)")


@cli.command()
@click.option("--vpcs", type=click.IntRange(1, 5376), required=True, help="Number of VPCs.")
@click.option("--notebooks", type=click.IntRange(0), required=True, help="Number of notebook instances.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, byte-identical snapshot.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Snapshot file to write.")
def synth(vpcs: int, notebooks: int, seed: int, output: str) -> None:
    """Write a synthetic estate (seed architectures plus broken variants) for benchmarks."""
    from safemaker.scanner.devtools.synth import synth_json

    try:
        text = synth_json(vpcs, notebooks, seed)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    write_atomic(output, text)
    _say(f"wrote {output} ({vpcs} VPCs, {notebooks} notebooks, seed {seed}, {len(text)} bytes)")


@cli.group()
def securityhub() -> None:
    """Send findings to AWS Security Hub (its own IAM policy: `safemaker securityhub policy`)."""


@securityhub.command("import")
@click.argument("findings_path", metavar="FINDINGS.json", type=click.Path(dir_okay=False))
@click.option("--region", default=None, help="Send only the findings of this region (default: each to its own).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), default=None,
              help="An earlier findings.json: its FAIL/ERROR findings that are gone are archived.")
@click.option("--profile", default=None, help="AWS profile (default: AWS_PROFILE or the default chain).")
def securityhub_import(findings_path: str, region: str | None, baseline_path: str | None,
                       profile: str | None) -> None:
    """Import a findings file into Security Hub as ASFF, 100 records a call; exit 1 if any is rejected."""
    from safemaker.scanner.export.securityhub import import_findings

    _reading(findings_path)
    result = import_findings(findings_path, region=region, baseline_path=baseline_path, profile=profile, say=_say)
    _say(f"safemaker: Security Hub: {result.sent} findings imported, {result.archived} archived, "
         f"{len(result.failed)} rejected, in {result.calls} calls")
    sys.exit(result.exit_code)


@securityhub.command("policy")
def securityhub_policy() -> None:
    """Print the IAM policy `securityhub import` needs (and nothing more)."""
    from safemaker.scanner.export.securityhub import policy_text

    click.echo(policy_text(), nl=False)


@cli.command("plan")
@click.argument("plan_path", metavar="PLAN.json", type=click.Path(dir_okay=False))
@click.option("--snapshot", "live_path", type=click.Path(dir_okay=False), default=None,
              help="The live estate: the plan is laid over it and only findings the change introduces gate.")
@click.option("--account", default=None, help="Account of the planned resources (default: the live snapshot's).")
@click.option("--region", default=None, help="Region when the provider configuration names none.")
@_config_opt
@_format_opt
@_with_format_opts
@_outdir_opt
@_failon_opt
@_no_fail_on_error_opt
@_with_selection_opts
@_baseline_opt
@_today_opt
def plan_command(plan_path: str, live_path: str | None, account: str | None, region: str | None,
                 config_path: str | None, formats: tuple[str, ...], output_dir: str | None, fail_on: str,
                 no_fail_on_error: bool, baseline_path: str | None, today: datetime | None) -> None:
    """Prove the estate as it will be after `terraform apply` (PLAN.json: terraform show -json)."""
    from safemaker.scanner.terraform.command import run_plan

    _reading(plan_path)
    config = _analysis_config(config_path)
    options = RunOptions(formats=formats, output_dir=output_dir, baseline_path=baseline_path, today=_day(today),
                         format_options=_format_options(), jobs=_jobs())
    report = run_plan(plan_path, live_path, account, region, config, load_registry(), options, _say)
    _finish(report, fail_on, not no_fail_on_error, config)


def main(argv: Sequence[str] | None = None) -> None:
    _current_input.clear()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="safemaker", standalone_mode=False)
    except click.exceptions.Abort:
        _say("safemaker: interrupted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except KeyboardInterrupt:
        _say("safemaker: interrupted")
        sys.exit(130)
    except UsageProblem as exc:
        click.UsageError(str(exc)).show()
        sys.exit(2)
    except SafemakerError as exc:
        _say(f"safemaker: {exc}")
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(1)
    except MemoryError:
        _say(f"safemaker: out of memory{_input_note()}; the input is too large for this machine")
        sys.exit(2)
    except Exception as exc:  # the last resort: one line and exit 2, never a traceback or exit 1
        _say(f"safemaker: internal error, please report it with the command line{_input_note()}: "
             f"{type(exc).__name__}: {exc}")
        sys.exit(2)
    sys.exit(0)


def _input_note() -> str:
    return f" (input: {_current_input[-1]})" if _current_input else ""


# The pipeline's stages stay importable from here for callers written before it existed.
__all__ = ["FILENAMES", "FORMATS", "SnapshotError", "analyze_snapshot", "build_report", "cli", "emit", "gate",
           "main", "render", "summary_line", "triage"]
