"""Writing outputs so that an interrupted or failed run never leaves half a file behind.

Every file is written to a temporary file in the target's folder and renamed over the target,
so a reader sees the old file or the new one, never a mix. A set of reports is staged as a whole
before any is renamed: a failure while writing one leaves none of the new ones.

Two runs writing into one folder would still interleave their sets, so writers hold an exclusive
lock on the folder itself (`flock` on the directory: no lock file is left behind) while they
stage and rename; a second run waits for it, saying so, up to `LOCK_WAIT_SECONDS`, then gives up
with one line. A run killed with SIGKILL cannot remove its temporary file; the next writer, once
it holds the lock (so no live writer owns one), deletes every `.safemaker-*.tmp` it finds there.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping

from safemaker.scanner.errors import SafemakerError, one_line

_PREFIX = ".safemaker-"
_SUFFIX = ".tmp"
#: How long a run waits for another run to finish writing the same folder.
LOCK_WAIT_SECONDS = 300.0
_POLL_SECONDS = 0.2


class OutputError(SafemakerError):
    """An output file could not be written (the CLI shows one line and exits 2)."""


_SLICE = 1 << 22


#: A file's text, whole or in pieces written in turn (a findings file of a large estate).
Text = str | list[str]


def pieces(text: Text) -> list[str]:
    return [text] if isinstance(text, str) else text


def _stage(path: str, text: Text, private: bool) -> str:
    """Write `text` to a new temporary file next to `path`; return the temporary file's name."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=_PREFIX, suffix=_SUFFIX, dir=folder)
    except OSError as exc:
        raise OutputError(one_line(f"{path}: cannot write: {exc.strerror or exc}")) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            # In slices: a text file encodes all it is given at once, and a findings file of a
            # large estate is hundreds of MB (its UTF-8 copy would sit next to it).
            for piece in pieces(text):
                for start in range(0, len(piece), _SLICE):
                    fh.write(piece[start:start + _SLICE])
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600 if private else 0o644)
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, OSError):
            raise OutputError(one_line(f"{path}: cannot write: {exc.strerror or exc}")) from None
        raise
    return tmp


def _discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def _install(tmp: str, path: str) -> None:
    try:
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise OutputError(one_line(f"{path}: cannot write: {exc.strerror or exc}")) from None


@contextlib.contextmanager
def locked_folder(folder: str, say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the exclusive lock of `folder` (see the module docstring); clean stale temp files."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield  # no such folder (or not one): staging the file reports it, naming the file
        return
    try:
        _acquire(fd, folder, say)
        _remove_stale(folder)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(fd: int, folder: str, say: Callable[[str], None] | None) -> None:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return  # a filesystem without locks (some network mounts): write unlocked, as before
        if time.monotonic() >= deadline:
            raise OutputError(one_line(f"{folder}: another safemaker run is writing here and did not finish "
                                       f"within {LOCK_WAIT_SECONDS:g} s; nothing was written"))
        if not told and say is not None:
            say(one_line(f"safemaker: waiting for another safemaker run to finish writing {folder}"))
            told = True
        time.sleep(_POLL_SECONDS)


def _remove_stale(folder: str) -> None:
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(_PREFIX) and entry.name.endswith(_SUFFIX) and entry.is_file(follow_symlinks=False):
                _discard(entry.path)


def _folder(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def write_atomic(path: str, text: str, *, private: bool = False) -> None:
    """Write to a temp file in the same folder, then rename over the target.

    `private` makes the file owner-only (0600): snapshots describe the network and hold the
    notebooks' lifecycle scripts, which may contain credentials, so they are never
    world-readable. The mode is set whatever the umask and whatever the file it replaces had.
    """
    write_all({path: text}, private=private)


def write_all(files: Mapping[str, Text], *, private: bool | Collection[str] = False,
              say: Callable[[str], None] | None = None) -> None:
    """Everything is rendered before this is called; the files are staged together, then renamed.

    `private` is True for all files or the paths that must be owner-only. The folders written
    to are locked for the whole set, in sorted order so that two runs cannot deadlock.
    """
    with contextlib.ExitStack() as stack:
        for folder in sorted({_folder(p) for p in files}):
            stack.enter_context(locked_folder(folder, say))
        _write_set(files, private)


def _write_set(files: Mapping[str, Text], private: bool | Collection[str]) -> None:
    staged: list[tuple[str, str]] = []
    try:
        for path, text in files.items():
            owner_only = private if isinstance(private, bool) else path in private
            staged.append((_stage(path, text, owner_only), path))
    except BaseException:
        for tmp, _path in staged:
            _discard(tmp)
        raise
    for index, (tmp, path) in enumerate(staged):
        try:
            _install(tmp, path)
        except BaseException:
            for later, _path in staged[index + 1:]:
                _discard(later)
            raise
