"""`safemaker plan PLAN.json [--snapshot LIVE.json]`: the planned estate, proven by the same pipeline.

With `--snapshot`, the plan is laid over the live snapshot and the live snapshot is analysed
too: only findings the change introduces (FAIL/ERROR fingerprints the live estate alone does not
have) count towards the exit status, through the same baseline mechanism as `--baseline`, so a
pull request is blocked for what it adds, not for what is already live. Each introduced finding
is attributed on stderr to the planned resources whose IDs its evidence names.

Without `--snapshot` the plan is the whole estate. The guardrail checks (GRD, about IAM and
Organizations, which a plan does not describe) are left out there and stderr says so.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Callable
from typing import Any

from safemaker.scanner.checking.registry import Registry
from safemaker.scanner.config import Config
from safemaker.scanner.errors import SafemakerError
from safemaker.scanner.model import Report, Status
from safemaker.scanner.pipeline import RunOptions, UsageProblem, analyze_snapshot, build_report
from safemaker.scanner.pipeline import run as run_pipeline
from safemaker.scanner.snapshot.io import load, snapshot_from_doc
from safemaker.scanner.terraform.plan import read_plan
from safemaker.scanner.terraform.translate import Translation, translate

PLAN_ACCOUNT = "000000000000"  # stands in when neither --account nor a live snapshot names one


def _account(live: dict[str, Any] | None, given: str | None) -> str:
    if given:
        return given
    accounts = sorted((live or {}).get("accounts") or {})
    if len(accounts) == 1:
        return str(accounts[0])
    if len(accounts) > 1:
        raise UsageProblem(f"the live snapshot holds {len(accounts)} accounts: name the plan's with --account")
    return PLAN_ACCOUNT


def plan_snapshot(plan_path: str, live_path: str | None, account: str | None,
                  region: str | None) -> tuple[Translation, Any, Any]:
    """(translation, planned Snapshot, live Snapshot or None)."""
    plan = read_plan(plan_path)
    live = load(live_path) if live_path else None
    live_doc = dict(live.doc) if live is not None else None
    acct = _account(live_doc, account)
    default_region = region
    if default_region is None and live is not None and len(live.regions) == 1:
        default_region = live.regions[0]
    result = translate(plan, acct, default_region, live_doc,
                       created=live.created if live is not None else "2026-01-01T00:00:00Z")
    from safemaker.scanner.snapshot.validate import validate_snapshot

    try:
        validate_snapshot(result.doc, f"{plan_path} (translated)")
    except SafemakerError as exc:  # a translator bug must not look like bad user input silently
        raise SafemakerError(f"{exc} (please report: the translation of this plan is not a valid snapshot)") from None
    return result, snapshot_from_doc(result.doc, f"{plan_path} (planned estate)"), live


def run_plan(plan_path: str, live_path: str | None, account: str | None, region: str | None, config: Config,
             registry: Registry, options: RunOptions, say: Callable[[str], None]) -> Report:
    if live_path is not None and options.baseline_path is not None:
        raise UsageProblem("--snapshot and --baseline cannot be combined: with --snapshot the live estate is the "
                           "baseline")
    result, planned, live = plan_snapshot(plan_path, live_path, account, region)
    if result.unsupported:
        say("safemaker plan: resource types safemaker does not model: " + "; ".join(result.unsupported))
    for line in result.unresolved:
        say(f"safemaker plan: not proven: {line}")
    if live is None:
        config = dataclasses.replace(config, disable=tuple(dict.fromkeys((*config.disable, "GRD"))))
        say("safemaker plan: no --snapshot: the plan is the whole estate; GRD checks (IAM, Organizations) left out")
        return run_pipeline(planned, config, registry, options, say)
    live_report = analyze_snapshot(live, config, registry)
    from safemaker.reports.findings_json import render_json

    with tempfile.TemporaryDirectory() as tmp:
        baseline = os.path.join(tmp, "live-findings.json")
        with open(baseline, "w", encoding="utf-8") as handle:
            handle.write(render_json(build_report(live, live_report.findings, live_report.generated)))
        report = run_pipeline(planned, config, registry, dataclasses.replace(options, baseline_path=baseline), say)
    introduced = [f for f in report.findings if f.status in (Status.FAIL, Status.ERROR) and f.counts]
    say(f"safemaker plan: {len(introduced)} FAIL/ERROR introduced by the plan (compared with {live_path} alone)")
    for f in introduced:
        # the finding's own resource too: a policy or notebook the plan creates opens its own finding
        text = " ".join((f.resource.id, f.resource.arn or "", f.message, json.dumps(f.evidence.to_json())))
        by = sorted({a for aws_id, addresses in result.origins.items() if aws_id in text for a in addresses})
        opened = f"opened by {', '.join(by)}" if by else "no planned resource is named in its evidence"
        say(f"  new {f.status.value} {f.check_id} {f.resource.id}: {opened}")
    return report
