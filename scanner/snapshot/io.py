"""Read access to a `safemaker.snapshot/v1` document.

The one rule this module exists to enforce: *absent means unknown, empty means none*. Every
accessor raises MissingData when an operation (or a per-resource entry) was not collected, and
the message says which call is missing and, when the collector recorded one, why it failed.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from safemaker.scanner import fastjson
from safemaker.scanner.errors import MissingData, SnapshotError

SCHEMA = "safemaker.snapshot/v1"
MAX_BYTES = 512 * 1024 * 1024
#: JSON arrays and objects one file may hold. Each costs Python 56+ bytes even when empty, so a
#: file of nothing but `[]` would exhaust memory long before MAX_BYTES (30 MB of them take
#: 800 MB); real snapshots hold about one container per 40 bytes (a 120 MB estate of 10,000
#: notebooks: about 3 million).
MAX_CONTAINERS = 12_000_000
# Nesting depth is capped by the parser itself: json stops at its recursion limit (about 1,000
# levels) with RecursionError, at the point where the nesting gets too deep, and read_json turns
# that into one line; the validator then caps responses at validate.MAX_DEPTH levels.

# A backslash escape of a UTF-16 surrogate: the only way a lone surrogate can enter parsed text
# (the UTF-8 decoder rejects encoded ones), so documents without one need no walk.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
#: Services read once per account under the region key aws-global (validate.GLOBAL_REGION).
_GLOBAL_REGION = "aws-global"
_GLOBAL_SERVICES = frozenset({"iam", "organizations"})
# A JSON string literal, to count brackets outside strings only.
_STRING_LITERAL = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


@dataclass(frozen=True)
class CollectionFailure:
    account: str
    region: str
    service: str
    operation: str
    resource: str | None
    error_code: str
    message: str

    def describe(self) -> str:
        res = f" for {self.resource}" if self.resource else ""
        return f"{self.service} {self.operation}{res} failed with {self.error_code}"


class RegionView:
    """Everything collected in one account and region."""

    def __init__(self, snapshot: Snapshot, account: str, region: str, data: Mapping[str, Any]) -> None:
        self.snapshot = snapshot
        self.account = account
        self.region = region
        self._data = data
        #: "account/region", as messages name the place (read millions of times by the prover)
        self.where = f"{account}/{region}"

    def has(self, service: str, operation: str) -> bool:
        svc = self._data.get(service)
        return isinstance(svc, Mapping) and operation in svc

    def response(self, service: str, operation: str) -> Any:
        """The merged response of an operation, or MissingData naming the gap."""
        svc = self._data.get(service)
        if not isinstance(svc, Mapping) or operation not in svc:
            raise MissingData(self.missing_reason(service, operation, None))
        return svc[operation]

    def items(self, service: str, operation: str, key: str) -> list[Any]:
        """The list under `key` in a list-style operation's merged response."""
        resp = self.response(service, operation)
        if not isinstance(resp, Mapping):
            raise MissingData(f"{service} {operation} in {self.where} is not an object")
        value = resp.get(key, [])
        if not isinstance(value, list):
            raise MissingData(f"{service} {operation}.{key} in {self.where} is not a list")
        return value

    def detail(self, service: str, operation: str, resource_id: str) -> Any:
        """One entry of a per-resource operation (keyed as docs/snapshot-format.md says)."""
        resp = self.response(service, operation)
        if not isinstance(resp, Mapping) or resource_id not in resp:
            raise MissingData(self.missing_reason(service, operation, resource_id))
        return resp[resource_id]

    def optional(self, service: str, operation: str) -> Any | None:
        """For operations whose absence is safe by contract (e.g. Block Public Access)."""
        svc = self._data.get(service)
        if isinstance(svc, Mapping):
            return svc.get(operation)
        return None

    def missing_reason(self, service: str, operation: str, resource_id: str | None = None) -> str:
        if service in _GLOBAL_SERVICES and self.region != _GLOBAL_REGION:
            # asked from a region (an account without aws-global data): the gap is the account's
            return RegionView(self.snapshot, self.account, _GLOBAL_REGION, {}).missing_reason(
                service, operation, resource_id)
        for failure in self.snapshot.failures:
            if (
                failure.account == self.account
                and failure.region == self.region
                and failure.service == service
                and failure.operation == operation
                and (resource_id is None or failure.resource in (None, resource_id))
            ):
                return f"{failure.describe()} in {self.where}: {failure.message}".rstrip(": ")
        for failure in self.snapshot.failures:
            # Failures that stopped a whole account or region (a role that could not be assumed,
            # an interrupted collection) explain everything missing there.
            # (aws-global has no role of its own: a role not assumed in any region explains it too)
            anywhere = self.region == _GLOBAL_REGION and failure.service == "sts"
            if failure.account == self.account and failure.service in ("sts", "safemaker") and (
                    failure.region in ("", self.region) or anywhere):
                return f"nothing more was collected in {self.where}: {failure.describe()}: {failure.message}"
        target = f" for {resource_id}" if resource_id else ""
        return f"{service} {operation}{target} was not collected in {self.where}"


