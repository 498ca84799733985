"""Run the real engine and the prover over an estate built with `tests/estate.py`.

Shared by the semantics tests and the fixture-file test; every document is validated against
botocore's output shapes before it is scanned, so a scenario cannot test a shape AWS never sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from estate import Estate

from safemaker.checks.net import CHECKS
from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import Registry
from safemaker.scanner.checking.resources import resources_of
from safemaker.scanner.config import Config
from safemaker.scanner.graph.proof import EgressProof
from safemaker.scanner.graph.prove import Network
from safemaker.scanner.model import Finding, Path, ResourceType
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot


@cache
def registry() -> Registry:
    reg = Registry()
    for func in CHECKS:
        reg.register(func)
    return reg


@dataclass
class Scan:
    doc: dict[str, Any]
    findings: dict[tuple[str, str], Finding]
    config: Config

    def finding(self, check_id: str, resource_id: str) -> Finding:
        return self.findings[(check_id, resource_id)]

    def status(self, check_id: str, resource_id: str) -> str:
        return self.finding(check_id, resource_id).status.value

    def paths(self, check_id: str, resource_id: str) -> tuple[Path, ...]:
        return self.finding(check_id, resource_id).evidence.paths

    def proof(self, notebook: str) -> EgressProof:
        """The prover's own result for a notebook (a fresh Network, as a check would build it)."""
        snapshot = Snapshot(self.doc, "scenario")
        view = next(iter(snapshot.views()))
        resource = next(r for r in resources_of(view, ResourceType.NOTEBOOK_INSTANCE) if r.id == notebook)
        return Network(snapshot, self.config).notebook_proof(resource)


def scan(estate: Estate | dict[str, Any], config: Config | None = None, name: str = "scenario") -> Scan:
    doc = estate.build() if isinstance(estate, Estate) else estate
    validate_snapshot(doc, name)
    config = config or Config()
    findings = run_checks(Snapshot(doc, name), registry(), config)
    return Scan(doc, {(f.check_id, f.resource.id): f for f in findings}, config)


def hop_ids(path: Path) -> list[str]:
    return [h.id for h in path.hops]


def hop_kinds(path: Path) -> list[str]:
    return [h.kind for h in path.hops]


def destinations(paths: Iterable[Path]) -> set[str]:
    return {d for p in paths for d in p.destinations}
