"""JSON through orjson where its result is provably the standard library's.

Parsing a 245 MB snapshot takes the standard library about 9 s and orjson about 3 s; writing a
320 MB findings file takes 40 s against 1.3 s. The bytes we write and the values we read must not
change with the parser, so each function here keeps the standard library's result exactly:

- orjson reads an integer beyond 64 bits as a float, where `json` keeps the integer. Such a
  literal has at least 19 digits in a row, so a document holding such a run (in a number or,
  harmlessly, in a string) is parsed by `json`.
- orjson rejects what `json` accepts (`NaN`, `Infinity`, lone surrogate escapes) and words its
  errors differently: whenever orjson refuses a document, `json` parses it, so the value or the
  error message (line and column) is the one callers have always had.
- `json.dumps(..., ensure_ascii=True)` escapes every non-ASCII character; orjson writes UTF-8.
  Outside strings a JSON document is ASCII, so escaping each non-ASCII character (and DEL) of
  orjson's output as `json` would gives the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import orjson

_DIGITS_TO_ZERO: Final = bytes(48 if 48 <= i <= 57 else 32 for i in range(256))
_LONG_DIGIT_RUN: Final = b"0" * 19
_CHUNK: Final = 1 << 24
# What `json` escapes beyond the control characters both escape alike: DEL and non-ASCII.
_NOT_PRINTABLE_ASCII: Final = re.compile("[^\x00-\x7e]")


def _has_long_digit_run(data: bytes) -> bool:
    """Whether 19 or more digits stand in a row, scanned in chunks so that the translated copy
    never costs more than a few MB next to the document."""
    overlap = len(_LONG_DIGIT_RUN) - 1
    for start in range(0, len(data), _CHUNK):
        chunk = data[max(0, start - overlap):start + _CHUNK].translate(_DIGITS_TO_ZERO)
        if _LONG_DIGIT_RUN in chunk:
            return True
    return False


def loads(data: bytes) -> Any:
    """The value `json.loads(data.decode('utf-8'))` gives, faster; it raises what that raises
    (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError)."""
    if not _has_long_digit_run(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # let the standard library accept it or word the error
    return json.loads(data.decode("utf-8"))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def dumps_indented(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=True)`, for dicts with string keys, lists,
    tuples, strings, ints, bools and None (what our documents hold); anything else falls back to
    the standard library, which raises as it always did."""
    try:
        data = orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except TypeError:
        return json.dumps(value, indent=2, ensure_ascii=True)
    if data.isascii() and b"\x7f" not in data:
        return data.decode("ascii")
    return _NOT_PRINTABLE_ASCII.sub(_escape, data.decode("utf-8"))


def dumps_indented_with_list(head: Mapping[str, Any], key: str, items: Iterable[Any]) -> str:
    """`dumps_indented({**head, key: list(items)}) + "\\n"`; see `pieces_indented_with_list`."""
    return "".join(pieces_indented_with_list(head, key, items))


def pieces_indented_with_list(head: Mapping[str, Any], key: str, items: Iterable[Any]) -> list[str]:
    """The text of `dumps_indented({**head, key: list(items)}) + "\\n"` in pieces, without
    holding the list or its serialised form twice: each item is written as it comes (a findings
    file is 320 MB at 10,000 notebooks; the list of dicts behind it was several times that), and
    a caller writing the pieces in turn never holds the whole text either. `key` must not be in
    `head` and is written last, as it would be."""
    if key in head:
        raise ValueError(f"{key!r} is in the head: it would not be written last")
    empty = dumps_indented({**head, key: []})
    tail = f'"{key}": []\n}}'
    if not empty.endswith(tail):  # a key whose JSON spelling needs escapes
        return [dumps_indented({**head, key: list(items)}) + "\n"]
    pieces = [empty[:-len(tail)], f'"{key}": [\n']
    for item in items:
        if len(pieces) > 2:
            pieces.append(",\n")
        # Raw newlines in the output are layout only (a string's newline is written as \\n),
        # so indenting each line of an item by two levels nests it as `json` would.
        pieces.append("    " + dumps_indented(item).replace("\n", "\n    "))
    if len(pieces) == 2:
        return [empty + "\n"]
    pieces.append("\n  ]\n}\n")
    return pieces
