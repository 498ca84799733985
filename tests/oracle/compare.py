"""Run the engine and the oracle on one snapshot document and compare NET-001 per notebook."""

from __future__ import annotations

from typing import Any

from safemaker.checks.net import CHECKS
from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import Registry
from safemaker.scanner.snapshot.io import Snapshot

from .walker import FAIL, PASS, UNKNOWN, decide


def engine_verdicts(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Notebook -> (status, message) of the engine's NET-001 finding."""
    registry = Registry()
    for func in CHECKS:
        registry.register(func)
    findings = run_checks(Snapshot(doc, "gen"), registry)
    return {f.resource.id: (f.status.value, f.message) for f in findings if f.check_id == "NET-001"}


def oracle_verdicts(doc: dict[str, Any], quirks: frozenset[str] = frozenset()) -> dict[str, str]:
    out = {}
    for regions in doc["accounts"].values():
        for data in regions.values():
            for nb in data["sagemaker"]["ListNotebookInstances"]["NotebookInstances"]:
                name = nb["NotebookInstanceName"]
                out[name] = decide(doc, name, quirks)
    return out


def agree(engine: str, oracle: str) -> bool:
    return engine == oracle or (engine == "ERROR" and oracle == UNKNOWN)


def disagreements(doc: dict[str, Any], quirks: frozenset[str] = frozenset()) -> dict[str, tuple[str, str, str]]:
    """Notebook -> (engine status, oracle verdict, engine message) where they differ."""
    engine = engine_verdicts(doc)
    oracle = oracle_verdicts(doc, quirks)
    return {nb: (engine[nb][0], oracle[nb], engine[nb][1]) for nb in sorted(oracle)
            if not agree(engine.get(nb, ("MISSING", ""))[0], oracle[nb])}


__all__ = ["FAIL", "PASS", "UNKNOWN", "agree", "disagreements", "engine_verdicts", "oracle_verdicts"]
