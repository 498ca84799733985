"""Missing data blocks only the verdicts it could change (issue 13, item 1).

Each operation of the minimum set is removed in turn from an estate whose FAILs are certain from
the workload alone (DirectInternetAccess Enabled, a Studio domain in PublicInternetOnly, a
training job in SageMaker's network): those FAILs must stand unless the removed operation is the
one that describes the workload itself. Every other verdict may become ERROR, never PASS.
"""

from __future__ import annotations

from functools import cache

import pytest
from estate import MINIMUM_OPERATIONS, Estate

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import Registry, load_registry
from safemaker.scanner.config import Config
from safemaker.scanner.model import Status
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot

OPERATIONS = [(svc, op) for svc, ops in MINIMUM_OPERATIONS.items() for op in ops]

# (check, resource) -> the operations without which the FAIL cannot be known at all
CERTAIN = {
    ("NET-001", "nb-direct"): {("sagemaker", "ListNotebookInstances"), ("sagemaker", "DescribeNotebookInstance")},
    ("NET-002", "d-public"): {("sagemaker", "ListDomains"), ("sagemaker", "DescribeDomain")},
    ("NET-003", "train-open"): {("sagemaker", "ListTrainingJobs"), ("sagemaker", "DescribeTrainingJob")},
}


@cache
def _registry() -> Registry:
    return load_registry()


def _estate() -> Estate:
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    priv = v.subnet("10.0.2.0/24", name="private")
    priv.route_table("private")
    sg = v.sg("notebook", egress_all=True)
    priv.notebook("nb-direct", sg=sg, direct_internet=True)
    priv.notebook("nb-closed", sg=sg)
    e.domain("d-public", mode="PublicInternetOnly", subnets=[priv], sgs=[sg])
    e.training_job("train-open")
    return e


def _statuses(omitted: tuple[str, str] | None) -> dict[tuple[str, str], Status]:
    e = _estate()
    if omitted:
        e.omit(*omitted, error_code="AccessDenied")
    doc = e.build()
    validate_snapshot(doc, "gate")
    findings = run_checks(Snapshot(doc, "gate"), _registry(), Config())
    return {(f.check_id, f.resource.id): f.status for f in findings}


def test_the_estate_fails_where_it_should_with_nothing_missing() -> None:
    got = _statuses(None)
    for key in CERTAIN:
        assert got[key] is Status.FAIL, key
    assert got[("NET-001", "nb-closed")] is Status.PASS


@pytest.mark.parametrize("omitted", OPERATIONS, ids=[f"{s}:{o}" for s, o in OPERATIONS])
def test_certain_fails_stand_and_nothing_becomes_pass(omitted: tuple[str, str]) -> None:
    clean = _statuses(None)
    got = _statuses(omitted)
    for key, needs in CERTAIN.items():
        if omitted in needs:
            continue
        assert got.get(key) is Status.FAIL, f"{key} without {omitted}: {got.get(key)}"
    for key, status in got.items():
        if status is Status.PASS:
            assert clean.get(key) is Status.PASS, f"{key} became PASS without {omitted}"
