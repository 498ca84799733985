"""HTML report size and opening time (issue 19): a benchmark that prints figures, never a test.

The analysis of a 10,000-notebook estate takes most of a minute and gigabytes, while the report
is what is being measured, so the Report the analysis gives is pickled next to the snapshot
(`--cache`) and rendered again from it on later runs. Open time is the wall time of
`chromium --headless --no-sandbox --disable-gpu --dump-dom file://…` measured from outside (load,
run the report's script, serialise the DOM), as docs/performance.md ("Report size") reports it;
an empty page is timed the same way for comparison.

    safemaker synth --vpcs 1000 --notebooks 2000 --seed 7 -o s2k.json
    bench/report.py s2k.json [--cache DIR] [--out DIR] [--opens 2]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Parts of the page whose size is printed: (label, regular expression over the page).
PARTS = (
    ("FAIL/ERROR findings written as markup", r'<article class="finding.*?</article>'),
    ("  of which paths", r'<figure class="path.*?</figure>'),
    ("network pictures", r'<details class="picture.*?</details>'),
    ("data blocks (JSON)", r'<script type="application/json".*?</script>'),
)


def load_report(snapshot_path: str, cache: Path) -> tuple[Any, Any]:
    """(Report, Snapshot): the Report from the cache when the snapshot has not changed."""
    from safemaker.scanner.checking.registry import load_registry
    from safemaker.scanner.config import Config
    from safemaker.scanner.pipeline import analyze_snapshot
    from safemaker.scanner.snapshot.io import load

    stat = os.stat(snapshot_path)
    key = hashlib.sha256(f"{os.path.abspath(snapshot_path)}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    pickled = cache / f"report-{key[:16]}.pickle"
    started = time.perf_counter()
    snapshot = load(snapshot_path)
    print(f"snapshot loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if pickled.exists():
        with pickled.open("rb") as f:
            return pickle.load(f), snapshot  # our own cache file, written below
    started = time.perf_counter()
    report = analyze_snapshot(snapshot, Config(), load_registry())
    print(f"analysed in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    cache.mkdir(parents=True, exist_ok=True)
    with pickled.open("wb") as f:
        pickle.dump(report, f, protocol=pickle.HIGHEST_PROTOCOL)
    return report, snapshot


def open_seconds(chromium: str, page: Path, profile: Path) -> float:
    started = time.perf_counter()
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                    "--dump-dom", page.resolve().as_uri()],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=600)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("snapshot")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "safemaker-report-bench")
    parser.add_argument("--out", type=Path, help="where report.html is written (default: the cache directory)")
    parser.add_argument("--opens", type=int, default=2, help="headless Chromium openings to time (0: none)")
    args = parser.parse_args()

    from safemaker.reports.html import render_html
    from safemaker.scanner.model import Status

    report, snapshot = load_report(args.snapshot, args.cache)
    started = time.perf_counter()
    page = render_html(report, snapshot)
    render_s = time.perf_counter() - started
    out = args.out or args.cache
    out.mkdir(parents=True, exist_ok=True)
    html_file = out / "report.html"
    html_file.write_text(page, encoding="utf-8")
    size = len(page.encode("utf-8"))
    summary = report.summary()
    print(f"{args.snapshot}: {summary['FAIL']} FAIL, {summary['ERROR']} ERROR, {summary['PASS']} PASS; "
          f"{sum(len(f.evidence.paths) for f in report.findings if f.status is not Status.PASS)} FAIL/ERROR paths")
    print(f"report {size / 1e6:.1f} MB ({html_file}), rendered in {render_s:.1f} s")
    for label, pattern in PARTS:
        found = re.findall(pattern, page, flags=re.S)
        print(f"  {label}: {sum(len(x.encode('utf-8')) for x in found) / 1e6:.1f} MB ({len(found)})")
    for match in re.finditer(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, flags=re.S):
        print(f"    #{match.group(1)}: {len(match.group(2).encode('utf-8')) / 1e6:.2f} MB")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if args.opens and chromium:
        with tempfile.TemporaryDirectory() as tmp:
            empty = Path(tmp) / "empty.html"
            empty.write_text("<!DOCTYPE html><title>empty</title>", encoding="utf-8")
            print(f"empty page opens in {open_seconds(chromium, empty, Path(tmp) / 'profile'):.2f} s")
            times = [open_seconds(chromium, html_file, Path(tmp) / "profile") for _ in range(args.opens)]
        print("report opens in " + ", ".join(f"{t:.1f}" for t in times) + " s (headless Chromium --dump-dom)")


if __name__ == "__main__":
    main()
