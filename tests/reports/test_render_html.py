"""The HTML report must be self-contained and must show hostile AWS strings as text."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from html.parser import HTMLParser

import pytest

from safemaker.reports import html as html_mod
from safemaker.reports.html import hop_role, path_view, render_html
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
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    # the report's own script, and the passed findings as a JSON data block (never run)
    assert [a.get("type") for a in scripts] == ["application/json", None]
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
        body = parsed.raw[kind][-1]  # the script, after the JSON data block
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


def test_every_failing_path_is_a_readable_chain(sample_report: Report) -> None:
    page = render_html(sample_report)
    n_paths = sum(len(f.evidence.paths) for f in sample_report.findings if f.status.value != "PASS")
    assert n_paths == page.count('<ol class="chain">') > 0
    assert '<li class="role-inspection">' in page or '<li class="role-internet">' in page
    assert '.chain > li + li::before { content: "\\2192"' in page  # the arrow between hops comes from the CSS


def test_findings_carry_filter_attributes(sample_report: Report) -> None:
    parsed = _parse(render_html(sample_report))
    articles = [attrs for tag, attrs in parsed.tags if tag == "article"]
    assert len(articles) == sum(1 for f in sample_report.findings if f.status.value != "PASS")
    for attrs in articles:
        assert attrs["data-status"] in {"FAIL", "ERROR"}
        assert attrs["data-severity"] in {"critical", "high", "medium", "low", "info"}
        assert attrs["data-check"] and attrs["data-account"]
        # left off when unknown or empty (most findings of a large estate), so never present and empty
        assert attrs.get("data-age", "1") != "" and attrs.get("data-tags", "x") != ""
    sections = [attrs for tag, attrs in parsed.tags if tag == "section"]
    resources = [a for a in sections if "resource" in (a.get("class") or "").split()]
    assert resources
    for key in ("data-sort-worst", "data-sort-name", "data-sort-location"):
        assert sorted(int(a[key] or "") for a in resources) == list(range(len(resources)))
    groups = [attrs for tag, attrs in parsed.tags if tag == "details" and "pass-group" in (attrs.get("class") or "")]
    assert len(groups) == len({(f.check_id, f.resource.type) for f in sample_report.findings
                               if f.status.value == "PASS"})


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
    assert '<h3 class="rid">nb-safe</h3>' not in page  # PASS only: listed from the JSON block
    assert '"nb-safe"' in page


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


def test_hops_read_with_names_nacl_directions_routes_and_summarised_destinations() -> None:
    from safemaker.reports.html import Network
    from safemaker.scanner.describe import Describer, NamedRange

    hops = (Hop("eni", "eni-1"), Hop("route-table", "rtb-1", "many ranges", route="0.0.0.0/0", target="nat-1"),
            Hop("network-acl", "acl-1", "acl-1 outbound rule 100 allows 0.0.0.0/0"),
            Hop("network-acl", "acl-1", "acl-1 inbound rule 100 allows 0.0.0.0/0"),
            Hop("nat-gateway", "nat-1"), Hop("internet-gateway", "igw-1"), Hop("internet", "internet"))
    dests = ("0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5", "248.0.0.0/6")
    net = Network(names={"nat-1": "<b>egress</b>", "rtb-1": "private-rt"})
    view = path_view(Path(hops, dests), net, {"eni-1": "net1"}, Describer([NamedRange("pl-1 (S3)", ("252.0.0.0/6",))]))
    assert [(h.label, h.name) for h in view.hops[1:5]] == [
        ("route table", "private-rt"), ("network ACL (outbound)", ""), ("network ACL (inbound)", ""),
        ("NAT gateway", "<b>egress</b>")]
    assert view.hops[1].detail == "route 0.0.0.0/0 \u2192 nat-1 (<b>egress</b>)"
    assert view.summary == "0.0.0.0/0 except pl-1 (S3)"
    assert (view.picture, view.ids) == ("net1", "eni-1 rtb-1 acl-1 nat-1 igw-1 internet")
    assert view.reaches_internet and not view.inspected
