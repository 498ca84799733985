"""What a person at a terminal sees: the findings summary, colour, and progress on stderr.

The decisions, all in one place (docs/terminal.md says the same for users):

- **stdout.** When stdout is a terminal and no format is written there (no `--format`, or an
  `--output-dir` that takes the files), `analyze` and `scan` print `render_summary`: counts by
  severity and by check, then each FAIL and ERROR with its resource and a one-line reason.
  When stdout is not a terminal (a pipe, a file, a CI log), nothing changes: with no `--format`
  the findings JSON goes there, as it always did, so `safemaker analyze snap.json > f.json` and
  `| jq` keep working; `--format json` writes the findings JSON to stdout on a terminal too.
- **Colour** only on a terminal, and never when `NO_COLOR` is set to anything but "" (no-color.org),
  `TERM` is `dumb`, or `--no-color` is given. Colour codes are added after the text has passed
  through `termsafe`, so AWS-sourced text can never carry its own.
- **Progress** goes to stderr: a bar (rich) when stderr is a terminal other than `TERM=dumb`;
  otherwise a plain line every `PLAIN_INTERVAL` seconds of a long phase and nothing for a short
  one; nothing at all with `--quiet`, which also drops the informational lines ("wrote ...") and keeps warnings,
  errors and the one summary line. `--verbose` adds the collector's line per operation.

Whether a stream is a terminal is asked through `isatty`, which tests replace to force either
answer; the pseudo-terminal tests (tests/cli/test_terminal.py) check the real thing.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any

from safemaker.scanner import termsafe
from safemaker.scanner.model import Finding, Report, Severity, Status

#: Seconds between two plain progress lines when stderr is not a terminal.
PLAIN_INTERVAL = 10.0
DEFAULT_WIDTH = 100
_MIN_WIDTH = 60


def isatty(stream: IO[Any]) -> bool:
    """Whether `stream` is a terminal (tests replace this to force the answer)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def colour_allowed(no_color: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    """Colour unless --no-color, a non-empty NO_COLOR, or TERM=dumb says otherwise."""
    env = os.environ if environ is None else environ
    return not no_color and not env.get("NO_COLOR") and env.get("TERM") != "dumb"


def _width(stream: IO[Any]) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    return max(_MIN_WIDTH, columns or DEFAULT_WIDTH)


# --------------------------------------------------------------------------------------------
# Styles


_RESET = "\x1b[0m"
_STYLES = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    Status.FAIL.value: "\x1b[1;31m",
    Status.ERROR.value: "\x1b[1;35m",
    Status.PASS.value: "\x1b[32m",
    Severity.CRITICAL.value: "\x1b[1;31m",
    Severity.HIGH.value: "\x1b[31m",
    Severity.MEDIUM.value: "\x1b[33m",
    Severity.LOW.value: "\x1b[36m",
    Severity.INFO.value: "\x1b[2m",
    "ok": "\x1b[1;32m",
}


class _Paint:
    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, style: str) -> str:
        """`text` (already terminal-safe) in `style`; unchanged when colour is off or text is blank."""
        if not self.on or not text.strip() or style not in _STYLES:
            return text
        return f"{_STYLES[style]}{text}{_RESET}"


# --------------------------------------------------------------------------------------------
# The summary


_STATUS_ORDER = (Status.FAIL, Status.ERROR, Status.PASS)
_SEVERITIES = tuple(sorted(Severity, key=lambda s: -s.rank))


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 3)] + "..."


def _age(first_seen: str | None, generated: str) -> str:
    """'open N days' since the finding was first seen with this status (first_seen, carried
    through --baseline), or '' when that is not known."""
    from datetime import datetime

    if not first_seen:
        return ""
    try:
        since = datetime.fromisoformat(first_seen.replace("Z", "+00:00"))
        now = datetime.fromisoformat(generated.replace("Z", "+00:00"))
    except ValueError:
        return ""
    days = max(0, (now - since).days)
    return f"open {_plural(days, 'day')}"


