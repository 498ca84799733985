"""The build gate: which findings decide exit status 1, and a sentence saying which rule did.

A pipeline reads only the exit status, and a person reading a red (or green) build must be
able to tell from one line why it is that colour. So the decision is made in one place and
returns the rule that decided it along with the status:

- a FAIL at or above `--fail-on` gates;
- an ERROR at or above `--fail-on` gates too (contracts §3): an estate the scanner could not read
  must not pass a pipeline. A scheduled job whose audit role was revoked reports ERROR everywhere;
  before this rule it exited 0. `--no-fail-on-error` makes ERRORs report-only, for teams that
  accept known gaps in their read permissions;
- an account or region that was not collected at all (a SCOPE-001 ERROR) gates even with
  `--no-fail-on-error`: that flag tolerates checks that could not decide, not an estate that
  was not read. Suppressing SCOPE-001 for that account is the explicit way out.

Suppressed findings and, with `--baseline`, unchanged ones never gate (`Finding.counts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from safemaker.scanner.model import Finding, Severity, Status

SCOPE_CHECK = "SCOPE-001"


@dataclass(frozen=True)
class GateDecision:
    """The exit status the findings call for, and the rule that decided it, as a sentence."""

    exit_code: int
    reason: str

    @property
    def text(self) -> str:
        return f"exit {self.exit_code}: {self.reason}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}"


def decide(findings: Iterable[Finding], fail_on: str | Severity = Severity.LOW,
           fail_on_error: bool = True) -> GateDecision:
    """Exit 1 when a counted FAIL, or (unless `fail_on_error` is False) ERROR, is at or above `fail_on`."""
    threshold = Severity(fail_on)
    fails = errors = scopes = reported_errors = below = 0
    for f in findings:
        if not f.counts or f.status is Status.PASS:
            continue
        at_or_above = f.severity.rank >= threshold.rank
        if f.status is Status.FAIL:
            fails += at_or_above
            below += not at_or_above
        elif f.check_id == SCOPE_CHECK:
            scopes += 1  # gates at any threshold and whatever --no-fail-on-error says
        elif not at_or_above:
            below += 1
        elif fail_on_error:
            errors += 1
        else:
            reported_errors += 1
    gating = []
    if fails:
        gating.append(_plural(fails, "FAIL"))
    if errors:
        gating.append(_plural(errors, "ERROR"))
    if gating:
        reason = f"{' and '.join(gating)} at or above --fail-on {threshold.value}"
        if errors:
            reason += " (an ERROR is an estate that could not be read; --no-fail-on-error makes it report-only)"
        if scopes:
            reason += f"; {scopes} account/region scope(s) not collected (SCOPE-001)"
        return GateDecision(1, reason)
    if scopes:
        return GateDecision(1, f"{scopes} account/region scope(s) not collected (SCOPE-001 gates at any "
                               "--fail-on, even with --no-fail-on-error)")
    reason = f"no FAIL or ERROR at or above --fail-on {threshold.value} counts"
    notes = []
    if reported_errors:
        notes.append(f"{reported_errors} ERROR report-only by --no-fail-on-error")
    if below:
        notes.append(f"{below} below the threshold")
    if notes:
        reason += f" ({'; '.join(notes)})"
    return GateDecision(0, reason)
