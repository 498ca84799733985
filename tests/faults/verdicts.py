"""What "held" means for a faulted collection, compared with the clean one.

* no verdict becomes PASS: every PASS of the faulted run was a PASS of the clean run;
* no FAIL is lost: a clean FAIL is FAIL or ERROR, or its resource's whole type could not be
  listed (a region-level ERROR of the same check);
* no resource disappears without an ``errors`` entry: a clean (check, resource) missing from
  the faulted run is covered by such a region-level ERROR, whose message names a call that the
  faulted snapshot's ``errors`` lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.model import Finding, ResourceType, Status
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot

Key = tuple[str, str, str]  # check id, resource type, resource id


@dataclass
class Outcome:
    doc: dict[str, Any]
    findings: dict[Key, Finding]

    def status(self, check: str, resource: str) -> Status:
        [found] = [f.status for (c, _t, r), f in self.findings.items() if c == check and r == resource]
        return found

    def message(self, check: str, resource: str) -> str:
        [found] = [f.message for (c, _t, r), f in self.findings.items() if c == check and r == resource]
        return str(found)

    def errors(self, operation: str) -> list[dict[str, Any]]:
        return [e for e in self.doc["errors"] if e["operation"] == operation]


def outcome(doc: dict[str, Any]) -> Outcome:
    validate_snapshot(doc, source="<faulted>")
    findings = run_checks(Snapshot(doc, "<faulted>"), load_registry())
    keyed = {(f.check_id, f.resource.type.value, f.resource.id): f for f in findings}
    assert len(keyed) == len(findings), "one finding per (check, resource)"
    return Outcome(doc, keyed)


def assert_held(clean: Outcome, faulted: Outcome) -> None:
    failed_ops = {e["operation"] for e in faulted.doc["errors"]}
    for key, finding in faulted.findings.items():
        if finding.status is Status.PASS:
            assert key in clean.findings and clean.findings[key].status is Status.PASS, f"new PASS: {key}"
    region_errors: Mapping[tuple[str, str], Finding] = {
        (k[0], f.resource.id.split(" in ")[0]): f for k, f in faulted.findings.items()
        if f.resource.type is ResourceType.REGION and f.status is Status.ERROR}
    for key, finding in clean.findings.items():
        now = faulted.findings.get(key)
        if now is not None:
            if finding.status is Status.FAIL:
                assert now.status in (Status.FAIL, Status.ERROR), f"lost FAIL: {key}"
            continue
        cover = region_errors.get((key[0], key[1]))
        assert cover is not None, f"{key} disappeared without an ERROR"
        assert any(op in cover.message for op in failed_ops), (key, cover.message)
