"""The demo report printed to PDF by headless Chromium, as an auditor attaching it would.

Chromium's own `--print-to-pdf` (no DevTools driver): the page loads, its script runs under the
CSP, the print stylesheet applies, and the PDF must have several pages whose text holds the
verdict, a failing path with its names and directions, and a network picture's labels. The text
is read with pypdf (test extra: a pure-Python PDF reader, so no poppler is needed). Skipped where
Chromium is absent, like tests/reports/test_browser.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_browser import SCREENSHOTS, chromium_path  # type: ignore[import-not-found]

from safemaker.reports.html import PAGE, render_html

pytestmark = pytest.mark.browser


def demo_report_html(page_size: int = PAGE) -> tuple[str, int]:
    """The demo report's HTML and how many FAIL/ERROR findings it has."""
    demo = pytest.importorskip("safemaker.scanner.devtools.demo")
    from safemaker.scanner.checking.registry import load_registry
    from safemaker.scanner.cli import analyze_snapshot
    from safemaker.scanner.config import Config
    from safemaker.scanner.snapshot.io import Snapshot

    doc = demo.build_demo_snapshot()
    report = analyze_snapshot(Snapshot(doc, "<demo snapshot>"), Config(), load_registry())
    page: str = render_html(report, Snapshot(doc, "<demo snapshot>"), page_size=page_size)
    return page, report.summary()["FAIL"] + report.summary()["ERROR"]


@pytest.mark.parametrize("page_size", [PAGE, 1], ids=["all-markup", "one-resource-markup"])
def test_demo_report_prints_to_a_readable_pdf(tmp_path: Path, page_size: int) -> None:
    """Printed, the report lists every FAIL and ERROR finding, also when only the first resource
    is markup: the script lists the rest before printing (beforeprint)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium not found: install Debian's chromium package (apt-get install chromium)")
    pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extra (pip install -e .[test])")
    page = tmp_path / "report.html"
    html, failing = demo_report_html(page_size)
    page.write_text(html, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    done = subprocess.run(
        [executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) > 1
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "safemaker" in text
    assert "NET-001" in text and "FAIL" in text
    assert "network ACL (outbound)" in text  # a readable path: directions of the NACL hops
    assert "destinations:" in text  # destination summaries
    assert "The network" in text  # the pictures' section is printed (the demo's pictures are open)
    assert text.count("Show on the network") == 1  # the legend says it; the print stylesheet hides the buttons
    assert text.count("ngerprint ") == failing > 1  # each printed finding ends with its fingerprint ("ﬁ": a ligature)
    assert "Listing" not in text and "Show more" not in text
    if page_size != PAGE:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "report.pdf").write_bytes(data)
