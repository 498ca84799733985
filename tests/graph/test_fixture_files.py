"""The committed `fixtures/*/net-*.json` files are exactly what `tests/make_fixtures.py` writes,
and each scenario, loaded from disk like a user's snapshot, gets the verdicts its expected file
states."""

from __future__ import annotations

import json
from pathlib import Path

import make_fixtures
import pytest
from estate_scan import scan

from safemaker.scanner.snapshot.io import load

GENERATED = make_fixtures.generate()
NAMES = sorted(make_fixtures.BUILDERS)


@pytest.mark.parametrize("path", sorted(GENERATED), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_file_matches_generator(path: Path) -> None:
    assert path.exists(), f"{path} is missing: run .venv/bin/python tests/make_fixtures.py"
    assert path.read_text(encoding="utf-8") == GENERATED[path], (
        f"{path} is out of date: run .venv/bin/python tests/make_fixtures.py")


def test_no_stale_net_fixtures() -> None:
    on_disk = {p for folder in (make_fixtures.SCENARIOS, make_fixtures.EXPECTED) for p in folder.glob("net-*.json")}
    assert on_disk == set(GENERATED)


@pytest.mark.parametrize("name", NAMES)
def test_scenario_file_verdicts(name: str) -> None:
    snapshot = load(str(make_fixtures.SCENARIOS / f"net-{name}.json"))  # validates, as `analyze` does
    expected = json.loads((make_fixtures.EXPECTED / f"net-{name}.json").read_text(encoding="utf-8"))
    result = scan(dict(snapshot.doc), name=name)
    got = {check: {resource: result.status(check, resource) for resource in verdicts}
           for check, verdicts in expected.items()}
    assert got == expected
