"""The pre-commit hook (.pre-commit-hooks.yaml) run as pre-commit runs it: the entry split like a
shell line, then the hook's `args`, then the staged file names; safemaker from this environment."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
PROXY = ROOT / "fixtures" / "terraform" / "seed000-proxy" / "plan.json"
NAT = ROOT / "fixtures" / "terraform" / "seed000-nat-added" / "plan.json"


def hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [h["id"] for h in hooks] == ["safemaker-plan"]
    found: dict[str, object] = hooks[0]
    return found


def run_hook(args: list[str] | None, *files: Path) -> subprocess.CompletedProcess[str]:
    spec = hook()
    argv = [*shlex.split(str(spec["entry"])), *(args if args is not None else spec["args"]), *map(str, files)]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False)


def test_the_hook_selects_plan_json_files() -> None:
    pattern = re.compile(str(hook()["files"]))
    for name in ("plan.json", "infra/prod.tfplan.json", "tfplan.json", "env/staging-plan.json"):
        assert pattern.search(name), name
    for name in ("package.json", "infra/explanation.json", "terraform.tfstate.json"):
        assert not pattern.search(name), name


def test_each_plan_is_proven_and_the_worst_exit_status_stops_the_commit() -> None:
    ok = run_hook(None, PROXY)
    assert ok.returncode == 1, ok.stderr  # seed 000 has no SageMaker endpoints: VPCE-001 FAILs
    ok = run_hook(["--checks", "NET-001", "--"], PROXY)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == ""
    both = run_hook(["--checks", "NET-001", "--"], PROXY, NAT)
    assert both.returncode == 1, both.stderr
    assert f"safemaker plan {PROXY}" in both.stderr and f"safemaker plan {NAT}" in both.stderr
    assert "exit 1: 1 FAIL at or above --fail-on low" in both.stderr


def test_a_file_that_is_not_a_plan_stops_the_commit_with_its_one_line(tmp_path: Path) -> None:
    state = tmp_path / "plan.json"
    state.write_text('{"version": 4, "lineage": "x", "serial": 3, "resources": []}')
    result = run_hook(None, PROXY, state)
    assert result.returncode == 2
    assert "a Terraform state file" in result.stderr
