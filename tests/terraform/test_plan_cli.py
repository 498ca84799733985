"""The `plan` command line: exit statuses, bad input named in one line, unknown values and
unknown types made ERROR, and the overlay gating only on what a change introduces."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from safemaker.scanner.terraform.plan import read_plan
from safemaker.scanner.terraform.translate import translate

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / "fixtures" / "terraform" / "seed000-proxy" / "plan.json"
NAT = ROOT / "fixtures" / "terraform" / "seed000-nat-added" / "plan.json"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from safemaker.scanner.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=ROOT, check=False)


def test_exit_status_follows_the_planned_estate(tmp_path: Path) -> None:
    ok = run("plan", str(PROXY), "--format", "json", "--checks", "NET-001")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["summary"] == {"PASS": 1, "FAIL": 0, "ERROR": 0}
    bad = run("plan", str(NAT), "--checks", "NET-001")
    assert bad.returncode == 1
    assert "nat-module.net.aws_nat_gateway.temporary[0]" in bad.stdout


def test_bad_input_is_named_in_one_line(tmp_path: Path) -> None:
    cases = {
        "state.json": ('{"version": 4, "lineage": "x", "serial": 3, "resources": []}', "a Terraform state file"),
        "shown-state.json": ('{"format_version": "1.0", "values": {}}', "of a state, not of a saved plan"),
        "main.tf": ('resource "aws_vpc" "x" {\n  cidr_block = "10.0.0.0/16"\n}\n', "Terraform configuration (HCL)"),
        "future.json": ('{"format_version": "2.0", "resource_changes": []}', "plan format 2.0; safemaker reads "
                                                                            "format 1.x"),
        "tfplan": ("PK\x03\x04binary", "a binary Terraform plan file"),
    }
    for name, (text, words) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        result = run("plan", str(path))
        assert result.returncode == 2, (name, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and str(path) in lines[0], (name, result.stderr)


def _plan_doc(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return doc


def _edit_route(doc: dict[str, Any], references: list[str]) -> None:
    for module in doc["configuration"]["root_module"]["module_calls"].values():
        for res in module["module"]["resources"]:
            if res["address"] == "aws_route.private_default":
                res["expressions"]["nat_gateway_id"] = {"references": references}


def test_unresolvable_value_is_error_naming_resource_and_attribute(tmp_path: Path) -> None:
    doc = _plan_doc(NAT)
    _edit_route(doc, ["local.nat_id"])
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    result = run("plan", str(path), "--format", "json", "--checks", "NET-001")
    assert result.returncode == 1
    finding = json.loads(result.stdout)["findings"][0]
    assert finding["status"] == "ERROR"
    assert "module.net.aws_route.private_default[0]: nat_gateway_id is known only after apply and it comes from " \
           "local.nat_id" in finding["message"]
    assert "not proven: module.net.aws_route.private_default[0]: nat_gateway_id" in result.stderr


def test_unknown_traffic_carrying_type_makes_paths_error(tmp_path: Path) -> None:
    doc = _plan_doc(PROXY)
    doc["resource_changes"].append({"address": "aws_lb.appliance", "mode": "managed", "type": "aws_lb",
                                    "name": "appliance", "change": {"actions": ["create"], "before": None,
                                                                    "after": {}, "after_unknown": {}}})
    doc["resource_changes"].append({"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket",
                                    "name": "logs", "change": {"actions": ["create"], "before": None,
                                                               "after": {}, "after_unknown": {}}})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    result = run("plan", str(path), "--format", "json", "--checks", "NET-001,SM-001")
    assert result.returncode == 1
    statuses = {f["check_id"]: f["status"] for f in json.loads(result.stdout)["findings"]}
    assert statuses == {"NET-001": "ERROR", "SM-001": "PASS"}
    assert result.stderr.count("aws_lb (aws_lb.appliance)") == 1
    assert "aws_s3_bucket (aws_s3_bucket.logs)" in result.stderr


def test_two_instances_behind_a_dynamic_index_are_error() -> None:
    plan = read_plan(str(NAT))
    extra = copy.deepcopy(plan.by_address["module.net.aws_nat_gateway.temporary[0]"])
    extra.address, extra.index = "module.net.aws_nat_gateway.temporary[1]", 1
    plan.resources.append(extra)
    plan._by_base[extra.base].append(extra)
    for module in plan.configuration["root_module"]["module_calls"].values():
        for res in module["module"]["resources"]:
            if res["address"] == "aws_route.private_default":
                res["expressions"]["nat_gateway_id"] = {"references": ["aws_nat_gateway.temporary", "count.index"]}
    result = translate(plan, "111122223333", None)
    assert any("nat_gateway_id is known only after apply and it reads module.net.aws_nat_gateway.temporary whose "
               "instance the plan does not record" in line for line in result.unresolved)
    assert "DescribeRouteTables" not in result.doc["accounts"]["111122223333"]["eu-west-1"]["ec2"]


def _live(tmp_path: Path) -> Path:
    """The seed 000 proxy design as if applied: its translation, written as a live snapshot."""
    doc = translate(read_plan(str(PROXY)), "111122223333", None).doc
    path = tmp_path / "live.json"
    path.write_text(json.dumps(doc))
    return path


def _nat_pull_request() -> dict[str, Any]:
    """A plan against the live estate that adds an EIP, a NAT gateway and a default route to it."""
    def change(address: str, type_: str, after: dict[str, Any], unknown: dict[str, Any]) -> dict[str, Any]:
        return {"address": address, "mode": "managed", "type": type_, "name": address.split(".")[-1],
                "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown}}
    return {
        "format_version": "1.2", "terraform_version": "1.11.4",
        "resource_changes": [
            change("aws_eip.temp", "aws_eip", {"domain": "vpc"}, {"id": True, "allocation_id": True}),
            change("aws_nat_gateway.temp", "aws_nat_gateway",
                   {"subnet_id": "subnet-module.net.aws_subnet.public", "connectivity_type": "public"},
                   {"id": True, "allocation_id": True}),
            change("aws_route.temp", "aws_route",
                   {"route_table_id": "rtb-module.net.aws_route_table.private", "destination_cidr_block": "0.0.0.0/0"},
                   {"id": True, "nat_gateway_id": True, "network_interface_id": True, "instance_id": True}),
            {"address": "aws_vpc.unrelated", "mode": "managed", "type": "aws_vpc", "name": "unrelated",
             "change": {"actions": ["no-op"], "before": {"id": "vpc-x"}, "after": {"id": "vpc-x"},
                        "after_unknown": {}}},
        ],
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {
            "region": {"constant_value": "eu-west-1"}}}}, "root_module": {"resources": [
                {"address": "aws_nat_gateway.temp", "mode": "managed", "type": "aws_nat_gateway", "name": "temp",
                 "provider_config_key": "aws", "expressions": {
                     "allocation_id": {"references": ["aws_eip.temp.id", "aws_eip.temp"]},
                     "subnet_id": {"constant_value": "subnet-module.net.aws_subnet.public"}}},
                {"address": "aws_route.temp", "mode": "managed", "type": "aws_route", "name": "temp",
                 "provider_config_key": "aws", "expressions": {
                     "route_table_id": {"constant_value": "rtb-module.net.aws_route_table.private"},
                     "destination_cidr_block": {"constant_value": "0.0.0.0/0"},
                     "nat_gateway_id": {"references": ["aws_nat_gateway.temp.id", "aws_nat_gateway.temp"]}}}]}},
    }


def test_overlay_gates_on_the_path_the_change_introduces(tmp_path: Path) -> None:
    live = _live(tmp_path)
    path = tmp_path / "pr.json"
    path.write_text(json.dumps(_nat_pull_request()))
    result = run("plan", str(path), "--snapshot", str(live), "--format", "json",
                 "--exclude-checks", "GRD,VPCE")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    failing = {(f["check_id"], f["resource"]["id"]) for f in findings if f["status"] != "PASS"}
    assert failing == {("NET-001", "nb-proxy-ok")}
    assert "1 FAIL/ERROR introduced by the plan" in result.stderr
    assert "new FAIL NET-001 nb-proxy-ok: opened by aws_nat_gateway.temp, aws_route.temp" in result.stderr


def test_overlay_without_new_findings_passes(tmp_path: Path) -> None:
    live = _live(tmp_path)
    doc = _nat_pull_request()
    doc["resource_changes"] = doc["resource_changes"][3:]  # only an unchanged resource
    path = tmp_path / "pr.json"
    path.write_text(json.dumps(doc))
    # VPCE-001 already FAILs live (seed 000 has no SageMaker endpoints): not introduced, so not gating.
    result = run("plan", str(path), "--snapshot", str(live), "--exclude-checks", "GRD")
    assert result.returncode == 0, result.stderr
    assert "0 FAIL/ERROR introduced by the plan" in result.stderr


def test_a_finding_on_a_planned_resource_names_that_resource() -> None:
    """A check on the resource itself (a firewall policy without a drop default, a firewall
    without logging) names the planned resource that opened it, not only those in its path."""
    fixture = ROOT / "fixtures" / "terraform" / "seed001-bypass"
    result = run("plan", str(fixture / "plan.json"), "--snapshot", str(fixture / "live.json"), "--format", "json",
                 "--exclude-checks", "GRD")
    assert result.returncode == 1, result.stderr
    assert ("new FAIL FW-002 network-firewall-policy-studio-bypass: opened by "
            "module.studio.aws_networkfirewall_firewall_policy.this") in result.stderr
    assert "new FAIL FW-003 network-firewall-studio-bypass: opened by module.studio.aws_networkfirewall_firewall.this" \
        in result.stderr
    assert "no planned resource is named" not in result.stderr
