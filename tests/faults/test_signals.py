"""Ctrl-C during collection: the run stops at once (no new request, no region started after the
interrupt), exits 130, and writes nothing unless --partial asks for what was collected, which is
then a valid snapshot saying where it was interrupted."""

from __future__ import annotations

import json
import os
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.cli import main
from safemaker.scanner.collect import collect_snapshot
from safemaker.scanner.collect.plan import PLAN
from safemaker.scanner.collect.runner import INTERRUPTED_CODE, CollectionInterrupted
from safemaker.scanner.model import ResourceType, Status
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot

from .rig import REGION, Rig, service_id, small_rig

OTHER = "us-east-1"
STOP_AT = "DescribeSecurityGroups"  # a step in the middle of the plan
BEFORE = [s.operation for s in PLAN[: next(i for i, s in enumerate(PLAN) if s.operation == STOP_AT)]]


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with small_rig() as built:
        yield built


def ctrl_c(**_: Any) -> None:
    raise KeyboardInterrupt


class Sent:
    """Every HTTP request actually sent, with its region, in order."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, request: Any, event_name: str, **_: Any) -> None:
        region = next((r for r in (REGION, OTHER) if r in request.url), "?")
        with self.lock:
            self.requests.append((region, event_name.rsplit(".", 1)[-1]))


def test_interrupt_keeps_only_complete_steps(rig: Rig) -> None:
    ec2 = service_id(rig.session, "ec2")
    with pytest.raises(CollectionInterrupted) as info:
        rig.collect({f"before-call.{ec2}.{STOP_AT}": ctrl_c})
    partial = info.value.partial

    validate_snapshot(partial, source="<partial>")
    data = partial["accounts"][rig.account][REGION]
    collected = {op for ops in data.values() for op in ops}
    assert set(BEFORE) <= collected  # everything finished before the interrupt is kept
    assert STOP_AT not in collected and collected <= set(BEFORE)  # nothing after it, nothing half-done
    [entry] = [e for e in partial["errors"] if e["error_code"] == INTERRUPTED_CODE]
    assert (entry["account"], entry["region"], entry["service"]) == (rig.account, REGION, "safemaker")
    assert "interrupted" in entry["message"]
    # What is missing is unknown: checks say ERROR, and why.
    findings = run_checks(Snapshot(partial, "<partial>"), load_registry())
    notebooks = [f for f in findings if f.resource.type is ResourceType.REGION and "NotebookInstance" in f.resource.id]
    assert notebooks and all(f.status is Status.ERROR and "interrupted" in f.message for f in notebooks)


@pytest.mark.parametrize("workers", [1, 2])
def test_interrupt_cancels_pending_and_running_regions(rig: Rig, workers: int) -> None:
    """One worker: the second region never starts. Two: the other region stops at its next call."""
    ec2 = service_id(rig.session, "ec2")
    sent = Sent()
    interrupted_at: list[int] = []

    def ctrl_c_in_first_region(request: Any, **_: Any) -> None:
        if REGION in request.url:
            with sent.lock:
                interrupted_at.append(len(sent.requests))
            raise KeyboardInterrupt

    hooks: dict[str, Callable[..., Any]] = {f"before-send.{ec2}.{STOP_AT}": ctrl_c_in_first_region,
                                            "before-send": sent}
    started = time.monotonic()
    with pytest.raises(CollectionInterrupted) as info:
        rig.collect(hooks, regions=[REGION, OTHER], max_workers=workers)
    assert time.monotonic() - started < 10
    partial = info.value.partial
    validate_snapshot(partial, source="<partial>")
    time.sleep(0.3)  # a worker still running would send more now
    after = sent.requests[interrupted_at[0]:]
    # At most the calls that were already on the wire when Ctrl-C came; nothing started after.
    assert len([r for r in after if r[0] == OTHER]) <= 1
    assert not [r for r in after if r[0] == REGION]
    entries = {e["region"] for e in partial["errors"] if e["error_code"] == INTERRUPTED_CODE}
    if workers == 1:
        assert entries == {REGION, OTHER, "aws-global"}  # the global steps run after the regions
        assert not [r for r in sent.requests if r[0] == OTHER]
        assert partial["accounts"][rig.account][OTHER] == {}
    else:
        assert REGION in entries


def test_a_real_sigint_is_handled_like_ctrl_c(rig: Rig) -> None:
    """SIGINT reaches the main thread while it waits for the region workers."""
    ec2 = service_id(rig.session, "ec2")
    delivered = threading.Event()

    def send_sigint(**_: Any) -> None:
        if not delivered.is_set():
            delivered.set()
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1.0)  # the main thread takes the interrupt while this worker waits

    with pytest.raises(CollectionInterrupted) as info:
        rig.collect({f"before-call.{ec2}.{STOP_AT}": send_sigint})
    assert delivered.is_set()
    validate_snapshot(info.value.partial, source="<partial>")
    assert any(e["error_code"] == INTERRUPTED_CODE for e in info.value.partial["errors"])


@pytest.fixture
def cli_session(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    """The CLI collects from the rig's session, where the interrupt is hooked."""
    monkeypatch.setattr("safemaker.scanner.collect.sessions.base_session", lambda profile, region=None: rig.session)
    event = f"before-call.{service_id(rig.session, 'ec2')}.{STOP_AT}"
    rig.session.events.register_first(event, ctrl_c)
    yield rig
    rig.session.events.unregister(event, ctrl_c)


@pytest.mark.parametrize("command", ["collect", "scan"])
def test_cli_exits_130_and_writes_nothing(cli_session: Rig, command: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "snap.json"
    with pytest.raises(SystemExit) as exited:
        main([command, "--regions", REGION, "-o", str(out), *(["--output-dir", str(tmp_path / "out")]
                                                               if command == "scan" else [])])
    assert exited.value.code == 130
    assert sorted(os.listdir(tmp_path)) == []  # no snapshot, no report, no temp file
    err = capsys.readouterr().err
    assert "interrupted" in err and "nothing written" in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["collect", "scan"])
def test_cli_partial_writes_what_was_collected(cli_session: Rig, command: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "snap.json"
    with pytest.raises(SystemExit) as exited:
        main([command, "--regions", REGION, "--partial", "-o", str(out)])
    assert exited.value.code == 130
    assert os.listdir(tmp_path) == ["snap.json"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    doc = json.loads(out.read_text("utf-8"))
    validate_snapshot(doc, source=str(out))
    assert [e["region"] for e in doc["errors"] if e["error_code"] == INTERRUPTED_CODE] == [REGION]
    assert "partial snapshot" in capsys.readouterr().err
    # It analyses like any snapshot; what is missing is ERROR, so the gate still works.
    with pytest.raises(SystemExit) as analysed:
        main(["analyze", str(out), "--format", "json"])
    assert analysed.value.code in (0, 1)


def test_uninterrupted_collection_is_unchanged(rig: Rig) -> None:
    doc = collect_snapshot(rig.session, [REGION])
    assert not [e for e in doc["errors"] if e["error_code"] == INTERRUPTED_CODE]
