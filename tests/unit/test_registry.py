"""Meta-tests: IDs, docs, README and the contract's check table stay in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safemaker.scanner.checking.registry import Registry, RegistryError, check, load_registry
from safemaker.scanner.model import ResourceType, Severity, Verdict

ROOT = Path(__file__).resolve().parents[2]


def test_builtin_ids_unique_and_documented() -> None:
    registry = load_registry(entry_points=False)
    specs = registry.specs()
    assert len({s.id for s in specs}) == len(specs)
    for spec in specs:
        assert re.fullmatch(r"[A-Z]+-\d{3}", spec.id)
        assert spec.description and spec.remediation and spec.title
        assert spec.requires, f"{spec.id} declares no snapshot operations"


def test_readme_catalogue_lists_every_check() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for spec in load_registry(entry_points=False).specs():
        row = f"| [{spec.id}](docs/checks/{spec.id}.md) | {spec.severity.value} |"
        assert row in readme, f"{spec.id} missing from the README catalogue (or its severity differs)"


def _ok(ctx: object, res: object) -> Verdict:
    """Documented."""
    return Verdict.passed("fine")


def test_duplicate_id_is_refused_at_registration() -> None:
    registry = Registry()
    a = check(id="ZZZ-001", title="t", severity=Severity.LOW, resource_types=[ResourceType.MODEL],
              remediation="r")(_ok)
    registry.register(a)
    with pytest.raises(RegistryError, match="already taken"):
        registry.register(a, "other-package")


def test_malformed_check_is_refused() -> None:
    def undocumented(ctx: object, res: object) -> Verdict:
        return Verdict.passed("x")

    bad = check(id="bad", title="", severity=Severity.LOW, resource_types=[], remediation="")(undocumented)
    with pytest.raises(RegistryError) as err:
        Registry().register(bad)
    text = str(err.value)
    for part in ("FAMILY-NNN", "title is empty", "resource_types", "docstring", "remediation"):
        assert part in text
