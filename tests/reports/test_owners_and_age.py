"""Owners and age: findings carry `resource.name`/`resource.tags` from the snapshot and `first_seen`
carried through `--baseline`; examples/tickets.py routes by an owner tag."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from safemaker.reports.findings_json import findings_schema
from safemaker.scanner.checking.engine import labelled
from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.cli import main
from safemaker.scanner.model import ResourceRef, ResourceType

ROOT = Path(__file__).resolve().parents[2]
PROXY = str(ROOT / "fixtures" / "scenarios" / "prx-seed000.json")
PLAIN = str(ROOT / "fixtures" / "scenarios" / "net-workloads.json")


def analyze(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    with pytest.raises(SystemExit):
        main(["analyze", *args, "--format", "json"])
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator(findings_schema()).validate(doc)
    return doc


def test_ec2_tags_from_the_describe_become_name_and_tags(capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = json.loads(Path(PROXY).read_text())
    want = {}
    for regions in snapshot["accounts"].values():
        for services in regions.values():
            for reservation in services["ec2"]["DescribeInstances"]["Reservations"]:
                for inst in reservation["Instances"]:
                    want[inst["InstanceId"]] = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
    assert all(want.values())  # every instance of the fixture is tagged
    doc = analyze(capsys, PROXY)
    instances = [f["resource"] for f in doc["findings"] if f["resource"]["type"] == "AWS::EC2::Instance"]
    assert instances
    for r in instances:
        assert r.get("tags", {}) == want[r["id"]]
        assert r.get("name") == (want[r["id"]].get("Name") if want[r["id"]].get("Name") != r["id"] else None)
    assert all("tags" not in f["resource"] for f in doc["findings"] if f["resource"]["type"] != "AWS::EC2::Instance")


def test_untagged_findings_carry_no_new_keys(capsys: pytest.CaptureFixture[str]) -> None:
    doc = analyze(capsys, PLAIN)
    assert all("name" not in f["resource"] and "tags" not in f["resource"] and "first_seen" not in f
               for f in doc["findings"])


class View:
    """Only what `labelled` reads of a RegionView: the optional sagemaker ListTags answer."""

    def __init__(self, list_tags: dict[str, Any] | None) -> None:
        self.list_tags = list_tags

    def optional(self, service: str, operation: str) -> Any:
        return self.list_tags if (service, operation) == ("sagemaker", "ListTags") else None


def test_sagemaker_tags_come_from_list_tags_by_arn() -> None:
    arn = "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/nb-a"
    ref = ResourceRef(ResourceType.NOTEBOOK_INSTANCE, "nb-a", "111122223333", "eu-west-1", arn)
    tags = {arn: {"Tags": [{"Key": "owner", "Value": "team-ml"}, {"Key": "Name", "Value": "Analysts"}]}}
    resource = Resource(ref, {"NotebookInstanceName": "nb-a"}, "nb-a", None, View(tags))  # type: ignore[arg-type]
    got = labelled(resource)
    assert (got.name, got.tags) == ("Analysts", (("Name", "Analysts"), ("owner", "team-ml")))
    assert (got.type, got.id, got.arn) == (ref.type, ref.id, ref.arn)
    # absent: nothing known, the reference unchanged; a Name equal to the id is not repeated
    assert labelled(Resource(ref, {}, "nb-a", None, View(None))) == ref  # type: ignore[arg-type]
    same = {arn: {"Tags": [{"Key": "Name", "Value": "nb-a"}]}}
    assert labelled(Resource(ref, {}, "nb-a", None, View(same))).name is None  # type: ignore[arg-type]


def test_first_seen_is_carried_through_baselines(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import safemaker.scanner.pipeline as pipeline

    times = iter(["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"])
    monkeypatch.setattr(pipeline, "now", lambda: next(times))
    first = analyze(capsys, PLAIN)
    assert first["generated"] == "2026-01-01T00:00:00Z"
    problems = [f for f in first["findings"] if f["status"] != "PASS"]
    dropped = problems[0]
    first["findings"] = [f for f in first["findings"] if f is not dropped]  # as if it were new in run 2
    (tmp_path / "1.json").write_text(json.dumps(first))
    second = analyze(capsys, PLAIN, "--baseline", str(tmp_path / "1.json"))
    seen = {(f["fingerprint"], f["status"]): f["first_seen"] for f in second["findings"]}
    assert seen.pop((dropped["fingerprint"], dropped["status"])) == "2026-02-01T00:00:00Z"
    assert set(seen.values()) == {"2026-01-01T00:00:00Z"}
    (tmp_path / "2.json").write_text(json.dumps(second))
    third = analyze(capsys, PLAIN, "--baseline", str(tmp_path / "2.json"))
    carried = {(f["fingerprint"], f["status"]): f["first_seen"] for f in third["findings"]}
    assert carried == {**seen, (dropped["fingerprint"], dropped["status"]): "2026-02-01T00:00:00Z"}


def _tickets() -> Any:
    spec = importlib.util.spec_from_file_location("tickets", ROOT / "examples" / "tickets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tickets_route_by_owner_tag() -> None:
    tickets = _tickets()
    resource = {"type": "AWS::EC2::Instance", "id": "i-1", "name": "squid", "account": "1", "region": "r",
                "tags": {"team": "network", "owner": "alice"}}
    doc = {"findings": [{"check_id": "PRX-001", "status": "FAIL", "severity": "high", "fingerprint": "a" * 64,
                         "resource": resource, "first_seen": "2026-01-01T00:00:00Z"},
                        {"check_id": "SM-001", "status": "FAIL", "severity": "high", "fingerprint": "b" * 64,
                         "resource": {"type": "AWS::SageMaker::NotebookInstance", "id": "nb", "account": "1",
                                      "region": "r"}}]}
    by_key = {p["key"]: p for p in tickets.payloads(doc, owner_tag="team")}
    routed = by_key["safemaker-" + "a" * 16]
    assert (routed["owner"], routed["first_seen"], routed["resource"]["name"]) == (
        "network", "2026-01-01T00:00:00Z", "squid")
    assert "owner:network" in routed["labels"]
    untagged = by_key["safemaker-" + "b" * 16]
    assert "owner" not in untagged and not any(label.startswith("owner:") for label in untagged["labels"])
    assert {p["key"]: p.get("owner") for p in tickets.payloads(doc)}["safemaker-" + "a" * 16] == "alice"
