"""`analyze/scan --baseline`: only findings the baseline does not have decide the exit status.

The estates are built with `tests/estate.py` and the checks are limited to SM-001 (root access)
and NET-001 (internet path) through safemaker.toml, so the expectations do not move when other
checks are added. Version 1 -> version 2 of the estate:

    nb-alpha  root access on  -> off        SM-001 FAIL -> PASS      (fixed)
    nb-beta   root access off -> on         SM-001 PASS -> FAIL      (new)
    nb-open   no VPC, direct internet, root on, unchanged            (unchanged FAILs)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from estate import Estate

from safemaker.scanner.cli import main

CONFIG = '[checks]\nenable = ["SM-001", "NET-001"]\n'


def estate(version: int) -> dict[str, Any]:
    e = Estate()
    vpc = e.vpc("10.0.0.0/16")
    private = vpc.subnet("10.0.1.0/24")
    private.route_table()
    private.notebook("nb-alpha", root_access=version == 1)
    private.notebook("nb-beta", root_access=version == 2)
    e.notebook("nb-open", direct_internet=True, root_access=True)
    return e.build()


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def doc(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.out)
        return loaded


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    code = exc.value.code
    return Run(code if isinstance(code, int) else 1, out, err)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {"v1": tmp_path / "v1.json", "v2": tmp_path / "v2.json", "config": tmp_path / "safemaker.toml"}
    paths["v1"].write_text(json.dumps(estate(1)))
    paths["v2"].write_text(json.dumps(estate(2)))
    paths["config"].write_text(CONFIG)
    return {k: str(v) for k, v in paths.items()}


@pytest.fixture
def baseline(files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    first = run(capsys, "analyze", files["v1"], "--config", files["config"])
    assert first.code == 1  # v1 has FAILs: without a baseline they fail the run
    path = tmp_path / "baseline.json"
    path.write_text(first.out)
    return str(path)


def by_key(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["check_id"], f["resource"]["id"]): f for f in doc["findings"]}


def test_new_unchanged_and_fixed(files: dict[str, str], baseline: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "analyze", files["v2"], "--config", files["config"], "--baseline", baseline)
    doc = result.doc
    found = by_key(doc)
    assert found[("SM-001", "nb-beta")]["status"] == "FAIL"
    assert found[("SM-001", "nb-beta")]["baseline"] == "new"
    assert found[("SM-001", "nb-open")]["baseline"] == "unchanged"
    assert found[("NET-001", "nb-open")]["baseline"] == "unchanged"
    # The same fingerprint with another status is not "the same finding": PASS now, FAIL before.
    assert found[("SM-001", "nb-alpha")]["status"] == "PASS"
    assert found[("SM-001", "nb-alpha")]["baseline"] == "new"
    assert all(f["baseline"] in ("new", "unchanged") for f in doc["findings"])

    block = doc["baseline"]
    assert block["file"] == baseline
    assert block["new"] + block["unchanged"] == len(doc["findings"])
    assert block["new_by_status"]["FAIL"] == 1
    assert [(f["check_id"], f["resource"]["id"], f["status"]) for f in block["fixed"]] == [
        ("SM-001", "nb-alpha", "FAIL")
    ]
    fixed = block["fixed"][0]
    assert set(fixed) >= {"check_id", "resource", "fingerprint", "message"}
    assert fixed["fingerprint"] == found[("SM-001", "nb-alpha")]["fingerprint"]
    assert fixed["message"] == "root access is Enabled"
    # Existing keys keep their place; the addition sits between summary and findings.
    assert list(doc) == ["schema", "tool", "generated", "snapshot", "summary", "baseline", "findings"]
    assert doc["summary"] == {"PASS": sum(f["status"] == "PASS" for f in doc["findings"]),
                              "FAIL": 3, "ERROR": 0}


def test_exit_status_counts_only_new_failures(files: dict[str, str], baseline: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ("--config", files["config"])
    # The one new FAIL (SM-001, high) fails the run ...
    assert run(capsys, "analyze", files["v2"], *cfg, "--baseline", baseline).code == 1
    # ... unless --fail-on is above its severity, although a critical FAIL (unchanged) exists.
    assert run(capsys, "analyze", files["v2"], *cfg, "--baseline", baseline, "--fail-on", "critical").code == 0
    # Nothing new against itself: exit 0 with FAILs present; without the baseline, exit 1.
    same = run(capsys, "analyze", files["v1"], *cfg, "--baseline", baseline)
    assert same.code == 0
    assert same.doc["summary"]["FAIL"] == 3
    assert {f["baseline"] for f in same.doc["findings"]} == {"unchanged"}
    assert same.doc["baseline"]["fixed"] == []
    assert run(capsys, "analyze", files["v1"], *cfg).code == 1


def test_summary_line_reports_the_comparison(files: dict[str, str], baseline: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "analyze", files["v2"], "--config", files["config"], "--baseline", baseline)
    summary = [line for line in result.err.splitlines() if line.startswith("safemaker: ") and "PASS" in line]
    assert summary == [
        "safemaker: 3 PASS, 3 FAIL, 0 ERROR (baseline: 1 new FAIL, 2 unchanged FAIL, 1 fixed; "
        f"1 FAIL/ERROR count towards the exit status); config {files['config']}; exit 1: 1 FAIL at or above "
        "--fail-on low"
    ]


def test_without_baseline_the_output_has_no_baseline_keys(files: dict[str, str],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    doc = run(capsys, "analyze", files["v2"], "--config", files["config"]).doc
    assert "baseline" not in doc
    assert all("baseline" not in f and "suppressed" not in f for f in doc["findings"])


def test_all_formats_carry_the_annotations(files: dict[str, str], baseline: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    result = run(capsys, "analyze", files["v2"], "--config", files["config"], "--baseline", baseline,
                 "--output-dir", str(out), "--format", "json", "--format", "html", "--format", "sarif")
    assert result.code == 1
    sarif = json.loads((out / "findings.sarif").read_text())
    states = {(r["ruleId"], r["properties"]["resourceId"]): r["baselineState"] for r in sarif["runs"][0]["results"]}
    assert states == {("NET-001", "nb-open"): "unchanged", ("SM-001", "nb-beta"): "new",
                      ("SM-001", "nb-open"): "unchanged"}
    html = (out / "report.html").read_text()
    assert 'data-baseline="new"' in html and 'data-baseline="unchanged"' in html
    assert 'id="fixed"' in html and "nb-alpha" in html.split('id="fixed"', 1)[1].split("</table>", 1)[0]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "not valid JSON"),
        ('{"schema": "safemaker.snapshot/v1"}', "schema: not a safemaker.findings/v1 document"),
        ('{"schema": "safemaker.findings/v1", "findings": [{"status": "FAIL"}]}',
         "findings[0].fingerprint: missing or not a string"),
    ],
)
def test_bad_baseline_is_one_line_and_exit_2(files: dict[str, str], tmp_path: Path, content: str, problem: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run(capsys, "analyze", files["v2"], "--baseline", str(bad))
    assert result.code == 2
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert str(bad) in lines[0] and problem.split(":")[0] in lines[0]


def test_missing_baseline_file_is_exit_2(files: dict[str, str], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "analyze", files["v2"], "--baseline", str(tmp_path / "nope.json"))
    assert result.code == 2
    assert "nope.json" in result.err and "Traceback" not in result.err


def test_scan_checks_the_baseline_before_collecting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A broken baseline must not cost a whole collection first; and no AWS call is made here."""
    import safemaker.scanner.cli as cli_mod

    def no_collect(*_: Any) -> dict[str, Any]:
        raise AssertionError("collection started although the baseline is unreadable")

    monkeypatch.setattr(cli_mod, "_collect", no_collect)
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    result = run(capsys, "scan", "--regions", "eu-west-1", "--baseline", str(bad))
    assert result.code == 2
    assert "bad.json" in result.err


def test_scan_applies_the_baseline(files: dict[str, str], baseline: str, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """`scan` = collect + analyze: the collection is replaced by the v2 estate, the rest is real."""
    import safemaker.scanner.cli as cli_mod

    monkeypatch.setattr(cli_mod, "_collect", lambda *_: estate(2))
    result = run(capsys, "scan", "--regions", "eu-west-1", "--config", files["config"], "--baseline", baseline)
    assert result.code == 1
    assert result.doc["baseline"]["new_by_status"]["FAIL"] == 1
    assert run(capsys, "scan", "--regions", "eu-west-1", "--config", files["config"], "--baseline", baseline,
               "--fail-on", "critical").code == 0
