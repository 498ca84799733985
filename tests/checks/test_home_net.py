"""The domain functions under FW-002 and FW-004: a VPC's CIDRs (the default HOME_NET, rule 18),
the HOME_NET scope helpers, and where SageMaker workloads sit. Exact answers, plus the FW-002
verdict that the one-function-for-VPC-CIDRs decision changed (an `associating` block is not
HOME_NET)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from checks_support import ACCOUNT, REGION, by_key, load_doc, run
from make_fixtures import centralised_inspection

from safemaker.checks import fw, net
from safemaker.scanner.aws.firewall_placement import sagemaker_placement, sagemaker_subnets
from safemaker.scanner.aws.home_net import inside, parse_cidrs
from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.topology import Topology
from safemaker.scanner.snapshot.io import Snapshot


def topology(vpcs: list[dict[str, Any]]) -> Topology:
    doc = {"version": 1, "accounts": {ACCOUNT: {REGION: {"ec2": {"DescribeVpcs": {"Vpcs": vpcs}}}}}}
    return Topology(Snapshot(doc, "vpcs").view(ACCOUNT, REGION))


def v4(cidr: str, state: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"CidrBlock": cidr}
    if state is not None:
        entry["CidrBlockState"] = {"State": state}
    return entry


def v6(cidr: str, state: str) -> dict[str, Any]:
    return {"Ipv6CidrBlock": cidr, "Ipv6CidrBlockState": {"State": state}}


# --- Topology.vpc_cidrs: the one answer to "which CIDRs does this VPC have" --------------------
def test_only_associated_blocks_count() -> None:
    vpc = {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "CidrBlockAssociationSet": [
        v4("10.0.0.0/16", "associated"), v4("10.1.0.0/16", "associating"), v4("10.2.0.0/16", "disassociating"),
        v4("10.3.0.0/16", "disassociated"), v4("10.4.0.0/16", "failing"), v4("10.5.0.0/16", "failed"),
        v4("10.6.0.0/16", None)],
        "Ipv6CidrBlockAssociationSet": [v6("2001:db8::/56", "associated"), v6("2001:db8:1::/56", "associating"),
                                        v6("2001:db8:2::/56", "disassociated")]}
    assert topology([vpc]).vpc_cidrs("vpc-1") == ["10.0.0.0/16", "10.6.0.0/16", "2001:db8::/56"]


def test_primary_block_stands_in_only_when_no_association_is_listed() -> None:
    listed = {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "CidrBlockAssociationSet": [v4("10.0.0.0/16", "failed")]}
    bare = {"VpcId": "vpc-2", "CidrBlock": "10.9.0.0/16",
            "Ipv6CidrBlockAssociationSet": [v6("2001:db8::/56", "associated")]}
    topo = topology([listed, bare])
    assert topo.vpc_cidrs("vpc-1") == []
    assert topo.vpc_cidrs("vpc-2") == ["10.9.0.0/16", "2001:db8::/56"]


def test_unknown_vpc_is_missing_data() -> None:
    with pytest.raises(MissingData) as raised:
        topology([]).vpc_cidrs("vpc-404")
    assert raised.value.reason == f"VPC vpc-404 is not in ec2 DescribeVpcs ({ACCOUNT}/{REGION})"


# --- HOME_NET helpers ------------------------------------------------------------------------------
def test_home_net_definitions_parse_or_say_none() -> None:
    assert parse_cidrs([" 10.0.0.0/16", "2001:db8::/56"]) == [ipaddress.ip_network("10.0.0.0/16"),
                                                              ipaddress.ip_network("2001:db8::/56")]
    assert parse_cidrs(["10.0.0.0/16", "not-a-cidr"]) is None


@pytest.mark.parametrize(("source", "expected"), [
    ("10.0.1.0/24", True),  # a subnet of one block
    ("10.0.0.0/15", False),  # only half inside
    ("10.2.0.5/32", False),
    ("2001:db8::/64", True),
    ("::ffff:10.0.1.0/120", False),  # another IP version never matches
])
def test_a_source_is_inside_only_when_wholly_in_one_block(source: str, expected: bool) -> None:
    home = parse_cidrs(["10.0.0.0/16", "2001:db8::/56"]) or []
    assert inside(ipaddress.ip_network(source), home) is expected


# --- FW-002: the verdict the decision changed -------------------------------------------------------
def fw002(hub_secondary_state: str) -> tuple[str, str]:
    """Centralised inspection where the inspection VPC also lists the spoke's range 10.10.0.0/16
    as a secondary block in the given state (the default HOME_NET then includes it or not)."""
    doc = centralised_inspection().build()
    vpcs = doc["accounts"][ACCOUNT][REGION]["ec2"]["DescribeVpcs"]["Vpcs"]
    hub = next(v for v in vpcs if v["CidrBlock"] == "10.50.0.0/16")
    hub["CidrBlockAssociationSet"].append(v4("10.10.0.0/16", hub_secondary_state))
    finding = by_key(run(doc, [*net.CHECKS, *fw.CHECKS]))[("FW-002", "central-policy")]
    return finding.status.value, finding.message


def test_associated_secondary_block_is_home_net() -> None:
    assert fw002("associated")[0] == "PASS"


def test_associating_secondary_block_is_not_home_net() -> None:
    status, message = fw002("associating")
    assert status == "FAIL"
    assert message.startswith(
        "notebook nb-spoke is inspected by firewall central-fw (endpoint ")
    assert ("from 10.10.1.0/24, which is outside HOME_NET (default: the CIDR of firewall central-fw's VPC "
            "vpc-0000000000000000b ['10.50.0.0/16'])") in message


# --- where SageMaker workloads sit (FW-004) ---------------------------------------------------------
def test_sagemaker_subnets_and_their_zones() -> None:
    view = Snapshot(load_doc("fw-az-coverage"), "fw-az-coverage").view(ACCOUNT, REGION)
    assert sagemaker_subnets(view) == [
        ("subnet-0a1b2c3d00000001", "notebook nb-az-a", True),
        ("subnet-0b1b2c3d00000002", "notebook nb-az-c-uncovered", True),
        ("subnet-0d1b2c3d00000001", "notebook nb-failed-endpoint-az", True),
        ("subnet-0a1b2c3d00000001", "domain d-0a1b2c3d4e5f", True),
        ("subnet-0a1b2c3d00000002", "domain d-0a1b2c3d4e5f", True),
        ("subnet-0a1b2c3d00000002", "training job tj-az-b", False),
        ("subnet-0deadbeef0000001", "training job tj-deleted-subnet", False),
        ("subnet-0b1b2c3d00000001", "processing job pj-az-a", False),
        ("subnet-0b1b2c3d00000001", "model model-az-a", False),
    ]
    placed = sagemaker_placement(view)
    assert placed.missing is None
    assert placed.by_vpc["vpc-0a1b2c3d4e5f60002"] == [
        ("eu-west-1a", "subnet-0b1b2c3d00000001 (model model-az-a)"),
        ("eu-west-1a", "subnet-0b1b2c3d00000001 (processing job pj-az-a)"),
        ("eu-west-1c", "subnet-0b1b2c3d00000002 (notebook nb-az-c-uncovered)"),
    ]
    assert placed.ignored == ["subnet subnet-0deadbeef0000001 of training job tj-deleted-subnet is not in "
                              "DescribeSubnets (deleted?); ignored"]
