"""Run the engine and the oracle on one snapshot document and compare verdicts per notebook.

NET-001 (walker.decide) always; NET-007 (walker.decide_relays, rule 31) when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from safemaker.checks.net import CHECKS
from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import Registry
from safemaker.scanner.snapshot.io import Snapshot

from .walker import FAIL, PASS, UNKNOWN, decide, decide_relays

DECIDERS = {"NET-001": decide, "NET-007": decide_relays}


def engine_verdicts(doc: dict[str, Any], check: str = "NET-001") -> dict[str, tuple[str, str]]:
    """Notebook -> (status, message) of the engine's finding for `check`."""
    registry = Registry()
    for func in CHECKS:
        registry.register(func)
    findings = run_checks(Snapshot(doc, "gen"), registry)
    return {f.resource.id: (f.status.value, f.message) for f in findings if f.check_id == check}


def oracle_verdicts(doc: dict[str, Any], quirks: frozenset[str] = frozenset(),
                    check: str = "NET-001") -> dict[str, str]:
    out = {}
    for regions in doc["accounts"].values():
        for data in regions.values():
            for nb in data["sagemaker"]["ListNotebookInstances"]["NotebookInstances"]:
                name = nb["NotebookInstanceName"]
                out[name] = DECIDERS[check](doc, name, quirks)
    return out


def agree(engine: str, oracle: str) -> bool:
    return engine == oracle or (engine == "ERROR" and oracle == UNKNOWN)


def disagreements(doc: dict[str, Any], quirks: frozenset[str] = frozenset(),
                  checks: Iterable[str] = ("NET-001",)) -> dict[str, tuple[str, str, str]]:
    """"NOTEBOOK" (NET-001) or "NOTEBOOK CHECK" -> (engine status, oracle verdict, engine message)
    where they differ."""
    out = {}
    for check in checks:
        engine = engine_verdicts(doc, check)
        oracle = oracle_verdicts(doc, quirks, check)
        key = "{}" if check == "NET-001" else "{} " + check
        out.update({key.format(nb): (engine[nb][0], oracle[nb], engine[nb][1]) for nb in sorted(oracle)
                    if not agree(engine.get(nb, ("MISSING", ""))[0], oracle[nb])})
    return out


__all__ = ["FAIL", "PASS", "UNKNOWN", "agree", "disagreements", "engine_verdicts", "oracle_verdicts"]
