"""The HTML report: one self-contained file a reviewer can open offline or attach to an audit.

Everything the page needs is inline (CSS, a small script, SVG diagrams) because the report is
read where the scanner ran: air-gapped build agents, ticket attachments, e-mail. Every AWS
string reaches the page only through Jinja's autoescaping and the script never writes markup,
so a hostile resource name or tag is shown as text. A Content-Security-Policy that allows only
the page's own style and script (by hash) backs this up: even an injection that got through
could neither run a script nor fetch anything.

With `--baseline` each finding is marked new or unchanged and the FAIL/ERROR findings of the
baseline that are gone are listed as fixed; a finding suppressed in safemaker.toml is marked with
its justification (and an expired suppression is called out), and both can be filtered on.

The layout of the path diagrams is computed here rather than in the template because it is
arithmetic, and arithmetic in Jinja is hard to read and harder to test.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jinja2
from markupsafe import Markup

from safemaker.scanner.model import (
    BaselineState,
    Finding,
    FixedFinding,
    Hop,
    Path,
    Report,
    ResourceRef,
    Severity,
    Status,
)

TEMPLATE = "report.html.j2"
CSS_ASSET = "report.css.j2"
JS_ASSET = "report.js.j2"

# Hop kinds that inspect traffic (docs/how-the-proof-works.md) and hop kinds that are the open internet.
INSPECTION_KINDS = frozenset({"firewall-endpoint", "proxy"})
INTERNET_KINDS = frozenset({"internet-gateway", "egress-only-internet-gateway", "internet"})

STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.PASS)
SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
_STATUS_WEIGHT = {Status.FAIL: 2, Status.ERROR: 1, Status.PASS: 0}

# Diagram geometry, in SVG user units (the SVG scales down to the column width).
BOX_W = 168
BOX_H = 48
GAP_X = 34
GAP_Y = 34
TAG_H = 14  # room above each box for its "inspection" / "internet" tag
PAD = 6
PER_ROW = 5
LABEL_CHARS = 21
HEAD = 7  # arrowhead length


@dataclass(frozen=True)
class HopView:
    kind: str
    id: str
    detail: str
    role: str  # "inspection", "internet" or ""


@dataclass(frozen=True)
class SvgBox:
    x: int
    y: int
    w: int
    h: int
    kind: str
    label: str
    tooltip: str
    role: str
    tag: str


@dataclass(frozen=True)
class SvgArrow:
    line: str  # polyline points
    head: str  # polygon points


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    boxes: tuple[SvgBox, ...]
    arrows: tuple[SvgArrow, ...]
    label: str


@dataclass(frozen=True)
class PathView:
    hops: tuple[HopView, ...]
    diagram: Diagram
    destinations: tuple[str, ...]
    outcome: str
    inspected: bool
    reaches_internet: bool


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    paths: tuple[PathView, ...]
    anchor: str


@dataclass(frozen=True)
class ResourceView:
    ref: ResourceRef
    findings: tuple[FindingView, ...]
    anchor: str
    worst: str  # the status that colours the section header
    counts: dict[str, int]
    sort_worst: int
    sort_name: int
    sort_location: int


@dataclass(frozen=True)
class LocationRow:
    account: str
    region: str
    resources: int
    counts: dict[str, int]


@dataclass(frozen=True)
class CheckRow:
    check_id: str
    title: str
    severity: str
    counts: dict[str, int]


def render_html(report: Report) -> str:
    """Render the whole report; the same Report always gives the same bytes."""
    env = _environment()
    css = _asset(CSS_ASSET)
    js = _asset(JS_ASSET)
    resources = _resource_views(report.findings)
    findings = [f for r in resources for f in r.findings]
    context = {
        "report": report,
        "summary": report.summary(),
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": [s.value for s in SEVERITY_ORDER],
        "severity_matrix": _severity_matrix(report.findings),
        "locations": _location_rows(report.findings),
        "checks": _check_rows(report.findings),
        "resources": resources,
        "finding_count": len(findings),
        "filter_checks": sorted({f.finding.check_id for f in findings}),
        "filter_accounts": sorted({f.finding.resource.account for f in findings}),
        "accounts": sorted(set(report.snapshot.accounts)),
        "regions": sorted(set(report.snapshot.regions)),
        "verdict": _verdict(report),
        "baseline": report.baseline,
        "fixed": sorted(report.baseline.fixed, key=FixedFinding.sort_key) if report.baseline else [],
        "suppressions": report.suppressions,
        "triage": report.triage_counts(),
        "gate": _gate_line(report),
        "baseline_states": [s.value for s in BaselineState],
        "new_fail": dict(report.baseline.new_by_status).get("FAIL", 0) if report.baseline else 0,
        # Our own static assets, not data: marked safe so the browser gets them verbatim and
        # their hashes in the Content-Security-Policy match what it sees.
        "css": Markup(css),
        "js": Markup(js),
        "csp": _csp(css, js),
    }
    return env.get_template(TEMPLATE).render(context)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("safemaker.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _asset(name: str) -> str:
    """Raw source of a static asset: read through the loader so Jinja never interprets it."""
    env = _environment()
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source


def _csp(css: str, js: str) -> str:
    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"

    return (
        f"default-src 'none'; style-src {digest(css)}; script-src {digest(js)}; "
        "img-src 'none'; base-uri 'none'; form-action 'none'"
    )


def hop_role(hop: Hop) -> str:
    """Whether a hop is where traffic is inspected or where it leaves for the internet."""
    kind = hop.kind.lower()
    if kind in INSPECTION_KINDS:
        return "inspection"
    if kind in INTERNET_KINDS or hop.id.startswith(("igw-", "eigw-")):
        return "internet"
    return ""


def path_view(path: Path) -> PathView:
    hops = tuple(HopView(h.kind, h.id, h.detail, hop_role(h)) for h in path.hops)
    return PathView(
        hops=hops,
        diagram=diagram(hops),
        destinations=path.destinations,
        outcome=path.outcome,
        inspected=any(h.role == "inspection" for h in hops),
        reaches_internet=any(h.role == "internet" for h in hops),
    )


def diagram(hops: Sequence[HopView]) -> Diagram:
    """Boxes left to right, wrapping every PER_ROW hops, with an arrow from each hop to the next."""
    cols = max(1, min(len(hops), PER_ROW))
    rows = max(1, (len(hops) + PER_ROW - 1) // PER_ROW)
    row_h = TAG_H + BOX_H + GAP_Y
    width = PAD * 2 + cols * BOX_W + (cols - 1) * GAP_X
    height = PAD * 2 + rows * row_h - GAP_Y

    def origin(i: int) -> tuple[int, int]:
        row, col = divmod(i, PER_ROW)
        return PAD + col * (BOX_W + GAP_X), PAD + TAG_H + row * row_h

    boxes = []
    for i, hop in enumerate(hops):
        x, y = origin(i)
        tooltip = f"{hop.kind} {hop.id}" + (f": {hop.detail}" if hop.detail else "")
        tag = {"inspection": "inspection point", "internet": "internet"}.get(hop.role, "")
        boxes.append(
            SvgBox(x, y, BOX_W, BOX_H, _clip(hop.kind), _clip(hop.id or "-"), tooltip, hop.role, tag)
        )

    arrows = []
    for i in range(len(hops) - 1):
        (x0, y0), (x1, y1) = origin(i), origin(i + 1)
        if y0 == y1:  # same row: straight arrow from right edge to left edge
            ya, xs, xe = y0 + BOX_H // 2, x0 + BOX_W, x1
            line = f"{xs},{ya} {xe - HEAD},{ya}"
            head = f"{xe},{ya} {xe - HEAD},{ya - 4} {xe - HEAD},{ya + 4}"
        else:  # wrap: down from this box, back to the start of the next row, down into it
            xs, xe = x0 + BOX_W // 2, x1 + BOX_W // 2
            ym = y0 + BOX_H + GAP_Y // 2
            line = f"{xs},{y0 + BOX_H} {xs},{ym} {xe},{ym} {xe},{y1 - HEAD}"
            head = f"{xe},{y1} {xe - 4},{y1 - HEAD} {xe + 4},{y1 - HEAD}"
        arrows.append(SvgArrow(line, head))

    label = "Path: " + " to ".join(f"{h.kind} {h.id}" for h in hops)
    return Diagram(width, height, tuple(boxes), tuple(arrows), label)


def _clip(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "\u2026"


def _resource_views(findings: Iterable[Finding]) -> list[ResourceView]:
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    refs: dict[tuple[str, str, str, str], ResourceRef] = {}
    for f in sorted(findings, key=lambda f: f.sort_key()):
        r = f.resource
        key = (r.account, r.region, r.type.value, r.id)
        groups.setdefault(key, []).append(f)
        refs.setdefault(key, r)

    by_location = {k: i for i, k in enumerate(sorted(groups))}
    by_name = {k: i for i, k in enumerate(sorted(groups, key=lambda k: (k[3].lower(), k)))}
    by_worst = sorted(groups, key=lambda k: (-_badness(groups[k]), k))
    serial = 0
    views = []
    for n, key in enumerate(by_worst):
        items = []
        for f in sorted(groups[key], key=lambda f: (-_badness([f]), f.check_id)):
            serial += 1
            items.append(FindingView(f, tuple(path_view(p) for p in f.evidence.paths), f"f{serial}"))
        counts = Counter(f.status.value for f in groups[key])
        views.append(
            ResourceView(
                ref=refs[key],
                findings=tuple(items),
                anchor=f"r{n + 1}",
                worst=next(s.value for s in STATUS_ORDER if counts[s.value] or s is Status.PASS),
                counts={s.value: counts[s.value] for s in STATUS_ORDER},
                sort_worst=n,
                sort_name=by_name[key],
                sort_location=by_location[key],
            )
        )
    return views


def _badness(findings: Sequence[Finding]) -> int:
    """FAIL above ERROR above PASS, then by severity; a PASS is never "worse" for its severity."""
    return max(
        (_STATUS_WEIGHT[f.status] * 10 + (f.severity.rank if f.status is not Status.PASS else 0))
        for f in findings
    )


def _severity_matrix(findings: Sequence[Finding]) -> list[tuple[str, dict[str, int]]]:
    counts = Counter((f.severity.value, f.status.value) for f in findings)
    return [
        (sev.value, {s.value: counts[(sev.value, s.value)] for s in STATUS_ORDER}) for sev in SEVERITY_ORDER
    ]


def _location_rows(findings: Sequence[Finding]) -> list[LocationRow]:
    counts: Counter[tuple[str, str, str]] = Counter()
    resources: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for f in findings:
        r = f.resource
        counts[(r.account, r.region, f.status.value)] += 1
        resources.setdefault((r.account, r.region), set()).add((r.type.value, r.id))
    return [
        LocationRow(acct, reg, len(res), {s.value: counts[(acct, reg, s.value)] for s in STATUS_ORDER})
        for (acct, reg), res in sorted(resources.items())
    ]


def _check_rows(findings: Sequence[Finding]) -> list[CheckRow]:
    first: dict[str, Finding] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for f in sorted(findings, key=lambda f: f.sort_key()):
        first.setdefault(f.check_id, f)
        counts[(f.check_id, f.status.value)] += 1
    return [
        CheckRow(cid, f.title, f.severity.value, {s.value: counts[(cid, s.value)] for s in STATUS_ORDER})
        for cid, f in sorted(first.items())
    ]


def _gate_line(report: Report) -> str:
    """What decides the exit status when a baseline or suppressions set findings aside; else ""."""
    if report.baseline is None and report.suppressions is None:
        return ""
    t = report.triage_counts()
    parts = []
    if report.baseline is not None:
        b = report.baseline
        parts.append(
            f"Compared with the baseline: {dict(b.new_by_status).get('FAIL', 0)} new FAIL, "
            f"{t['unchanged']} unchanged FAIL, {len(b.fixed)} fixed since then."
        )
    if report.suppressions is not None:
        parts.append(f"{t['suppressed']} suppressed in safemaker.toml"
                     + (f", {t['expired']} with an expired suppression." if t["expired"] else "."))
    parts.append(f"{t['counted']} FAIL count towards the exit status.")
    return " ".join(parts)


def _verdict(report: Report) -> tuple[str, str]:
    """The one-line answer an executive reads first, and the status that colours it."""
    summary = report.summary()
    failed = {(f.resource.account, f.resource.region, f.resource.type.value, f.resource.id)
              for f in report.findings if f.status is Status.FAIL}
    if summary["FAIL"]:
        return "FAIL", (
            f"{summary['FAIL']} failed check{'s' if summary['FAIL'] != 1 else ''} on "
            f"{len(failed)} resource{'s' if len(failed) != 1 else ''}"
            + (f"; {summary['ERROR']} could not be decided" if summary["ERROR"] else "")
        )
    if summary["ERROR"]:
        return "ERROR", (
            f"No failed checks, but {summary['ERROR']} could not be decided: "
            "the snapshot is missing data those checks need"
        )
    if summary["PASS"]:
        return "PASS", f"All {summary['PASS']} checks passed"
    return "NONE", "No findings: the snapshot held no resources the checks apply to"
