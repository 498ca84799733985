"""The package as a user gets it: `python -m build` makes an sdist and a wheel, and the wheel,
installed into a fresh virtual environment, runs `safemaker --version`, `checks` and `analyze`.

Every other test runs against the editable install in .venv, which has the test and demo extras
and the source tree on its path; none of them would notice a runtime dependency that is missing
from setup.cfg, a data file left out of the wheel, or moto creeping back into what a plain
`pip install safemaker` pulls in. This one would.

The build runs in a copy of the tree (it writes build/ and *.egg-info next to the sources, and
the working tree is shared) and without build isolation (the build backend is already in .venv,
so no index is needed for it). The fresh venv installs the wheel's dependencies from the index
(PyPI, through pip's cache) or, when SAFEMAKER_WHEELHOUSE names a folder of wheels, from there
alone (`--no-index`), for machines without network access.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from safemaker import __version__

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "scenarios" / "net-seed000-nat-added.json"
TREE_FILES = ("setup.cfg", "pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "MANIFEST.in")
TREE_FOLDERS = ("safemaker", "scanner", "checks", "reports")


def sh(*args: str | Path, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SAFEMAKER_CONFIG")}
    env["NO_COLOR"] = "1"
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, cwd=cwd, env=env,
                          timeout=timeout)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in TREE_FILES:
        shutil.copy2(ROOT / name, src / name)
    for folder in TREE_FOLDERS:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    proc = sh(sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", out, src)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (built,) = dist.glob("safemaker-*.whl")
    return built


def metadata(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return zf.read(name).decode("utf-8").splitlines()


def test_build_makes_an_sdist_and_a_wheel_of_the_one_version(dist: Path, wheel: Path) -> None:
    assert wheel.name == f"safemaker-{__version__}-py3-none-any.whl"
    (sdist,) = dist.glob("safemaker-*.tar.gz")
    assert sdist.name == f"safemaker-{__version__}.tar.gz"
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "setup.cfg", "safemaker/py.typed"} <= names
    with zipfile.ZipFile(wheel) as zf:
        assert any(".dist-info/" in n and n.endswith("/LICENSE") for n in zf.namelist())
        assert "safemaker/py.typed" in zf.namelist()


def test_metadata_is_complete_and_moto_is_only_an_extra(wheel: Path) -> None:
    meta = metadata(wheel)
    field = {line.split(": ", 1)[0] for line in meta if ": " in line}
    assert {"Version", "Summary", "Keywords", "Project-URL", "Classifier", "Requires-Python"} <= field
    assert f"Version: {__version__}" in meta
    assert "License: Apache-2.0" in meta or "License-Expression: Apache-2.0" in meta
    requires = [line.removeprefix("Requires-Dist: ") for line in meta if line.startswith("Requires-Dist: ")]
    plain = sorted(r.split(">", 1)[0].split("[", 1)[0] for r in requires if "extra ==" not in r)
    assert plain == ["boto3", "botocore", "click", "jinja2", "networkx", "orjson", "rich"]
    assert [r for r in requires if r.startswith("moto")] == ['moto[server]>=5.0; extra == "demo"']


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(home / "v")
    pip = [home / "v" / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    wheelhouse = os.environ.get("SAFEMAKER_WHEELHOUSE")
    source = ["--no-index", "--find-links", wheelhouse] if wheelhouse else []
    proc = sh(*pip, *source, wheel, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return home / "v" / "bin"


def test_the_installed_wheel_runs_and_has_no_moto(installed: Path, tmp_path: Path) -> None:
    safemaker = installed / "safemaker"
    version = sh(safemaker, "--version")
    assert (version.returncode, version.stdout) == (0, f"safemaker, version {__version__}\n")

    checks = sh(safemaker, "checks")
    assert checks.returncode == 0
    assert any(line.startswith("NET-001 ") for line in checks.stdout.splitlines())

    analyzed = sh(safemaker, "analyze", FIXTURE, "--format", "json", cwd=tmp_path)
    assert analyzed.returncode == 1, analyzed.stderr
    doc = json.loads(analyzed.stdout)
    assert doc["tool"] == {"name": "safemaker", "version": __version__}
    assert any(f["check_id"] == "NET-001" and f["status"] == "FAIL" for f in doc["findings"])

    # The reports' templates and schemas are package data: the HTML report needs them.
    html = sh(safemaker, "analyze", FIXTURE, "--format", "html", "--output-dir", tmp_path / "out", cwd=tmp_path)
    assert html.returncode == 1, html.stderr
    assert (tmp_path / "out" / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")

    probe = sh(installed / "python", "-c", "import importlib.util as u; print(u.find_spec('moto') is None)")
    assert probe.stdout == "True\n"
    demo = sh(safemaker, "demo", "--output-dir", tmp_path / "demo")
    assert demo.returncode == 2
    assert "pip install 'safemaker[demo]'" in demo.stderr
