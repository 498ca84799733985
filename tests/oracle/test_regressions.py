"""Regression fixtures from engine/oracle disagreements, and the oracle checked against others'
expectations (the oracle can be wrong too).

fixtures/scenarios/oracle-<name>.json + fixtures/expected/oracle-<name>.json come from
make_fixtures.py. Each expected verdict is what AWS does (docs/forwarding-rules.md); the engine must match it
(xfail, strict, while the engine bug is open) and so must the oracle (always).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.snapshot.validate import validate_snapshot

from .compare import engine_verdicts
from .walker import UNKNOWN, decide, decide_relays

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BATFISH = Path(os.environ.get("ORACLE_BATFISH_DIR", "/work/shared/oracles/batfish"))

# (scenario, notebook) -> reason, for engine bugs found by the oracle and not yet fixed. Empty:
# the three found so far (numbered protocols, public address across a TGW, DirectInternetAccess
# with the ENI missing) are fixed and their fixtures now guard against regressions.
OPEN_ENGINE_BUGS: dict[tuple[str, str], str] = {}


def _load(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _cases(prefix: str, check: str = "NET-001") -> list[Any]:
    out = []
    for scenario in sorted((FIXTURES / "scenarios").glob(f"{prefix}*.json")):
        expected_path = FIXTURES / "expected" / scenario.name
        if not expected_path.exists():
            continue
        for nb, status in sorted(_load(expected_path).get(check, {}).items()):
            marks = []
            reason = OPEN_ENGINE_BUGS.get((scenario.stem, nb))
            if reason and prefix == "oracle-":
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(scenario.stem, nb, status, id=f"{scenario.stem}:{nb}", marks=marks))
    return out


def _agrees(got: str, want: str) -> bool:
    return got == want or (want == "ERROR" and got == UNKNOWN)


@pytest.mark.parametrize("scenario", sorted(p.stem for p in (FIXTURES / "scenarios").glob("oracle-*.json")))
def test_oracle_fixture_validates(scenario: str) -> None:
    validate_snapshot(_load(FIXTURES / "scenarios" / f"{scenario}.json"), scenario)


@pytest.mark.parametrize(("scenario", "notebook", "status"), _cases("oracle-"))
def test_engine_on_oracle_fixture(scenario: str, notebook: str, status: str) -> None:
    got = engine_verdicts(_load(FIXTURES / "scenarios" / f"{scenario}.json"))[notebook]
    assert got[0] == status, got[1]


@pytest.mark.parametrize(("scenario", "notebook", "status"), _cases(""))
def test_oracle_on_every_net_fixture(scenario: str, notebook: str, status: str) -> None:
    """The oracle against every NET-001 expectation in fixtures/ (the team's hand-written ones too,
    Block Public Access included since the oracle models rule 11)."""
    doc = _load(FIXTURES / "scenarios" / f"{scenario}.json")
    assert _agrees(decide(doc, notebook), status)


@pytest.mark.parametrize(("scenario", "notebook", "status"), _cases("", "NET-007"))
def test_oracle_relays_on_every_fixture(scenario: str, notebook: str, status: str) -> None:
    """The oracle's NET-007 (rule 31) against every NET-007 expectation in fixtures/."""
    doc = _load(FIXTURES / "scenarios" / f"{scenario}.json")
    assert _agrees(decide_relays(doc, notebook), status)


def _batfish_cases() -> list[Any]:
    if not (BATFISH / "expected.json").exists():
        return [pytest.param("", "", "", marks=pytest.mark.skip(reason=f"no Batfish cases at {BATFISH}"))]
    expected = _load(BATFISH / "expected.json")
    return [pytest.param(case, nb, status, id=f"{case}:{nb}")
            for case, entry in sorted(expected.items()) for nb, status in sorted(entry["NET-001"].items())]


@pytest.mark.parametrize(("case", "notebook", "status"), _batfish_cases())
def test_oracle_on_batfish_cases(case: str, notebook: str, status: str) -> None:
    """Independent verdicts derived from Batfish's own AWS tests (shared/oracles/batfish/README.md)."""
    assert decide(_load(BATFISH / f"{case}.json"), notebook) == status