def _triage_note(finding: Finding, generated: str = "") -> str:
    from safemaker.scanner.model import BaselineState

    notes = []
    age = _age(finding.first_seen, generated) if finding.status is not Status.PASS else ""
    if age:
        notes.append(age)
    if finding.triage.suppressed is not None:
        notes.append("suppressed")
    if finding.triage.suppression_expired is not None:
        notes.append("suppression expired")
    if finding.triage.baseline is BaselineState.UNCHANGED:
        notes.append("unchanged since the baseline")
    return f"  [{', '.join(notes)}]" if notes else ""


def _resource_text(finding: Finding) -> str:
    from safemaker.scanner.model import ResourceType

    r = finding.resource
    name = f" ({termsafe.line(r.name)})" if r.name else ""
    where = "/".join(p for p in (r.account, r.region) if p)
    if r.type is ResourceType.REGION:  # "AWS::EC2::Instance in 1111/eu-west-1", or a scope not collected
        shown = r.id if where in r.id else where if r.id == r.region else f"{where} {r.id}".strip()
        return termsafe.line(shown)
    return f"{termsafe.line(r.id)}{name}  {r.type.value}" + (f" {termsafe.line(where)}" if where else "")


def render_summary(report: Report, *, colour: bool = False, width: int = DEFAULT_WIDTH,
                   titles: Mapping[str, str] | None = None) -> str:
    """The terminal summary of a report (see the module docstring); every AWS-sourced string in it
    has passed through `termsafe.line`, and colour codes are only ever added around such text."""
    paint = _Paint(colour)
    width = max(_MIN_WIDTH, width)
    counts = report.summary()
    findings = report.findings
    accounts, regions = len(report.snapshot.accounts), len(report.snapshot.regions)
    out = [paint(f"safemaker: {_plural(len(findings), 'finding')} in {_plural(accounts, 'account')}, "
                 f"{_plural(regions, 'region')}: " + ", ".join(f"{counts[s.value]} {s.value}" for s in _STATUS_ORDER),
                 "bold")]
    if not findings:
        out.append("")
        out.append("Nothing was checked: no resource of a selected check is in the snapshot.")
        return "\n".join(out) + "\n"

    def table(title: str, rows: Iterable[tuple[str, str, dict[Status, int], str]], first: int) -> None:
        out.append("")
        head = f"{title:<{first}}" + "".join(f"{s.value:>7}" for s in _STATUS_ORDER)
        out.append(paint(head, "bold"))
        for label, style, by_status, tail in rows:
            cells = "".join(paint(f"{by_status.get(s, 0):>7}", s.value if by_status.get(s, 0) else "dim")
                            for s in _STATUS_ORDER)
            line = paint(f"{label:<{first}}", style) + cells
            if tail:
                room = width - first - 7 * len(_STATUS_ORDER) - 2
                line += "  " + _cut(tail, room) if room > 10 else ""
            out.append(line.rstrip())

    by_severity: dict[Severity, dict[Status, int]] = {s: {} for s in _SEVERITIES}
    by_check: dict[str, dict[Status, int]] = {}
    for f in findings:
        by_severity[f.severity][f.status] = by_severity[f.severity].get(f.status, 0) + 1
        by_check.setdefault(f.check_id, {})
        by_check[f.check_id][f.status] = by_check[f.check_id].get(f.status, 0) + 1
    table("Severity", ((s.value, s.value, by_severity[s], "") for s in _SEVERITIES), 10)
    titles = titles or {}
    first = max(10, *(len(c) + 2 for c in by_check))
    check_titles = {f.check_id: f.title for f in findings}
    table("Check", ((termsafe.line(c), "", by_check[c], termsafe.line(titles.get(c) or check_titles[c]))
                    for c in sorted(by_check)), first)

    bad = sorted((f for f in findings if f.status is not Status.PASS),
                 key=lambda f: (-f.severity.rank, f.status is not Status.FAIL, *f.sort_key()))
    out.append("")
    if not bad:
        out.append(paint("No FAIL and no ERROR.", "ok"))
        return "\n".join(out) + "\n"
    fails = sum(1 for f in bad if f.status is Status.FAIL)
    out.append(paint(f"FAIL and ERROR ({fails} FAIL, {len(bad) - fails} ERROR)", "bold"))
    check_width = max(len(f.check_id) for f in bad)
    for f in bad:
        head = (paint(f"{f.status.value:<6}", f.status.value) + paint(f"{f.severity.value:<10}", f.severity.value)
                + f"{termsafe.line(f.check_id):<{check_width}}  {_resource_text(f)}")
        out.append(f"  {head}{paint(_triage_note(f, report.generated), 'dim')}".rstrip())
        reason = " ".join(f.message.split()) or f.title
        out.append(f"{'':8}{_cut(termsafe.line(reason), width - 8)}")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# The terminal and its progress


