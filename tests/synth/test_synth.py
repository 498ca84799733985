"""The synthetic estate generator behind `safemaker synth` and `make bench`."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.cli import cli
from safemaker.scanner.config import Config
from safemaker.scanner.devtools.synth import EXPECTED, synth_json, synth_snapshot, variant_of
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot

ACCOUNT, REGION = "111122223333", "eu-west-1"

# docs/snapshot-format.md: operations the collector gathers at minimum (all must be present, empty if none)
MINIMUM: dict[str, list[str]] = {
    "ec2": ["DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeInternetGateways",
            "DescribeEgressOnlyInternetGateways", "DescribeNatGateways", "DescribeVpcEndpoints",
            "DescribeSecurityGroups", "DescribeNetworkAcls", "DescribeNetworkInterfaces", "DescribeInstances",
            "DescribeVpcPeeringConnections", "DescribeTransitGateways", "DescribeTransitGatewayAttachments",
            "DescribeTransitGatewayVpcAttachments", "DescribeTransitGatewayRouteTables",
            "SearchTransitGatewayRoutes", "DescribeManagedPrefixLists", "GetManagedPrefixListEntries",
            "DescribePrefixLists"],
    "network-firewall": ["ListFirewalls", "DescribeFirewall", "DescribeFirewallPolicy", "DescribeRuleGroup",
                         "DescribeLoggingConfiguration"],
    "sagemaker": ["ListNotebookInstances", "DescribeNotebookInstance", "DescribeNotebookInstanceLifecycleConfig",
                  "ListDomains", "DescribeDomain", "ListUserProfiles", "DescribeUserProfile", "ListSpaces",
                  "DescribeSpace", "ListTrainingJobs", "DescribeTrainingJob", "ListProcessingJobs",
                  "DescribeProcessingJob", "ListModels", "DescribeModel"],
}


def _region(doc: dict[str, Any]) -> dict[str, Any]:
    region: dict[str, Any] = doc["accounts"][ACCOUNT][REGION]
    return region


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    doc: dict[str, Any] = synth_snapshot(20, 40, 1, port_pool=2)
    return doc


def test_small_estate_validates_and_has_every_minimum_operation(small: dict[str, Any]) -> None:
    validate_snapshot(small, source="<synth>")
    region = _region(small)
    for service, operations in MINIMUM.items():
        missing = [op for op in operations if op not in region[service]]
        assert not missing, f"{service} lacks {missing}"
    assert small["schema"] == "safemaker.snapshot/v1"
    assert small["errors"] == []


def test_default_port_pool_validates() -> None:
    validate_snapshot(synth_snapshot(12, 20, 9), source="<synth>")


def test_same_seed_gives_byte_identical_json_even_in_another_process() -> None:
    first = synth_json(16, 30, 7)
    assert synth_json(16, 30, 7) == first
    code = ("import hashlib, sys; from safemaker.scanner.devtools.synth import synth_json; "
            "sys.stdout.write(hashlib.sha256(synth_json(16, 30, 7).encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         timeout=60)
    assert out.stdout == hashlib.sha256(first.encode()).hexdigest()


def test_different_seeds_give_different_estates() -> None:
    a, b = synth_snapshot(16, 30, 1), synth_snapshot(16, 30, 2)
    assert json.dumps(a) != json.dumps(b)
    ids_a = {v["VpcId"] for v in _region(a)["ec2"]["DescribeVpcs"]["Vpcs"]}
    ids_b = {v["VpcId"] for v in _region(b)["ec2"]["DescribeVpcs"]["Vpcs"]}
    assert not ids_a & ids_b


def test_identifiers_look_real_and_are_unique(small: dict[str, Any]) -> None:
    ec2 = _region(small)["ec2"]
    checks = [("DescribeVpcs", "Vpcs", "VpcId", r"vpc-[0-9a-f]{17}"),
              ("DescribeSubnets", "Subnets", "SubnetId", r"subnet-[0-9a-f]{17}"),
              ("DescribeRouteTables", "RouteTables", "RouteTableId", r"rtb-[0-9a-f]{17}"),
              ("DescribeSecurityGroups", "SecurityGroups", "GroupId", r"sg-[0-9a-f]{17}"),
              ("DescribeNetworkInterfaces", "NetworkInterfaces", "NetworkInterfaceId", r"eni-[0-9a-f]{17}"),
              ("DescribeNatGateways", "NatGateways", "NatGatewayId", r"nat-[0-9a-f]{17}")]
    for op, key, field, pattern in checks:
        ids = [item[field] for item in ec2[op][key]]
        assert ids and all(re.fullmatch(pattern, i) for i in ids), op
        assert len(ids) == len(set(ids)), f"duplicate ids in {op}"
    ips = [e["PrivateIpAddress"] for e in ec2["DescribeNetworkInterfaces"]["NetworkInterfaces"]]
    assert len(ips) == len(set(ips))


def test_counts_and_density() -> None:
    doc = synth_snapshot(50, 100, 3)
    region = _region(doc)
    ec2, sm = region["ec2"], region["sagemaker"]
    assert len(ec2["DescribeVpcs"]["Vpcs"]) == 50
    assert 400 <= len(ec2["DescribeSubnets"]["Subnets"]) <= 600  # about 10 per VPC
    notebooks = sm["ListNotebookInstances"]["NotebookInstances"]
    assert len(notebooks) == 100 == len(sm["DescribeNotebookInstance"])
    enis = {e["NetworkInterfaceId"]: e for e in ec2["DescribeNetworkInterfaces"]["NetworkInterfaces"]}
    for nb in sm["DescribeNotebookInstance"].values():
        eni = enis[nb["NetworkInterfaceId"]]
        assert eni["SubnetId"] == nb["SubnetId"]
        assert sorted(g["GroupId"] for g in eni["Groups"]) == sorted(nb["SecurityGroups"])
    tables = ec2["DescribeRouteTables"]["RouteTables"]
    assert len(tables) >= 3 * 50
    assert max(len(t["Routes"]) for t in tables) >= 20
    assert max(len(g["IpPermissionsEgress"]) for g in ec2["DescribeSecurityGroups"]["SecurityGroups"]) >= 12
    assert max(len(a["Entries"]) for a in ec2["DescribeNetworkAcls"]["NetworkAcls"]) >= 8
    assert region["network-firewall"]["ListFirewalls"]["Firewalls"]
    assert ec2["DescribeTransitGatewayVpcAttachments"]["TransitGatewayVpcAttachments"]
    assert ec2["DescribeVpcPeeringConnections"]["VpcPeeringConnections"]
    assert any(s["Ipv6CidrBlockAssociationSet"] for s in ec2["DescribeSubnets"]["Subnets"])
    proxies = [i for r in ec2["DescribeInstances"]["Reservations"] for i in r["Instances"]
               if {"Key": "safemaker:role", "Value": "proxy"} in i["Tags"]]
    assert proxies


def test_about_a_tenth_to_a_fifth_of_notebooks_are_broken() -> None:
    listed = _region(synth_snapshot(300, 600, 4, port_pool=2))["sagemaker"]["ListNotebookInstances"]
    names = [n["NotebookInstanceName"] for n in listed["NotebookInstances"]]
    variants = Counter(variant_of(n) for n in names)
    assert None not in variants
    failing = sum(c for v, c in variants.items() if v is not None and EXPECTED[v][0] == "FAIL")
    assert 0.08 <= failing / len(names) <= 0.25, variants


def test_variant_names() -> None:
    assert variant_of("nb-00012-nat-added") == "nat-added"
    assert variant_of("nb-00003-direct-internet") == "direct-internet"
    assert variant_of("analysts") is None
    assert variant_of("nb-00001-unknown") is None


def _verdicts(doc: dict[str, Any], variants: set[str]) -> dict[str, dict[str, str]]:
    """NET-001/NET-004 for the first notebook of each variant (the rest of the estate stays)."""
    sm = _region(doc)["sagemaker"]
    chosen: dict[str, dict[str, Any]] = {}
    for nb in sm["ListNotebookInstances"]["NotebookInstances"]:
        variant = variant_of(nb["NotebookInstanceName"])
        if variant in variants:
            chosen.setdefault(variant, nb)
    assert set(chosen) == variants
    trimmed = json.loads(json.dumps(doc))
    _region(trimmed)["sagemaker"]["ListNotebookInstances"]["NotebookInstances"] = list(chosen.values())
    validate_snapshot(trimmed, source="<trimmed synth>")
    findings = run_checks(Snapshot(trimmed), load_registry(), Config(enable=("NET-001", "NET-004")))
    out: dict[str, dict[str, str]] = {}
    for f in findings:
        variant = variant_of(f.resource.id)
        assert variant is not None
        out.setdefault(variant, {})[f.check_id] = f.status.value
    return out


def test_broken_variants_fail_net001_and_sound_ones_pass(small: dict[str, Any]) -> None:
    variants = {"proxy", "public-subnet", "nat-added", "firewall", "stateless-pass", "ipv6-eigw",
                "direct-internet", "nat-bypass"}
    got = _verdicts(small, variants)
    statuses = {v["NET-001"] for v in got.values()}
    assert statuses == {"PASS", "FAIL"}
    for variant in variants:
        net001, net004 = EXPECTED[variant]
        assert got[variant]["NET-001"] == net001, (variant, got[variant])
        if net004 is not None:
            assert got[variant]["NET-004"] == net004, (variant, got[variant])
    assert got["nat-added"]["NET-001"] == "FAIL"
    assert got["proxy"]["NET-001"] == "PASS"
    assert got["public-subnet"]["NET-004"] == "FAIL"


@pytest.mark.slow
def test_every_variant_gets_its_expected_verdict(small: dict[str, Any]) -> None:
    got = _verdicts(small, set(EXPECTED))
    for variant, (net001, _) in EXPECTED.items():
        assert got[variant]["NET-001"] == net001, (variant, got[variant])


def test_cli_synth_writes_the_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "snap.json"
    result = CliRunner().invoke(cli, ["synth", "--vpcs", "8", "--notebooks", "12", "--seed", "5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text == synth_json(8, 12, 5)
    doc = json.loads(text)
    validate_snapshot(doc, source=str(out))
    assert len(_region(doc)["sagemaker"]["ListNotebookInstances"]["NotebookInstances"]) == 12


def test_cli_synth_rejects_impossible_sizes(tmp_path: Path) -> None:
    out = tmp_path / "snap.json"
    result = CliRunner().invoke(cli, ["synth", "--vpcs", "0", "--notebooks", "1", "-o", str(out)])
    assert result.exit_code == 2
    assert not out.exists()
