"""The wheel carries every module and data file of the source tree, and nothing else.

setup.cfg lists each package and each package-data pattern by hand; a new subpackage or a new
template that is not listed there still works in the editable install every test uses, and
breaks only for users who install the wheel. This test builds the wheel offline from a copy of
the tree (building writes `build/` and `*.egg-info` next to the sources, which must not happen
in a working tree that others share) and compares it with the tree, file by file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Source folder -> folder inside the wheel (setup.cfg's package_dir).
LAYOUT = {"safemaker": "safemaker", "scanner": "safemaker/scanner", "checks": "safemaker/checks",
          "reports": "safemaker/reports"}
BUILD_FILES = ("setup.cfg", "pyproject.toml", "README.md")


def source_files() -> set[str]:
    """Every file the installed package must have, named as it appears in the wheel."""
    out = set()
    for folder, target in LAYOUT.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                out.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    src = tmp_path_factory.mktemp("src")
    for name in BUILD_FILES:
        shutil.copy2(ROOT / name, src / name)
    for folder in LAYOUT:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(out), str(src)],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (built,) = out.glob("safemaker-*.whl")
    return zipfile.ZipFile(built)


def packaged(wheel: zipfile.ZipFile) -> set[str]:
    return {n for n in wheel.namelist() if not n.split("/", 1)[0].endswith(".dist-info")}


def test_every_module_of_the_tree_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    want = {f for f in source_files() if f.endswith(".py")}
    have = {f for f in packaged(wheel) if f.endswith(".py")}
    assert sorted(want - have) == [], "modules missing from the wheel: add their package to setup.cfg"
    assert sorted(have - want) == [], "the wheel has modules the tree does not"


def test_every_data_file_of_the_tree_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    want = {f for f in source_files() if not f.endswith(".py")}
    have = {f for f in packaged(wheel) if not f.endswith(".py")}
    assert "safemaker/py.typed" in want and "safemaker/reports/templates/report.html.j2" in want
    assert sorted(want - have) == [], "data files missing from the wheel: add them to [options.package_data]"
    assert sorted(have - want) == []


def test_the_wheel_installs_the_command(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode("utf-8")
    assert "safemaker = safemaker.scanner.cli:main" in text
