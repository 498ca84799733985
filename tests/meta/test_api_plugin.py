"""`safemaker.api` is enough to write a plugin: a check written against it alone is discovered
through the `safemaker.checks` entry-point group, validated by the registry and run by the engine.

The plugin is a plain module plus a `*.dist-info` folder on `sys.path`, which is all that
`importlib.metadata` needs to see an installed distribution; the slow variant that pip-installs a
wheel into a separate venv is tests/plugin/test_external_plugin.py.
"""

from __future__ import annotations

import ast
import sys
import typing
from importlib import resources
from pathlib import Path

import pytest

import safemaker.api as api
from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.config import Config
from safemaker.scanner.snapshot.io import load

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

PLUGIN = '''
"""A tiny plugin: notebooks must have root access disabled (the question SM-001 asks)."""

from __future__ import annotations

from safemaker.api import CheckContext, CheckFunc, MissingData, Resource, ResourceType, Severity, Verdict, check


@check(id="TNY-001", title="Notebook allows root", severity=Severity.LOW,
       resource_types=[ResourceType.NOTEBOOK_INSTANCE],
       requires=[("sagemaker", "DescribeNotebookInstance")],
       remediation="Set RootAccess to Disabled.")
def tny_001(ctx: CheckContext, resource: Resource) -> Verdict | None:
    """Fails when RootAccess is not Disabled (AWS enables it when the field is unset)."""
    detail = resource.detail()  # raises MissingData when the describe was denied
    root = detail.get("RootAccess", "Enabled")
    if not isinstance(root, str):
        raise MissingData(f"RootAccess of {resource.id} is not a string")
    if root == "Disabled":
        return Verdict.passed(f"{resource.id}: root access disabled")
    return Verdict.failed(f"{resource.id}: root access {root}", notes=("seen by a plugin",))


def checks() -> list[CheckFunc]:
    return [tny_001]
'''


@pytest.fixture
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "tiny_plugin.py").write_text(PLUGIN, encoding="utf-8")
    dist = tmp_path / "tiny_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-plugin\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[safemaker.checks]\ntiny = tiny_plugin:checks\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "tiny_plugin", raising=False)
    return tmp_path


def _statuses(fixture: str, check_id: str) -> dict[str, str]:
    snapshot = load(str(FIXTURES / "scenarios" / f"{fixture}.json"))
    findings = run_checks(snapshot, load_registry(), Config(enable=(check_id, "SM-001")))
    return {f.resource.id: f.status.value for f in findings if f.check_id == check_id}


def test_plugin_imports_nothing_but_the_public_api() -> None:
    imported = {node.module for node in ast.walk(ast.parse(PLUGIN)) if isinstance(node, ast.ImportFrom)}
    assert imported == {"__future__", "safemaker.api"}


def test_plugin_is_registered_under_its_distribution(installed_plugin: Path) -> None:
    spec = load_registry().get("TNY-001")
    assert spec.source == "tiny-plugin"
    assert spec.family == "TNY"
    assert spec.description.startswith("Fails when RootAccess")


@pytest.mark.parametrize("fixture", ["sm-workloads", "sm-missing-details"])
def test_plugin_verdicts_match_the_builtin_check_asking_the_same(installed_plugin: Path, fixture: str) -> None:
    mine = _statuses(fixture, "TNY-001")
    assert mine and mine == _statuses(fixture, "SM-001")
    expected = "ERROR" if fixture == "sm-missing-details" else "FAIL"  # each fixture exercises one
    assert expected in mine.values()


def test_plugin_absent_without_its_distribution() -> None:
    assert "TNY-001" not in load_registry()


def test_public_names_resolve_and_are_typed() -> None:
    for name in api.__all__:
        assert getattr(api, name) is not None, name
    hints = typing.get_type_hints(api.check, localns=vars(api))  # every name its signature uses is public
    assert hints["severity"] is api.Severity
    assert typing.get_type_hints(api.Verdict.failed)["return"] is api.Verdict
    assert api.ENTRY_POINT_GROUP == "safemaker.checks"


def test_package_is_marked_typed() -> None:
    assert resources.files("safemaker").joinpath("py.typed").is_file()
