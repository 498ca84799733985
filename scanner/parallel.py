"""Numbered pieces of work shared out over forked processes, results back in order.

Why fork: the snapshot is hundreds of MB of Python objects that every proof reads. A forked
process sees it without loading, parsing or pickling it again, and the pages it only reads stay
shared with its parent. Each process takes the next piece from a shared counter (one piece is a
few resources, so the load evens out whatever the pieces cost) and appends each finished
piece's result to a file of its own; the parent does pieces too, then reads the files.

Nothing may be lost on the way: a piece whose result did not come back whole (a process killed,
out of memory, a record cut short) is done again in the parent, so the results are always the
ones a single process gives. Ctrl-C and SIGTERM stop the children with the parent; a child never
writes to the terminal (its warnings travel in its results).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from typing import IO, Any, TypeVar

T = TypeVar("T")

#: Work(index, tick) -> the piece's result; `tick()` once per unit of work done (the progress bar's unit).
Work = Callable[[int, Callable[[], None]], T]

MAX_JOBS = 4  # each process holds its own proofs and caches; past 4 the memory grows faster than the speed


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_jobs() -> int:
    """One process per usable CPU, at most MAX_JOBS; one where forking a process that may hold
    threads is not safe (macOS system libraries, Windows has no fork): `--jobs` still asks."""
    if not sys.platform.startswith("linux"):
        return 1
    return max(1, min(MAX_JOBS, usable_cpus()))


def run_pieces(count: int, work: Work[T], jobs: int, tick: Callable[[int], None] | None = None,
               first: int = 0) -> list[T]:
    """`[work(i, ...) for i in range(count)]`, over `jobs` processes (this one included).

    The first `first` pieces are done here before any fork, so that what they build and cache
    (indexes of the estate, say) is inherited by every child instead of being built in each."""
    report = tick or _ignore
    results: dict[int, T] = {}

    def tick_here() -> None:
        report(1)

    first = min(first, count)
    for i in range(first):
        results[i] = work(i, tick_here)
    if jobs > 1 and count - first > 1 and hasattr(os, "fork"):
        results.update(_shared(count, work, jobs, report, first))
    for i in range(count):
        if i not in results:  # one process, or a child died before handing it back: done here
            results[i] = work(i, tick_here)
    return [results[i] for i in range(count)]


def _shared(count: int, work: Work[T], jobs: int, report: Callable[[int], None], first: int) -> dict[int, T]:
    """The results of pieces `first`.. that this process and `jobs - 1` forked children did;
    a piece a child took and did not hand back whole is missing."""
    results: dict[int, T] = {}
    context = multiprocessing.get_context("fork")
    lock = context.Lock()
    next_piece = context.RawValue("q", first)
    done = context.RawArray("q", jobs)  # ticks of each child, read by the parent
    seen = [0] * jobs

    def take() -> int:
        with lock:
            i = int(next_piece.value)
            next_piece.value = i + 1
        return i

    def absorb() -> None:
        for k in range(1, jobs):
            delta = done[k] - seen[k]
            if delta:
                seen[k] += delta
                report(delta)

    def tick_parent() -> None:
        report(1)
        absorb()

    children: list[tuple[int, IO[bytes]]] = []
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for k in range(1, jobs):
            spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - open across the fork, closed below
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                _child(spool, take, count, work, done, k)
            children.append((pid, spool))
        while (i := take()) < count:
            results[i] = work(i, tick_parent)
        for pid, handed in children:
            _wait(pid, absorb)
            results.update(_read(handed, count))
    finally:
        for pid, handed in children:
            _stop(pid)
            handed.close()
    absorb()
    return results


def _child(spool: IO[bytes], take: Callable[[], int], count: int, work: Work[Any], done: Any, k: int) -> None:
    """Take pieces until none are left, one pickled (index, result) record each; never returns."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; its Ctrl-C is its own
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

        def tick() -> None:
            done[k] += 1

        while (i := take()) < count:
            result = work(i, tick)
            pickle.dump((i, result), spool, protocol=pickle.HIGHEST_PROTOCOL)
        spool.flush()
    except BaseException:  # whatever it was, the parent redoes what is missing
        code = 1
    finally:
        os._exit(code)


def _wait(pid: int, absorb: Callable[[], None]) -> None:
    while True:
        absorb()
        try:
            finished, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if finished:
            return
        time.sleep(0.05)


def _stop(pid: int) -> None:
    try:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass


def _read(spool: IO[bytes], count: int) -> dict[int, Any]:
    """The whole records of a child's file; a record cut short ends the reading (its piece is
    then missing, and redone)."""
    out: dict[int, Any] = {}
    spool.seek(0)
    while True:
        try:
            i, result = pickle.load(spool)
        except EOFError:
            return out
        except Exception:  # a torn last record
            return out
        if isinstance(i, int) and 0 <= i < count:
            out[i] = result


def _ignore(_steps: int) -> None:
    pass
