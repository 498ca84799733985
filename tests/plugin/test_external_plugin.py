"""A check from another package, installed into a separate venv, registers and runs."""

from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURE = ROOT / "fixtures" / "scenarios" / "net-seed000-proxy.json"


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("plugin-venv")
    venv.create(target, with_pip=True)
    # The new venv sees safemaker and its dependencies through the project's own site dir
    # (as a site dir, so the editable install's finder is honoured), then gets the plugin.
    query = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    pure = subprocess.run([str(target / "bin" / "python"), "-c", query],
                          capture_output=True, text=True, check=True).stdout.strip()
    parent_sites = [p for p in site.getsitepackages() if p.endswith("site-packages")]
    Path(pure, "safemaker-parent.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in parent_sites), encoding="utf-8")
    wheels = tmp_path_factory.mktemp("wheels")
    source = tmp_path_factory.mktemp("plugin-src") / "plugin"
    shutil.copytree(HERE / "safemaker_example_plugin", source)  # building writes into the source tree
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
                   check=True, capture_output=True)
    wheel = next(wheels.glob("*.whl"))
    subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True)
    return target


def test_plugin_check_is_listed_with_its_package(plugin_venv: Path) -> None:
    out = subprocess.run([str(plugin_venv / "bin" / "python"), "-m", "safemaker", "checks"],
                         capture_output=True, text=True, check=True).stdout
    line = next(row for row in out.splitlines() if row.startswith("ORG-001"))
    assert "safemaker-example-plugin" in line
    assert "NET-001" in out


def test_plugin_check_runs_on_a_snapshot(plugin_venv: Path) -> None:
    proc = subprocess.run([str(plugin_venv / "bin" / "python"), "-m", "safemaker", "analyze",
                           str(FIXTURE), "--format", "json"], capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    mine = [f for f in findings if f["check_id"] == "ORG-001"]
    assert [(f["resource"]["id"], f["status"]) for f in mine] == [("nb-proxy", "PASS")]


def test_plugin_absent_from_the_project_venv() -> None:
    out = subprocess.run([sys.executable, "-m", "safemaker", "checks"], capture_output=True, text=True,
                         check=True).stdout
    assert "ORG-001" not in out
