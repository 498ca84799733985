"""The HTML report's data block: every finding not written as markup is in it, exactly, once.

The first page of resources is markup; the rest and every PASS finding are the JSON block that
the page's script lists (tests/reports/test_browser.py drives that part). These tests read the
block back with tests/reports/report_data.py and compare it with the findings it was made from.
"""

from __future__ import annotations

import re

from report_data import block, estate, findings, pass_rows, text  # type: ignore[import-not-found]

from safemaker.reports.html import path_view, render_html
from safemaker.scanner.model import Status


def test_first_page_is_markup_and_every_other_failing_finding_is_data() -> None:
    report = estate(12)
    page = render_html(report, page_size=5)
    assert page.count('<section class="resource') == 5
    data = block(page)
    assert (data["first"], len(data["resources"])) == (5, 7)
    assert "<noscript><p class=\"empty\">The other 7 resources with FAIL or ERROR findings are listed by the" in page
    assert '<div id="resources" data-page="5" data-resources="12" data-findings="' in page
    failing = sorted((f for f in report.findings if f.status is not Status.PASS), key=lambda f: f.fingerprint)
    markup = re.findall(r'<article class="finding[^>]*>.*?<div class="fp">fingerprint <code>(\w+)</code>', page,
                        flags=re.S)
    listed = findings(data)
    assert data["serial"] == len(markup) and len(markup) + len(listed) == len(failing)
    assert sorted(markup + [f["fingerprint"] for f in listed]) == [f.fingerprint for f in failing]
    by_fp = {f.fingerprint: f for f in failing}
    for got in listed:
        f = by_fp[got["fingerprint"]]
        r = f.resource
        assert got["resource"] == {"type": r.type.value, "id": r.id, "name": r.name or "", "account": r.account,
                                   "region": r.region, "arn": r.arn}
        assert (got["check"], got["title"], got["status"], got["severity"], got["message"]) == (
            f.check_id, f.title, f.status.value, f.severity.value, f.message)
        assert got["notes"] == [n for n in f.evidence.notes if n not in f.message]
        want_paths = [path_view(p) for p in f.evidence.paths]
        assert [[(h["label"], h["id"], h["detail"], h["role"]) for h in p["hops"]] for p in got["paths"]] == [
            [(h.label, h.id, h.detail, h.role) for h in p.hops] for p in want_paths]
        assert [(p["outcome"], p["summary"], p["open"]) for p in got["paths"]] == [
            (p.outcome, p.summary, p.reaches_internet and not p.inspected) for p in want_paths]
        assert got["extra"].get("age") == (83 if f.first_seen else None)
        assert got["extra"].get("tags", "") == "\n".join(f"{k}={v}" for k, v in r.tags)


def test_network_acl_hops_keep_their_direction_in_the_data() -> None:
    listed = findings(block(render_html(estate(3), page_size=1)))
    labels = [h["label"] for h in listed[0]["paths"][0]["hops"]]
    assert labels == ["ENI", "route table", "network ACL (outbound)", "network ACL (inbound)", "NAT gateway",
                      "internet gateway"]


def test_pass_rows_are_every_pass_finding() -> None:
    report = estate(12)
    rows = pass_rows(block(render_html(report, page_size=5)))
    passes = [f for f in report.findings if f.status is Status.PASS]
    assert sorted((r["check"], r["type"], r["id"], r["name"], r["account"], r["region"], r["severity"], r["message"])
                  for r in rows) == sorted(
        (f.check_id, f.resource.type.value, f.resource.id, f.resource.name or "", f.resource.account,
         f.resource.region, f.severity.value, f.message) for f in passes)


def test_what_repeats_is_written_once() -> None:
    """A note every notebook shares, the shared hops and the ARN prefix are each in the block once."""
    page = render_html(estate(40), page_size=1)
    data = block(page)
    assert len(data["texts"]) == len(set(data["texts"]))
    raw = page.split('id="report-data">', 1)[1]
    assert raw.count("VPC Block Public Access options were not collected") == 1
    assert raw.count("arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/") == 1
    assert raw.count("rtb-0shared") == 1 + raw.count("0.0.0.0/0 -> rtb-0shared")  # the hop once, with its id
    assert len(data["paths"]) == 39 and len(data["hops"]) == 39 + 5  # one ENI each, the other hops shared
    assert raw.count(" outbound rule 100 allows 0.0.0.0/0") == 1  # the NACL detail around its ID


def test_hostile_strings_cannot_leave_the_data_block() -> None:
    report = estate(6)
    page = render_html(report, page_size=1)
    raw = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    assert raw.isascii() and not set(raw) & {"<", ">", "&"}
    assert len(re.findall(r"</script", page, flags=re.I)) == 2  # the data block's and the script's own
    assert "<!--" not in page
    hostile = next(f for f in findings(block(page)) if f["resource"]["id"] == "nb-005" and f["check"] == "NET-001")
    last = next(f for f in report.findings if f.resource.id == "nb-005" and f.check_id == "NET-001")
    assert hostile["resource"]["name"] == "</script><!-- \u2028 <b>x</b> &amp;"
    assert hostile["message"] == last.message and hostile["message"].endswith(" <!-- ]]> </script>")
    assert hostile["paths"][0]["hops"][0]["detail"].endswith("</script><script>alert(1)</script>")
    assert hostile["extra"]["tags"] == "owner=</SCRIPT ><!--"


def test_text_values_join_parts_and_stand_in_the_id() -> None:
    data = {"texts": ["acl-1 ", "outbound"]}
    assert text(data, [-1, " ", 1, "; ", -1], "acl-9") == "acl-9 outbound; acl-9"
    assert text(data, 0) == "acl-1 " and text(data, "x") == "x" and text(data, "") == ""


def test_page_size_only_moves_resources_between_markup_and_data() -> None:
    report = estate(8)
    everything = render_html(report, page_size=1000)
    assert block(everything)["resources"] == [] and everything.count('<section class="resource') == 8
    assert "<noscript>" not in everything
    paged = render_html(report, page_size=3)
    assert paged.count('<section class="resource') == 3 and len(block(paged)["resources"]) == 5
    assert pass_rows(block(everything)) == pass_rows(block(paged))
