"""The HTML report in a real browser: headless Chromium driven over the DevTools protocol.

The static tests (test_render_html.py) prove that hostile strings are escaped in the markup; this
one proves what a reader actually gets: the page renders, its inline script runs under the
Content-Security-Policy without a console error, no injected script fires a dialog, the status
filter hides rows, and hostile resource names, messages and hop details read as text. Resources
past the first page, which the script lists from the page's data block, read exactly as the
markup does, are reached by paging, search and filters, and are found by the same searches.

Chromium is driven through `--remote-debugging-pipe` (JSON messages separated by NUL bytes on
file descriptors 3 and 4) by the small client below, so the test needs Debian's `chromium`
package and nothing from PyPI. Without Chromium the tests are skipped, saying so.

The demo report's screenshot is left in build/screenshots/report.png (docs/report.png is a copy).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from safemaker.reports.html import render_html
from safemaker.scanner.model import (
    BaselineInfo,
    BaselineState,
    FixedFinding,
    Report,
    Status,
    Suppression,
    SuppressionUse,
    Triage,
)

# The hostile strings of conftest.py (its fixtures build the reports), spelt out here.
SCRIPT = "<script>alert(1)</script>"
ATTR_BREAK = '"><img src=x onerror=alert(1)>'

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
TIMEOUT = 60.0
CHROMIUM_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--mute-audio", "--hide-scrollbars", "--remote-debugging-pipe",
)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("SAFEMAKER_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


class ProtocolError(Exception):
    pass


class Chromium:
    """A headless Chromium and a minimal Chrome DevTools Protocol client over its pipe."""

    def __init__(self, executable: str, profile_dir: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Park the child's ends above 9 so that moving them to 3 and 4 cannot overwrite each other.
        child_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def wire_pipe() -> None:  # runs in the child between fork and exec
            os.dup2(child_r, 3)  # dup2 clears close-on-exec on the copies
            os.dup2(child_w, 4)

        self.log_path = profile_dir / "chromium.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # our own child: stopped by its pid in close()
                [executable, *CHROMIUM_ARGS, f"--user-data-dir={profile_dir / 'profile'}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=False, preexec_fn=wire_pipe,
            )
        os.close(child_r)
        os.close(child_w)
        self._next_id = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._responses: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="cdp-reader", daemon=True)
        self._reader.start()

    # --- transport -------------------------------------------------------------------------
    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if message.get("method") == "Page.javascriptDialogOpening":
                    # Record it, then dismiss it so the page does not hang on an alert().
                    self._post("Page.handleJavaScriptDialog", {"accept": False}, message.get("sessionId"))
                with self._cond:
                    if "id" in message:
                        self._responses[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._cond.notify_all()

    def _post(self, method: str, params: dict[str, Any] | None, session: str | None) -> int:
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            data = json.dumps(message).encode("utf-8") + b"\0"
            while data:
                data = data[os.write(self._to_browser, data):]
        return ident

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        ident = self._post(method, params, session)
        deadline = time.monotonic() + TIMEOUT
        with self._cond:
            while ident not in self._responses:
                if self._closed:
                    raise ProtocolError(f"chromium exited during {method}; see {self.log_path}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProtocolError(f"no answer to {method} within {TIMEOUT:.0f}s")
                self._cond.wait(left)
            response = self._responses.pop(ident)
        if "error" in response:
            raise ProtocolError(f"{method}: {response['error']}")
        result: dict[str, Any] = response.get("result", {})
        return result

    def wait_for(self, method: str, session: str | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        seen = 0
        with self._cond:
            while True:
                for event in self.events[seen:]:
                    if event.get("method") == method and (session is None or event.get("sessionId") == session):
                        return event
                seen = len(self.events)
                if self._closed:
                    raise ProtocolError(f"chromium exited while waiting for {method}; see {self.log_path}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProtocolError(f"no {method} within {TIMEOUT:.0f}s")
                self._cond.wait(left)

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                self._post("Browser.close", None, None)
                self.proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout=15)
        finally:
            for fd in (self._to_browser, self._from_browser):
                with contextlib.suppress(OSError):
                    os.close(fd)

    # --- pages -----------------------------------------------------------------------------
    def open(self, path: Path, width: int = 1280, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
        page.mark = len(self.events)
        self.send("Page.navigate", {"url": path.resolve().as_uri()}, session)
        self.wait_for("Page.loadEventFired", session)
        return page


@dataclasses.dataclass
class Page:
    browser: Chromium
    session: str
    mark: int = 0

    def evaluate(self, expression: str) -> Any:
        reply = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                       "awaitPromise": True}, self.session)
        if "exceptionDetails" in reply:
            raise ProtocolError(f"script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def press(self, text: str) -> None:
        """Type characters as a user would, into whatever has the focus."""
        for char in text:
            key = {"type": "keyDown", "key": char, "text": char, "unmodifiedText": char}
            self.browser.send("Input.dispatchKeyEvent", key, self.session)
            self.browser.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": char}, self.session)

    def events(self) -> list[dict[str, Any]]:
        return [e for e in self.browser.events[self.mark:] if e.get("sessionId") == self.session]

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, CSP violations and dialogs since the page was opened."""
        out = []
        for event in self.events():
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                out.append(f"console.{params.get('type')}: {params.get('args')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                entry = params["entry"]
                out.append(f"log {entry.get('source')}/{entry.get('level')}: {entry.get('text')}")
            elif method == "Page.javascriptDialogOpening":
                out.append(f"dialog {params.get('type')}: {params.get('message')}")
        return out

    def screenshot(self, path: Path) -> None:
        data = self.browser.send("Page.captureScreenshot", {"format": "png"}, self.session)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium not found: install Debian's chromium package (apt-get install chromium)")
    chromium = Chromium(executable, tmp_path_factory.mktemp("chromium"))
    try:
        chromium.send("Browser.getVersion")
        yield chromium
    finally:
        chromium.close()


def triaged(report: Report) -> Report:
    """The hostile report with every annotation the HTML shows, hostile strings in them too."""
    expired = Suppression("NET-002", ATTR_BREAK, "*", date(2026, 1, 1), 2)
    active = Suppression("NET-001", SCRIPT, "*", date(2027, 1, 1), 1)
    findings = []
    for i, f in enumerate(report.findings):
        state = BaselineState.NEW if i % 2 else BaselineState.UNCHANGED
        triage = Triage(baseline=state)
        if f.check_id == "NET-001" and f.status is Status.FAIL and f.resource.id == SCRIPT:
            triage = dataclasses.replace(triage, suppressed=active)
        if f.check_id == "NET-002":
            triage = dataclasses.replace(triage, suppression_expired=expired)
        findings.append(dataclasses.replace(f, triage=triage))
    fixed = FixedFinding("SM-001", SCRIPT, "FAIL", "high", (("type", "AWS::SageMaker::NotebookInstance"),
                         ("id", ATTR_BREAK), ("account", "111122223333"), ("region", "eu-west-1")),
                         SCRIPT, "fp-fixed")
    return dataclasses.replace(
        report,
        findings=tuple(findings),
        baseline=BaselineInfo(ATTR_BREAK, 4, 4, (fixed,), (("PASS", 1), ("FAIL", 2), ("ERROR", 1))),
        suppressions=(SuppressionUse(active, False, 1), SuppressionUse(expired, True, 1)),
    )


COUNT_VISIBLE = """(() => {
  const shown = el => el.getClientRects().length > 0;
  const rows = Array.from(document.querySelectorAll("article.finding"));
  const count = status => rows.filter(r => r.dataset.status === status && shown(r)).length;
  // PASS findings are rows of per-check groups, listed on demand: their groups count them
  const passed = Array.from(document.querySelectorAll("details.pass-group")).filter(shown)
    .reduce((n, d) => n + Number(d.querySelector(".pass-count").textContent), 0);
  return {PASS: passed, FAIL: count("FAIL"), ERROR: count("ERROR"),
          shown: document.getElementById("shown").textContent};
})()"""


def test_hostile_report_renders_safely_and_filters(browser: Chromium, hostile_report: Report, tmp_path: Path) -> None:
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(triaged(hostile_report)), encoding="utf-8")
    page = browser.open(page_file)

    # It rendered, and the report's own script ran under the CSP (it un-hides the filter form).
    state = page.evaluate("""(() => ({
      title: document.title,
      filtersShown: !document.getElementById("filters").hidden,
      findings: document.querySelectorAll("article.finding").length,
      scripts: document.scripts.length,
      images: document.images.length,
      injected: Array.from(document.querySelectorAll("[onerror], img, iframe, object, embed")).length,
      height: document.body.scrollHeight,
    }))()""")
    assert state["title"].startswith("safemaker report")
    assert state["filtersShown"], "the report's script did not run"
    assert state["findings"] == sum(1 for f in hostile_report.findings if f.status.value != "PASS")
    # the report's script and the JSON data block of the passed findings
    assert (state["scripts"], state["images"], state["injected"]) == (2, 0, 0)
    assert state["height"] > 500

    # Hostile strings are text: in the resource heading, the message, the hop detail and the
    # annotations (suppression justification, fixed list, baseline file name).
    texts = page.evaluate("""(() => {
      const all = sel => Array.from(document.querySelectorAll(sel)).map(e => e.textContent);
      return {rid: all("h3.rid"), message: all("p.message"), detail: all(".hop-detail"), why: all(".why"),
              fixed: all("#fixed td"), gate: all("#fixed caption"), body: document.body.innerText};
    })()""")
    assert SCRIPT in texts["rid"] and ATTR_BREAK in texts["rid"]
    assert ATTR_BREAK in texts["message"]
    assert SCRIPT in texts["detail"] and ATTR_BREAK in texts["detail"]
    assert SCRIPT in texts["why"] and ATTR_BREAK not in texts["why"][0]
    assert ATTR_BREAK in texts["fixed"] and SCRIPT in texts["fixed"]
    assert any(ATTR_BREAK in t for t in texts["gate"])
    assert SCRIPT in texts["body"] and ATTR_BREAK in texts["body"]

    before = page.evaluate(COUNT_VISIBLE)
    assert before["PASS"] > 0 and before["FAIL"] > 0

    # PASS rows come from the compact JSON block: opened, each group lists its resources and messages.
    listed = page.evaluate("""(() => Array.from(document.querySelectorAll("details.pass-group")).map(d => {
      d.open = true;
      d.dispatchEvent(new Event("toggle"));
      return {count: Number(d.querySelector(".pass-count").textContent),
              cells: Array.from(d.querySelectorAll("tbody tr"))
                .map(tr => Array.from(tr.cells).map(c => c.textContent))};
    }))()""")
    passes = [f for f in hostile_report.findings if f.status.value == "PASS"]
    assert sum(len(g["cells"]) for g in listed) == sum(g["count"] for g in listed) == len(passes)
    shown_messages = sorted(row[2] for g in listed for row in g["cells"])
    assert shown_messages == sorted(f.message for f in passes)
    assert all(row[1] == f"{f.resource.account} / {f.resource.region}" for g in listed for row in g["cells"]
               for f in passes[:1])
    page.evaluate('document.querySelectorAll("details.pass-group").forEach(d => { d.open = false; })')

    # Choose FAIL in the status filter with the keyboard, as a reader would.
    page.evaluate('document.querySelector("#filters select[name=status]").focus()')
    page.press("F")
    assert page.evaluate('document.querySelector("#filters select[name=status]").value') == "FAIL"
    after = page.evaluate(COUNT_VISIBLE)
    assert after == {"PASS": 0, "FAIL": before["FAIL"], "ERROR": 0,
                     "shown": f"Showing {before['FAIL']} of {state['findings']} FAIL and ERROR findings on "
                              f"{page.evaluate(_VISIBLE_SECTIONS)} resources; 0 passed"}

    # The baseline and suppression filters work the same way.
    page.evaluate('document.querySelector("#filters button[type=reset]").click()')
    time.sleep(0.2)
    assert page.evaluate(COUNT_VISIBLE)["PASS"] == before["PASS"]
    suppressed = page.evaluate("""(() => {
      const sel = document.querySelector("#filters select[name=suppressed]");
      sel.value = "yes";
      sel.dispatchEvent(new Event("change", {bubbles: true}));
      return Array.from(document.querySelectorAll("article.finding"))
        .filter(r => r.getClientRects().length > 0).map(r => r.dataset.suppressed);
    })()""")
    assert suppressed == ["yes"]

    page.screenshot(SCREENSHOTS / "hostile.png")
    assert page.problems() == []


