"""Built-in checks, one module per family; `builtin_checks()` is the entry point target."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def builtin_checks() -> list[Callable[..., Any]]:
    """Every built-in check function; imported lazily so importing the package is free."""
    from . import fw, net, prx, sm, vpce

    modules = [net, fw, prx, sm, vpce]
    out: list[Callable[..., Any]] = []
    for module in modules:
        out.extend(module.CHECKS)
    return out
