"""Combine snapshots of different accounts or regions into one (sharded collection).

A merge never loses data silently. An (account, region) held by two inputs with different
content is an error naming both files, unless the caller prefers the newest copy: then the copy
from the input with the later `created` is kept, the other copy and the errors recorded with it
are dropped, and the choice is written into the merged `errors` so that the snapshot itself says
what it replaced. Identical copies are one copy. The merged `created` is the oldest `created` of
the inputs whose data was kept: a snapshot is as old as its oldest part.

Linear in the input size: each (account, region) and each error entry is looked up in a
dictionary once; nothing is compared against a growing list.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from safemaker.scanner.errors import InputError
from safemaker.scanner.snapshot.io import SCHEMA

#: The `errors` entry recording a replaced copy (service/operation name safemaker's own step,
#: not an AWS call, so it is never mistaken for the reason data is missing).
MERGE_SERVICE = "safemaker-merge"
MERGE_OPERATION = "PreferNewest"
MERGE_CODE = "OverlapReplaced"


class MergeConflict(InputError):
    """Two inputs hold the same account and region with different content."""


def _time(created: str) -> datetime:
    """`created` as a comparable time; unreadable values sort oldest (validation rejects them anyway)."""
    text = created[:-1] + "+00:00" if created[-1:] in "Zz" and created else created
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def merge_snapshots(docs: Sequence[tuple[str, Mapping[str, Any]]], *, prefer_newest: bool = False,
                    ) -> tuple[dict[str, Any], list[str]]:
    """The merged document and one line per copy that `prefer_newest` replaced.

    Raises MergeConflict for differing copies when `prefer_newest` is false.
    """
    # (account, region) -> index of the input whose copy is kept
    owner: dict[tuple[str, str], int] = {}
    canon: dict[tuple[str, str], str] = {}
    dropped: set[tuple[int, str, str]] = set()  # (input, account, region) copies not kept
    notes: list[str] = []
    choices: list[dict[str, Any]] = []
    times = [_time(str(doc.get("created", ""))) for _source, doc in docs]
    for index, (source, doc) in enumerate(docs):
        for account, regions in (doc.get("accounts") or {}).items():
            for region, data in regions.items():
                key = (account, region)
                first = owner.get(key)
                if first is None:
                    owner[key] = index
                    continue
                if key not in canon:
                    canon[key] = _canon(docs[first][1]["accounts"][account][region])
                if canon[key] == _canon(data):
                    continue  # the same data twice is one copy
                first_source = docs[first][0]
                if not prefer_newest:
                    raise MergeConflict(
                        f"{first_source} and {source}", f"{account}/{region}",
                        "merge conflict: both inputs hold this account and region with different data; refusing to "
                        "drop either (collect it once, or pass --prefer newest to keep the newer copy)")
                keep, drop = (index, first) if times[index] > times[first] else (first, index)
                owner[key] = keep
                canon[key] = _canon(docs[keep][1]["accounts"][account][region])
                dropped.add((drop, account, region))
                dropped.discard((keep, account, region))
                line = (f"{account}/{region}: kept {docs[keep][0]} (created {docs[keep][1].get('created', '?')}), "
                        f"dropped {docs[drop][0]} (created {docs[drop][1].get('created', '?')})")
                notes.append(line)
                choices.append({"account": account, "region": region, "service": MERGE_SERVICE,
                                "operation": MERGE_OPERATION, "resource": None, "error_code": MERGE_CODE,
                                "message": line})
    accounts: dict[str, dict[str, Any]] = {}
    kept_inputs: set[int] = set()
    for (account, region), index in owner.items():
        accounts.setdefault(account, {})[region] = docs[index][1]["accounts"][account][region]
        kept_inputs.add(index)
    merged = {
        "schema": SCHEMA,
        "created": _oldest(docs, kept_inputs),
        "tool_version": max((str(doc.get("tool_version", "")) for _s, doc in docs), default=""),
        "accounts": {a: dict(sorted(r.items())) for a, r in sorted(accounts.items())},
        "errors": _errors(docs, dropped, choices),
    }
    return merged, notes


def _oldest(docs: Sequence[tuple[str, Mapping[str, Any]]], kept: set[int]) -> str:
    """The oldest `created` among the inputs whose data was kept (all inputs when none holds data)."""
    chosen = [i for i in range(len(docs)) if i in kept] or list(range(len(docs)))
    if not chosen:
        return ""
    return str(docs[min(chosen, key=lambda i: _time(str(docs[i][1].get("created", ""))))][1].get("created", ""))


def _errors(docs: Sequence[tuple[str, Mapping[str, Any]]], dropped: set[tuple[int, str, str]],
            choices: list[dict[str, Any]]) -> list[Any]:
    """Every input's errors once, without those of dropped copies, grouped by account and region
    (sorted groups, call order within each, as one collection writes them), then the choices."""
    groups: dict[tuple[str, str], list[Any]] = {}
    seen: set[str] = set()
    for index, (_source, doc) in enumerate(docs):
        for err in doc.get("errors") or []:
            account, region = str(err.get("account", "")), str(err.get("region", ""))
            if (index, account, region) in dropped:
                continue
            text = _canon(err)
            if text in seen:
                continue
            seen.add(text)
            groups.setdefault((account, region), []).append(err)
    for choice in choices:
        groups.setdefault((choice["account"], choice["region"]), []).append(choice)
    return [err for key in sorted(groups) for err in groups[key]]


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
