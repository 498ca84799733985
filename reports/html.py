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

FAIL and ERROR findings are shown in full, each path as a readable chain (Name tags beside
IDs, NACL hops with their direction, destinations summarised by scanner.describe) that can
be highlighted on the network pictures of reports.network. The first page of resources is
written here as markup; the other resources and the PASS findings (grouped per check and
resource type) are one inline JSON block (reports.html_data) that the script lists a page at a
time, searches in full and lists entirely before printing, so that the report of a large
estate stays small and opens in seconds.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from safemaker.reports.html_data import json_block, report_data
from safemaker.reports.network import Picture, node_groups, pictures
from safemaker.scanner.describe import Describer, named_ranges, plain
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

@dataclass(frozen=True)
class HopView:
    kind: str
    id: str
    detail: str
    role: str  # "inspection", "internet" or ""
    name: str = ""  # the Name tag (or firewall/notebook name) beside the ID
    label: str = ""  # what a person reads for the kind: "network ACL (outbound)", "route table"


@dataclass(frozen=True)
class PathView:
    hops: tuple[HopView, ...]
    destinations: tuple[str, ...]
    outcome: str
    inspected: bool
    reaches_internet: bool
    summary: str = ""  # the destinations as a person reads them
    ids: str = ""  # hop IDs, space-separated, for the picture's highlight
    picture: str = ""  # anchor of the network picture that draws this path


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    paths: tuple[PathView, ...]
    anchor: str
    age: int | None = None  # days since first_seen, when known
    tags: str = ""  # "key=value" lines, for the tag filter
    notes: tuple[str, ...] = ()  # the evidence notes that say more than the message


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


@dataclass(frozen=True)
class Network:
    """What the snapshot adds to the findings: pictures, Name tags and destination wording."""

    pictures: tuple[Picture, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)
    describers: Mapping[tuple[str, str], Describer] = field(default_factory=dict)

    @classmethod
    def of(cls, snapshot: Any | None) -> Network:
        if snapshot is None:
            return cls()
        from safemaker.scanner.explain import names_of

        return cls(tuple(pictures(snapshot)), dict(names_of(snapshot).names),
                   {(v.account, v.region): Describer(named_ranges(v)) for v in snapshot.views()})


_INDENT = re.compile(r"\n[ ]+<")
MAX_TAG_OPTIONS = 500
#: Above this many pictures only those a FAIL or ERROR path is shown on are drawn, at most
#: MAX_DRAWN of them (the ones with the most such paths): each is several kilobytes of SVG.
MAX_PICTURES = 50
MAX_DRAWN = 100
#: Resources with a FAIL or ERROR written as markup, and listed at a time by the script after them.
PAGE = 100