class Snapshot:
    """A validated snapshot document; construct with `load()` or `Snapshot(doc, source)`."""

    def __init__(self, doc: Mapping[str, Any], source: str = "<snapshot>", problems: Sequence[str] = ()) -> None:
        self.doc = doc
        self.source = source
        #: Responses left out as unreadable ("file: place: problem"), for the run's summary.
        self.problems = tuple(problems)
        self.failures = tuple(_failures(doc))
        self._views: dict[tuple[str, str], RegionView] = {}
        for account, regions in sorted(doc.get("accounts", {}).items()):
            for region, data in sorted(regions.items()):
                self._views[(account, region)] = RegionView(self, account, region, data)

    @property
    def created(self) -> str:
        return str(self.doc.get("created", ""))

    def views(self) -> Iterator[RegionView]:
        yield from self._views.values()

    def view(self, account: str, region: str) -> RegionView:
        try:
            return self._views[(account, region)]
        except KeyError:
            raise MissingData(f"account {account} region {region} is not in the snapshot") from None

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted({a for a, _ in self._views}))

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({r for _, r in self._views}))


def _failures(doc: Mapping[str, Any]) -> Iterator[CollectionFailure]:
    for e in doc.get("errors", []) or []:
        if not isinstance(e, Mapping):
            continue
        yield CollectionFailure(
            account=str(e.get("account", "")),
            region=str(e.get("region", "")),
            service=str(e.get("service", "")),
            operation=str(e.get("operation", "")),
            resource=None if e.get("resource") in (None, "") else str(e.get("resource")),
            error_code=str(e.get("error_code", "Unknown")),
            message=str(e.get("message", "")),
        )


def read_json(path: str) -> Any:
    """Parse a JSON file, turning every way it can be unreadable into one SnapshotError line."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise SnapshotError(path, "", f"cannot read file: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise SnapshotError(path, "", f"file is {size} bytes, larger than the {MAX_BYTES} byte limit")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        _check_containers(path, data)
        doc = _parse(data)
        if _SURROGATE_ESCAPE.search(data):
            _check_surrogates(path, doc)
        return doc
    except UnicodeDecodeError as exc:
        raise SnapshotError(path, f"byte {exc.start}", "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(path, f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise SnapshotError(path, "", f"JSON is nested too deeply (more than about {sys.getrecursionlimit()} "
                                      "levels)") from None
    except ValueError as exc:  # e.g. an integer literal longer than Python converts (4300 digits)
        raise SnapshotError(path, "", f"not valid JSON: {exc}") from None
    except OSError as exc:
        raise SnapshotError(path, "", f"cannot read file: {exc.strerror}") from None


def _check_containers(path: str, text: bytes) -> None:
    """Fail fast, before parsing, on more containers than any snapshot has.

    Counting brackets is a C-speed scan; brackets inside strings only make the first count
    larger, so the exact count (strings removed) is taken only when the quick one is over.
    """
    rough = text.count(b"[") + text.count(b"{")
    if rough <= MAX_CONTAINERS:
        return
    bare = _STRING_LITERAL.sub(b'""', text) if b'"' in text else text
    count = bare.count(b"[") + bare.count(b"{")
    if count > MAX_CONTAINERS:
        raise SnapshotError(path, "", f"holds {count} JSON arrays/objects, more than the limit of {MAX_CONTAINERS} "
                                      "(no snapshot is built like this; refusing to load it)")


def _check_surrogates(path: str, value: Any, place: str = "") -> None:
    """Reject lone UTF-16 surrogates (`\\ud800`): valid JSON, but no UTF-8 output can hold them."""
    stack: list[tuple[Any, str]] = [(value, place)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                raise SnapshotError(path, where, "string holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                                                 "which is not text")
        elif isinstance(item, dict):
            for key, child in item.items():
                here = f"{where}.{key}" if where else str(key)
                if _has_surrogate(key):
                    raise SnapshotError(path, where or "(top level)",
                                        "a key holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text")
                stack.append((child, here))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(item))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _parse(data: bytes) -> Any:
    """fastjson.loads (the standard library's value, faster) with the cyclic garbage collector
    paused: parsing builds millions of containers and no cycles, and each collection it
    triggers would rescan all of them (measured: 3.8 s instead of 0.9 s CPU for a 120 MB
    snapshot)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return fastjson.loads(data)
    finally:
        if collecting:
            gc.enable()


def load(path: str, jobs: int | None = None) -> Snapshot:
    """Read and validate a snapshot file; raises SnapshotError naming file and place."""
    return snapshot_from_doc(read_json(path), path, jobs)


def snapshot_from_doc(doc: Any, source: str, jobs: int | None = None) -> Snapshot:
    """A Snapshot of a parsed document (a file, a collection, the demo), validated.

    Problems in the envelope or the keys raise SnapshotError; a response with a problem is left
    out as if its call had failed (see validate.validate_partially), so that only the verdicts
    that read it become ERROR, and `Snapshot.problems` names each place for the run's summary.
    """
    from safemaker.scanner.snapshot.validate import validate_partially  # local: pulls in botocore models

    usable, problems = validate_partially(doc, source, jobs)  # jobs: processes, None by its size
    return Snapshot(usable, source, problems)
