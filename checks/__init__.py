"""Built-in checks, one module per family.

`load_registry` (scanner/checking/registry.py) registers `builtin_checks()` directly; the
`safemaker.checks` entry-point group is for plugins only, so the built-ins declare no entry
point: they are present whether or not the distribution's metadata is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def builtin_checks() -> list[Callable[..., Any]]:
    """Every built-in check function; imported lazily so importing the package is free."""
    from . import fw, grd, net, prx, sm, vpce

    modules = [net, fw, prx, sm, vpce, grd]
    out: list[Callable[..., Any]] = []
    for module in modules:
        out.extend(module.CHECKS)
    return out
