"""The layers stay apart: what proves and reports never talks to AWS or to the command line.

The prover (`scanner/graph/`), the checks and the reports reason over a snapshot that is already
on disk, so they must run where boto3, botocore and click are absent or unwanted (a plugin host,
a notebook, a CI job reading someone else's snapshot). Reports show findings and never re-prove:
they do not import the graph. Only the collector calls AWS, and no check may reach into it.

Imports are read with `ast` from the source, including imports inside functions (a lazy import
is still a dependency), and relative imports are resolved against the module's package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Source folder -> import name, as setup.cfg's package_dir maps them.
PACKAGES = {"scanner": "safemaker.scanner", "checks": "safemaker.checks", "reports": "safemaker.reports"}
AWS_AND_CLI = ("boto3", "botocore", "click", "safemaker.scanner.collect")
RULES: dict[str, tuple[str, ...]] = {
    "scanner/graph": AWS_AND_CLI,
    "checks": AWS_AND_CLI,
    "reports": (*AWS_AND_CLI, "safemaker.scanner.graph"),
}


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    top, *rest = rel.parts
    parts = [PACKAGES[top], *rest]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(source: str, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import statement anywhere in the source."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            yield node.lineno, stem
            for alias in node.names:  # `from safemaker.scanner import collect` names a module too
                yield node.lineno, f"{stem}.{alias.name}"


def forbidden(name: str, banned: tuple[str, ...]) -> str | None:
    return next((b for b in banned if name == b or name.startswith(b + ".")), None)


def scan(folder: str) -> tuple[set[str], list[str]]:
    """Every module name the folder imports, and the imports that break its rule."""
    seen: set[str] = set()
    out = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        module = module_name(path)
        for line, name in imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            seen.add(name)
            hit = forbidden(name, RULES[folder])
            if hit:
                out.append(f"{path.relative_to(ROOT)}:{line} imports {name} ({hit} is off limits here)")
    return seen, out


@pytest.mark.parametrize("folder", sorted(RULES))
def test_layer_imports_nothing_it_must_not(folder: str) -> None:
    seen, bad = scan(folder)
    assert "safemaker.scanner.model" in seen  # the reader found this layer's real imports
    assert bad == []


def test_the_reader_sees_local_and_relative_imports() -> None:
    source = (
        "from . import net\n"
        "from ..scanner import collect\n"
        "def f():\n"
        "    import boto3.session\n"
        "    from safemaker.scanner.graph.prove import Network\n"
    )
    found = {name for _, name in imports(source, "safemaker.checks.fw", is_package=False)}
    assert {"safemaker.checks.net", "safemaker.scanner.collect", "boto3.session",
            "safemaker.scanner.graph.prove"} <= found
    assert forbidden("boto3.session", AWS_AND_CLI) == "boto3"
    assert forbidden("safemaker.scanner.collect", AWS_AND_CLI) == "safemaker.scanner.collect"
    assert forbidden("safemaker.scanner.collector_notes", AWS_AND_CLI) is None
    assert forbidden("safemaker.scanner.graph.prove", RULES["reports"]) == "safemaker.scanner.graph"
