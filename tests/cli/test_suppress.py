"""`[[suppress]]` in safemaker.toml: accepted risks stay visible and stop failing the run.

The estate has SM-001 FAILs on nb-alpha and nb-open and a NET-001 FAIL on nb-open; the checks are
limited to those two so that new checks elsewhere do not move the expectations. Today's date is
injected with the hidden `--today` option (or SAFEMAKER_TODAY).
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from estate import Estate

from safemaker.scanner.cli import main
from safemaker.scanner.config import parse_config
from safemaker.scanner.errors import ConfigError
from safemaker.scanner.model import Suppression
from safemaker.scanner.triage.suppress import apply_suppressions

ROOT = Path(__file__).resolve().parents[2]
CHECKS = '[checks]\nenable = ["SM-001", "NET-001"]\n'


def estate() -> dict[str, Any]:
    e = Estate()
    vpc = e.vpc("10.0.0.0/16")
    private = vpc.subnet("10.0.1.0/24")
    private.route_table()
    private.notebook("nb-alpha", root_access=True)
    private.notebook("nb-beta", root_access=False)
    e.notebook("nb-open", direct_internet=True, root_access=True)
    return e.build()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("snap") / "snap.json"
    path.write_text(json.dumps(estate()))
    return str(path)


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def doc(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.out)
        return loaded

    def finding(self, check_id: str, resource_id: str) -> dict[str, Any]:
        return next(f for f in self.doc["findings"] if (f["check_id"], f["resource"]["id"]) == (check_id, resource_id))


def analyze(capsys: pytest.CaptureFixture[str], tmp_path: Path, snapshot: str, toml: str, *args: str) -> Run:
    config = tmp_path / "safemaker.toml"
    config.write_text(CHECKS + toml)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["analyze", snapshot, "--config", str(config), *args])
    out, err = capsys.readouterr()
    code = exc.value.code
    return Run(code if isinstance(code, int) else 1, out, err)


def suppress(check: str, resource: str, justification: str = "accepted: RISK-7", expires: str | None = None) -> str:
    text = f'\n[[suppress]]\ncheck = "{check}"\nresource = "{resource}"\njustification = "{justification}"\n'
    return text + (f"expires = {expires}\n" if expires else "")


def test_suppressed_findings_stay_in_the_output_and_do_not_fail_the_run(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, snapshot: str) -> None:
    toml = suppress("SM-001", "nb-*") + suppress("NET-001", "nb-open", "sandbox, approved by the CISO", "2027-03-31")
    result = analyze(capsys, tmp_path, snapshot, toml, "--today", "2026-11-23")
    assert result.code == 0
    assert result.doc["summary"]["FAIL"] == 3  # still FAIL: the verdict is not rewritten
    assert result.finding("SM-001", "nb-alpha")["suppressed"] == {"justification": "accepted: RISK-7", "expires": None}
    assert result.finding("NET-001", "nb-open")["suppressed"] == {
        "justification": "sandbox, approved by the CISO", "expires": "2027-03-31"}
    assert "suppressed" not in result.finding("SM-001", "nb-beta")  # a PASS needs no excuse
    assert result.doc["suppressions"] == [
        {"check": "SM-001", "resource": "nb-*", "justification": "accepted: RISK-7", "expires": None,
         "state": "active", "matched": 2},
        {"check": "NET-001", "resource": "nb-open", "justification": "sandbox, approved by the CISO",
         "expires": "2027-03-31", "state": "active", "matched": 1},
    ]
    assert "safemaker: 3 PASS, 3 FAIL, 0 ERROR (3 suppressed; 0 FAIL/ERROR count towards the exit status)" in result.err


def test_the_glob_and_the_check_both_have_to_match(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   snapshot: str) -> None:
    result = analyze(capsys, tmp_path, snapshot, suppress("SM-001", "nb-a*"), "--today", "2026-11-23")
    assert result.code == 1  # SM-001 on nb-open and NET-001 on nb-open still count
    assert "suppressed" in result.finding("SM-001", "nb-alpha")
    assert "suppressed" not in result.finding("SM-001", "nb-open")
    assert "suppressed" not in result.finding("NET-001", "nb-open")
    # Case matters, on every platform.
    upper = analyze(capsys, tmp_path, snapshot, suppress("SM-001", "NB-*"), "--today", "2026-11-23")
    assert all("suppressed" not in f for f in upper.doc["findings"])
    assert "[[suppress]] #1 (SM-001 NB-*) matches no FAIL or ERROR finding" in upper.err


def test_an_expired_suppression_stops_applying_and_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                               snapshot: str) -> None:
    toml = suppress("SM-001", "nb-*") + suppress("NET-001", "nb-open", "until the proxy is live", "2026-11-30")
    # The expiry date itself is still covered ...
    last_day = analyze(capsys, tmp_path, snapshot, toml, "--today", "2026-11-30")
    assert last_day.code == 0
    assert "suppression_expired" not in last_day.finding("NET-001", "nb-open")
    # ... the day after, the finding counts again and says why.
    after = analyze(capsys, tmp_path, snapshot, toml, "--today", "2026-12-01")
    assert after.code == 1
    net = after.finding("NET-001", "nb-open")
    assert "suppressed" not in net
    assert net["suppression_expired"] == {"justification": "until the proxy is live", "expires": "2026-11-30"}
    assert ("safemaker: [[suppress]] #2 (NET-001 nb-open) expired on 2026-11-30; NET-001 FAIL on nb-open "
            "(111122223333/eu-west-1) counts again") in after.err.splitlines()
    assert after.doc["suppressions"][1]["state"] == "expired"
    assert "(2 suppressed; 1 with an expired suppression; 1 FAIL/ERROR count towards the exit status)" in after.err


def test_today_comes_from_the_environment_too(capsys: pytest.CaptureFixture[str], tmp_path: Path, snapshot: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    toml = suppress("SM-001", "*") + suppress("NET-001", "*", "x", "2026-01-01")
    monkeypatch.setenv("SAFEMAKER_TODAY", "2025-12-31")
    assert analyze(capsys, tmp_path, snapshot, toml).code == 0
    monkeypatch.setenv("SAFEMAKER_TODAY", "2026-01-02")
    assert analyze(capsys, tmp_path, snapshot, toml).code == 1


def test_suppressed_findings_in_sarif_and_junit(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                snapshot: str) -> None:
    out = tmp_path / "out"
    toml = suppress("SM-001", "nb-alpha", "lab box", "2027-01-01")
    result = analyze(capsys, tmp_path, snapshot, toml, "--today", "2026-11-23", "--output-dir", str(out),
                     "--format", "sarif", "--format", "junit")
    assert result.code == 1
    # GitHub code scanning ignores SARIF suppressions: by default an accepted risk is left out
    results = json.loads((out / "findings.sarif").read_text())["runs"][0]["results"]
    assert "nb-alpha" not in {r["properties"]["resourceId"] for r in results}
    assert all("suppressions" not in r for r in results)
    analyze(capsys, tmp_path, snapshot, toml, "--today", "2026-11-23", "--output-dir", str(out),
            "--format", "sarif", "--sarif-include-suppressed")
    results = json.loads((out / "findings.sarif").read_text())["runs"][0]["results"]
    alpha = next(r for r in results if r["properties"]["resourceId"] == "nb-alpha")
    assert alpha["suppressions"] == [{"kind": "external", "status": "accepted", "justification": "lab box",
                                      "properties": {"expires": "2027-01-01"}}]
    assert all(r["suppressions"] == [] for r in results if r is not alpha)
    import xml.etree.ElementTree as ET

    root = ET.fromstring((out / "findings.junit.xml").read_bytes())
    suite = root.find("testsuite[@name='SM-001']")
    assert suite is not None
    assert (suite.get("failures"), suite.get("skipped")) == ("1", "1")
    case = next(c for c in suite.iter("testcase") if "nb-alpha" in (c.get("name") or ""))
    skipped = case.find("skipped")
    assert skipped is not None and case.find("failure") is None
    assert skipped.get("message") == "suppressed (until 2027-01-01): lab box"


def test_first_active_suppression_wins_and_an_expired_one_does_not_shadow_it() -> None:
    from safemaker.scanner.model import Evidence, Finding, ResourceRef, ResourceType, Severity, Status

    finding = Finding("SM-001", "t", Status.FAIL, Severity.HIGH,
                      ResourceRef(ResourceType.NOTEBOOK_INSTANCE, "nb-x", "1", "r"), "m", Evidence(), "", "fp")
    old = Suppression("SM-001", "old", "*", date(2020, 1, 1), 1)
    current = Suppression("SM-001", "current", "nb-*", None, 2)
    later = Suppression("SM-001", "later", "nb-x", None, 3)
    result = apply_suppressions([finding], [old, current, later], date(2026, 1, 1))
    assert result.findings[0].triage.suppressed == current
    assert result.findings[0].triage.suppression_expired is None
    assert [u.matched for u in result.uses] == [0, 1, 0]
    assert not result.findings[0].counts


@pytest.mark.parametrize(
    ("toml", "place", "problem"),
    [
        ('[[suppress]]\ncheck = "SM-001"\nresource = "nb-*"\n', "[[suppress]] #1 justification",
         "missing: every suppression must say why the finding is accepted"),
        ('[[suppress]]\ncheck = "SM-001"\njustification = "  "\n', "[[suppress]] #1 justification",
         "must be a non-empty string"),
        ('[[suppress]]\ncheck = "SM-001"\njustification = "x"\n[[suppress]]\ncheck = "SM-001"\n'
         'justification = "y"\nexpires = "2026-02-30"\n', "[[suppress]] #2 expires", "'2026-02-30' is not a date"),
        ('[[suppress]]\ncheck = "SM-001"\njustification = "x"\nexpires = "next week"\n', "[[suppress]] #1 expires",
         "'next week' is not a date (YYYY-MM-DD)"),
        ('[[suppress]]\ncheck = "SM-001"\njustification = "x"\nexpires = 2026-02-01T10:00:00\n',
         "[[suppress]] #1 expires", "2026-02-01T10:00:00 is not a date (YYYY-MM-DD)"),
        ('[[suppress]]\ncheck = "SM-001"\njustification = "x"\nreason = "y"\n', "[[suppress]] #1 reason",
         "unknown key (known: account, check, expires, justification, region, resource, tags)"),
        ('[[suppress]]\nresource = "nb-*"\njustification = "x"\n', "[[suppress]] #1 check", "missing"),
        ('[[suppress]]\ncheck = "root access"\njustification = "x"\n', "[[suppress]] #1 check",
         "'root access' is not a check ID such as NET-001"),
        ('[[suppress]]\ncheck = "SM-001"\nresource = ""\njustification = "x"\n', "[[suppress]] #1 resource",
         "must be a non-empty glob"),
        ('[suppress]\ncheck = "SM-001"\njustification = "x"\n', "suppress",
         "must be an array of tables: write each one as [[suppress]]"),
    ],
)
def test_invalid_suppressions_name_the_table_and_the_key(toml: str, place: str, problem: str) -> None:
    import tomllib

    with pytest.raises(ConfigError) as exc:
        parse_config(tomllib.loads(toml), "safemaker.toml")
    assert exc.value.place == place
    assert exc.value.problem.startswith(problem)
    assert "\n" not in str(exc.value)


def test_toml_dates_and_date_strings_both_work() -> None:
    import tomllib

    config = parse_config(tomllib.loads(
        '[[suppress]]\ncheck = "NET-001"\njustification = "a"\nexpires = 2026-06-30\n'
        '[[suppress]]\ncheck = "SM-001"\nresource = "nb-?"\njustification = "b"\nexpires = "2026-07-01"\n'
    ), "safemaker.toml")
    assert [(s.check, s.resource, s.expires, s.index) for s in config.suppress] == [
        ("NET-001", "*", date(2026, 6, 30), 1), ("SM-001", "nb-?", date(2026, 7, 1), 2)]


def test_missing_justification_is_exit_2_with_one_line(tmp_path: Path, snapshot: str) -> None:
    """Through the installed command: one line on stderr naming the file and the key, no traceback."""
    config = tmp_path / "safemaker.toml"
    config.write_text('[[suppress]]\ncheck = "NET-001"\nresource = "nb-open"\n')
    exe = ROOT / ".venv" / "bin" / "safemaker"
    if not exe.exists():
        pytest.skip(f"{exe} not installed: run make install")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run([str(exe), "analyze", snapshot, "--config", str(config)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"safemaker: {config}: [[suppress]] #1 justification: missing: every suppression must say why the "
        "finding is accepted"
    ]
