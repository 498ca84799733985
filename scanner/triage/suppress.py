"""`[[suppress]]` in safemaker.toml: accepted risks that stay visible but do not fail the run.

A suppression names a check, a glob on the resource ID and a justification, and may expire.
It applies to FAIL and ERROR findings only (a PASS needs no excuse). A suppressed finding stays
in every output, marked, and does not count towards the exit status. From the day after its
`expires` date a suppression no longer applies: the finding counts again and carries
`suppression_expired`, and the run says so on stderr, so an exception cannot outlive its review
date silently. When several suppressions match, the first active one in the file wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from safemaker.scanner.model import Finding, Status, Suppression, SuppressionUse


@dataclass(frozen=True)
class SuppressionResult:
    findings: tuple[Finding, ...]
    uses: tuple[SuppressionUse, ...]
    messages: tuple[str, ...]  # lines for stderr: expired and unused suppressions


def apply_suppressions(findings: Sequence[Finding], rules: Sequence[Suppression], today: date,
                       ) -> SuppressionResult:
    matched = {rule.index: 0 for rule in rules}
    out: list[Finding] = []
    messages: list[str] = []
    for f in findings:
        if f.status is Status.PASS:
            out.append(f)
            continue
        hits = [rule for rule in rules if rule.matches(f.check_id, f.resource.id)]
        active = next((rule for rule in hits if rule.active_on(today)), None)
        expired = next((rule for rule in hits if not rule.active_on(today)), None)
        if active is not None:
            matched[active.index] += 1
            out.append(dataclasses.replace(f, triage=dataclasses.replace(f.triage, suppressed=active)))
        elif expired is not None:
            matched[expired.index] += 1
            messages.append(
                f"safemaker: {expired.label} expired on {_day(expired)}; {f.check_id} {f.status.value} on "
                f"{f.resource.id} ({f.resource.account}/{f.resource.region}) counts again"
            )
            out.append(dataclasses.replace(f, triage=dataclasses.replace(f.triage, suppression_expired=expired)))
        else:
            out.append(f)
    uses = tuple(SuppressionUse(rule, not rule.active_on(today), matched[rule.index]) for rule in rules)
    for use in uses:
        if use.matched == 0:
            state = f"expired on {_day(use.rule)} and " if use.expired else ""
            messages.append(f"safemaker: {use.rule.label} {state}matches no FAIL or ERROR finding; remove it?")
    return SuppressionResult(tuple(out), uses, tuple(messages))


def _day(rule: Suppression) -> str:
    return rule.expires.isoformat() if rule.expires else "-"
