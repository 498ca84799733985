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
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import CheckSpec, Registry
from safemaker.scanner.checking.resources import Resource, resources_of
from safemaker.scanner.config import Config
from safemaker.scanner.errors import MissingData
from safemaker.scanner.model import Finding, ResourceRef, ResourceType, Severity, Status, Verdict
from safemaker.scanner.parallel import default_jobs, run_pieces
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
    jobs: int | None = 1,
    tick: Callable[[int], None] | None = None,
) -> list[Finding]:
    """Every selected check on every resource it applies to, as findings in report order.

    `jobs` > 1 shares the resources out over that many processes (scanner/parallel.py), None
    chooses by the number of check calls (`analysis_jobs`); the findings are the same, in the
    same order, as with one. `tick(n)` counts check calls as they are done, in whichever
    process; `progress` gets a line per region and check."""
    config = config or Config()
    specs = selected(registry, config)
    findings: list[tuple[int, Finding]] = []
    pieces: list[_Piece] = []
    order = 0  # the position of each finding when one process walks regions, checks, resources in turn
    for view in snapshot.views():
        listed: dict[ResourceType, Sequence[Resource] | MissingData] = {}
        runs: dict[ResourceType, list[_Run]] = {}
        for spec in specs:
            if progress:
                progress(f"analyze {view.where}: {spec.id}")
            severity = config.severity.get(spec.id, spec.severity)
            missing = tuple((svc, op) for svc, op in spec.requires if not view.has(svc, op))
            for rtype in spec.resource_types:
                if rtype not in listed:
                    try:
                        listed[rtype] = resources_of(view, rtype)
                    except MissingData as exc:
                        listed[rtype] = exc
                resources = listed[rtype]
                if isinstance(resources, MissingData):
                    ref = ResourceRef(ResourceType.REGION, f"{rtype.value} in {view.where}", view.account, view.region)
                    verdict = Verdict.error(f"cannot list {rtype.value}: {resources.reason}")
                    findings.append((order, _finding(spec, severity, ref, verdict)))
                    order += 1
                    continue
                runs.setdefault(rtype, []).append(_Run(order, spec, severity, missing))
                order += len(resources)
        pieces.extend(_pieces(view, listed, runs))
    ctx = CheckContext(snapshot, config)

    def work(i: int, count: Callable[[], None]) -> tuple[list[tuple[int, Finding]], list[str]]:
        return _run_piece(ctx, pieces[i], count)

    calls = sum(len(runs) for piece in pieces for _, _, runs in piece.members)
    for done, warnings in run_pieces(len(pieces), work, analysis_jobs(jobs, calls), tick,
                                     first=min(len(pieces), _WARM)):
        findings.extend(done)
        for line in warnings:
            print(line, file=sys.stderr)
    # Sorted as one process walking regions, checks and resources in turn would have made them,
    # then (stably) in report order: ties keep that order whatever the number of processes.
    findings.sort(key=lambda pair: pair[0])
    out = [f for _, f in findings]
    out.sort(key=Finding.sort_key)
    return out


#: Check calls from which a second process pays for itself (forking and sending findings back
#: cost tens of milliseconds; 2,000 calls are about a hundred notebooks, a second of proofs).
PARALLEL_FROM = 2000


def analysis_jobs(jobs: int | None, calls: int) -> int:
    """The processes an analysis of `calls` check calls uses: `jobs`, or when None one per
    usable CPU (scanner/parallel.default_jobs) once the work pays for them."""
    if jobs is not None:
        return max(1, jobs)
    return default_jobs() if calls >= PARALLEL_FROM else 1


_PIECE = 8  # resources per piece: small enough to even out the processes, large enough to cost little
_WARM = 1  # pieces proven before forking, so the children inherit the estate-wide indexes they build


@dataclasses.dataclass(frozen=True)
class _Run:
    order: int  # the position of its first finding when one process runs everything
    spec: CheckSpec
    severity: Severity
    missing: tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class _Piece:
    """A few resources of one region, of any types, each with every check that applies to it."""

    view: RegionView
    members: tuple[tuple[int, Resource, tuple[_Run, ...]], ...]  # (index in its type's list, resource, runs)


