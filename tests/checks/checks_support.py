"""Shared helpers for the per-family check tests: load a fixture scenario, run a chosen set of
checks on it, and compare each expected resource verdict."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import Registry, spec_of
from safemaker.scanner.config import Config
from safemaker.scanner.model import Finding
from safemaker.scanner.snapshot.io import Snapshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ACCOUNT, REGION = "111122223333", "eu-west-1"


def load_doc(name: str) -> dict[str, Any]:
    with open(FIXTURES / "scenarios" / f"{name}.json", encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


def expected(name: str) -> dict[str, dict[str, str]]:
    with open(FIXTURES / "expected" / f"{name}.json", encoding="utf-8") as fh:
        out: dict[str, dict[str, str]] = json.load(fh)
    return out


def validate(doc: dict[str, Any], source: str) -> None:
    module = pytest.importorskip("safemaker.scanner.snapshot.validate")
    module.validate_snapshot(doc, source)


def registry_of(funcs: Iterable[Callable[..., Any]]) -> Registry:
    registry = Registry()
    for func in funcs:
        registry.register(func)
    return registry


def run(doc: dict[str, Any], funcs: Iterable[Callable[..., Any]], config: Config | None = None,
        source: str = "<test>") -> list[Finding]:
    return run_checks(Snapshot(doc, source), registry_of(funcs), config or Config())


def by_key(findings: Iterable[Finding]) -> dict[tuple[str, str], Finding]:
    out: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.check_id, f.resource.id)
        assert key not in out, f"two findings for {key}"
        out[key] = f
    return out


def cases(scenarios: Iterable[str]) -> list[Any]:
    """pytest params (scenario, check, resource, status), one per expected verdict."""
    out = []
    for name in scenarios:
        for check_id, resources in sorted(expected(name).items()):
            for resource_id, status in sorted(resources.items()):
                out.append(pytest.param(name, check_id, resource_id, status, id=f"{name}:{check_id}:{resource_id}"))
    return out


def ids_of(funcs: Iterable[Callable[..., Any]]) -> set[str]:
    return {spec_of(f).id for f in funcs}


def without(doc: dict[str, Any], service: str, operation: str) -> dict[str, Any]:
    """A copy of a snapshot with one operation removed from every account/region."""
    out = copy.deepcopy(doc)
    for regions in out["accounts"].values():
        for data in regions.values():
            data.get(service, {}).pop(operation, None)
    return out


def region(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = doc["accounts"][ACCOUNT][REGION]
    return data


PROVER_MISSING_ERRORS = ("NotImplementedError", "AttributeError", "ImportError", "ModuleNotFoundError")


def prover_not_ready(finding: Finding) -> bool:
    """True when a finding is ERROR only because the network prover is not written yet."""
    return finding.status.value == "ERROR" and "internal error" in finding.message and any(
        e in finding.message for e in PROVER_MISSING_ERRORS)
