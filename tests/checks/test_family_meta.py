"""Keeps the SM/FW/PRX/VPCE checks, their metadata and their fixtures in step."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from checks_support import FIXTURES, load_doc, registry_of, run

from safemaker.checks import builtin_checks, fw, prx, sm, vpce
from safemaker.scanner.checking.registry import spec_of
from safemaker.scanner.model import ResourceType, Severity

FAMILIES = {"SM": sm, "FW": fw, "PRX": prx, "VPCE": vpce}
CONTRACT = {  # README check catalogue resource column and the severities agreed for these checks
    "SM-001": (Severity.HIGH, {ResourceType.NOTEBOOK_INSTANCE}),
    "SM-002": (Severity.MEDIUM, {ResourceType.NOTEBOOK_INSTANCE}),
    "SM-003": (Severity.MEDIUM, {ResourceType.TRAINING_JOB, ResourceType.MODEL}),
    "FW-001": (Severity.CRITICAL, {ResourceType.FIREWALL_POLICY}),
    "FW-002": (Severity.HIGH, {ResourceType.FIREWALL_POLICY}),
    "FW-003": (Severity.MEDIUM, {ResourceType.FIREWALL}),
    "FW-004": (Severity.HIGH, {ResourceType.FIREWALL}),
    "PRX-001": (Severity.HIGH, {ResourceType.EC2_INSTANCE}),
    "PRX-002": (Severity.MEDIUM, {ResourceType.NOTEBOOK_INSTANCE}),
    "VPCE-002": (Severity.HIGH, {ResourceType.VPC_ENDPOINT}),
}


def all_funcs() -> list:  # type: ignore[type-arg]
    return [f for module in FAMILIES.values() for f in module.CHECKS]


def test_checks_register_and_match_the_contract() -> None:
    registry = registry_of(all_funcs())
    assert {s.id for s in registry.specs()} == set(CONTRACT)
    for spec in registry.specs():
        severity, types = CONTRACT[spec.id]
        assert spec.severity is severity, spec.id
        assert set(spec.resource_types) == types, spec.id
        assert spec.family in FAMILIES and FAMILIES[spec.family].__name__.endswith("." + spec.family.lower())
        assert "Fails when" in spec.description or "fail when" in spec.description.lower(), spec.id
        assert spec.requires, spec.id


def test_builtin_checks_include_these_families() -> None:
    ids = {spec_of(f).id for f in builtin_checks()}
    assert set(CONTRACT) <= ids


def expectations() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for path in sorted((FIXTURES / "expected").glob("*.json")):
        for check_id, resources in json.loads(path.read_text()).items():
            seen[check_id].update(resources.values())
    return seen


@pytest.mark.parametrize("check_id", sorted(CONTRACT))
def test_every_check_has_pass_fail_and_error_fixtures(check_id: str) -> None:
    assert {"PASS", "FAIL", "ERROR"} <= expectations()[check_id]


@pytest.mark.parametrize("name", ["fw-stateful", "prx-seed000", "vpce-s3-policies", "sm-workloads"])
def test_output_is_deterministic(name: str) -> None:
    first = [f.to_json() for f in run(load_doc(name), all_funcs())]
    second = [f.to_json() for f in run(load_doc(name), all_funcs())]
    assert first == second


def test_fixture_scenarios_have_expectations() -> None:
    mine = ("sm-", "fw-", "prx-", "vpce-")
    scenarios = {p.stem for p in (FIXTURES / "scenarios").glob("*.json") if p.stem.startswith(mine)}
    expected = {p.stem for p in (FIXTURES / "expected").glob("*.json") if p.stem.startswith(mine)}
    assert scenarios == expected
