"""Partial access: every minimum operation of docs/snapshot-format.md, denied in turn, never yields a PASS
that needed it.

For each operation the estate (tests/faults/rig.py) is collected with that one operation
answering AccessDenied / UnauthorizedOperation, then validated and analysed with the full
registry, and compared with the clean run:

* the collector does not crash, the operation's data is absent and `errors` names it;
* a verdict that depended on the operation is ERROR or FAIL, never PASS. "Depended" is measured,
  not guessed: in the clean run every (check, resource) verdict is recomputed with a fresh
  context while recording each snapshot operation it touched (RegionView.has / response /
  optional, per-resource maps by lookup, topology caches disabled); a check depends on an
  operation when it declares it in `requires` or read it as evidence. Reads that are not
  evidence are exempted explicitly, each with the reason it cannot turn missing data into a PASS
  (EXEMPT_CALLERS, PASS_ON_REQUIRED_DATA below); everything else counts;
* a verdict that touched nothing that failed is unchanged, which shows the tracing misses nothing;
* no clean FAIL disappears (it stays FAIL or becomes ERROR);
* every new ERROR names the failed operation;
* `safemaker analyze` on the faulted snapshot exits 1 when FAILs exist, and also when only ERRORs
  remain (an estate that could not be read must not pass), unless --no-fail-on-error.

Each denied operation is a row of the attack table printed at the end of the run (ledger.py).
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import Registry, load_registry
from safemaker.scanner.checking.resources import resources_of
from safemaker.scanner.cli import main
from safemaker.scanner.collect.runner import SKIPPED_CODE
from safemaker.scanner.config import Config
from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.topology import Topology
from safemaker.scanner.model import Finding, ResourceType, Status
from safemaker.scanner.snapshot.io import RegionView, Snapshot
from safemaker.scanner.snapshot.validate import PER_RESOURCE_OPERATIONS, validate_snapshot

from .ledger import Ledger, tally
from .rig import REGION, Rig, demo_rig, denial, dependents, minimum_operations, service_id

Key = tuple[str, str, str]  # check id, resource type, resource id
Op = tuple[str, str]


def key_of(f: Finding) -> Key:
    return (f.check_id, f.resource.type.value, f.resource.id)


@dataclass
class Clean:
    doc: dict[str, Any]
    findings: dict[Key, Finding]
    reads: dict[Key, set[Read]]


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with demo_rig() as built:
        yield built


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


Read = tuple[str, str, str]  # service, operation, exempt caller ("" for evidence)


@dataclass(frozen=True)
class Exemption:
    """Reads made inside `caller` that are not evidence for the checks `scope` names."""

    ops: frozenset[Op] | None  # None: every operation
    scope: tuple[str, ...] | None  # check ID prefixes; None: every check
    why: str


# Reviewed in scanner/graph and scanner/proxies: without these reads a verdict can only get
# coarser, fall back to other data that itself ends in MissingData, or fail more, never pass more.
EXEMPT_CALLERS: dict[str, Exemption] = {
    "flow_classes": Exemption(None, None, "port/protocol boundaries that partition the flows; the rules "
                              "themselves are read again where they are applied"),
    "prefix_list": Exemption(frozenset({("ec2", "GetManagedPrefixListEntries")}), None,
                             "AWS-managed prefix lists are also in DescribePrefixLists; when neither has "
                             "the list the topology raises MissingData"),
    "_interface_services": Exemption(None, ("NET-", "PRX-"), "only VPCE-001 uses the interface endpoints a "
                                     "proof lists"),
    "_vpce": Exemption(frozenset({("network-firewall", "ListFirewalls"), ("network-firewall", "DescribeFirewall")}),
                       ("NET-", "PRX-", "VPCE-"), "a route target that DescribeVpcEndpoints resolves as a gateway "
                       "or interface endpoint is no firewall endpoint, whatever the firewalls say; a Gateway Load "
                       "Balancer endpoint without them is MissingData"),
    "named_ranges": Exemption(None, None, "names for the words of a message (scanner/describe.py: VPC CIDRs and "
                              "prefix lists); without them the same set is written as CIDR blocks, and no "
                              "verdict reads them"),
    "designated_proxies": Exemption(None, ("NET-",), "a designation only turns a path into an inspected one "
                                    "or exempts a relay: without it the network checks fail more, never "
                                    "pass more (PRX-* handle designation unknowns themselves)"),
}
# PASS verdicts that rest on the resource's own data alone (all of it in the check's `requires`),
# although the check computed more on the way: (check, what the PASS message says) -> why.
PASS_ON_REQUIRED_DATA: dict[tuple[str, str], str] = {
    ("VPCE-001", "interface endpoints for sagemaker.api and sagemaker.runtime exist"):
        "the endpoints serve the whole VPC (DescribeVpcEndpoints); the routes the proof read do not matter",
    ("PRX-001", "IMDSv2 is required"): "the instance's own MetadataOptions (DescribeInstances) decide; whether "
                                      "it is a proxy only decides that the check applies",
    ("PRX-001", "metadata service is disabled"): "as above",
    ("PRX-002", "and NO_PROXY covers"): "the lifecycle configuration's own settings decide",
}


class _TracingMap(dict[str, Any]):
    """A per-resource operation's map that reports each lookup as a read of the operation."""

    def __init__(self, data: dict[str, Any], touched: Callable[[], None]) -> None:
        super().__init__(data)
        self._touched = touched

    def __getitem__(self, key: str) -> Any:
        self._touched()
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._touched()
        return super().__contains__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._touched()
        return super().get(key, default)

    def __iter__(self) -> Iterator[str]:
        self._touched()
        return super().__iter__()

    def keys(self) -> Any:
        self._touched()
        return super().keys()

    def values(self) -> Any:
        self._touched()
        return super().values()

    def items(self) -> Any:
        self._touched()
        return super().items()

    def __len__(self) -> int:
        self._touched()
        return super().__len__()


