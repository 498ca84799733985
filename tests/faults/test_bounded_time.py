"""Bounded time (issue 14, item 8): a trickled body, a describe throttled (or failing with 500) for
every notebook, the run deadline, and a list whose page 2 is broken among 150 notebooks.

Counts of calls are asserted, never seconds: the bounds are proven by what was (not) sent.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.retries import bucket, standard

from safemaker.scanner.collect import bounds
from safemaker.scanner.collect.plan import REGIONAL_STEPS
from safemaker.scanner.model import Status

from .ledger import Ledger
from .rig import REGION, Rig, denial, service_id, small_rig, wire_error
from .verdicts import Outcome, outcome
from .wire import FaultyMoto, html_page, on_request, serve, trickle

EXTRA_NOTEBOOKS = 148  # with the small estate's two: 150, two pages of ListNotebookInstances


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Rig, FaultyMoto, str]]:
    with small_rig() as rig, serve() as (app, url):
        sm: Any = rig.session.client("sagemaker", region_name=REGION)
        first = sm.describe_notebook_instance(NotebookInstanceName="nb-small")
        for i in range(EXTRA_NOTEBOOKS):
            sm.create_notebook_instance(NotebookInstanceName=f"nb-{i:03d}", InstanceType="ml.t3.medium",
                                        RoleArn=first["RoleArn"], SubnetId=first["SubnetId"],
                                        SecurityGroupIds=first["SecurityGroups"], DirectInternetAccess="Disabled")
        yield rig, app, url


@pytest.fixture(scope="module")
def clean(served: tuple[Rig, FaultyMoto, str]) -> Outcome:
    """The estate collected over the wire with nothing faulted: what every attack is compared with."""
    rig, app, url = served
    app.reset()
    done = outcome(rig.collect(endpoint_url=url, max_attempts=2))
    notebooks = done.doc["accounts"][rig.account][REGION]["sagemaker"]["ListNotebookInstances"]["NotebookInstances"]
    assert len(notebooks) == 150
    return done


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's backoff and token bucket are real waits; the tests count calls instead."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)


def test_a_broken_page_2_of_150_notebooks_leaves_no_partial_list(served: tuple[Rig, FaultyMoto, str],
                                                                  clean: Outcome, ledger: Ledger) -> None:
    rig, app, url = served
    app.reset()
    app.faults["ListNotebookInstances"] = on_request(2, html_page)
    try:
        faulted = outcome(rig.collect(endpoint_url=url, max_attempts=2))
    finally:
        app.reset()

    [error] = faulted.errors("ListNotebookInstances")
    assert error["error_code"] == "UnreadableResponse"
    assert error["message"].startswith("HTTP 200 answer (page 2) has no NotebookInstances")
    assert "ListNotebookInstances" not in faulted.doc["accounts"][rig.account][REGION]["sagemaker"]
    assert [e["error_code"] for e in faulted.errors("DescribeNotebookInstance")] == ["SourceFailed"]
    where = f"AWS::SageMaker::NotebookInstance in {rig.account}/{REGION}"
    assert faulted.status("NET-001", where) is Status.ERROR
    assert "sagemaker ListNotebookInstances failed with UnreadableResponse" in faulted.message("NET-001", where)
    ledger.compare("html-on-page-2-of-ListNotebookInstances", clean, faulted)


def test_a_trickled_body_ends_at_the_call_deadline(served: tuple[Rig, FaultyMoto, str], clean: Outcome,
                                                   ledger: Ledger) -> None:
    rig, app, url = served
    app.reset()
    app.faults["DescribeVpcs"] = trickle(app, 0.1)
    try:
        doc = rig.collect(endpoint_url=url, max_attempts=3, call_deadline=1.0)
        sent = app.calls["DescribeVpcs"]
    finally:
        app.reset()

    [error] = [e for e in doc["errors"] if e["operation"] == "DescribeVpcs"]
    assert error["error_code"] == "CallDeadlineExceeded"
    assert error["message"] == "no complete answer within 1 s (connect, read and retries together); stopped waiting"
    assert sent == 1  # not retried: the deadline covers the call, retries included
    assert "DescribeVpcs" not in doc["accounts"][rig.account][REGION]["ec2"]
    faulted = outcome(doc)
    assert "NET-001" not in {f.check_id for f in faulted.findings.values() if f.status is Status.PASS}
    ledger.compare("trickled-body-on-DescribeVpcs", clean, faulted)


class Throttled:
    """Answers every attempt of one operation with its throttling error (at the wire), or with
    another error code and HTTP status given."""

    def __init__(self, operation: str, code: str = "ThrottlingException", status: int = 400,
                 message: str = "Rate exceeded") -> None:
        self.operation = operation
        self.code, self.status, self.message = code, status, message
        self.sent: Counter[str] = Counter()

    def __call__(self, request: Any, event_name: str, **_: Any) -> Any:
        if not event_name.endswith("." + self.operation):
            return None
        self.sent[self.operation] += 1
        return wire_error("json", self.code, self.status, self.message)


def test_a_describe_throttled_for_every_notebook_stops_at_the_breaker(served: tuple[Rig, FaultyMoto, str],
                                                                      clean: Outcome, ledger: Ledger) -> None:
    rig = served[0]
    storm = Throttled("DescribeNotebookInstance")
    doc = rig.collect({"before-send": storm}, max_attempts=2, breaker_threshold=3)

    # 3 calls of 2 attempts each, then the breaker: 147 notebooks are not called at all
    assert storm.sent["DescribeNotebookInstance"] == 6
    errors = [e for e in doc["errors"] if e["operation"] == "DescribeNotebookInstance"]
    assert [e["error_code"] for e in errors] == ["ThrottlingException"] * 3 + ["CircuitOpen"] * 147
    assert errors[3]["message"] == ("not called: the previous 3 calls of sagemaker DescribeNotebookInstance in "
                                    "eu-west-1 failed (ThrottlingException); the rest of them are skipped")
    faulted = outcome(doc)
    net = {r: f.status for (c, _t, r), f in faulted.findings.items() if c == "NET-001"}
    assert len(net) == 150 and set(net.values()) == {Status.ERROR}
    ledger.compare("throttled-DescribeNotebookInstance-x150", clean, faulted)


def test_a_describe_failing_with_500_for_every_notebook_stops_at_the_breaker(
        served: tuple[Rig, FaultyMoto, str], clean: Outcome, ledger: Ledger) -> None:
    rig = served[0]
    storm = Throttled("DescribeNotebookInstance", "InternalFailure", 500, "We encountered an internal error")
    doc = rig.collect({"before-send": storm}, max_attempts=2, breaker_threshold=3)

    assert storm.sent["DescribeNotebookInstance"] == 6  # a 5xx is retried, then counts towards the breaker
    errors = [e for e in doc["errors"] if e["operation"] == "DescribeNotebookInstance"]
    assert [e["error_code"] for e in errors] == ["InternalFailure"] * 3 + ["CircuitOpen"] * 147
    assert errors[3]["message"] == ("not called: the previous 3 calls of sagemaker DescribeNotebookInstance in "
                                    "eu-west-1 failed (InternalFailure); the rest of them are skipped")
    ledger.compare("http-500-on-DescribeNotebookInstance-x150", clean, outcome(doc))


def test_denials_do_not_open_the_breaker(served: tuple[Rig, FaultyMoto, str], clean: Outcome,
                                         ledger: Ledger) -> None:
    rig = served[0]
    sid = service_id(rig.session, "sagemaker")
    calls: list[int] = []

    def deny(**_: Any) -> Any:
        calls.append(1)
        return denial("sagemaker", "DescribeNotebookInstance")

    doc = rig.collect({f"before-call.{sid}.DescribeNotebookInstance": deny}, max_attempts=2, breaker_threshold=3)
    assert len(calls) == 150  # an answer about each notebook, not a sign the service is unwell
    assert {e["error_code"] for e in doc["errors"] if e["operation"] == "DescribeNotebookInstance"} == {
        "AccessDeniedException"}
    ledger.compare("denied-DescribeNotebookInstance-x150", clean, outcome(doc))


def test_the_run_deadline_records_every_step_not_reached(served: tuple[Rig, FaultyMoto, str], clean: Outcome,
                                                         ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    rig = served[0]
    now = [1000.0]

    class Clock:
        @staticmethod
        def monotonic() -> float:
            return now[0]

    monkeypatch.setattr(bounds, "time", Clock)
    sid = service_id(rig.session, "ec2")

    def late(**_: Any) -> None:
        now[0] += 3600  # the security groups take an hour

    doc = rig.collect({f"before-call.{sid}.DescribeSecurityGroups": late}, deadline_at=1060.0)
    after = [s.operation for s in REGIONAL_STEPS[[s.operation for s in REGIONAL_STEPS].index("DescribeSecurityGroups")
                                                  + 1:]]
    # (the global steps run beside the region: whether they ended before the hour passed is a race)
    late_errors = [e for e in doc["errors"] if e["error_code"] == "DeadlineExceeded" and e["region"] == REGION]
    assert [e["operation"] for e in late_errors] == after
    assert late_errors[0]["message"] == "not collected: the collection deadline (--deadline) passed first"
    data = doc["accounts"][rig.account][REGION]
    assert "DescribeSecurityGroups" in data["ec2"] and "DescribeNetworkAcls" not in data["ec2"]
    faulted = outcome(doc)
    # GRD-001/002 rest on aws-global alone: decided when the global steps ended in time, else ERROR
    glob = doc["accounts"][rig.account].get("aws-global", {})
    assert {f.status for f in faulted.findings.values()
            if f.check_id not in ("GRD-001", "GRD-002") or "iam" not in glob} == {Status.ERROR}
    assert any("deadline" in f.message for f in faulted.findings.values())
    ledger.compare("run-deadline-passed-during-DescribeSecurityGroups", clean, faulted)



def test_the_deadline_option_reaches_the_collector(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from click.testing import CliRunner

    import safemaker.scanner.collect as collect_pkg
    from safemaker.scanner.cli import cli

    seen: dict[str, Any] = {}

    def fake_collect(session: Any, regions: list[str], **kwargs: Any) -> dict[str, Any]:
        seen.update(kwargs)
        return {"schema": "safemaker.snapshot/v1", "created": "2026-11-23T10:00:00Z", "accounts": {}, "errors": []}

    monkeypatch.setattr(collect_pkg, "collect_snapshot", fake_collect)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    before = time.monotonic()
    result = CliRunner().invoke(cli, ["collect", "--regions", REGION, "--deadline", "600",
                                      "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert before + 600 <= seen["deadline_at"] <= time.monotonic() + 600
