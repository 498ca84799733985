"""The user documentation stands on its own and stays in step with the code.

Users clone only this project: every link in README.md, CONTRIBUTING.md and docs/ must resolve
inside it, no page may send the reader to the team's working notes, every registered check has a
page under docs/checks/ and a catalogue row in the README, and every "rule N" that code or docs
cite is a numbered rule of docs/forwarding-rules.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safemaker.scanner.checking.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
USER_DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *DOCS.rglob("*.md")])
SPECS = load_registry(entry_points=False).specs()
# The team's working notes, which users do not get (spelt so that this line does not match itself).
TEAM_NOTES = re.compile(r"(contracts|semantics|testing-notes|style)[.]md|/work/[s]hared|[s]hared/docs")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# "rule 15", "rules 8b": numbers this small are forwarding rules, never NACL rule numbers (100+).
CITATION = re.compile(r"\b[Rr]ules? (\d{1,2}[a-z]?)\b(?! (?:in|of) rg-)")
RULE_HEADING = re.compile(r"^\*\*(\d{1,2}[a-z]?)\.", re.M)
CITING_TREES = ("scanner", "checks", "reports", "safemaker", "tests/graph", "tests/oracle", "docs")


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", USER_DOCS, ids=relative)
def test_links_resolve_inside_the_project(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        if not (page.parent / target.split("#", 1)[0]).exists():
            broken.append(target)
    assert broken == []


def test_nothing_points_to_the_team_notes() -> None:
    sources = [*USER_DOCS, *(p for tree in ("scanner", "checks", "reports", "safemaker", "tests", "examples")
                             for p in (ROOT / tree).rglob("*") if p.suffix in {".py", ".json", ".md", ".j2", ".yml"})]
    hits = [f"{relative(p)}:{n}" for p in sources
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if TEAM_NOTES.search(line) and "ORACLE_BATFISH_DIR" not in line and "oracles/batfish" not in line]
    assert hits == []


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_every_check_has_a_page_and_a_catalogue_row(spec: object) -> None:
    from safemaker.scanner.checking.registry import CheckSpec

    assert isinstance(spec, CheckSpec)
    page = (DOCS / "checks" / f"{spec.id}.md").read_text(encoding="utf-8")
    assert page.startswith(f"# {spec.id}: {spec.title}\n")
    assert f"**Severity** {spec.severity.value} " in page
    for section in ("## What it proves", "## Why it matters", "## How to fix", "## Example"):
        assert section in page, f"{spec.id}: {section} missing"
    assert re.search(rf"\b{re.escape(spec.id)} +FAIL\b|select\(\.check_id == \"{spec.id}\"", page)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"| [{spec.id}](docs/checks/{spec.id}.md) | {spec.severity.value} |" in readme


def test_no_page_for_a_check_that_does_not_exist() -> None:
    assert {p.stem for p in (DOCS / "checks").glob("*.md")} == {s.id for s in SPECS}


def test_example_fixtures_exist() -> None:
    for page in (DOCS / "checks").glob("*.md"):
        for fixture in re.findall(r"fixtures/scenarios/[\w.-]+\.json", page.read_text(encoding="utf-8")):
            assert (ROOT / fixture).is_file(), f"{page.name} cites {fixture}"


def test_cited_rules_exist() -> None:
    rules = set(RULE_HEADING.findall((DOCS / "forwarding-rules.md").read_text(encoding="utf-8")))
    assert {"1", "8b", "13b", "15", "32"} <= rules
    unknown: list[str] = []
    cited: set[str] = set()
    for tree in CITING_TREES:
        for path in (ROOT / tree).rglob("*"):
            if path.suffix not in {".py", ".md"}:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found = CITATION.findall(line)
                cited.update(found)
                unknown += [f"{relative(path)}:{n} rule {r}" for r in found if r not in rules]
    assert {"8b", "15", "24"} <= cited  # the scan sees the code's citations
    assert unknown == []


def test_readme_stays_short() -> None:
    assert len((ROOT / "README.md").read_bytes()) <= 12_500
