"""Compare two findings files by fingerprint: what is new, fixed, unchanged.

A finding is identified by its fingerprint *and* its status. The fingerprint names the check,
the resource and the path signature but not the verdict, so a check without paths (root access,
say) has the same fingerprint whether it passes or fails: matching on the fingerprint alone would
call a PASS that turned into a FAIL "unchanged".

Only FAIL and ERROR findings are problems. Between an old and a new file:

- new: a problem of the new file whose (fingerprint, status) the old file does not have;
- unchanged: a problem of the new file that the old file has with the same status;
- fixed: a problem of the old file whose fingerprint is no problem at all in the new file.
  A FAIL that turned into an ERROR is therefore not "fixed" (it could not be decided this time);
  the ERROR shows up as new.

`safemaker diff` and `--baseline` use these same rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from safemaker.scanner import termsafe
from safemaker.scanner.errors import InputError
from safemaker.scanner.snapshot.io import read_json

FINDINGS_SCHEMA = "safemaker.findings/v1"
PROBLEMS = ("FAIL", "ERROR")

FindingDoc = Mapping[str, Any]


@dataclass(frozen=True)
class Diff:
    new: list[FindingDoc]
    fixed: list[FindingDoc]
    unchanged: list[FindingDoc]


def read_findings(path: str) -> list[FindingDoc]:
    """The findings of a `safemaker.findings/v1` file; one-line InputError naming the place otherwise."""
    doc = read_json(path)
    if not isinstance(doc, Mapping) or doc.get("schema") != FINDINGS_SCHEMA:
        raise InputError(path, "schema", f"not a {FINDINGS_SCHEMA} document")
    findings = doc.get("findings")
    if not isinstance(findings, list) or not all(isinstance(f, Mapping) for f in findings):
        raise InputError(path, "findings", "must be a list of objects")
    for i, f in enumerate(findings):
        if not isinstance(f.get("fingerprint"), str):
            raise InputError(path, f"findings[{i}].fingerprint", "missing or not a string")
        if not isinstance(f.get("status"), str):
            raise InputError(path, f"findings[{i}].status", "missing or not a string")
        if not isinstance(f.get("resource", {}), Mapping):
            raise InputError(path, f"findings[{i}].resource", "must be an object")
    return list(findings)


def key(finding: FindingDoc) -> tuple[str, str]:
    return (str(finding.get("fingerprint")), str(finding.get("status")))


def is_problem(finding: FindingDoc) -> bool:
    return finding.get("status") in PROBLEMS


def problem_fingerprints(findings: Iterable[FindingDoc]) -> set[str]:
    return {str(f.get("fingerprint")) for f in findings if is_problem(f)}


def sort_key(finding: FindingDoc) -> tuple[str, ...]:
    """The findings file's own order (check, account, region, type, id), then the fingerprint."""
    r = finding.get("resource")
    r = r if isinstance(r, Mapping) else {}
    return (str(finding.get("check_id", "")), *(str(r.get(k, "")) for k in ("account", "region", "type", "id")),
            str(finding.get("fingerprint", "")), str(finding.get("status", "")))


def diff_findings(old: Sequence[FindingDoc], new: Sequence[FindingDoc]) -> Diff:
    """Only FAIL and ERROR findings matter: a PASS is neither a problem nor a regression."""
    old_keys = {key(f) for f in old}
    still = problem_fingerprints(new)
    current = sorted((f for f in new if is_problem(f)), key=sort_key)
    gone = sorted((f for f in old if is_problem(f) and str(f.get("fingerprint")) not in still), key=sort_key)
    return Diff(
        new=_unique([f for f in current if key(f) not in old_keys]),
        fixed=_unique(gone),
        unchanged=_unique([f for f in current if key(f) in old_keys]),
    )


def _unique(findings: list[FindingDoc]) -> list[FindingDoc]:
    """One entry per (fingerprint, status), should a hand-edited file repeat a finding."""
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if key(f) not in seen:
            seen.add(key(f))
            out.append(f)
    return out


def format_text(result: Diff, old_path: str, new_path: str, *, show_unchanged: bool = True) -> str:
    """What `safemaker diff` prints: a count line, then one block per group, new first."""
    lines = [
        _one_line(f"safemaker diff {old_path} -> {new_path}"),
        f"{len(result.new)} new, {len(result.fixed)} fixed, {len(result.unchanged)} unchanged "
        "(FAIL and ERROR findings, matched by fingerprint and status)",
    ]
    groups = [("New", "+", result.new, "in the new file only"),
              ("Fixed", "-", result.fixed, "no longer FAIL or ERROR"),
              ("Unchanged", "=", result.unchanged, "in both files")]
    for title, mark, items, meaning in groups:
        lines.append("")
        lines.append(f"{title} ({len(items)}, {meaning}):" if items else f"{title}: none")
        if title == "Unchanged" and not show_unchanged and items:
            lines.append("  (not listed; drop --summary to list them)")
            continue
        for f in items:
            lines.extend(_finding_lines(mark, f))
    return "\n".join(lines) + "\n"


def _finding_lines(mark: str, f: FindingDoc) -> list[str]:
    r = f.get("resource")
    r = r if isinstance(r, Mapping) else {}
    head = (f"  {mark} {f.get('check_id', '?')} {f.get('status', '?')} {f.get('severity', '?')}  "
            f"{r.get('id', '?')}  [{r.get('type', '?')} {r.get('account', '?')}/{r.get('region', '?')}]")
    fp = str(f.get("fingerprint", ""))
    return [_one_line(head), "      " + _one_line(str(f.get("message", ""))), _one_line(f"      fingerprint {fp[:16]}")]


def _one_line(text: str) -> str:
    """Findings may carry newlines or terminal escapes from AWS names; a diff line stays one line,
    with them shown escaped (`\\x1b`), so that the reader sees what the name really holds."""
    return termsafe.line(text)


def format_json(result: Diff, old_path: str, new_path: str) -> str:
    doc = {
        "old": old_path,
        "new": new_path,
        "counts": {"new": len(result.new), "fixed": len(result.fixed), "unchanged": len(result.unchanged)},
        "new_findings": list(result.new),
        "fixed": list(result.fixed),
        "unchanged": list(result.unchanged),
    }
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"
