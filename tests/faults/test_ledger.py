"""The attack table must never say "held" for a run that lost a FAIL: the row is the assertion.

Built on a real fixture's verdicts; the "faulted" outcome is the same verdicts with one FAIL
turned into PASS (the worst fault there is), which must be a BROKEN row and a failed test.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from safemaker.scanner.model import Status

from .ledger import Ledger
from .verdicts import Outcome, outcome

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "net-seed000-proxy.json"


@pytest.fixture(scope="module")
def clean() -> Outcome:
    return outcome(json.loads(FIXTURE.read_text("utf-8")))


def test_an_unchanged_run_is_listed_as_held_with_both_counts(clean: Outcome) -> None:
    ledger = Ledger()
    ledger.compare("nothing-done", clean, Outcome(clean.doc, dict(clean.findings)))
    [row, total] = ledger.lines()
    # (the 2 ERRORs: GRD-001/002, the fixture holds no IAM data)
    assert row == "held   nothing-done  clean: 8 PASS 2 FAIL 2 ERROR -> faulted: 8 PASS 2 FAIL 2 ERROR"
    assert total == "1 of 1 attacks held"


def test_a_fail_turned_pass_is_broken_and_still_fails_the_test(clean: Outcome) -> None:
    [key] = [k for k, f in clean.findings.items() if f.status is Status.FAIL][:1]
    flipped = dict(clean.findings)
    flipped[key] = dataclasses.replace(flipped[key], status=Status.PASS)
    ledger = Ledger()
    with pytest.raises(AssertionError, match="new PASS"):
        ledger.compare("fail-to-pass", clean, Outcome(clean.doc, flipped))
    [row, total] = ledger.lines()
    assert row == (f"BROKEN fail-to-pass  clean: 8 PASS 2 FAIL 2 ERROR -> faulted: 9 PASS 1 FAIL 2 ERROR  "
                   f"(new PASS: {key})")
    assert total == "0 of 1 attacks held"
