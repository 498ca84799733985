"""The exceptions safemaker raises, and what each means to the user.

    SafemakerError                 base; the CLI maps every subclass to one line and exit 2
    ├── InputError                 a file the user gave us is unreadable or invalid
    │   ├── SnapshotError          snapshot: not JSON, wrong schema, wrong shape (names the place)
    │   └── ConfigError            safemaker.toml: unknown key, wrong type
    └── CollectionError            collection could not run at all (no credentials, bad endpoint)

    MissingData                    *not* a SafemakerError: raised inside checks when an operation
                                   or a referenced resource is absent; the engine turns it into an
                                   ERROR verdict naming what was missing. It never reaches the CLI.
"""

from __future__ import annotations


def one_line(text: str) -> str:
    """`text` with line breaks and other control characters escaped: the CLI promises one line,
    and file names, TOML keys and JSON keys may hold any character."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class SafemakerError(Exception):
    """Base of all user-facing failures."""


class InputError(SafemakerError):
    def __init__(self, source: str, place: str, problem: str) -> None:
        self.source = source
        self.place = place
        self.problem = problem
        where = f"{source}: {place}: " if place else f"{source}: "
        super().__init__(one_line(f"{where}{problem}"))


class SnapshotError(InputError):
    pass


class ConfigError(InputError):
    pass


class CollectionError(SafemakerError):
    pass


class MissingData(Exception):
    """Data needed for a verdict is absent or unreadable; the verdict must be ERROR."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
