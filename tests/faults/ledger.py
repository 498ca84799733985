"""The per-attack table of the fault suite (issue 14: "held" per attack, with the verdict counts
compared with the clean run).

A test that has faulted a collection or an input hands its clean and faulted outcomes to the
session's `Ledger` (the `ledger` fixture of conftest.py). `compare` is the assertion itself
(verdicts.assert_held), so an attack is listed "held" only when the comparison passed, and
"BROKEN" with the first failed rule when it did not; the test still fails as before. Attacks the
CLI refuses outright (exit 2 with one line) are listed with what was refused instead of faulted
counts. conftest.py prints the table in pytest's terminal summary, so `make test` shows it.

The counts are a summary for the reader, never the assertion: what the tests assert is that
no verdict became PASS, no FAIL was lost and no resource vanished without an `errors` entry.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from safemaker.scanner.model import Finding, Status

from .verdicts import Outcome, assert_held


def tally(findings: Iterable[Finding]) -> str:
    """'12 PASS 5 FAIL 1 ERROR' (every status named, zeros included, so rows line up)."""
    counts = Counter(f.status for f in findings)
    return " ".join(f"{counts[status]} {status.value}" for status in Status)


def tally_of_summary(summary: dict[str, int]) -> str:
    """The same text from a findings.json `summary` block (what the CLI wrote)."""
    return " ".join(f"{summary.get(status.value, 0)} {status.value}" for status in Status)


@dataclass(frozen=True)
class Entry:
    attack: str
    held: bool
    clean: str
    faulted: str
    why: str = ""


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)

    def compare(self, attack: str, clean: Outcome, faulted: Outcome) -> None:
        """Assert that the faulted run held against the clean one, and record the row either way."""
        before, after = tally(clean.findings.values()), tally(faulted.findings.values())
        try:
            assert_held(clean, faulted)
        except AssertionError as failed:
            self.entries.append(Entry(attack, False, before, after, str(failed).splitlines()[0]))
            raise
        self.entries.append(Entry(attack, True, before, after))

    def record(self, attack: str, clean: str, faulted: str, problems: list[str]) -> None:
        """A row for a test that makes its own comparison (``problems`` empty means it held)."""
        self.entries.append(Entry(attack, not problems, clean, faulted, problems[0] if problems else ""))

    def refused(self, attack: str, clean: str, how: str) -> None:
        """A row for an input the CLI refused as a whole; call it after the test's assertions."""
        self.entries.append(Entry(attack, True, clean, f"refused: {how}"))

    def lines(self) -> list[str]:
        width = max((len(e.attack) for e in self.entries), default=0)
        out = []
        for e in self.entries:
            row = f"{'held' if e.held else 'BROKEN':6} {e.attack:{width}}  clean: {e.clean} -> faulted: {e.faulted}"
            out.append(row if e.held else f"{row}  ({e.why})")
        held = sum(e.held for e in self.entries)
        out.append(f"{held} of {len(self.entries)} attacks held")
        return out
