"""`--baseline FILE`: gate only on what is new since an earlier findings file.

The earlier file is any `safemaker.findings/v1` document (the previous run's artifact, or one a
team committed as its accepted state). Findings are matched by fingerprint and status, with the
rules of `safemaker diff` (see `diff.py`): every finding of this run is `new` or `unchanged`, and
a FAIL or ERROR of the baseline that is no problem any more is listed as fixed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence

from safemaker.scanner.model import BaselineInfo, BaselineState, Finding, FixedFinding, Status
from safemaker.scanner.snapshot.io import read_json
from safemaker.scanner.triage.diff import FindingDoc, is_problem, key, problem_fingerprints, read_findings, sort_key


def load_baseline(path: str) -> list[FindingDoc]:
    """The baseline's findings; a bad file is a one-line InputError (exit 2), like any input."""
    return read_findings(path)


def baseline_generated(path: str) -> str | None:
    """The baseline file's `generated` time: the first_seen of what it has that carries none."""
    doc = read_json(path)
    value = doc.get("generated") if isinstance(doc, Mapping) else None
    return value if isinstance(value, str) and value else None


def apply_baseline(findings: Sequence[Finding], baseline: Sequence[FindingDoc], file: str, *,
                   generated: str | None = None, baseline_time: str | None = None,
                   ) -> tuple[tuple[Finding, ...], BaselineInfo]:
    """Annotate each finding `new` or `unchanged` and collect what the baseline had that is gone.

    With `generated` (this run's time), every finding also gets `first_seen`: an unchanged one
    keeps the baseline's `first_seen` (or the baseline's own `generated` time, `baseline_time`,
    when it has none), a new one is first seen now. Age is thereby carried from run to run.
    """
    known: dict[tuple[str, str], str | None] = {}
    for doc in baseline:
        seen = doc.get("first_seen")
        known.setdefault(key(doc), seen if isinstance(seen, str) and seen else baseline_time)
    annotated = []
    for f in findings:
        k = (f.fingerprint, f.status.value)
        state = BaselineState.UNCHANGED if k in known else BaselineState.NEW
        first_seen = (known[k] or generated) if k in known else generated
        annotated.append(dataclasses.replace(f, triage=dataclasses.replace(f.triage, baseline=state),
                                             first_seen=first_seen or f.first_seen))
    current = problem_fingerprints({"fingerprint": f.fingerprint, "status": f.status.value} for f in findings)
    fixed: dict[tuple[str, str], FixedFinding] = {}
    for doc in sorted(baseline, key=sort_key):
        if is_problem(doc) and str(doc.get("fingerprint")) not in current:
            fixed.setdefault(key(doc), _fixed(doc))
    new = Counter(f.status.value for f in annotated if f.triage.baseline is BaselineState.NEW)
    info = BaselineInfo(
        file=file,
        new=sum(new.values()),
        unchanged=len(annotated) - sum(new.values()),
        fixed=tuple(fixed.values()),
        new_by_status=tuple((s.value, new[s.value]) for s in Status),
    )
    return tuple(annotated), info


def _fixed(doc: FindingDoc) -> FixedFinding:
    resource = doc.get("resource")
    # Plain text members only: `tags` (an object) is routing data, not part of what was fixed.
    items = resource.items() if isinstance(resource, Mapping) else ()
    pairs = tuple((str(k), v) for k, v in items if isinstance(v, str))
    return FixedFinding(
        check_id=str(doc.get("check_id", "")),
        title=str(doc.get("title", "")),
        status=str(doc.get("status", "")),
        severity=str(doc.get("severity", "")),
        resource=pairs,
        message=str(doc.get("message", "")),
        fingerprint=str(doc.get("fingerprint", "")),
    )
