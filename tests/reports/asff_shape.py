"""Validate ASFF findings against botocore's input shape of securityhub BatchImportFindings.

botocore's own ParamValidator checks required members and types when a request is made, but not
enum membership, `max` lengths or patterns, and it needs a client. This walk reads the same model
with botocore's loader and checks, for inputs (where AWS does enforce them): every member is
known, required members are present, types match, strings and lists respect `min`/`max`,
strings their `pattern` and `enum`. It returns every problem with its place, so a test failure
says exactly which field is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.session
from botocore.model import Shape


@cache
def finding_shape() -> Shape:
    model = botocore.session.get_session().get_service_model("securityhub")
    shape: Shape = model.operation_model("BatchImportFindings").input_shape.members["Findings"].member
    return shape


def request_shape() -> Shape:
    model = botocore.session.get_session().get_service_model("securityhub")
    shape: Shape = model.operation_model("BatchImportFindings").input_shape
    return shape


def problems(value: Any, shape: Shape | None = None, place: str = "$") -> list[str]:
    shape = shape or finding_shape()
    out: list[str] = []
    _walk(value, shape, place, out, 0)
    return out


def _walk(value: Any, shape: Shape, place: str, out: list[str], depth: int) -> None:
    if depth > 40:
        out.append(f"{place}: nested too deep")
        return
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, Mapping):
            out.append(f"{place}: expected an object")
            return
        members = shape.members  # type: ignore[attr-defined]
        for name in shape.required_members:  # type: ignore[attr-defined]
            if name not in value:
                out.append(f"{place}.{name}: required")
        for name, item in value.items():
            if name not in members:
                out.append(f"{place}.{name}: not a member of {shape.name}")
            else:
                _walk(item, members[name], f"{place}.{name}", out, depth + 1)
    elif kind == "list":
        if not isinstance(value, list):
            out.append(f"{place}: expected a list")
            return
        _length(len(value), meta, place, out)
        for i, item in enumerate(value):
            _walk(item, shape.member, f"{place}[{i}]", out, depth + 1)  # type: ignore[attr-defined]
    elif kind == "map":
        if not isinstance(value, Mapping):
            out.append(f"{place}: expected an object (map)")
            return
        _length(len(value), meta, place, out)
        for k, v in value.items():
            _walk(k, shape.key, f"{place}<key {k!r}>", out, depth + 1)  # type: ignore[attr-defined]
            _walk(v, shape.value, f"{place}[{k!r}]", out, depth + 1)  # type: ignore[attr-defined]
    elif kind in ("string", "timestamp"):
        if not isinstance(value, str):
            out.append(f"{place}: expected a string")
            return
        if kind == "string":
            _length(len(value), meta, place, out)
            if "pattern" in meta and not re.fullmatch(meta["pattern"], value, re.S):
                out.append(f"{place}: {value[:40]!r} does not match {meta['pattern']!r}")
            if shape.enum and value not in shape.enum:
                out.append(f"{place}: {value!r} is not one of {shape.enum}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            out.append(f"{place}: expected an integer")
    elif kind in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append(f"{place}: expected a number")
    elif kind == "boolean":
        if not isinstance(value, bool):
            out.append(f"{place}: expected a boolean")
    else:
        out.append(f"{place}: shape type {kind} not handled")


def _length(n: int, meta: Mapping[str, Any], place: str, out: list[str]) -> None:
    if "min" in meta and n < meta["min"]:
        out.append(f"{place}: length {n} below {meta['min']}")
    if "max" in meta and n > meta["max"]:
        out.append(f"{place}: length {n} above {meta['max']}")
