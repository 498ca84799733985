"""Combine snapshots of different accounts or regions into one (sharded collection)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from safemaker.scanner.snapshot.io import SCHEMA


def merge_snapshots(docs: Sequence[tuple[str, Mapping[str, Any]]]) -> tuple[dict[str, Any], list[str]]:
    """Merged document and conflicts; an (account, region) in two inputs must be identical."""
    accounts: dict[str, dict[str, Any]] = {}
    origin: dict[tuple[str, str], str] = {}
    errors: list[Any] = []
    conflicts: list[str] = []
    created = ""
    versions = set()
    for source, doc in docs:
        created = max(created, str(doc.get("created", "")))
        versions.add(str(doc.get("tool_version", "")))
        for account, regions in doc.get("accounts", {}).items():
            for region, data in regions.items():
                key = (account, region)
                if key in origin:
                    if _canon(accounts[account][region]) != _canon(data):
                        conflicts.append(f"{account}/{region} differs between {origin[key]} and {source}: "
                                         f"kept {origin[key]}")
                    continue
                origin[key] = source
                accounts.setdefault(account, {})[region] = data
        for err in doc.get("errors", []) or []:
            if err not in errors:
                errors.append(err)
    merged = {
        "schema": SCHEMA,
        "created": created,
        "tool_version": sorted(versions)[-1] if versions else "",
        "accounts": {a: dict(sorted(r.items())) for a, r in sorted(accounts.items())},
        # grouped by account and region, in call order within each, as one collection writes them
        "errors": sorted(errors, key=lambda e: (str(e.get("account", "")), str(e.get("region", "")))),
    }
    return merged, conflicts


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
