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
from safemaker.scanner.triage.diff import FindingDoc, is_problem, key, problem_fingerprints, read_findings, sort_key


def load_baseline(path: str) -> list[FindingDoc]:
    """The baseline's findings; a bad file is a one-line InputError (exit 2), like any input."""
    return read_findings(path)


def apply_baseline(findings: Sequence[Finding], baseline: Sequence[FindingDoc], file: str,
                   ) -> tuple[tuple[Finding, ...], BaselineInfo]:
    """Annotate each finding `new` or `unchanged` and collect what the baseline had that is gone."""
    known = {key(f) for f in baseline}
    annotated = []
    for f in findings:
        state = BaselineState.UNCHANGED if (f.fingerprint, f.status.value) in known else BaselineState.NEW
        annotated.append(dataclasses.replace(f, triage=dataclasses.replace(f.triage, baseline=state)))
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
    pairs = tuple((str(k), str(v)) for k, v in resource.items()) if isinstance(resource, Mapping) else ()
    return FixedFinding(
        check_id=str(doc.get("check_id", "")),
        title=str(doc.get("title", "")),
        status=str(doc.get("status", "")),
        severity=str(doc.get("severity", "")),
        resource=pairs,
        message=str(doc.get("message", "")),
        fingerprint=str(doc.get("fingerprint", "")),
    )
