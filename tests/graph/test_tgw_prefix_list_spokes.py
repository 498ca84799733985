"""NET-008 in a centralised design whose spoke route table sends internet traffic to the hub
through a prefix list instead of 0.0.0.0/0: the spokes are found through the list's entries, and
a list that cannot be read is unknown (ERROR naming it), never an internal error or a PASS."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.config import Config
from safemaker.scanner.snapshot.io import Snapshot

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "net-home-net-spoke-outside.json"
SPOKE_TABLE = "tgw-rtb-00000000000000020"


def _net008(doc: dict[str, Any]) -> tuple[str, str]:
    [finding] = run_checks(Snapshot(doc, "spokes"), load_registry(entry_points=False), Config(enable=("NET-008",)))
    return finding.status.value, finding.message


def _with_prefix_list_route(entries: list[str] | None) -> dict[str, Any]:
    doc = copy.deepcopy(json.loads(FIXTURE.read_text("utf-8")))
    ec2 = next(iter(next(iter(doc["accounts"].values())).values()))["ec2"]
    [route] = ec2["SearchTransitGatewayRoutes"][SPOKE_TABLE]["Routes"]
    del route["DestinationCidrBlock"]
    route["PrefixListId"] = "pl-0123456789abcdef0"
    if entries is not None:
        ec2["GetManagedPrefixListEntries"] = {"pl-0123456789abcdef0": {"Entries": [{"Cidr": c} for c in entries]}}
    return doc


def test_a_prefix_list_route_to_the_hub_gives_the_verdict_of_its_cidr() -> None:
    plain = _net008(json.loads(FIXTURE.read_text("utf-8")))
    assert plain[0] == "PASS"
    assert _net008(_with_prefix_list_route(["0.0.0.0/0"])) == plain


def test_an_unreadable_prefix_list_route_is_unknown() -> None:
    status, message = _net008(_with_prefix_list_route(None))
    assert status == "ERROR"
    assert "pl-0123456789abcdef0" in message and "internal error" not in message
