"""Compare two findings files by fingerprint: what is new, fixed, unchanged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .snapshot import read_json

FINDINGS_SCHEMA = "safemaker.findings/v1"


@dataclass(frozen=True)
class Diff:
    new: list[Mapping[str, Any]]
    fixed: list[Mapping[str, Any]]
    unchanged: list[Mapping[str, Any]]


def read_findings(path: str) -> list[Mapping[str, Any]]:
    doc = read_json(path)
    if not isinstance(doc, Mapping) or doc.get("schema") != FINDINGS_SCHEMA:
        raise InputError(path, "schema", f"not a {FINDINGS_SCHEMA} document")
    findings = doc.get("findings")
    if not isinstance(findings, list) or not all(isinstance(f, Mapping) for f in findings):
        raise InputError(path, "findings", "must be a list of objects")
    for i, f in enumerate(findings):
        if not isinstance(f.get("fingerprint"), str):
            raise InputError(path, f"findings[{i}].fingerprint", "missing or not a string")
    return list(findings)


def _failing(findings: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {f["fingerprint"]: f for f in findings if f.get("status") in ("FAIL", "ERROR")}


def diff_findings(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> Diff:
    """Only FAIL and ERROR findings matter: a PASS is neither a problem nor a regression."""
    a, b = _failing(old), _failing(new)
    return Diff(
        new=[b[k] for k in sorted(b.keys() - a.keys())],
        fixed=[a[k] for k in sorted(a.keys() - b.keys())],
        unchanged=[b[k] for k in sorted(a.keys() & b.keys())],
    )
