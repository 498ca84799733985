"""The CI recipes and the ticket script in examples/ do what the README says they do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from estate import Estate

from safemaker.scanner.cli import main

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
EXAMPLES = ROOT / "examples"

yaml = pytest.importorskip("yaml")


def estate(version: int) -> dict[str, Any]:
    e = Estate()
    vpc = e.vpc("10.0.0.0/16")
    private = vpc.subnet("10.0.1.0/24")
    private.route_table()
    private.notebook("nb-alpha", root_access=version == 1)
    private.notebook("nb-beta", root_access=version == 2)
    private.notebook("nb-gamma", root_access=True)
    e.notebook("nb-open", direct_internet=True, root_access=True)
    return e.build()


def analyze(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["analyze", *args])
    return capsys.readouterr().out


@pytest.fixture
def findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """v2 against a v1 baseline, with SM-001 on nb-gamma suppressed."""
    (tmp_path / "v1.json").write_text(json.dumps(estate(1)))
    (tmp_path / "v2.json").write_text(json.dumps(estate(2)))
    config = tmp_path / "safemaker.toml"
    config.write_text('[checks]\nenable = ["SM-001", "NET-001"]\n'
                      '[[suppress]]\ncheck = "SM-001"\nresource = "nb-gamma"\njustification = "lab, RISK-9"\n')
    (tmp_path / "base.json").write_text(analyze(capsys, str(tmp_path / "v1.json"), "--config", str(config)))
    out = tmp_path / "findings.json"
    out.write_text(analyze(capsys, str(tmp_path / "v2.json"), "--config", str(config), "--baseline",
                           str(tmp_path / "base.json"), "--today", "2026-11-23"))
    return out


def tickets(path: Path, *args: str) -> tuple[str, list[dict[str, Any]]]:
    proc = subprocess.run([sys.executable, str(EXAMPLES / "tickets.py"), str(path), *args], capture_output=True,
                          text=True, check=True, timeout=60)
    return proc.stdout, [json.loads(line) for line in proc.stdout.splitlines()]


def test_tickets_one_line_per_fingerprint_and_idempotent(findings: Path) -> None:
    text, lines = tickets(findings)
    again, _ = tickets(findings)
    assert text == again  # no clock, no randomness: re-running updates the same tickets
    keys = [p["key"] for p in lines]
    assert keys == sorted(set(keys))
    assert all(p["key"] == "safemaker-" + p["fingerprint"][:16] for p in lines)
    actions = {(p["check_id"], p["resource"]["id"]): p["action"] for p in lines}
    # New FAIL upserted; the unchanged ones are not (they have their tickets already); the fixed
    # one and the suppressed one are resolved.
    assert actions == {("SM-001", "nb-beta"): "upsert", ("SM-001", "nb-alpha"): "resolve",
                       ("SM-001", "nb-gamma"): "resolve"}
    by_id = {p["resource"]["id"]: p for p in lines}
    assert by_id["nb-gamma"]["resolution"] == "accepted risk: lab, RISK-9"
    assert by_id["nb-alpha"]["resolution"].startswith("fixed")
    assert "root access is Enabled" in by_id["nb-beta"]["body"]
    assert by_id["nb-beta"]["fingerprint"] in by_id["nb-beta"]["body"]


def test_tickets_all_and_min_severity(findings: Path) -> None:
    _, lines = tickets(findings, "--all")
    upserts = sorted((p["check_id"], p["resource"]["id"]) for p in lines if p["action"] == "upsert")
    assert upserts == [("NET-001", "nb-open"), ("SM-001", "nb-beta"), ("SM-001", "nb-open")]
    _, critical = tickets(findings, "--all", "--min-severity", "critical")
    assert [(p["check_id"], p["action"]) for p in critical if p["action"] == "upsert"] == [("NET-001", "upsert")]


def test_tickets_content_hash_changes_only_with_the_ticket(findings: Path, tmp_path: Path) -> None:
    doc = json.loads(findings.read_text())
    doc["generated"] = "2030-01-01T00:00:00Z"  # a later run of the same estate
    later = tmp_path / "later.json"
    later.write_text(json.dumps(doc))
    assert tickets(findings)[0] == tickets(later)[0]
    for f in doc["findings"]:
        f["message"] += " (changed)"
    later.write_text(json.dumps(doc))
    before = {p["key"]: p["content_hash"] for p in tickets(findings)[1] if p["action"] == "upsert"}
    after = {p["key"]: p["content_hash"] for p in tickets(later)[1] if p["action"] == "upsert"}
    assert before.keys() == after.keys() and all(before[k] != after[k] for k in before)


def test_tickets_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "snap.json"
    bad.write_text('{"schema": "safemaker.snapshot/v1"}')
    proc = subprocess.run([sys.executable, str(EXAMPLES / "tickets.py"), str(bad)], capture_output=True, text=True,
                          check=False, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "not a safemaker.findings/v1 document" in proc.stderr


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = workflow["jobs"]["scan"]["steps"]
    return steps


def test_github_actions_recipe() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert "schedule" in triggers
    assert workflow["permissions"]["id-token"] == "write"
    assert workflow["permissions"]["security-events"] == "write"
    steps = _steps(workflow)
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)
    runs = "\n".join(s.get("run", "") for s in steps)
    # safemaker's own action (action.yml) installs and runs it; the user's repository holds no source
    assert "make install" not in runs
    scan = next(s for s in steps if s.get("uses", "").startswith("safemaker/safemaker@"))
    assert scan["with"]["command"] == "scan"
    assert scan["with"]["formats"].split()[:2] == ["sarif", "json"]
    assert scan["with"]["baseline"] == "baseline/findings.json"
    assert "baseline" in runs  # the step before fetches it
    credentials = next(s for s in steps if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert "role-to-assume" in credentials["with"] and "aws-access-key-id" not in credentials["with"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert "out/findings.json" in upload["with"]["path"]
    assert upload["with"]["name"] in runs  # the next run downloads what this one uploads
    assert "exit 1" in steps[-1]["run"]


def test_gitlab_recipe() -> None:
    pipeline = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())
    job = pipeline["safemaker"]
    assert job["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "sts.amazonaws.com"
    script = "\n".join(job["script"])
    assert "make install" in script and "--baseline baseline/findings.json" in script
    assert "--format json --format junit" in script
    assert job["artifacts"]["reports"]["junit"] == "out/findings.junit.xml"
    assert "out/findings.json" in job["artifacts"]["paths"]
    assert job["artifacts"]["when"] == "always"