@dataclass(frozen=True)
class Terminal:
    """What the streams are, and what the user asked of them (--quiet, --verbose, --no-color)."""

    stdout_tty: bool = False
    stderr_tty: bool = False
    #: Colour allowed by the flags and the environment; used only on a stream that is a terminal.
    colour: bool = False
    quiet: bool = False
    verbose: bool = False
    #: TERM=dumb (e.g. an editor's shell buffer): no colour, and plain progress lines, not a bar.
    dumb: bool = False
    width: int = DEFAULT_WIDTH
    #: Seconds between two plain progress lines (stderr not a terminal).
    plain_interval: float = PLAIN_INTERVAL

    @classmethod
    def detect(cls, *, quiet: bool = False, verbose: bool = False, no_color: bool = False,
               environ: Mapping[str, str] | None = None) -> Terminal:
        env = os.environ if environ is None else environ
        stdout_tty, stderr_tty = isatty(sys.stdout), isatty(sys.stderr)
        return cls(stdout_tty=stdout_tty, stderr_tty=stderr_tty, colour=colour_allowed(no_color, env),
                   quiet=quiet, verbose=verbose, dumb=env.get("TERM") == "dumb",
                   width=_width(sys.stdout) if stdout_tty else DEFAULT_WIDTH)

    def summary_wanted(self, formats: Iterable[str], output_dir: str | None) -> bool:
        """The summary goes to stdout when stdout is a terminal and carries no requested format."""
        return self.stdout_tty and (not tuple(formats) or output_dir is not None)

    def summary(self, report: Report, titles: Mapping[str, str] | None = None) -> str:
        return render_summary(report, colour=self.stdout_tty and self.colour, width=self.width, titles=titles)

    def info(self, line: str) -> None:
        """An informational stderr line ("wrote ..."): dropped by --quiet."""
        if not self.quiet:
            _stderr(termsafe.block(line))

    def final(self, line: str, exit_code: int) -> None:
        """The one summary line, with the exit rule in red or green on a colour terminal."""
        text = termsafe.line(line)
        if self.stderr_tty and self.colour and "; exit " in text:
            head, _, rule = text.rpartition("; exit ")
            text = f"{head}; " + _Paint(True)(f"exit {rule}", Status.FAIL.value if exit_code else "ok")
        _stderr(text)

    def collection(self) -> CollectionProgress:
        return CollectionProgress(self)

    def analysis(self) -> AnalysisProgress:
        return AnalysisProgress(self)


