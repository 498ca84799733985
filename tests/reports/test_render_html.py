"""The HTML report must be self-contained and must show hostile AWS strings as text."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from html.parser import HTMLParser

import pytest

from safemaker.reports import html as html_mod
from safemaker.reports.html import diagram, hop_role, path_view, render_html
from safemaker.scanner.model import Hop, Path, Report


class _Collector(HTMLParser):
    """Records what a browser would build from the page: elements, attributes, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in][-1] += data
        else:
            self.text.append(data)


def _parse(page: str) -> _Collector:
    parser = _Collector()
    parser.feed(page)
    parser.close()
    return parser


def test_hostile_strings_are_escaped(hostile_report: Report) -> None:
    page = render_html(hostile_report)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "<img" not in page


def test_hostile_strings_create_no_elements_or_handlers(hostile_report: Report) -> None:
    parsed = _parse(render_html(hostile_report))
    names = [tag for tag, _ in parsed.tags]
    assert "img" not in names
    assert names.count("script") == 1  # only the report's own script
    handlers = [(tag, a) for tag, attrs in parsed.tags for a in attrs if a.lower().startswith("on")]
    assert handlers == []
    # ... and the strings still reach the reader, as text
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text
    assert '"><img src=x onerror=alert(1)>' in text


def test_hostile_strings_in_data_attributes_stay_inside_them(hostile_report: Report) -> None:
    parsed = _parse(render_html(hostile_report))
    accounts = {attrs.get("data-account") for tag, attrs in parsed.tags if tag == "article"}
    assert '"><img src=x onerror=alert(1)>' in accounts
    options = {attrs.get("value") for tag, attrs in parsed.tags if tag == "option"}
    assert '"><img src=x onerror=alert(1)>' in options


def test_no_external_resources(hostile_report: Report) -> None:
    page = render_html(hostile_report)
    lowered = page.lower()
    assert "<link" not in lowered
    assert "@import" not in lowered
    assert "url(" not in lowered
    assert "http://" not in lowered
    assert "https://" not in lowered
    assert not re.search(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", lowered)
    for tag, attrs in _parse(page).tags:
        assert "src" not in attrs, tag
        href = attrs.get("href")
        assert href is None or href.startswith("#"), (tag, href)


def test_csp_pins_the_inline_style_and_script(sample_report: Report) -> None:
    page = render_html(sample_report)
    parsed = _parse(page)
    csp = next(
        attrs["content"]
        for tag, attrs in parsed.tags
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp is not None
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    for kind in ("script", "style"):
        (body,) = parsed.raw[kind]
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert directives[f"{kind}-src"] == f"'sha256-{digest}'"
        assert "unsafe-inline" not in directives[f"{kind}-src"]


def test_script_never_writes_markup() -> None:
    js = re.sub(r"/\*.*?\*/", "", html_mod._asset(html_mod.JS_ASSET), flags=re.S)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in js
    assert "textContent" in js and "dataset" in js


def test_autoescape_is_on() -> None:
    env = html_mod._environment()
    assert env.autoescape is True


def test_svg_drawn_for_every_path(sample_report: Report) -> None:
    page = render_html(sample_report)
    n_paths = sum(len(f.evidence.paths) for f in sample_report.findings)
    assert n_paths == 3
    assert page.count('<svg class="diagram"') == n_paths
    assert page.count('<ol class="chain">') == n_paths
    assert 'class="hop-box role-inspection"' in page  # firewall endpoint and proxy
    assert 'class="hop-box role-internet"' in page
    assert "&rarr;" in page


def test_findings_carry_filter_attributes(sample_report: Report) -> None:
    articles = [attrs for tag, attrs in _parse(render_html(sample_report)).tags if tag == "article"]
    assert len(articles) == len(sample_report.findings)
    for attrs in articles:
        assert attrs["data-status"] in {"PASS", "FAIL", "ERROR"}
        assert attrs["data-severity"] in {"critical", "high", "medium", "low", "info"}
        assert attrs["data-check"] and attrs["data-account"]
    sections = [attrs for tag, attrs in _parse(render_html(sample_report)).tags if tag == "section"]
    resources = [a for a in sections if "resource" in (a.get("class") or "").split()]
    assert len(resources) == 5
    for key in ("data-sort-worst", "data-sort-name", "data-sort-location"):
        assert sorted(int(a[key] or "") for a in resources) == list(range(5))


def test_summary_counts_and_content(sample_report: Report) -> None:
    page = render_html(sample_report)
    assert '<div class="card card-fail"><span class="num">3</span>' in page
    assert '<div class="card card-error"><span class="num">1</span>' in page
    assert '<div class="card card-pass"><span class="num">2</span>' in page
    assert "3 failed checks on 2 resources; 1 could not be decided" in page
    for text in ("Block Public Access options not collected", "Route 0.0.0.0/0 through", "444455556666"):
        assert text in page
    assert "@media print" in page


def test_worst_resource_comes_first(sample_report: Report) -> None:
    page = render_html(sample_report)
    assert page.index('<h3 class="rid">nb-analysts</h3>') < page.index('<h3 class="rid">d-abc</h3>')
    assert page.index('<h3 class="rid">d-abc</h3>') < page.index('<h3 class="rid">nb-safe</h3>')


def test_zero_findings_render(empty_report: Report) -> None:
    page = render_html(empty_report)
    assert page.startswith("<!DOCTYPE html>")
    assert "No findings" in page
    assert '<form id="filters"' not in page
    assert page.rstrip().endswith("</html>")


def test_deterministic(sample_report: Report) -> None:
    shuffled = dataclasses.replace(sample_report, findings=tuple(reversed(sample_report.findings)))
    assert render_html(sample_report) == render_html(sample_report) == render_html(shuffled)


@pytest.mark.parametrize(
    ("hop", "role"),
    [
        (Hop("firewall-endpoint", "vpce-1"), "inspection"),
        (Hop("proxy", "i-1"), "inspection"),
        (Hop("internet-gateway", "igw-1"), "internet"),
        (Hop("egress-only-internet-gateway", "eigw-1"), "internet"),
        (Hop("route-table", "igw-2"), "internet"),
        (Hop("nat-gateway", "nat-1"), ""),
    ],
)
def test_hop_roles(hop: Hop, role: str) -> None:
    assert hop_role(hop) == role


def test_diagram_wraps_long_paths_and_clips_labels() -> None:
    hops = tuple(Hop("route-table", f"rtb-{i}" + "x" * (30 if i == 0 else 0)) for i in range(7))
    view = path_view(Path(hops))
    d = view.diagram
    assert len(d.boxes) == 7 and len(d.arrows) == 6
    assert len({b.y for b in d.boxes}) == 2  # two rows
    assert max(b.x + b.w for b in d.boxes) <= d.width
    assert max(b.y + b.h for b in d.boxes) <= d.height
    assert d.boxes[0].label.endswith("\u2026") and len(d.boxes[0].label) == html_mod.LABEL_CHARS
    assert d.boxes[0].tooltip.startswith("route-table rtb-0xxx")


def test_single_hop_diagram_has_no_arrows() -> None:
    d = diagram(path_view(Path((Hop("eni", "eni-1"),))).hops)
    assert len(d.boxes) == 1 and d.arrows == ()