class _Tracer:
    """Records every snapshot read made through a RegionView while `reads` is set.

    A list-style operation is read when asked for (`has` included: absence changes behaviour); a
    per-resource operation only when one of its entries is looked up, so fetching the map of
    rule groups and finding no reference in it is no read.
    """

    def __init__(self) -> None:
        self.reads: set[Read] | None = None

    def install(self, mp: pytest.MonkeyPatch) -> None:
        for name in ("has", "response", "optional"):
            mp.setattr(RegionView, name, self._wrap(name, getattr(RegionView, name)))
        # The topology caches what it reads: a value first computed for an exempt caller would
        # hide a later read made as evidence. While tracing, every access reads again.
        for name, value in list(vars(Topology).items()):
            if isinstance(value, functools.cached_property):
                mp.setattr(Topology, name, property(value.func))

    def _record(self, op: Op) -> None:
        if self.reads is not None:
            self.reads.add((*op, _exempt_caller(op)))

    def _wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(view: RegionView, service: str, operation: str, *args: Any) -> Any:
            op = (service, operation)
            per_resource = op in PER_RESOURCE_OPERATIONS
            if not per_resource:
                self._record(op)
            result = original(view, service, operation, *args)
            if per_resource and name != "has" and isinstance(result, dict):
                return _TracingMap(result, lambda: self._record(op))
            return result

        return traced


def _exempt_caller(op: Op) -> str:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        exemption = EXEMPT_CALLERS.get(frame.f_code.co_name)
        if exemption is not None and (exemption.ops is None or op in exemption.ops):
            return frame.f_code.co_name
        frame = frame.f_back
    return ""


def evidence(check_id: str, reads: set[Read], registry: Registry, message: str) -> tuple[set[Op], set[Op]]:
    """(operations the verdict rests on, operations it read only in exempt ways)."""
    used = set(registry.get(check_id).requires)
    exempt: set[Op] = set()
    if any(check == check_id and text in message for check, text in PASS_ON_REQUIRED_DATA):
        return used, {(s, o) for s, o, _tag in reads} - used
    for service, operation, tag in reads:
        exemption = EXEMPT_CALLERS.get(tag)
        if exemption is not None and (exemption.scope is None or check_id.startswith(exemption.scope)):
            exempt.add((service, operation))
        else:
            used.add((service, operation))
    return used, exempt - used