_VISIBLE_SECTIONS = ('Array.from(document.querySelectorAll("section.resource"))'
                     ".filter(s => s.getClientRects().length > 0).length")


def demo_report() -> tuple[Report, Any]:
    """The demo estate's report and the snapshot that draws its pictures."""
    demo = pytest.importorskip("safemaker.scanner.devtools.demo")
    if not hasattr(demo, "build_demo_snapshot"):
        pytest.skip("safemaker.scanner.devtools.demo.build_demo_snapshot is not available")
    from safemaker.scanner.checking.registry import load_registry
    from safemaker.scanner.cli import analyze_snapshot
    from safemaker.scanner.config import Config
    from safemaker.scanner.snapshot.io import Snapshot

    doc = demo.build_demo_snapshot()
    return analyze_snapshot(Snapshot(doc, "<demo snapshot>"), Config(), load_registry()), Snapshot(doc, "<demo>")


def test_demo_report_screenshot(browser: Chromium, tmp_path: Path) -> None:
    """The demo estate's report as a reader first sees it; the PNG is kept for the README."""
    report, snapshot = demo_report()
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report, snapshot), encoding="utf-8")
    page = browser.open(page_file, width=1280, height=2300)  # the summary and the worst resource
    counts = page.evaluate(COUNT_VISIBLE)
    assert counts["FAIL"] == report.summary()["FAIL"] and counts["PASS"] == report.summary()["PASS"]
    # Show NET-001 failures under the summary, so the picture has a path diagram in it.
    shown = page.evaluate("""(() => {
      for (const [name, value] of [["status", "FAIL"], ["check", "NET-001"]]) {
        const sel = document.querySelector(`#filters select[name=${name}]`);
        sel.value = value;
        sel.dispatchEvent(new Event("change", {bubbles: true}));
      }
      return document.querySelectorAll("figure.path ol.chain").length > 0 &&
        Array.from(document.querySelectorAll("article.finding")).filter(r => r.getClientRects().length > 0)
          .every(r => r.dataset.status === "FAIL" && r.dataset.check === "NET-001");
    })()""")
    assert shown
    # Selecting a path highlights it on its VPC's picture and marks where it leaves unchecked.
    highlighted = page.evaluate("""(() => {
      const button = Array.from(document.querySelectorAll("article.finding button.show-path"))
        .find(b => b.getClientRects().length > 0);
      button.click();
      const figure = button.closest("figure");
      const picture = document.getElementById(figure.dataset.picture);
      return {lit: picture.querySelectorAll(".hl").length, line: picture.querySelectorAll(".hl-line").length,
              mark: Array.from(picture.querySelectorAll(".hl-text")).map(t => t.textContent),
              open: figure.dataset.open, names: Array.from(document.querySelectorAll(".hop-name")).length,
              nacl: document.body.innerText.includes("network ACL (outbound)"),
              pictures: document.querySelectorAll("svg.topology").length};
    })()""")
    assert highlighted["lit"] >= 2 and highlighted["line"] == 1
    assert highlighted["mark"] == ["leaves unchecked" if highlighted["open"] == "yes" else "inspection point"]
    assert highlighted["names"] > 0 and highlighted["nacl"] and highlighted["pictures"] >= 4
    page.screenshot(SCREENSHOTS / "network.png")
    target = SCREENSHOTS / "report.png"
    page.screenshot(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 20_000  # a rendered page, not a blank one
    assert page.problems() == []


# Each listed resource as the reader gets it: its elements with their attributes, and its text.
LISTED = """(() => Array.from(document.querySelectorAll("#resources section.resource"))
  .filter(s => s.getClientRects().length > 0).map(s => ({
    id: s.id, text: s.innerText,
    shape: Array.from(s.querySelectorAll("*")).map(e => e.tagName + Array.from(e.attributes)
      .map(a => " " + a.name + "=" + a.value).sort().join(""))})))()"""

INJECTED = 'document.querySelectorAll("[onerror], img, iframe, object, embed, #resources script").length'


@pytest.mark.parametrize("which", ["demo", "hostile"])
def test_resources_listed_from_the_data_read_as_the_markup(browser: Chromium, hostile_report: Report,
                                                           tmp_path: Path, which: str) -> None:
    """The same report written all as markup and with one resource as markup (the rest listed by
    the script from the data block, after "Show all"): the same elements, attributes and text."""
    report, snapshot = demo_report() if which == "demo" else (triaged(hostile_report), None)
    listed = {}
    for size in (1000, 1):
        page_file = tmp_path / f"report-{size}.html"
        page_file.write_text(render_html(report, snapshot, page_size=size), encoding="utf-8")
        page = browser.open(page_file)
        n = page.evaluate('document.querySelectorAll("#resources section.resource").length')
        if size == 1:
            assert n == 1
            more = page.evaluate('document.getElementById("more-text").textContent')
            total = len({f.resource.id for f in report.findings if f.status is not Status.PASS})
            assert more == f"Listing 1 of {total} resources."
            page.evaluate('document.getElementById("more-all").click()')
        listed[size] = page.evaluate(LISTED)
        assert page.evaluate(INJECTED) == 0
        assert page.problems() == []
    assert len(listed[1]) == len(listed[1000]) > 1
    assert listed[1] == listed[1000]
    if which == "hostile":
        text = " ".join(r["text"] for r in listed[1])
        assert SCRIPT in text and ATTR_BREAK in text


def _search(page: Page, words: str) -> dict[str, Any]:
    page.evaluate('(() => { const q = document.querySelector("#filters input[name=q]"); q.value = ""; q.focus(); })()')
    page.press(words)
    result: dict[str, Any] = page.evaluate("""(() => {
      const listed = Array.from(document.querySelectorAll("#resources section.resource"))
        .filter(s => s.getClientRects().length > 0);
      return {ids: listed.map(s => s.querySelector(".rid").textContent),
              findings: listed.flatMap(s => Array.from(s.querySelectorAll("article.finding"))
                .filter(a => a.getClientRects().length > 0)
                .map(a => [a.dataset.check, a.querySelector("p.message").textContent])),
              shown: document.getElementById("shown").textContent,
              more: document.getElementById("more").hidden ? "" : document.getElementById("more-text").textContent};
    })()""")
    return result


def test_paging_and_search_reach_resources_beyond_the_first_page(browser: Chromium, tmp_path: Path) -> None:
    from report_data import estate  # type: ignore[import-not-found]

    report = estate(25)
    failing = [f for f in report.findings if f.status is not Status.PASS]
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report, page_size=10), encoding="utf-8")
    page = browser.open(page_file)
    listed = 'Array.from(document.querySelectorAll("#resources section.resource")).filter(s => !s.hidden).length'
    state = """(() => [document.getElementById("shown").textContent, document.getElementById("more").hidden,
      document.getElementById("more-text").textContent, document.getElementById("more-next").textContent])()"""
    assert page.evaluate(listed) == 10
    assert page.evaluate(state) == [f"{len(failing)} FAIL and ERROR findings on 25 resources; 25 passed", False,
                                    "Listing 10 of 25 resources.", "Show 10 more"]
    page.evaluate('document.getElementById("more-next").click()')
    assert page.evaluate(listed) == 20
    assert page.evaluate(state)[1:] == [False, "Listing 20 of 25 resources.", "Show 5 more"]
    page.evaluate('document.getElementById("more-next").click()')
    assert page.evaluate(listed) == 25 and page.evaluate(state)[1] is True

    # Search reaches what is not listed yet: the last notebook by its ID, by its ENI (a hop of its
    # path and words of its message) and by its name; every match of a search is listed.
    page = browser.open(page_file)
    nb24 = [[f.check_id, f.message] for f in failing if f.resource.id == "nb-024"]
    assert _search(page, "nb-024") == {"ids": ["nb-024"], "findings": nb24, "more": "",
                                       "shown": f"Showing 2 of {len(failing)} FAIL and ERROR findings on 1 resources; "
                                                "1 passed"}
    assert _search(page, "eni-023")["findings"] == [
        [f.check_id, f.message] for f in failing if f.resource.id == "nb-023" and f.check_id == "NET-001"]
    assert _search(page, "analysts 22")["ids"] == ["nb-022"]
    rooted = _search(page, "root access")  # a match of twelve notebooks is listed a page at a time too
    assert (rooted["ids"], rooted["more"]) == ([f"nb-{i:03d}" for i in range(1, 20, 2)], "Listing 10 of 12 resources.")

    # Filters read the data too: the ERROR findings (every fifth notebook), past the first page as well.
    errors = page.evaluate("""(() => {
      const q = document.querySelector("#filters input[name=q]");
      q.value = "";
      const sel = document.querySelector("#filters select[name=status]");
      sel.value = "ERROR";
      sel.dispatchEvent(new Event("change", {bubbles: true}));
      return Array.from(document.querySelectorAll("article.finding")).filter(a => a.getClientRects().length > 0)
        .map(a => [a.closest("section").querySelector(".rid").textContent, a.dataset.status]);
    })()""")
    assert errors == [[f"nb-{i:03d}", "ERROR"] for i in (4, 9, 14, 19, 24)]
    aged = page.evaluate("""(() => {
      document.querySelector("#filters select[name=status]").value = "";
      const sel = document.querySelector("#filters select[name=age]");
      sel.value = "30";
      sel.dispatchEvent(new Event("change", {bubbles: true}));
      document.getElementById("more-all").click();
      return Array.from(document.querySelectorAll("#resources section.resource"))
        .filter(s => s.getClientRects().length > 0).map(s => s.querySelector(".rid").textContent);
    })()""")
    assert aged == [f"nb-{i:03d}" for i in range(0, 25, 4)]
    assert page.problems() == []


