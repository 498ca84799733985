"""The HTML report's data block: the findings that are not written as markup, compactly.

A 10,000-notebook estate has some 23,000 FAIL and ERROR findings and 80,000 PASS findings.
Written out as markup they made a 49 MB page that a browser needed half a minute to open, most
of it spent building elements nobody looks at before searching. So the report writes the first
page of resources as markup (reports/html.py) and everything else once, here, as one JSON block
that the page's script lists on demand: paged, filtered and searched over in full.

What makes the block small is that it says each repeated thing once:
- a string that occurs more than once (a message, a note, a hop's detail, a Name tag, an ARN's
  prefix) is written once in `texts` and referred to by its index; a text value is a string, an
  index, or a list of such parts to be joined (`["eni-1 (notebook nb-1): ", 12]`);
- a hop's detail that names the hop is written as the pieces around its ID, -1 standing for the
  ID (`[-1, " outbound rule 100 allows 0.0.0.0/0; ", -1, 7]`), so the pieces repeat across hops;
- hops (kind as read, ID, name, detail, role) are written once in `hops`, and paths, which many
  findings share or differ from only in their first hop, as lists of hop indexes in `paths`;
- a resource ID is a text too: a notebook is named by a dozen checks' rows;
- checks, resource types and (account, region) places are tables referred to by index;
- fields with their usual value are left off the end of a row.

The layout, for the script (reports/templates/report.js.j2) and the tests:

    {"texts": [str], "checks": [[id, title, has_remediation]], "places": [[account, region]],
     "hops": [[label, id, name, detail, role]],
     "paths": [[hop indexes, outcome, summary, picture, open, inspected]],
     "first": index of the first resource in "resources" (the ones before it are markup),
     "serial": number of FAIL/ERROR findings written as markup,
     "resources": [[type, id, name, place, arn, sort_name, sort_location, [finding]]],
     "passes": [[check, type, severity, [pass row]]]}
    finding:  [check, status, severity, message, fingerprint, [notes], [path indexes], extra]
    extra:    {"age", "first_seen", "tags", "baseline", "suppressed": [n, expires, why],
               "expired": [n, expires, why]}, each key only when set
    pass row: [id, message, name, place, severity, age, tags, baseline, suppressed]

The block is JSON in a `<script type="application/json">` element; `json_block` escapes `<`, `>`
and `&`, so no AWS string can end the element or open a comment inside it, and the script shows
every value with textContent.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from safemaker.scanner.model import Finding

if TYPE_CHECKING:
    from safemaker.reports.html import FindingView, PassGroup, PathView, ResourceView

#: A string shorter than this is written where it is used even when it repeats: its index would
#: be about as long.
MIN_SHARED = 6


class _Text:
    """A string to be written once if it repeats: resolved to an index or itself by Texts.resolve."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value


class _Split(_Text):
    """A message: written whole by index if it repeats, else as its clauses (to each ": " and
    "; "), each by index if it repeats: `"eni-… (notebook nb-1): "`, which every message about
    that notebook starts with, `"reaches S3 through vpce-…: "`, the same for every notebook of a
    VPC, and the words most notebooks' messages end with."""


class _Template(_Text):
    """A hop's detail, which often names the hop itself ("acl-1 outbound rule 100 …; acl-1
    inbound rule 100 …"): written whole by index if it repeats, else as the pieces between the
    hop's ID (each by index if it repeats) with -1 where the ID goes."""

    __slots__ = ("ident",)

    def __init__(self, value: str, ident: str) -> None:
        super().__init__(value)
        self.ident = ident


