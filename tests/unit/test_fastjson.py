"""fastjson must give exactly the standard library's values and bytes: findings files are compared
byte for byte across runs and versions, and a snapshot must mean the same whichever parser read it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safemaker.scanner.fastjson import dumps_indented, dumps_indented_with_list, loads

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_dumps_is_the_standard_librarys_bytes(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=True)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_loads_is_the_standard_librarys_value(value: Any) -> None:
    data = json.dumps(value, ensure_ascii=False).encode("utf-8")
    assert loads(data) == json.loads(data.decode("utf-8"))


@pytest.mark.parametrize("text, expected", [
    ('"\\u007f\\u00e9\\ud83d\\ude00\\u2028"', '"\\u007f\\u00e9\\ud83d\\ude00\\u2028"'),  # DEL too
    ('"a\\b\\f\\r\\n\\t\\u0000\\u001f\\"\\\\/"', '"a\\b\\f\\r\\n\\t\\u0000\\u001f\\"\\\\/"'),
])
def test_escapes_match_character_for_character(text: str, expected: str) -> None:
    assert dumps_indented(json.loads(text)) == expected


def test_integers_beyond_64_bits_stay_integers() -> None:
    # orjson alone would read this as 1.2345678901234568e+29
    assert loads(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert loads(b'[-9223372036854775809]') == [-9223372036854775809]


@pytest.mark.parametrize("data, value", [(b"[NaN]", "nan"), (b"[Infinity]", "inf")])
def test_what_only_the_standard_library_accepts_is_still_accepted(data: bytes, value: str) -> None:
    assert str(loads(data)[0]) == value


def test_errors_are_the_standard_librarys() -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        loads(b'{"a": 1,\n "b": }')
    assert (caught.value.lineno, caught.value.colno, caught.value.msg) == (2, 7, "Expecting value")
    with pytest.raises(UnicodeDecodeError) as bad:
        loads(b'["ok", "\xff"]')
    assert bad.value.start == 8
    assert loads(b'["\\ud800"]') == ["\ud800"]  # the loader rejects lone surrogates itself


def test_types_orjson_refuses_fall_back_to_the_standard_library() -> None:
    assert dumps_indented({1: "x"}) == json.dumps({1: "x"}, indent=2, ensure_ascii=True)
    with pytest.raises(TypeError):
        dumps_indented({"s": {1, 2}})


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_text.filter(lambda k: k != "findings"), _values, max_size=4), st.lists(_values, max_size=5))
def test_a_list_written_item_by_item_is_the_standard_librarys_bytes(head: dict[str, Any], items: list[Any]) -> None:
    expected = json.dumps({**head, "findings": items}, indent=2, ensure_ascii=True) + "\n"
    assert dumps_indented_with_list(head, "findings", iter(items)) == expected


def test_the_list_must_come_last() -> None:
    with pytest.raises(ValueError):
        dumps_indented_with_list({"findings": 1}, "findings", [1])


def test_findings_files_of_every_fixture_are_the_standard_librarys_bytes() -> None:
    from pathlib import Path

    from safemaker.reports.findings_json import findings_document, render_json
    from safemaker.scanner.checking.registry import load_registry
    from safemaker.scanner.config import Config
    from safemaker.scanner.pipeline import analyze_snapshot
    from safemaker.scanner.snapshot.io import Snapshot

    scenarios = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "scenarios").glob("*.json"))
    assert scenarios
    for path in scenarios:
        report = analyze_snapshot(Snapshot(json.loads(path.read_text("utf-8")), str(path)), Config(),
                                  load_registry(entry_points=False))
        expected = json.dumps(findings_document(report), indent=2, sort_keys=False, ensure_ascii=True) + "\n"
        assert render_json(report) == expected, path.name
