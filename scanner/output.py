"""Writing outputs so that an interrupted run never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping


def write_atomic(path: str, text: str, *, private: bool = False) -> None:
    """Write to a temp file in the same folder, then rename over the target.

    `private` makes the file owner-only: snapshots describe the network and can hold
    lifecycle scripts, so they should not be world-readable by default.
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".safemaker-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_all(files: Mapping[str, str]) -> None:
    """Everything is rendered before this is called; each file still lands atomically."""
    for path, text in files.items():
        write_atomic(path, text)