class Texts:
    """Counts the strings of the data as it is built, then writes each repeated one once.

    Building the rows wraps candidate strings (`text`, `message`); `resolve` walks the finished
    structure and replaces each wrapper by an index into `table` when its string occurs more than
    once, and by the string itself otherwise. Indexes are given in the order of first use, so the
    same report always gives the same block."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.table: list[str] = []
        self._index: dict[str, int] = {}

    def text(self, value: str) -> _Text | str:
        if len(value) < MIN_SHARED:
            return value
        self.counts[value] += 1
        return _Text(value)

    def message(self, value: str) -> _Text | str:
        if len(value) < MIN_SHARED:
            return value
        self.counts[value] += 1
        for clause in _clauses(value):
            self.counts[clause] += 1
        return _Split(value)

    def template(self, value: str, ident: str) -> _Text | str:
        if len(value) < MIN_SHARED or not ident or ident not in value:
            return self.text(value)
        self.counts[value] += 1
        for piece in value.split(ident):
            self.counts[piece] += 1
        return _Template(value, ident)

    def _ref(self, value: str) -> int | str:
        if self.counts[value] < 2:
            return value
        index = self._index.get(value)
        if index is None:
            index = self._index[value] = len(self.table)
            self.table.append(value)
        return index

    def resolve(self, value: Any) -> Any:
        if isinstance(value, _Split):
            whole = value.value
            clauses = _clauses(whole)
            if self.counts[whole] > 1 or not any(self.counts[c] > 1 for c in clauses):
                return self._ref(whole)
            return _joined(self._ref(c) if len(c) >= MIN_SHARED else c for c in clauses)
        if isinstance(value, _Template):
            whole = value.value
            if self.counts[whole] > 1:
                return self._ref(whole)
            parts: list[int | str] = []
            for n, piece in enumerate(whole.split(value.ident)):
                if n:
                    parts.append(-1)
                if piece:
                    parts.append(self._ref(piece) if len(piece) >= MIN_SHARED else piece)
            return parts
        if isinstance(value, _Text):
            return self._ref(value.value)
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value


def _clauses(message: str) -> list[str]:
    """A message cut after each ": " and "; ": the pieces joined give it back."""
    return [p for p in _CLAUSE.split(message) if p]


_CLAUSE = re.compile(r"(?<=: )|(?<=; )")


def _joined(parts: Iterable[int | str]) -> list[int | str] | int | str:
    """Parts of a text with neighbouring strings joined (fewer quotes in the JSON)."""
    out: list[int | str] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return out[0] if len(out) == 1 else out


def _trim(row: list[Any], defaults: Sequence[Any], start: int) -> list[Any]:
    """Leave off the end of a row the fields that have their usual value (`defaults[i - start]`)."""
    while len(row) > start and row[-1] == defaults[len(row) - 1 - start]:
        row.pop()
    return row


#: A pass row's fields from "name" on, as the script fills them in when left off:
#: name, place, severity (None: the group's), age, tags, baseline, suppressed.
PASS_DEFAULTS: tuple[Any, ...] = ("", 0, None, None, "", "", "no")


class _Tables:
    """Index tables (checks, places, hops, paths) shared by the rows that refer to them."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self.checks: dict[str, int] = {}
        self.check_rows: list[list[Any]] = []
        self.places: dict[tuple[str, str], int] = {}
        self.hops: dict[tuple[str, str, str, str, str], int] = {}
        self.paths: dict[tuple[Any, ...], int] = {}

    def check(self, f: Finding) -> int:
        index = self.checks.get(f.check_id)
        if index is None:
            index = self.checks[f.check_id] = len(self.check_rows)
            self.check_rows.append([f.check_id, f.title, 1 if f.remediation else 0])
        return index

    def place(self, account: str, region: str) -> int:
        return self.places.setdefault((account, region), len(self.places))

    def path(self, p: PathView) -> int:
        hops = tuple(self.hops.setdefault((h.label, h.id, h.name, h.detail, h.role), len(self.hops))
                     for h in p.hops)
        key = (hops, p.outcome, p.summary, p.picture, p.reaches_internet and not p.inspected, p.inspected)
        return self.paths.setdefault(key, len(self.paths))


def report_data(resources: Sequence[ResourceView], first: int, serial: int, passes: Sequence[Finding],
                groups: Sequence[PassGroup], age_of: Callable[[str | None], int | None]) -> dict[str, Any]:
    """The data block: FAIL/ERROR resources from `first` on (worst first, as the page lists them;
    `serial` findings come before them) and every PASS finding, grouped as `groups`."""
    texts = Texts()
    tables = _Tables(texts)
    rows = [_resource_row(r, tables) for r in resources[first:]]
    pass_rows = _pass_rows(passes, groups, tables, age_of)
    data: dict[str, Any] = {
        "checks": tables.check_rows,
        "places": [list(p) for p in tables.places],
        "hops": [[texts.text(label), ident, texts.text(name), texts.template(detail, ident), role]
                 for label, ident, name, detail, role in tables.hops],
        "paths": [[list(hops), texts.text(outcome), texts.text(summary), picture, int(is_open), int(inspected)]
                  for hops, outcome, summary, picture, is_open, inspected in tables.paths],
        "first": first,
        "serial": serial,
        "resources": rows,
        "passes": pass_rows,
    }
    resolved: dict[str, Any] = texts.resolve(data)
    return {"texts": texts.table, **resolved}


