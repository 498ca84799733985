"""Writing outputs so that an interrupted or failed run never leaves half a file behind.

Every file is written to a temporary file in the target's folder and renamed over the target,
so a reader sees the old file or the new one, never a mix. A set of reports is staged as a whole
before any is renamed: a failure while writing one leaves none of the new ones.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping

from safemaker.scanner.errors import SafemakerError, one_line

_PREFIX = ".safemaker-"


class OutputError(SafemakerError):
    """An output file could not be written (the CLI shows one line and exits 2)."""


def _stage(path: str, text: str, private: bool) -> str:
    """Write `text` to a new temporary file next to `path`; return the temporary file's name."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=_PREFIX, suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(one_line(f"{path}: cannot write: {exc.strerror or exc}")) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
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


def write_atomic(path: str, text: str, *, private: bool = False) -> None:
    """Write to a temp file in the same folder, then rename over the target.

    `private` makes the file owner-only (0600): snapshots describe the network and hold the
    notebooks' lifecycle scripts, which may contain credentials, so they are never
    world-readable. The mode is set whatever the umask and whatever the file it replaces had.
    """
    _install(_stage(path, text, private), path)


def write_all(files: Mapping[str, str], *, private: bool = False) -> None:
    """Everything is rendered before this is called; the files are staged together, then renamed."""
    staged: list[tuple[str, str]] = []
    try:
        for path, text in files.items():
            staged.append((_stage(path, text, private), path))
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
