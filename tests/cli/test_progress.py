"""Progress on stderr (scanner/terminal.py): a bar on a terminal, plain lines otherwise, nothing
with --quiet; collection counts accounts x regions x operations, analysis counts each check's call
on each resource, and both reach their total exactly."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.cli import main
from safemaker.scanner.collect import runner
from safemaker.scanner.collect.plan import PLAN, REGIONAL_STEPS
from safemaker.scanner.config import Config
from safemaker.scanner.pipeline import analyze_snapshot, planned_work
from safemaker.scanner.snapshot.io import load
from safemaker.scanner.terminal import AnalysisProgress, CollectionProgress, Terminal

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"
ACCOUNT = "123456789012"  # moto's
REGIONS = ("eu-west-1", "us-east-1")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_every_interval_and_one_at_the_end(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    with CollectionProgress(Terminal(plain_interval=10), clock=clock) as progress:
        progress.planned("111122223333", ["eu-west-1", "us-east-1"], 40)
        progress.planned("444455556666", ["eu-west-1", "us-east-1"], 40)
        for _ in range(30):
            clock.now += 1
            progress.advance(1)
        progress("collect 111122223333/eu-west-1: sagemaker ListSpaces failed: AccessDenied")
        progress.detail("collect 111122223333/eu-west-1: ec2 DescribeVpcs (3)")  # only with --verbose
        for _ in range(130):
            progress.advance(1)
    assert capsys.readouterr().err.splitlines() == [
        "safemaker: collect 2 accounts x 2 regions: 10 of 160 operations so far (6%), 10 s",
        "safemaker: collect 2 accounts x 2 regions: 20 of 160 operations so far (12%), 20 s",
        "safemaker: collect 2 accounts x 2 regions: 30 of 160 operations so far (18%), 30 s",
        "collect 111122223333/eu-west-1: sagemaker ListSpaces failed: AccessDenied",
        "safemaker: collect 2 accounts x 2 regions: 160 of 160 operations done (100%), 30 s",
    ]


def test_a_short_phase_prints_no_progress_line(capsys: pytest.CaptureFixture[str]) -> None:
    with AnalysisProgress(Terminal(), clock=Clock()) as progress:
        progress.plan(50, 10, 5)
        for _ in range(50):
            progress.tick()
    assert capsys.readouterr().err == ""


def test_quiet_prints_nothing_and_verbose_adds_the_operation_lines(capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock()
    with CollectionProgress(Terminal(quiet=True, stderr_tty=True, plain_interval=0), clock=clock) as quiet:
        quiet.planned("111122223333", ["eu-west-1"], 3)
        quiet("collect 111122223333/eu-west-1: ec2 DescribeVpcs failed: Throttling")
        quiet.advance(3)
    assert capsys.readouterr().err == ""
    with CollectionProgress(Terminal(verbose=True), clock=clock) as verbose:
        verbose.detail("collect 111122223333/eu-west-1: ec2 DescribeVpcs (3)")
    assert capsys.readouterr().err == "collect 111122223333/eu-west-1: ec2 DescribeVpcs (3)\n"


def test_uneven_regions_are_counted_as_account_regions() -> None:
    progress = CollectionProgress(Terminal())
    progress.planned("111122223333", ["eu-west-1", "us-east-1"], 10)
    progress.planned("444455556666", ["eu-west-1"], 10)
    assert progress.describe() == "collect 2 accounts, 3 account regions"
    assert progress.total == 30


@pytest.mark.parametrize("scenario", ["net-seed000-nat-added", "sm-missing-details", "net-workloads",
                                      "fw-az-coverage"])
def test_the_analysis_total_is_the_number_of_check_calls(scenario: str) -> None:
    snapshot = load(str(SCENARIOS / f"{scenario}.json"))
    registry = load_registry(entry_points=False)
    progress = AnalysisProgress(Terminal(quiet=True))
    report = analyze_snapshot(snapshot, Config(), registry, progress)
    plain = analyze_snapshot(snapshot, Config(), registry)
    assert progress.done == progress.total > 0
    assert [f.to_json() for f in report.findings] == [f.to_json() for f in plain.findings]  # counting changes nothing
    calls, resources, checks = planned_work(snapshot, registry, Config())
    assert (calls, checks) == (progress.total, len(registry))
    assert 0 < resources <= calls


# --------------------------------------------------------------------------------------------
# The collector's progress, end to end against moto (in-process)


@pytest.fixture
def moto_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    pytest.importorskip("moto")
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-1",
                        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false", "COLUMNS": "120"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    original = runner.client_config
    # moto answers ListUserProfiles and ListSpaces with HTTP 500: one attempt, not ten with backoff
    monkeypatch.setattr(runner, "client_config", lambda max_attempts=1: original(1))
    from moto import mock_aws

    with mock_aws():
        yield


def collect(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["collect", "--regions", ",".join(REGIONS), "-o", str(tmp_path / "snap.json"), *flags])
    return int(exited.value.code or 0), capsys.readouterr().err


def test_collection_on_a_terminal_shows_a_bar_and_the_failures_above_it(
        moto_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from safemaker.scanner import terminal

    monkeypatch.setattr(terminal, "isatty", lambda stream: stream is sys.stderr)
    code, err = collect(tmp_path, capsys)
    assert code == 0, err
    total = len(REGIONS) * len(REGIONAL_STEPS)  # the bar counts regional steps (aws-global has no region)
    assert "collect 1 account x 2 regions" in err
    assert f"{total}/{total}\x1b[0m operations" in err  # the bar's last frame (the count in colour)
    assert "\x1b[?25l" in err and "\x1b[?25h" in err  # cursor hidden while drawing, shown again
    for region in REGIONS:  # failures and regions done are printed above the bar
        assert f"collect {ACCOUNT}/{region}: sagemaker ListSpaces failed: " in err
        assert f"collect {ACCOUNT}/{region}: done (" in err
    assert f"collect {ACCOUNT}/eu-west-1: ec2 DescribeVpcs (" not in err  # routine lines only with --verbose
    assert json.loads((tmp_path / "snap.json").read_text())["accounts"][ACCOUNT].keys() == {*REGIONS, "aws-global"}


def test_collection_in_a_log_is_plain_lines_and_verbose_adds_each_operation(
        moto_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = collect(tmp_path, capsys)
    assert code == 0, err
    assert "\x1b" not in err
    lines = err.splitlines()
    assert lines[0] == f"collect {ACCOUNT}: regions {', '.join(REGIONS)}"
    assert lines[-1].startswith(f"wrote {tmp_path / 'snap.json'} (")
    assert not [line for line in lines if " ec2 DescribeVpcs (" in line]
    assert len(lines) < len(PLAN)  # was about 40 lines per region

    code, err = collect(tmp_path, capsys, "--verbose")
    assert code == 0
    for region in REGIONS:
        assert f"collect {ACCOUNT}/{region}: ec2 DescribeVpcs (1)" in err.splitlines()

    code, err = collect(tmp_path, capsys, "--quiet")
    assert (code, err) == (0, "")


def test_quiet_and_verbose_together_are_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(SCENARIOS / "net-seed000-nat-added.json"), "-q", "-v"])
    assert exited.value.code == 2
    assert "--quiet and --verbose cannot be combined" in capsys.readouterr().err


def test_analysis_on_a_terminal_shows_a_bar_that_reaches_its_total(tmp_path: Path) -> None:
    from test_terminal import on_pty

    snap = tmp_path / "synth.json"
    main_args = ["synth", "--vpcs", "4", "--notebooks", "60", "--seed", "2", "-o", str(snap)]
    with pytest.raises(SystemExit):
        main(main_args)
    calls, resources, checks = planned_work(load(str(snap)), load_registry(), Config())
    code, out, err = on_pty(["analyze", str(snap), "--format", "json", "--output-dir", "out"],
                            {"TERM": "xterm", "NO_COLOR": "1"}, cwd=tmp_path)
    assert code == 1, err
    assert out.startswith("safemaker: ")  # the files go to --output-dir, the summary to the terminal
    assert f"analyze {resources} resources, {checks} checks" in err
    assert f"{calls}/{calls} resource checks" in err
    assert os.path.isfile(tmp_path / "out" / "findings.json")
