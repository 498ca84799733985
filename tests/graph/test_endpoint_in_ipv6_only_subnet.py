"""VPCE-001 with interface endpoints whose ENIs are not listed, in a subnet without an IPv4 block
(IPv6-only): the endpoint has no IPv4 address to reach there, so it is not usable over IPv4 -- a
verdict, not an internal error."""

from __future__ import annotations

import json
from pathlib import Path

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.config import Config
from safemaker.scanner.snapshot.io import Snapshot

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "net-seed001-firewall.json"


def _vpce001(ipv6_only: bool) -> tuple[str, str]:
    doc = json.loads(FIXTURE.read_text("utf-8"))
    ec2 = next(iter(next(iter(doc["accounts"].values())).values()))["ec2"]
    for ep in ec2["DescribeVpcEndpoints"]["VpcEndpoints"]:
        ep["NetworkInterfaceIds"] = []  # not listed: any address of the endpoint's subnets
    if ipv6_only:
        for subnet in ec2["DescribeSubnets"]["Subnets"]:
            if subnet["SubnetId"] == "subnet-0000000000000000c":
                del subnet["CidrBlock"]
                subnet["Ipv6Native"] = True
    found = run_checks(Snapshot(doc, "ipv6-only"), load_registry(entry_points=False), Config(enable=("VPCE-001",)))
    [finding] = [f for f in found if f.resource.id == "nb-firewall"]
    return finding.status.value, finding.message


def test_endpoints_in_their_subnets_are_usable() -> None:
    assert _vpce001(ipv6_only=False)[0] == "PASS"


def test_endpoints_in_an_ipv6_only_subnet_are_not_reached_over_ipv4() -> None:
    status, message = _vpce001(ipv6_only=True)
    assert "internal error" not in message
    assert status != "PASS" or "over the internet path" in message
