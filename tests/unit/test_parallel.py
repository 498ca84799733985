"""The analysis shared over processes gives what one process gives, and loses nothing when a
process dies."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from safemaker.scanner.checking import engine
from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.parallel import run_pieces
from safemaker.scanner.snapshot.io import Snapshot

FIXTURES = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "scenarios").glob("*.json"))


def _square(i: int, tick: Callable[[], None]) -> int:
    tick()
    return i * i


def test_pieces_come_back_in_order_with_every_tick() -> None:
    ticks: list[int] = []
    assert run_pieces(50, _square, jobs=3, tick=ticks.append, first=2) == [i * i for i in range(50)]
    assert sum(ticks) == 50


def test_a_child_that_dies_loses_nothing() -> None:
    parent = os.getpid()

    def work(i: int, tick: Callable[[], None]) -> int:
        if os.getpid() != parent and i % 5 == 3:
            os._exit(9)  # killed in the middle of a piece: its result and the rest never come back
        return _square(i, tick)

    assert run_pieces(40, work, jobs=2) == [i * i for i in range(40)]


def test_a_child_that_raises_loses_nothing() -> None:
    parent = os.getpid()

    def work(i: int, tick: Callable[[], None]) -> int:
        if os.getpid() != parent:
            raise MemoryError("out of memory in the child")
        return _square(i, tick)

    assert run_pieces(20, work, jobs=2) == [i * i for i in range(20)]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_two_processes_give_the_findings_of_one(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_PIECE", 1)  # as many pieces as resources, so the child gets work
    doc = json.loads(path.read_text("utf-8"))
    registry = load_registry(entry_points=False)
    calls_one: list[int] = []
    one = run_checks(Snapshot(doc, str(path)), registry, tick=calls_one.append)
    calls_two: list[int] = []
    two = run_checks(Snapshot(doc, str(path)), registry, jobs=2, tick=calls_two.append)
    assert [f.to_json() for f in two] == [f.to_json() for f in one]
    assert sum(calls_two) == sum(calls_one) > 0


def test_jobs_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli_run import run

    snapshot = str(FIXTURES[0])
    outputs = []
    for jobs in ("1", "2"):
        code, _out, err = run(["analyze", snapshot, "--jobs", jobs, "--output-dir", str(tmp_path / jobs)], capsys)
        assert code in (0, 1), err
        doc = json.loads((tmp_path / jobs / "findings.json").read_text("utf-8"))
        outputs.append(doc["findings"])
    assert outputs[0] == outputs[1]
    code, _out, err = run(["analyze", snapshot, "--jobs", "0"], capsys)
    assert code == 2 and "--jobs" in err


def test_validation_shared_out_leaves_out_exactly_what_one_process_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from safemaker.scanner.snapshot import validate

    doc = json.loads((FIXTURES[0].parent / "sm-workloads.json").read_text("utf-8"))
    region = next(iter(next(iter(doc["accounts"].values())).values()))
    notebooks = region["sagemaker"]["DescribeNotebookInstance"]
    first, *rest = sorted(notebooks)
    notebooks[first]["DirectInternetAccess"] = 42  # one bad entry: only it is left out
    notebooks[rest[-1]]["SubnetId"] = ["not", "a", "string"]
    region["sagemaker"]["ListModels"]["Models"] = "not a list"  # a bad list-style response: all of it
    monkeypatch.setattr(validate, "_ENTRIES_PER_PIECE", 1)
    one = validate.validate_partially(json.loads(json.dumps(doc)), "<doc>", jobs=1)
    two = validate.validate_partially(json.loads(json.dumps(doc)), "<doc>", jobs=2)
    assert two == one
    usable, lines = one
    assert len(lines) == 3
    kept = next(iter(next(iter(usable["accounts"].values())).values()))["sagemaker"]
    assert first not in kept["DescribeNotebookInstance"] and rest[-1] not in kept["DescribeNotebookInstance"]
    assert "ListModels" not in kept