def trace_reads(doc: dict[str, Any], registry: Registry) -> dict[Key, set[Read]]:
    """Per verdict, every operation it read; each verdict gets a fresh context (no shared caches)."""
    snapshot = Snapshot(doc, "<clean>")
    tracer = _Tracer()
    out: dict[Key, set[Read]] = {}
    with pytest.MonkeyPatch.context() as mp:
        tracer.install(mp)
        for view in snapshot.views():
            for spec in registry.specs():
                for rtype in spec.resource_types:
                    tracer.reads = set()
                    try:
                        resources = resources_of(view, rtype)
                    except MissingData:
                        continue
                    listing = tracer.reads
                    for resource in resources:
                        tracer.reads = set(listing)
                        with contextlib.suppress(MissingData):
                            spec.func(CheckContext(snapshot, Config()), resource)
                        out[(spec.id, rtype.value, resource.id)] = tracer.reads
                    tracer.reads = None
    return out


def analyze(doc: dict[str, Any], registry: Registry) -> dict[Key, Finding]:
    validate_snapshot(doc, source="<faulted>")
    return {key_of(f): f for f in run_checks(Snapshot(doc, "<faulted>"), registry, Config())}


@pytest.fixture(scope="module")
def clean(rig: Rig, registry: Registry) -> Clean:
    doc = rig.collect()
    assert doc["errors"] == []
    findings = analyze(doc, registry)
    return Clean(doc, findings, trace_reads(doc, registry))


def test_clean_estate_exercises_every_minimum_operation(clean: Clean) -> None:
    """Without this the matrix below would deny calls that are never made."""
    data = clean.doc["accounts"][next(iter(clean.doc["accounts"]))][REGION]
    for service, operation in minimum_operations():
        assert operation in data[service], (service, operation)
        if (service, operation) in PER_RESOURCE_OPERATIONS:
            assert data[service][operation], f"no {operation} call is made in the estate"
    statuses = {f.status for f in clean.findings.values()}
    assert statuses == {Status.PASS, Status.FAIL}
    # Operations that no verdict of this estate reads (the prover reads lazily: no route to an
    # egress-only gateway, no peering, ...); denying them must change nothing, which the matrix
    # checks like everything else.
    read = {(svc, op) for reads in clean.reads.values() for svc, op, _tag in reads}
    print("\nUNREAD", sorted(set(minimum_operations()) - read))


MATRIX: dict[str, str] = {}


@pytest.mark.parametrize(("service", "operation"), minimum_operations(),
                         ids=[f"{s}.{o}" for s, o in minimum_operations()])
