"""Runs registered checks over a snapshot and turns verdicts into findings.

The engine, not the checks, owns the rules that keep a PASS honest. Missing data blocks only the
verdicts it could change: a check whose required operation is missing is still called, and a
FAIL it proves from what was read stands (a notebook with DirectInternetAccess Enabled fails
whether or not the route tables were readable), while anything else it answers becomes ERROR
naming the missing operations, because a PASS needs every input it rests on. A check that raises
MissingData gets ERROR with the reason; a check that crashes gets ERROR (and a line on stderr,
unless required data was missing, which explains the crash), never PASS.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import CheckSpec, Registry
from safemaker.scanner.checking.resources import Resource, resources_of
from safemaker.scanner.config import Config
from safemaker.scanner.errors import MissingData
from safemaker.scanner.model import Finding, ResourceRef, ResourceType, Severity, Status, Verdict
from safemaker.scanner.snapshot.io import RegionView, Snapshot

Progress = Callable[[str], None]


def fingerprint(check_id: str, ref: ResourceRef, verdict: Verdict) -> str:
    """Stable across runs and re-collections: no timestamps, no free text, sorted paths."""
    sigs = sorted({p.signature() for p in verdict.evidence.paths})
    text = "\n".join([check_id, ref.account, ref.region, ref.type.value, ref.id, *sigs])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def selected(registry: Registry, config: Config) -> list[CheckSpec]:
    specs = registry.specs()
    if config.enable:
        specs = [s for s in specs if s.id in config.enable or s.family in config.enable]
    return [s for s in specs if s.id not in config.disable and s.family not in config.disable]


def run_checks(
    snapshot: Snapshot,
    registry: Registry,
    config: Config | None = None,
    progress: Progress | None = None,
) -> list[Finding]:
    config = config or Config()
    ctx = CheckContext(snapshot, config)
    findings: list[Finding] = []
    specs = selected(registry, config)
    for view in snapshot.views():
        for spec in specs:
            if progress:
                progress(f"analyze {view.where}: {spec.id}")
            findings.extend(_run_one(ctx, view, spec, config))
    findings.sort(key=Finding.sort_key)
    return findings


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Keep the cyclic garbage collector out of a one-shot analysis (the CLI, the benchmark).

    A large snapshot is millions of objects that analysis only reads, and analysis builds
    millions more (proofs, caches, findings) that live until it ends. Each full collection
    walked all of them again: a quarter of the time at 1,000 notebooks, and growing with the
    estate. Both are plain data that reference counting frees by itself, so the collector is
    paused and what exists at the end is frozen (kept out of later collections) rather than
    walked once more. Frozen objects in reference cycles are never freed, which is fine in a
    process that ends after its report; `run_checks` itself leaves the collector alone, so
    long-running callers do not inherit that.
    """
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _run_one(ctx: CheckContext, view: RegionView, spec: CheckSpec, config: Config) -> Iterable[Finding]:
    severity = config.severity.get(spec.id, spec.severity)
    missing = [(svc, op) for svc, op in spec.requires if not view.has(svc, op)]
    for rtype in spec.resource_types:
        try:
            resources = resources_of(view, rtype)
        except MissingData as exc:
            ref = ResourceRef(ResourceType.REGION, f"{rtype.value} in {view.where}", view.account, view.region)
            yield _finding(spec, severity, ref, Verdict.error(f"cannot list {rtype.value}: {exc.reason}"))
            continue
        for resource in resources:
            verdict = _call(spec, ctx, resource, quiet=bool(missing))
            if verdict is not None and missing and verdict.status is not Status.FAIL:
                reason = "; ".join(view.missing_reason(svc, op) for svc, op in missing)
                verdict = Verdict.error(f"required data missing: {reason}")
            if verdict is not None:
                finding = _finding(spec, severity, resource.ref, verdict)
                yield dataclasses.replace(finding, resource=labelled(resource))


def labelled(resource: Resource) -> ResourceRef:
    """The resource's reference with its name and tags, for routing findings to owners.

    Tags come from where the snapshot already holds them: the `Tags` of an EC2 describe entry
    (instances, VPC endpoints) or sagemaker `ListTags` keyed by the resource's ARN (optional: an
    absent entry means no tags are known). The fingerprint is computed before, from the bare
    reference, so tags never change a finding's identity.
    """
    raw: Any = resource.summary.get("Tags") if isinstance(resource.summary, Mapping) else None
    if raw is None and resource.ref.arn:
        answer = resource.view.optional("sagemaker", "ListTags")
        entry = answer.get(resource.ref.arn) if isinstance(answer, Mapping) else None
        raw = entry.get("Tags") if isinstance(entry, Mapping) else None
    if not isinstance(raw, list):
        return resource.ref
    tags = sorted({(t["Key"], t.get("Value", "")) for t in raw
                   if isinstance(t, Mapping) and isinstance(t.get("Key"), str) and isinstance(t.get("Value", ""), str)})
    name = dict(tags).get("Name")
    return dataclasses.replace(resource.ref, name=name if name and name != resource.ref.id else None,
                               tags=tuple(tags))


def _call(spec: CheckSpec, ctx: CheckContext, resource: Resource, quiet: bool = False) -> Verdict | None:
    try:
        return spec.func(ctx, resource)
    except MissingData as exc:
        return Verdict.error(f"could not decide: {exc.reason}")
    except Exception as exc:  # a bug in one check must not become a PASS or stop the others
        if not quiet:
            print(f"safemaker: internal error in {spec.id} on {resource.id}: {exc!r}", file=sys.stderr)
        return Verdict.error(f"internal error in check {spec.id}: {type(exc).__name__}: {exc}")


def _finding(spec: CheckSpec, severity: Severity, ref: ResourceRef, verdict: Verdict) -> Finding:
    return Finding(
        check_id=spec.id,
        title=spec.title,
        status=verdict.status,
        severity=severity,
        resource=ref,
        message=verdict.message,
        evidence=verdict.evidence,
        remediation=spec.remediation,
        fingerprint=fingerprint(spec.id, ref, verdict),
    )