def _pieces(view: RegionView, listed: Mapping[ResourceType, Sequence[Resource] | MissingData],
            runs: Mapping[ResourceType, list[_Run]]) -> list[_Piece]:
    """The region's resources in pieces, those of one VPC together.

    Proofs are kept per process, and most of a proof's work is its VPC's (route tables, security
    groups, NACLs, endpoints): a notebook, the Studio domain and the jobs of one VPC proven in one
    process share it, where cutting by resource type or name would make each process prove most
    VPCs again. Resources outside any VPC come last."""
    groups: dict[str, list[tuple[int, Resource, tuple[_Run, ...]]]] = {}
    subnets = _subnet_vpcs(view)
    for rtype, type_runs in runs.items():
        resources = listed[rtype]
        if isinstance(resources, MissingData):
            continue  # reported once per check, without calling it
        for index, resource in enumerate(resources):
            groups.setdefault(_vpc_of(resource, subnets), []).append((index, resource, tuple(type_runs)))
    out: list[_Piece] = []
    current: list[tuple[int, Resource, tuple[_Run, ...]]] = []
    for key in sorted(groups, key=lambda k: (k == "", k)):
        current.extend(groups[key])
        if len(current) >= _PIECE or key == "":
            out.extend(_Piece(view, tuple(current[i:i + _PIECE])) for i in range(0, len(current), _PIECE))
            current = []
    if current:
        out.append(_Piece(view, tuple(current)))
    return out


def _subnet_vpcs(view: RegionView) -> dict[str, str]:
    try:
        subnets = view.items("ec2", "DescribeSubnets", "Subnets")
    except MissingData:
        return {}
    return {str(s.get("SubnetId")): str(s.get("VpcId")) for s in subnets if isinstance(s, Mapping)}


def _vpc_of(resource: Resource, subnets: Mapping[str, str]) -> str:
    """The VPC a resource sits in, as far as its own description says ("" when none): only to
    group work, never to decide anything (so whatever it cannot read groups under "")."""
    try:
        try:
            desc = resource.detail()
        except MissingData:
            desc = resource.summary
        vpc = desc.get("VpcId")
        if isinstance(vpc, str):
            return vpc
        subnet = desc.get("SubnetId")
        if subnet is None:
            listed = desc.get("SubnetIds") or (desc.get("VpcConfig") or {}).get("Subnets") \
                or ((desc.get("NetworkConfig") or {}).get("VpcConfig") or {}).get("Subnets")
            subnet = listed[0] if isinstance(listed, list) and listed else None
        return subnets.get(str(subnet), "") if subnet is not None else ""
    except Exception:  # a malformed description: the checks report what is wrong with it
        return ""


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


def _run_piece(ctx: CheckContext, piece: _Piece, tick: Callable[[], None]) \
        -> tuple[list[tuple[int, Finding]], list[str]]:
    out: list[tuple[int, Finding]] = []
    warnings: list[str] = []
    for index, resource, runs in piece.members:
        for run in runs:
            verdict = _call(run.spec, ctx, resource, warnings, quiet=bool(run.missing))
            tick()
            if verdict is not None and run.missing and verdict.status is not Status.FAIL:
                reason = "; ".join(piece.view.missing_reason(svc, op) for svc, op in run.missing)
                verdict = Verdict.error(f"required data missing: {reason}")
            if verdict is not None:
                finding = _finding(run.spec, run.severity, resource.ref, verdict)
                out.append((run.order + index, dataclasses.replace(finding, resource=labelled(resource))))
    return out, warnings


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


def _call(spec: CheckSpec, ctx: CheckContext, resource: Resource, warnings: list[str],
          quiet: bool = False) -> Verdict | None:
    try:
        return spec.func(ctx, resource)
    except MissingData as exc:
        return Verdict.error(f"could not decide: {exc.reason}")
    except Exception as exc:  # a bug in one check must not become a PASS or stop the others
        if not quiet:
            warnings.append(f"safemaker: internal error in {spec.id} on {resource.id}: {exc!r}")
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
