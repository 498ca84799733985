"""Text that is safe to print on a terminal.

Names, tags and lifecycle scripts come from AWS, and anyone who can tag a resource or write a
lifecycle configuration controls them. Printed raw, an ESC or OSC sequence can clear the screen,
retitle the window or hide lines, a right-to-left override can make `nb-evil` read as another
name, and a NUL can cut a line short in a log viewer. Every text output (explain, diff, the
terminal summary, stderr) therefore passes through here; HTML and JSON keep the exact value,
because their own escaping makes it harmless and users may need the real bytes.

A character is shown escaped (`\\x1b`, `\\u202e`) when it is a C0 or C1 control, DEL, a
bidirectional formatting character, a lone surrogate, or anything else Python does not call
printable (line and paragraph separators, zero-width formatting). Escaping the introducer is
enough to defuse a whole ESC/OSC sequence: what follows it is plain printable text.
"""

from __future__ import annotations

#: Bidirectional formatting characters: embeddings and overrides (U+202A-U+202E), isolates
#: (U+2066-U+2069) and the invisible marks (U+200E, U+200F, U+061C). All are also non-printable
#: to Python; listed so that the intent survives a change of that definition.
BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C))


def _unsafe(c: str) -> bool:
    return not c.isprintable() or c in BIDI


def _escape_char(c: str) -> str:
    code = ord(c)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def line(text: str) -> str:
    """`text` as one terminal line: every unsafe character, line breaks included, escaped."""
    if text.isprintable() and not any(c in BIDI for c in text):
        return text
    return "".join(_escape_char(c) if _unsafe(c) else c for c in text)


def block(text: str) -> str:
    """`text` of several lines: each line made safe, the `\\n` between them kept."""
    return "\n".join(line(part) for part in text.split("\n"))
