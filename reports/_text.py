"""Plain-text forms of evidence shared by the text-only renderers (SARIF, JUnit).

One spelling of a path everywhere, so that a path quoted from a CI log can be searched for in
the SARIF alert or the findings file and found.
"""

from __future__ import annotations

import re

from safemaker.scanner.model import Path

# Characters XML 1.0 cannot carry at all, even escaped; AWS names and tags can hold them.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def path_text(path: Path) -> str:
    """`kind id (detail) -> kind id ...`, with the path's outcome appended when it has one."""
    text = " -> ".join(f"{h.kind} {h.id}" + (f" ({h.detail})" if h.detail else "") for h in path.hops)
    if path.destinations:
        text += f" [destinations: {', '.join(path.destinations)}]"
    if path.outcome:
        text += f" => {path.outcome}"
    return text


def xml_safe(text: str) -> str:
    """Replace what XML 1.0 forbids with U+FFFD so one odd tag value cannot make a report unparseable."""
    return _XML_INVALID.sub("\ufffd", text)
