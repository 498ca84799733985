"""An oracle from the real tools (issue 17, step 5): Terraform applies a fixture into a local moto
server, the collector reads what moto then holds, and the checks on that snapshot must give the
notebooks the same NET verdicts as `safemaker plan` gives on the plan Terraform applied.

The plan is made from the same configuration and is exactly what `terraform apply` carries out
(`apply tfplan`), so the two sides differ only in who models AWS: safemaker's translator, or
the provider talking to moto. What moto cannot hold is cut from the configuration by an override
file and named in CUT; fixtures built on such resources (the Network Firewall and Studio of
seed 001, the transit gateways) are covered by their committed plans only (test_plan_fixtures.py
and docs/terraform.md, which records what moto did with them). Slow (Terraform and moto): marked `slow` and
`terraform`, skipped where Terraform or the provider mirror is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.collect.runner import collect_snapshot
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot
from safemaker.scanner.terraform.plan import read_plan
from safemaker.scanner.terraform.translate import translate

pytestmark = [pytest.mark.terraform, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "terraform"
MIRROR = os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins")
MOTO_ACCOUNT = "123456789012"
NET_CHECKS = ("NET-001", "NET-004", "NET-005", "NET-006", "NET-007")

#: Resources moto cannot hold, cut from each fixture's configuration (override file contents),
#: and why. moto never finishes creating a notebook lifecycle configuration (the provider waits
#: on it until the timeout), so seed 000's notebooks go without theirs: their proxies are still
#: sanctioned by the `safemaker:role` tag, and PRX-002, which reads the configuration, is not a
#: NET check.
CUT: dict[str, str] = {
    "seed000-proxy": """
resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "proxy" {
  count = 0
}
resource "aws_sagemaker_notebook_instance" "ok" {
  lifecycle_config_name = null
}
""",
    "seed000-nat-added": """
resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "proxy" {
  count = 0
}
resource "aws_sagemaker_notebook_instance" "ok" {
  lifecycle_config_name = null
}
""",
    "seed003-isolated-s3": "",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed on this machine")
    if not (Path(MIRROR) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no hashicorp/aws provider in the filesystem mirror {MIRROR} (TF_PLUGIN_MIRROR)")
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _terraform(workdir: Path, env: dict[str, str], command: str, *args: str) -> subprocess.CompletedProcess[str]:
    options = ["-no-color"] if command == "show" else ["-no-color", "-input=false"]
    done = subprocess.run(["terraform", command, *options, *args], cwd=workdir, env=env, text=True,
                          capture_output=True, timeout=600, check=False)
    assert done.returncode == 0, f"terraform {command} failed in {workdir.name}:\n{done.stderr[-3000:]}"
    return done


def _apply(name: str, url: str, tmp: Path) -> tuple[Path, dict[str, float]]:
    """Plan the fixture with its provider pointed at moto, apply exactly that plan, and return
    the plan JSON and the time each step took."""
    shutil.copytree(FIXTURES / "modules", tmp / "modules")
    work = tmp / name
    shutil.copytree(FIXTURES / name, work)
    (work / "plan.json").unlink()
    endpoints = "\n".join(f'    {svc} = "{url}"' for svc in ("ec2", "sagemaker", "networkfirewall", "sts", "iam"))
    (work / "moto_override.tf").write_text(f'provider "aws" {{\n  endpoints {{\n{endpoints}\n  }}\n}}\n{CUT[name]}',
                                           "utf-8")
    rc = tmp / "terraformrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n    include = '
                  '["registry.terraform.io/hashicorp/aws"]\n  }\n  direct { exclude = '
                  '["registry.terraform.io/hashicorp/aws"] }\n}\n', "utf-8")
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
           "TF_DATA_DIR": str(tmp / f"{name}.terraform")}
    times = {}
    start = time.monotonic()
    _terraform(work, env, "init")
    _terraform(work, env, "plan", "-out=tfplan")
    shown = _terraform(work, env, "show", "-json", "tfplan")
    plan = work / "plan.json"
    plan.write_text(shown.stdout, "utf-8")
    times["init+plan"] = time.monotonic() - start
    start = time.monotonic()
    _terraform(work, env, "apply", "tfplan")
    times["apply"] = time.monotonic() - start
    return plan, times


def _net(findings: list[object]) -> dict[tuple[str, str], str]:
    return {(f.check_id, f.resource.id): f.status.value for f in findings  # type: ignore[attr-defined]
            if f.check_id in NET_CHECKS}  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(CUT))
def test_apply_into_moto_gives_the_plans_verdicts(name: str, moto_url: str, tmp_path: Path) -> None:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=30).read()
    plan_path, times = _apply(name, moto_url, tmp_path)

    start = time.monotonic()
    session = boto3.Session(aws_access_key_id="fixture", aws_secret_access_key="fixture", region_name="eu-west-1")
    # one attempt per call: moto answers the calls it does not implement with HTTP 500
    collected = collect_snapshot(session, ["eu-west-1"], endpoint_url=moto_url, max_attempts=1)
    validate_snapshot(collected, "moto")
    live = _net(run_checks(Snapshot(collected, "moto"), load_registry(entry_points=False)))
    times["collect+analyze"] = time.monotonic() - start

    live_json = FIXTURES / name / "live.json"  # live facts a plan cannot hold (AWS's S3 prefix list)
    base = json.loads(live_json.read_text("utf-8")) if live_json.is_file() else None
    if base is not None:
        base = {**base, "accounts": {MOTO_ACCOUNT: next(iter(base["accounts"].values()))}}
    result = translate(read_plan(str(plan_path)), MOTO_ACCOUNT, None, base)
    assert result.unresolved == []
    planned = _net(run_checks(Snapshot(result.doc, str(plan_path)), load_registry(entry_points=False)))

    print(f"\n{name}: " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()) + f"; {len(planned)} NET verdicts")
    assert planned, "the plan proves no notebook"
    assert live == planned, f"moto {sorted(live.items())} != plan {sorted(planned.items())}"
