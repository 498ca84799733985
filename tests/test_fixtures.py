"""Every fixture validates and gives exactly the verdicts its expected file lists; every check
has at least one PASS and one FAIL fixture (Checkov-style meta-test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "fixtures" / "scenarios").glob("*.json"))


def _expected(path: Path) -> dict[str, dict[str, str]]:
    exp = ROOT / "fixtures" / "expected" / path.name
    data: dict[str, dict[str, str]] = json.loads(exp.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_fixture_verdicts(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    validate_snapshot(doc, str(path))
    findings = run_checks(Snapshot(doc, str(path)), load_registry(entry_points=False))
    got = {(f.check_id, f.resource.id): f.status.value for f in findings}
    expected = _expected(path)
    assert expected, f"{path.name} has no expectations"
    wrong = {f"{check} {res}": (want, got.get((check, res), "missing"))
             for check, rows in expected.items() for res, want in rows.items() if got.get((check, res)) != want}
    assert not wrong, f"{path.name}: (expected, got) {wrong}"


def test_every_check_has_pass_and_fail_fixtures() -> None:
    seen: dict[str, set[str]] = {}
    for path in SCENARIOS:
        for check, rows in _expected(path).items():
            seen.setdefault(check, set()).update(rows.values())
    missing = {spec.id: sorted({"PASS", "FAIL"} - seen.get(spec.id, set()))
               for spec in load_registry(entry_points=False).specs()
               if not {"PASS", "FAIL"} <= seen.get(spec.id, set())}
    assert not missing, f"checks lacking fixtures: {missing}"
