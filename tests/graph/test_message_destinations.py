"""Finding messages word blocked destinations as `explain` and the report do (issue 19): the
complement of what is missing, named by the snapshot, not dozens of CIDR blocks."""

from __future__ import annotations

import json
from pathlib import Path

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.config import Config
from safemaker.scanner.snapshot.io import Snapshot

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"


def _message(scenario: str, check_id: str, resource_id: str) -> str:
    doc = json.loads((SCENARIOS / f"{scenario}.json").read_text("utf-8"))
    findings = run_checks(Snapshot(doc, scenario), load_registry(entry_points=False), Config(enable=(check_id,)))
    [finding] = [f for f in findings if f.resource.id == resource_id]
    return finding.message


def test_a_pass_says_what_the_route_table_does_not_route_in_words() -> None:
    message = _message("prx-seed000", "NET-001", "nb-isolated-pass")
    assert "has no route for 0.0.0.0/0 except 10.5.0.0/16 (VPC vpc-0c0ffee000000002)" in message
    assert "other ranges" not in message


def test_the_words_do_not_depend_on_the_order_aws_listed_vpcs_in() -> None:
    doc = json.loads((SCENARIOS / "net-tgw-inspection-chain.json").read_text("utf-8"))
    region = next(iter(next(iter(doc["accounts"].values())).values()))

    def messages() -> list[str]:
        found = run_checks(Snapshot(json.loads(json.dumps(doc)), "chain"), load_registry(entry_points=False),
                           Config(enable=("NET-001",)))
        return [text for f in found for text in (f.message, *f.evidence.notes)]

    before = messages()
    region["ec2"]["DescribeVpcs"]["Vpcs"].reverse()
    assert messages() == before
    assert any("(VPC vpc-" in m for m in before)
