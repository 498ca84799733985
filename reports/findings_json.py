"""The findings file, `safemaker.findings/v1` (docs/snapshot-format.md, findings file).

This is the one output that other programs read (`safemaker diff`, CI gates, dashboards), so the
layout is fixed by the contract and the bytes are fixed by the report: keys are emitted in the
contract's order, findings in `Finding.sort_key()` order and lists of accounts and regions sorted,
so that two runs over the same snapshot differ only in `generated`.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from safemaker.scanner.fastjson import pieces_indented_with_list
from safemaker.scanner.model import Report

SCHEMA_ID = "safemaker.findings/v1"
TOOL_NAME = "safemaker"
_SCHEMA_RESOURCE = "schemas/findings.schema.json"


def findings_document(report: Report, findings: bool = True) -> dict[str, Any]:
    """The findings file as plain data, for callers that post-process it before writing
    (`findings=False`: all but the findings, which come last)."""
    snap = report.snapshot
    doc: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "tool": {"name": TOOL_NAME, "version": report.tool_version},
        "generated": report.generated,
        "snapshot": {
            "created": snap.created,
            "accounts": sorted(set(snap.accounts)),
            "regions": sorted(set(snap.regions)),
        },
        "summary": report.summary(),
    }
    # Additions to the contract, present only when the run used them (--baseline, [[suppress]]).
    if report.baseline is not None:
        doc["baseline"] = report.baseline.to_json()
    if report.suppressions is not None:
        doc["suppressions"] = [use.to_json() for use in report.suppressions]
    if findings:
        doc["findings"] = [f.to_json() for f in sorted(report.findings, key=lambda f: f.sort_key())]
    return doc


def render_json(report: Report) -> str:
    """Serialise the report; ASCII-only so the bytes do not depend on the console's encoding."""
    return "".join(render_json_pieces(report))


def render_json_pieces(report: Report) -> list[str]:
    """`render_json` in pieces (a finding each), to be written in turn: the file of a large
    estate is hundreds of MB, and joining it would hold it twice."""
    ordered = sorted(report.findings, key=lambda f: f.sort_key())
    return pieces_indented_with_list(findings_document(report, findings=False), "findings",
                                     (f.to_json() for f in ordered))


def findings_schema() -> dict[str, Any]:
    """The JSON Schema of the findings file, read from package data so it ships with the wheel.

    A fresh copy each call: the parsed file is cached, and a caller editing its copy (adding a
    format checker, say) must not change what the next caller validates against.
    """
    return copy.deepcopy(_load_schema())


@lru_cache(maxsize=1)
def _load_schema() -> dict[str, Any]:
    text = resources.files("safemaker.reports").joinpath(_SCHEMA_RESOURCE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
