"""Check metadata, the `@check` marker and the registry that validates checks as they register.

A check is a plain function `(ctx, resource) -> Verdict | None` marked with `@check(...)`.
Marking attaches a frozen CheckSpec to the function and registers nothing: registries are
built by `load_registry()` from entry points (group `safemaker.checks`), so a test can build a
fresh one and no import has side effects. `None` means "not applicable to this resource" (for
example PRX-001 on an instance that is not a proxy) and produces no finding.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any

from safemaker.scanner.model import ResourceType, Severity, Verdict

if TYPE_CHECKING:
    from safemaker.scanner.checking.context import CheckContext
    from safemaker.scanner.checking.resources import Resource

CheckFunc = Callable[["CheckContext", "Resource"], "Verdict | None"]
ENTRY_POINT_GROUP = "safemaker.checks"
_ID_RE = re.compile(r"^[A-Z][A-Z0-9]*-\d{3}$")
_SPEC_ATTR = "__safemaker_check__"


class RegistryError(Exception):
    """A check is malformed or collides with another; raised at registration, not at run time."""


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    severity: Severity
    resource_types: tuple[ResourceType, ...]
    requires: tuple[tuple[str, str], ...]
    remediation: str
    references: tuple[str, ...]
    description: str
    func: CheckFunc
    source: str = "safemaker"

    @property
    def family(self) -> str:
        return self.id.split("-", 1)[0]


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    resource_types: Iterable[ResourceType],
    requires: Iterable[tuple[str, str]] = (),
    remediation: str,
    references: Iterable[str] = (),
) -> Callable[[CheckFunc], CheckFunc]:
    """Mark a function as a check. `requires` lists (service, operation) pairs it reads."""

    def mark(func: CheckFunc) -> CheckFunc:
        spec = CheckSpec(
            id=id,
            title=title,
            severity=severity,
            resource_types=tuple(resource_types),
            requires=tuple(requires),
            remediation=remediation,
            references=tuple(references),
            description=inspect.cleandoc(func.__doc__ or ""),
            func=func,
        )
        setattr(func, _SPEC_ATTR, spec)
        return func

    return mark


def spec_of(obj: Any) -> CheckSpec:
    spec = getattr(obj, _SPEC_ATTR, None)
    if not isinstance(spec, CheckSpec):
        raise RegistryError(f"{obj!r} is not marked with @check")
    return spec


class Registry:
    def __init__(self) -> None:
        self._specs: dict[str, CheckSpec] = {}

    def register(self, obj: Any, source: str = "safemaker") -> CheckSpec:
        spec = spec_of(obj)
        if source != spec.source:
            spec = CheckSpec(**{**spec.__dict__, "source": source})
        problems = _problems(spec)
        if problems:
            raise RegistryError(f"check {spec.id or obj!r} from {source}: {'; '.join(problems)}")
        if spec.id in self._specs:
            other = self._specs[spec.id]
            raise RegistryError(f"check ID {spec.id} from {source} is already taken by {other.source}")
        self._specs[spec.id] = spec
        return spec

    def specs(self) -> list[CheckSpec]:
        return [self._specs[k] for k in sorted(self._specs)]

    def get(self, check_id: str) -> CheckSpec:
        return self._specs[check_id]

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._specs

    def __len__(self) -> int:
        return len(self._specs)


def _problems(spec: CheckSpec) -> list[str]:
    out = []
    if not _ID_RE.match(spec.id):
        out.append(f"ID {spec.id!r} is not of the form FAMILY-NNN")
    if not spec.title.strip():
        out.append("title is empty")
    if not isinstance(spec.severity, Severity):
        out.append(f"severity {spec.severity!r} is not a Severity")
    if not spec.resource_types or not all(isinstance(t, ResourceType) for t in spec.resource_types):
        out.append("resource_types must be a non-empty list of ResourceType")
    if not spec.description:
        out.append("docstring is empty (it is what `safemaker checks` and reports show)")
    if not spec.remediation.strip():
        out.append("remediation is empty")
    for req in spec.requires:
        if not (isinstance(req, tuple) and len(req) == 2 and all(isinstance(p, str) for p in req)):
            out.append(f"requires entry {req!r} is not a (service, operation) pair")
    try:
        params = list(inspect.signature(spec.func).parameters)
    except (TypeError, ValueError):
        params = []
    if len(params) != 2:
        out.append("function must take exactly (ctx, resource)")
    return out


def load_registry(*, entry_points: bool = True) -> Registry:
    """Built-in checks plus every installed plugin in the `safemaker.checks` group."""
    from safemaker.checks import builtin_checks

    registry = Registry()
    for func in builtin_checks():
        registry.register(func, "safemaker")
    if entry_points:
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else ep.name
            if dist == "safemaker":
                continue
            try:
                provider = ep.load()
                funcs = list(provider())
            except Exception as exc:  # a broken plugin must not hide the built-in checks
                print(f"safemaker: plugin {ep.name} ({dist}) failed to load: {exc}", file=sys.stderr)
                continue
            for func in funcs:
                registry.register(func, dist)
    return registry