def _arn(arn: str | None, ident: str, texts: Texts) -> Any:
    """An ARN as its shared prefix and the resource ID (-1) when it ends with the ID, as most
    do; else as its prefix up to the last "/" or ":" and the rest."""
    if not arn:
        return ""
    if ident and arn.endswith(ident) and ident not in arn[: -len(ident)]:
        return texts.template(arn, ident)
    cut = max(arn.rfind("/"), arn.rfind(":")) + 1
    return [texts.text(arn[:cut]), arn[cut:]] if 0 < cut < len(arn) else arn


def _resource_row(r: ResourceView, tables: _Tables) -> list[Any]:
    texts = tables.texts
    ref = r.ref
    return [texts.text(ref.type.value), texts.text(ref.id), texts.text(ref.name or ""),
            tables.place(ref.account, ref.region), _arn(ref.arn, ref.id, texts), r.sort_name, r.sort_location,
            [_finding_row(fv, tables) for fv in r.findings]]


def _finding_row(fv: FindingView, tables: _Tables) -> list[Any]:
    texts = tables.texts
    f = fv.finding
    t = f.triage
    extra: dict[str, Any] = {}
    if fv.age is not None:
        extra["age"] = fv.age
        extra["first_seen"] = texts.text(f.first_seen or "")
    if fv.tags:
        extra["tags"] = texts.text(fv.tags)
    if t.baseline:
        extra["baseline"] = t.baseline.value
    if t.suppressed:
        s = t.suppressed
        extra["suppressed"] = [s.index, s.expires.isoformat() if s.expires else "", texts.text(s.justification)]
    elif t.suppression_expired:
        x = t.suppression_expired
        extra["expired"] = [x.index, x.expires.isoformat() if x.expires else "?", texts.text(x.justification)]
    row = [tables.check(f), f.status.value, f.severity.value, texts.message(f.message), f.fingerprint,
           [texts.text(n) for n in fv.notes], [tables.path(p) for p in fv.paths], extra]
    return _trim(row, ([], [], {}), 5)


def _pass_rows(passes: Iterable[Finding], groups: Sequence[PassGroup], tables: _Tables,
               age_of: Callable[[str | None], int | None]) -> list[list[Any]]:
    """[[check, type, severity, [row]]] in the order of `groups`; a row leaves off its group's
    severity and every trailing field with its usual value (PASS_DEFAULTS)."""
    texts = tables.texts
    by_group: dict[tuple[str, str], list[Finding]] = {}
    for f in passes:
        by_group.setdefault((f.check_id, f.resource.type.value), []).append(f)
    out = []
    for g in groups:
        members = by_group.get((g.check_id, g.rtype), [])
        severity = Counter(f.severity.value for f in members).most_common(1)[0][0] if members else ""
        rows = []
        for f in members:
            r = f.resource
            row = [texts.text(r.id), texts.message(f.message), texts.text(r.name or ""),
                   tables.place(r.account, r.region), None if f.severity.value == severity else f.severity.value,
                   age_of(f.first_seen), texts.text("\n".join(f"{k}={v}" for k, v in r.tags)),
                   f.triage.baseline.value if f.triage.baseline else "", "yes" if f.triage.suppressed else "no"]
            rows.append(_trim(row, PASS_DEFAULTS, 2))
        out.append([g.check_id, texts.text(g.rtype), severity, rows])
    return out


def json_block(value: Any) -> str:
    """JSON for a `<script type="application/json">` block: `<`, `>` and `&` as escapes, so no
    AWS string can close the block or open a comment, whatever it holds.

    Plain ASCII (other characters as \\u escapes: a few thousand arrows and dots in a large
    report), so that a browser can hold the block one byte per character instead of two (a
    12 MB block for 10,000 notebooks); the opening time measured the same either way."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