def render_html(report: Report, snapshot: Any | None = None, page_size: int = PAGE) -> str:
    """Render the whole report; the same Report (and snapshot) always gives the same bytes.

    The first `page_size` resources with a FAIL or ERROR (worst first) are written as markup, so a
    report of a small estate reads without its script; the other resources and every PASS
    finding go into one inline JSON block (reports.html_data) that the script lists on demand,
    a page at a time, and searches in full, so that a 10,000-notebook report stays small enough
    to open."""
    env = _environment()
    css = _asset(CSS_ASSET)
    js = _asset(JS_ASSET)
    net = Network.of(snapshot)
    groups = node_groups(net.pictures)
    age_of = _ages(report.generated)
    resources = _resource_views([f for f in report.findings if f.status is not Status.PASS], net, groups, age_of)
    undrawn = 0
    if len(net.pictures) > MAX_PICTURES:
        # A large estate: draw the pictures with the most FAIL/ERROR paths on them, up to
        # MAX_DRAWN; every path stays written out in full under its finding either way.
        used = Counter(p.picture for r in resources for fv in r.findings for p in fv.paths if p.picture)
        keep = {a for a, _ in sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_DRAWN]}
        undrawn = len(used) - len(keep)
        net = dataclasses.replace(net, pictures=tuple(p for p in net.pictures if p.anchor in keep))
        if undrawn:
            resources = [dataclasses.replace(r, findings=tuple(
                dataclasses.replace(fv, paths=tuple(p if p.picture in keep else dataclasses.replace(p, picture="")
                                                    for p in fv.paths)) for fv in r.findings)) for r in resources]
    findings = [f for r in resources for f in r.findings]
    passes = sorted((f for f in report.findings if f.status is Status.PASS), key=lambda f: f.sort_key())
    pass_groups = _pass_groups(passes)
    page = max(1, page_size)
    serial = sum(len(r.findings) for r in resources[:page])
    tags = sorted({f"{k}={v}" for f in report.findings for k, v in f.resource.tags})
    context = {
        "report": report,
        "summary": report.summary(),
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": [s.value for s in SEVERITY_ORDER],
        "severity_matrix": _severity_matrix(report.findings),
        "locations": _location_rows(report.findings),
        "checks": _check_rows(report.findings),
        "remediations": _remediations(report.findings),
        "resources": resources[:page],
        "resource_total": len(resources),
        "page": page,
        "resource_count": len({(f.resource.account, f.resource.region, f.resource.type.value, f.resource.id)
                               for f in report.findings}),
        "finding_count": len(findings),
        "pass_groups": pass_groups,
        # JSON with <, > and & escaped (html_data.json_block): it cannot end its element.
        "report_data": Markup(json_block(report_data(resources, page, serial, passes, pass_groups, age_of))),
        "pictures": net.pictures,
        "undrawn": undrawn,
        "filter_checks": sorted({f.check_id for f in report.findings}),
        "filter_accounts": sorted({f.resource.account for f in report.findings}),
        "filter_tags": tags[:MAX_TAG_OPTIONS],
        "has_age": any(f.first_seen for f in report.findings),
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
    text = env.get_template(TEMPLATE).render(context)
    # The template's indentation is a fifth of a large report; AWS text never starts a line with
    # "<" (it is escaped), so only the template's own lines lose their leading spaces.
    return _INDENT.sub("\n<", text)




def _ages(generated: str) -> Callable[[str | None], int | None]:
    """Days from a finding's first_seen to the report's time (None when either is unknown)."""
    now = _when(generated)

    def age(first_seen: str | None) -> int | None:
        then = _when(first_seen) if first_seen else None
        if now is None or then is None:
            return None
        return max(0, (now - then).days)

    return age


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class PassGroup:
    index: int
    check_id: str
    title: str
    rtype: str
    count: int


def _pass_groups(passes: Sequence[Finding]) -> list[PassGroup]:
    counts = Counter((f.check_id, f.resource.type.value) for f in passes)
    titles = {f.check_id: f.title for f in passes}
    return [PassGroup(i, cid, titles[cid], rtype, n) for i, ((cid, rtype), n) in enumerate(sorted(counts.items()))]


def _remediations(findings: Sequence[Finding]) -> list[tuple[str, str]]:
    """Each check's remediation once: repeating it under thousands of findings is most of a report."""
    first: dict[str, str] = {}
    for f in sorted(findings, key=lambda f: f.sort_key()):
        if f.remediation:
            first.setdefault(f.check_id, f.remediation)
    return sorted(first.items())


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


_KIND_WORDS = {"eni": "ENI", "route-table": "route table", "tgw-route-table": "TGW route table",
               "network-acl": "network ACL", "nat-gateway": "NAT gateway", "internet-gateway": "internet gateway",
               "egress-only-internet-gateway": "egress-only IGW", "firewall-endpoint": "firewall endpoint",
               "gateway-endpoint": "gateway endpoint", "gwlb-endpoint": "GWLB endpoint",
               "transit-gateway": "transit gateway", "tgw-attachment": "TGW attachment",
               "sagemaker-managed-network": "SageMaker network"}


def _hop_view(hop: Hop, names: Mapping[str, str], nacl_seen: Mapping[str, int]) -> HopView:
    kind = str(hop.kind)
    label = _KIND_WORDS.get(kind, kind)
    if kind == "network-acl":
        # The walk lists a subnet's ACL on the way out and the next subnet's on the way in.
        label += " (outbound)" if nacl_seen.get(hop.id, 0) == 0 and "outbound" in hop.detail else " (inbound)"
    detail = hop.detail
    if hop.route:
        detail = f"route {hop.route} \u2192 {hop.target}" + (f" ({names[hop.target]})" if hop.target in names else "")
    name = names.get(hop.id, "")
    if kind == "firewall-endpoint" and not name:
        name = hop.detail.split(":", 1)[0]
    return HopView(kind, hop.id, detail, hop_role(hop), name, label)


def path_view(path: Path, net: Network | None = None, groups: Mapping[str, str] | None = None,
              describer: Describer | None = None) -> PathView:
    net = net or Network()
    seen: dict[str, int] = {}
    hops = []
    for h in path.hops:
        hops.append(_hop_view(h, net.names, seen))
        if str(h.kind) == "network-acl":
            seen[h.id] = seen.get(h.id, 0) + 1
    hops_t = tuple(hops)
    ids = [h.id for h in path.hops]
    picture = next((groups[i] for i in ids if groups and i in groups), "")
    return PathView(
        hops=hops_t,
        destinations=path.destinations,
        outcome=path.outcome.partition("; destinations ")[0],
        inspected=any(h.role == "inspection" for h in hops_t),
        reaches_internet=any(h.role == "internet" for h in hops_t),
        summary=(describer or plain()).summarise(path.destinations) if path.destinations else "",
        ids=" ".join(dict.fromkeys(ids)),
        picture=picture,
    )


def _resource_views(findings: Iterable[Finding], net: Network | None = None, pictured: Mapping[str, str] | None = None,
                    age_of: Callable[[str | None], int | None] | None = None) -> list[ResourceView]:
    net = net or Network()
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
            describer = net.describers.get((f.resource.account, f.resource.region))
            items.append(FindingView(f, tuple(path_view(p, net, pictured, describer) for p in f.evidence.paths),
                                     f"f{serial}", age_of(f.first_seen) if age_of else None,
                                     "\n".join(f"{k}={v}" for k, v in f.resource.tags),
                                     tuple(n for n in f.evidence.notes if n not in f.message)))
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