SEARCHES = {
    "demo": ["leaves unchecked", "inspection point", "network acl (outbound)", "network acl (inbound)",
             "· destinations: 0.0.0.0/0", "path 1 ·", "ngerprint", "nat gateway", "route table", "squid",
             "account 123456789012 · eu-west-1", "show on the network", "critical"],
    "hostile": [SCRIPT, ATTR_BREAK, "suppressed by safemaker.toml [[suppress]] #1", "so this finding counts again",
                "suppression expired", "new", "unchanged", "error", "path 1", "internet"],
    "estate": ["open 83 days", "analysts 2", "analysts 10", "nb-004 analysts 4", "eni-004 notebook nb-004",
               "internet gateway igw-0shared", "leaves unchecked", "</script>", "root access", "not collected"],
}


@pytest.mark.parametrize("which", sorted(SEARCHES))
def test_search_matches_the_same_findings_in_the_data_as_in_the_markup(
        browser: Chromium, hostile_report: Report, tmp_path: Path, which: str) -> None:
    """Search reads the words a finding of the data would show: each query matches as many
    findings and resources with one resource as markup as with all of them."""
    from report_data import estate  # type: ignore[import-not-found]

    report, snapshot = {"demo": demo_report, "hostile": lambda: (triaged(hostile_report), None),
                        "estate": lambda: (estate(12), None)}[which]()
    shown = {}
    for size in (1000, 1):
        page_file = tmp_path / f"report-{size}.html"
        page_file.write_text(render_html(report, snapshot, page_size=size), encoding="utf-8")
        page = browser.open(page_file)
        shown[size] = [_search(page, q)["shown"] for q in SEARCHES[which]]
        assert page.problems() == []
    assert shown[1] == shown[1000]
    assert [q for q, s in zip(SEARCHES[which], shown[1], strict=True) if s.startswith("Showing 0 of")] == []
