"""Fingerprints, and the whole findings file, must not depend on the order AWS lists things in.

A baseline is only as good as its fingerprints: if reordering the routes of a table, the rules of
a security group or the notebooks of a page changed a fingerprint or a message, `--baseline`
would report a finding as fixed and new at the same time. AWS gives no ordering guarantee for
any of its lists, so every list of a snapshot is shuffled (recursively: route tables and their
routes, subnets, security groups and their rules and ranges, NACL entries, ENIs and their
groups, notebooks, firewall rules ...) and the findings file must stay byte-identical apart from
`generated`.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from estate import Estate

from safemaker.reports.findings_json import render_json
from safemaker.scanner.checking.registry import Registry, load_registry
from safemaker.scanner.cli import analyze_snapshot
from safemaker.scanner.config import Config
from safemaker.scanner.snapshot.io import Snapshot

TESTS = Path(__file__).resolve().parents[1]

SCENARIOS = sorted((TESTS.parent / "fixtures" / "scenarios").glob("*.json"))
SEEDS = (0, 1, 2)
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")

def busy_estate() -> dict[str, Any]:
    """Many lists with more than one element, whatever fixture files exist: routes of equal length
    to the same gateway, several security groups with several rules and ranges, NACL entries,
    several notebooks and ENIs."""
    e = Estate()
    vpc = e.vpc("10.1.0.0/16")
    igw = vpc.igw()
    public = vpc.subnet("10.1.0.0/24", "eu-west-1a", public_ip_on_launch=True)
    public.route_table().route("0.0.0.0/0", igw)
    nat = public.nat_gateway()
    private = vpc.subnet("10.1.1.0/24", "eu-west-1b")
    table = private.route_table()
    table.route("0.0.0.0/0", nat).route("52.0.0.0/8", igw).route("54.0.0.0/8", igw).route("3.0.0.0/8", nat)
    acl = vpc.nacl()
    acl.outbound(100, "allow", "0.0.0.0/0").outbound(90, "deny", "54.0.0.0/8").outbound(80, "allow", "52.0.0.0/8")
    acl.inbound(100, "allow", "0.0.0.0/0").inbound(110, "deny", "10.9.0.0/16")
    private.use_nacl(acl)
    web = vpc.sg("web").egress("0.0.0.0/0", proto="tcp", ports=(443, 443))
    web.egress("52.0.0.0/8", "54.0.0.0/8", proto="tcp", ports=(80, 80))
    dns = vpc.sg("dns").egress("0.0.0.0/0", proto="udp", ports=(53, 53))
    everything = vpc.sg("all", egress_all=True)
    private.notebook("nb-one", [web, dns])
    private.notebook("nb-two", [dns, everything, web])
    public.notebook("nb-three", [web], public_ip="54.1.2.3")
    e.notebook("nb-four", direct_internet=True)
    return e.build()


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, list):
        items = [shuffled(v, rng) for v in value]
        rng.shuffle(items)
        return items
    if isinstance(value, dict):
        return {k: shuffled(v, rng) for k, v in value.items()}
    return value


def count_lists(value: Any) -> int:
    if isinstance(value, list):
        return (len(value) > 1) + sum(count_lists(v) for v in value)
    if isinstance(value, dict):
        return sum(count_lists(v) for v in value.values())
    return 0


def findings_json(doc: dict[str, Any], registry: Registry) -> str:
    report = analyze_snapshot(Snapshot(doc, "<test>"), Config(), registry)
    return render_json(dataclasses.replace(report, generated="<generated>"))


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def _check_order_independence(doc: dict[str, Any], registry: Registry) -> None:
    assert count_lists(doc) > 0, "nothing to shuffle"
    expected = findings_json(doc, registry)
    for seed in SEEDS:
        mixed = shuffled(copy.deepcopy(doc), random.Random(seed))
        got = findings_json(mixed, registry)
        if got != expected:
            import difflib

            diff = "".join(list(difflib.unified_diff(expected.splitlines(True), got.splitlines(True),
                                                     "in AWS order", f"shuffled (seed {seed})", n=2))[:60])
            pytest.fail(f"findings depend on the order of lists in the snapshot:\n{diff}")


def test_busy_estate_is_order_independent(registry: Registry) -> None:
    doc = busy_estate()
    assert any(f["status"] == "FAIL" and f["evidence"]["paths"]
               for f in json.loads(findings_json(doc, registry))["findings"]), "the estate should have paths"
    _check_order_independence(doc, registry)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_fixtures_are_order_independent(path: Path, registry: Registry) -> None:
    doc = json.loads(path.read_text())
    if doc.get("schema") != "safemaker.snapshot/v1":
        pytest.skip(f"{path.name} is not a snapshot")
    _check_order_independence(doc, registry)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_fingerprints_are_order_independent(path: Path, registry: Registry) -> None:
    """What `--baseline` matches on, checked on its own: a wording that depends on order is a bug
    (the test above), a fingerprint that does would break every baseline."""
    doc = json.loads(path.read_text())
    if doc.get("schema") != "safemaker.snapshot/v1":
        pytest.skip(f"{path.name} is not a snapshot")

    def keys(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        return [(f["check_id"], f["resource"]["id"], f["status"], f["fingerprint"])
                for f in json.loads(findings_json(d, registry))["findings"]]

    expected = keys(doc)
    for seed in SEEDS:
        assert keys(shuffled(copy.deepcopy(doc), random.Random(seed))) == expected


def test_random_estates_are_order_independent(registry: Registry) -> None:
    """The oracle's random estates: overlapping routes, NACLs, firewalls, TGWs, NAT instances."""
    strategies = pytest.importorskip("oracle.strategies", reason="tests/oracle is not available")
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategies.estates())
    def check(doc: dict[str, Any]) -> None:
        expected = findings_json(doc, registry)
        mixed = shuffled(copy.deepcopy(doc), random.Random(len(expected)))
        assert findings_json(mixed, registry) == expected

    check()


def test_fingerprints_survive_a_recollection(registry: Registry) -> None:
    """A later collection of an unchanged estate: new timestamps, new `created`, other order."""
    doc = busy_estate()

    def later(value: Any) -> Any:
        if isinstance(value, str) and _TIMESTAMP.match(value):
            return "2027-02-03T04:05:06+00:00"
        if isinstance(value, list):
            return [later(v) for v in value]
        if isinstance(value, dict):
            return {k: later(v) for k, v in value.items()}
        return value

    again = shuffled(later(doc), random.Random(7))
    assert again["created"] != doc["created"]
    first = json.loads(findings_json(doc, registry))["findings"]
    second = json.loads(findings_json(again, registry))["findings"]
    assert [f["fingerprint"] for f in first] == [f["fingerprint"] for f in second]
    assert first == second