def test_denied_operation_never_yields_a_dependent_pass(
    rig: Rig, clean: Clean, registry: Registry, service: str, operation: str, ledger: Ledger,
) -> None:
    def deny(**_: Any) -> Any:
        return denial(service, operation)

    doc = rig.collect({f"before-call.{service_id(rig.session, service)}.{operation}": deny})
    data = doc["accounts"][rig.account][REGION]

    # The data is absent (per-resource: every entry), the failure is recorded.
    if (service, operation) in PER_RESOURCE_OPERATIONS:
        assert data[service][operation] == {}
        clean_keys = set(clean.doc["accounts"][rig.account][REGION][service][operation])
        failed_keys = {e["resource"] for e in doc["errors"] if e["operation"] == operation}
        assert failed_keys == clean_keys
    else:
        assert operation not in data.get(service, {})
    errors = [e for e in doc["errors"] if (e["service"], e["operation"]) == (service, operation)]
    assert errors and all(e["error_code"] in ("AccessDeniedException", "UnauthorizedOperation") for e in errors)
    # Steps fed by a failed list are not called: absent, and recorded as skipped naming the
    # failed call. (Fed by a per-resource map, they run on what it holds: nothing here.)
    gone = dependents(service, operation)
    skipped = {(e["service"], e["operation"]): e for e in doc["errors"] if e not in errors}
    for dep in gone - {(service, operation)}:
        assert data.get(dep[0], {}).get(dep[1], {}) == {}, dep
        if dep in skipped:
            assert skipped[dep]["error_code"] == SKIPPED_CODE and f"{service} {operation}" in skipped[dep]["message"]
    assert set(skipped) <= gone

    faulted = analyze(doc, registry)
    region_errors = {f.check_id for f in faulted.values()
                     if f.resource.type is ResourceType.REGION and f.status is Status.ERROR}
    transitions: dict[str, int] = {}
    problems: list[str] = []
    for key, before in clean.findings.items():
        after = faulted.get(key)
        used, exempt = evidence(key[0], clean.reads[key], registry, after.message if after else "")
        depends = bool(gone & used)
        touched = depends or bool(gone & exempt)
        label = f"{before.status.value}->{after.status.value if after else 'gone'}"
        transitions[label] = transitions.get(label, 0) + 1
        if after is None:
            if before.status is Status.FAIL and key[0] not in region_errors:
                problems.append(f"{key}: a FAIL disappeared")
            continue
        if depends and after.status is Status.PASS:
            problems.append(f"{key}: PASS although it read {sorted(gone & used)}: {after.message}")
        # Unread data cannot change a verdict: this also shows that the tracing misses nothing.
        # (Data read only in exempt ways may change it, but never into a PASS: checked below.)
        if not touched and (after.status, after.message) != (before.status, before.message):
            problems.append(f"{key}: changed without reading the failed data: {before.message!r} -> "
                            f"{after.message!r}")
        if after.status is Status.ERROR and before.status is not Status.ERROR and operation not in after.message:
            problems.append(f"{key}: ERROR does not name {operation}: {after.message}")
    for key, after in faulted.items():
        if after.status is Status.PASS and not (key in clean.findings and clean.findings[key].status is Status.PASS):
            problems.append(f"{key}: a new PASS")
        if key not in clean.findings and (after.status is not Status.ERROR or operation not in after.message):
            problems.append(f"{key}: new and not an ERROR naming {operation}: {after.status.value} {after.message}")
    MATRIX[f"{service} {operation}"] = ", ".join(f"{k} {v}" for k, v in sorted(transitions.items()))
    print(f"\nMATRIX {service} {operation}: {MATRIX[f'{service} {operation}']}")
    ledger.record(f"denied-{service}.{operation}", tally(clean.findings.values()), tally(faulted.values()), problems)
    assert not problems, "\n".join(problems)

    FAULTED[operation] = doc


FAULTED: dict[str, dict[str, Any]] = {}


@pytest.mark.parametrize("operation", ["DescribeNetworkAcls", "ListFirewalls"])
def test_exit_status_of_a_faulted_snapshot(
    operation: str, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """FAILs fail the gate (exit 1); so do ERRORs alone (contracts §3: an estate that could not be
    read must not pass), unless --no-fail-on-error makes them report-only (exit 0)."""
    if operation not in FAULTED:
        pytest.skip("the matrix run for this operation did not run")
    doc = FAULTED[operation]
    faulted = analyze(doc, registry)
    failing = sorted({f.check_id for f in faulted.values() if f.status is Status.FAIL})
    errors = {f.check_id for f in faulted.values() if f.status is Status.ERROR}
    assert failing and errors - set(failing)
    snap = tmp_path / "faulted.json"
    snap.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(snap), "--format", "json"])
    assert exited.value.code == 1
    config = tmp_path / "safemaker.toml"
    config.write_text(f"[checks]\ndisable = {json.dumps(failing)}\n", "utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(snap), "--format", "json", "--config", str(config)])
    assert exited.value.code == 1
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(snap), "--format", "json", "--config", str(config), "--no-fail-on-error"])
    assert exited.value.code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["FAIL"] == 0
    assert report["summary"]["ERROR"] == sum(f.status is Status.ERROR for f in faulted.values()
                                             if f.check_id not in failing) > 0