def _stderr(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class _Phase:
    """The progress of one long phase on stderr: a bar on a terminal, a plain line every
    `plain_interval` seconds otherwise, nothing with --quiet. Safe to call from several threads.
    Use it as a context manager: the bar disappears when the phase ends, leaving the lines
    printed above it."""

    label = "work"
    unit = "steps"

    def __init__(self, term: Terminal, clock: Callable[[], float] = time.monotonic) -> None:
        self.term = term
        self.total = 0
        self.done = 0
        self._clock = clock
        self._lock = threading.RLock()
        self._started = clock()
        self._last_line = self._started
        self._lines = 0
        self._bar: Any = None
        self._task: Any = None

    # -- lifecycle

    def __enter__(self) -> _Phase:
        if self.term.stderr_tty and not self.term.dumb and not self.term.quiet:
            self._start_bar()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
            elif self._lines and exc_type is None and not self.term.quiet:
                _stderr(self._plain(final=True))

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=sys.stderr, force_terminal=True, no_color=not self.term.colour,
                          color_system="auto" if self.term.colour else None, highlight=False, emoji=False)
        self._bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                             TextColumn(self.unit), TimeElapsedColumn(), console=console, transient=True,
                             redirect_stdout=False, redirect_stderr=True)
        self._task = self._bar.add_task(self.describe(), total=self.total or None)
        self._bar.start()

    # -- what the phase reports

    def describe(self) -> str:
        return self.label

    def add(self, steps: int) -> None:
        with self._lock:
            self.total += steps
            if self._bar is not None:
                self._bar.update(self._task, total=self.total, description=self.describe())

    def advance(self, steps: int = 1) -> None:
        with self._lock:
            self.done += steps
            now = self._clock()
            if self._bar is not None:
                self._bar.update(self._task, completed=self.done)  # ~2 us; rich redraws 10 times a second
            elif not self.term.quiet and now - self._last_line >= self.term.plain_interval:
                self._last_line = now
                self._lines += 1
                _stderr(self._plain())

    def note(self, line: str) -> None:
        """A line a person should read (a failed call, a region done), above the bar if there is one."""
        if self.term.quiet:
            return
        with self._lock:
            text = termsafe.block(line)
            if self._bar is not None:
                from rich.text import Text

                self._bar.console.print(Text(text), soft_wrap=True)
            else:
                _stderr(text)

    def _plain(self, final: bool = False) -> str:
        elapsed = self._clock() - self._started
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        verb = "done" if final else "so far"
        return (f"safemaker: {self.describe()}: {self.done:,} of {self.total:,} {self.unit} {verb}{share}, "
                f"{elapsed:.0f} s")


class CollectionProgress(_Phase):
    """The collector's progress callback (scanner/collect/runner.py calls `planned`, `advance` and
    `detail`; the callback itself takes the lines a person should read)."""

    label = "collect"
    unit = "operations"

    def __init__(self, term: Terminal, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(term, clock)
        self.accounts: set[str] = set()
        self.regions: set[tuple[str, str]] = set()

    def __enter__(self) -> CollectionProgress:
        super().__enter__()
        return self

    def __call__(self, line: str) -> None:
        self.note(line)

    def detail(self, line: str) -> None:
        if self.term.verbose:
            self.note(line)

    def planned(self, account: str, regions: Iterable[str], steps: int) -> None:
        with self._lock:
            wanted = list(regions)
            self.accounts.add(account)
            self.regions.update((account, r) for r in wanted)
            self.add(len(wanted) * steps)

    def describe(self) -> str:
        if not self.accounts:
            return "collect"
        names = {region for _account, region in self.regions}
        if len(self.regions) == len(self.accounts) * len(names):
            return f"collect {_plural(len(self.accounts), 'account')} x {_plural(len(names), 'region')}"
        return f"collect {_plural(len(self.accounts), 'account')}, {_plural(len(self.regions), 'account region')}"


class AnalysisProgress(_Phase):
    """Counts each check's call on each resource (the engine's unit of work)."""

    label = "analyze"
    unit = "resource checks"

    def __init__(self, term: Terminal, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(term, clock)
        self.resources = 0
        self.checks = 0

    def __enter__(self) -> AnalysisProgress:
        super().__enter__()
        return self

    def plan(self, evaluations: int, resources: int, checks: int) -> None:
        with self._lock:
            self.resources, self.checks = resources, checks
            self.add(evaluations)

    def tick(self) -> None:
        self.advance(1)

    def describe(self) -> str:
        if not self.checks:
            return "analyze"
        return f"analyze {_plural(self.resources, 'resource')}, {_plural(self.checks, 'check')}"
