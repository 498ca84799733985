"""Throttling storms, bounded retries and runaway pagination.

AWS answers bursts of Describe calls with `Throttling` (400) or, for EC2, `RequestLimitExceeded`
(503). The collector's clients use botocore's adaptive retry mode with a bounded number of
attempts and explicit timeouts (runner.client_config); these tests show that a storm that lets
each call through after a few refusals changes nothing in the snapshot, that a call refused
forever stops after `max_attempts` and is recorded, and that pagination that never ends is cut
off. botocore's backoff delays are set to zero here: the tests prove the retry logic, not the
waiting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from botocore.retries import bucket, standard

from safemaker.scanner.collect import runner
from safemaker.scanner.collect.runner import DEFAULT_MAX_ATTEMPTS, client_config

from .ledger import Ledger
from .rig import REGION, Rig, http_answer, service_id, small_rig, wire_error
from .verdicts import outcome

THROTTLES = {  # protocol -> (error code, HTTP status) AWS uses for throttling
    "ec2": ("RequestLimitExceeded", 503),
    "query": ("Throttling", 400),
    "json": ("ThrottlingException", 400),
}


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with small_rig() as built:
        yield built


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the delays botocore asks for, sleep none of them.

    Adaptive mode waits twice: the exponential backoff before each retry, and the client-side
    token bucket that slows sending after throttling. Both are real AWS behaviour worth keeping;
    here they would only make the test take minutes.
    """
    asked: list[float] = []
    original = standard.ExponentialBackoff.delay_amount

    def delay_amount(self: Any, context: Any) -> float:
        asked.append(original(self, context))
        return 0.0

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", delay_amount)
    monkeypatch.setattr(bucket.TokenBucket, "acquire", lambda self, amount=1, block=True: True)
    return asked


class Storm:
    """Refuses the first `k` attempts of every distinct request, as a throttled API would."""

    def __init__(self, rig: Rig, k: int, only: str | None = None) -> None:
        self.k = k
        self.only = only
        self.attempts: Counter[tuple[str, str, bytes]] = Counter()
        self.protocols = {sid: rig.session.client(svc, region_name=REGION).meta.service_model.protocol
                          for svc in ("ec2", "sagemaker", "network-firewall", "sts", "iam", "organizations")
                          for sid in [service_id(rig.session, svc)]}

    def __call__(self, request: Any, event_name: str, **_: Any) -> Any:
        _event, sid, operation = event_name.split(".", 2)
        if self.only is not None and operation != self.only:
            return None
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        key = (sid, operation, request.url.encode() + b"\n" + body)
        self.attempts[key] += 1
        if self.attempts[key] > self.k:
            return None  # through to moto
        protocol = self.protocols[sid]
        code, status = THROTTLES["ec2" if protocol == "ec2" else "query" if protocol == "query" else "json"]
        return wire_error(protocol, code, status)


def without_created(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "created"}


def test_a_storm_that_relents_changes_nothing(rig: Rig, no_backoff_sleep: list[float], ledger: Ledger) -> None:
    clean = rig.collect()
    storm = Storm(rig, k=2)  # STS GetCallerIdentity gets 3 attempts only (runner.account_id)
    throttled = rig.collect({"before-send": storm})

    assert throttled["errors"] == clean["errors"]
    assert without_created(throttled) == without_created(clean)
    # Every request moto can answer, STS included, was refused twice and answered on the third
    # attempt. (moto fails the operations it lacks in its own way; they fail the same either way.)
    answered = {k: n for k, n in storm.attempts.items()
                if k[1] not in {e["operation"] for e in clean["errors"]}}
    assert len(answered) > 40 and set(answered.values()) == {3}
    assert {"ec2", "sagemaker", "sts"} <= {sid for sid, _, _ in answered}
    # botocore asked for backoff between attempts (adaptive mode); the fixture slept none of it.
    assert len(no_backoff_sleep) >= 2 * len(answered)
    assert all(0 <= d <= 20 for d in no_backoff_sleep)
    ledger.compare("every-call-throttled-twice", outcome(clean), outcome(throttled))


@pytest.fixture(scope="module")
def baseline(rig: Rig) -> list[dict[str, Any]]:
    """What moto cannot answer in the small estate (user profiles, spaces, ...)."""
    errors: list[dict[str, Any]] = rig.collect()["errors"]
    return errors


def test_a_call_throttled_forever_stops_after_max_attempts(rig: Rig, baseline: list[dict[str, Any]]) -> None:
    storm = Storm(rig, k=10**6, only="DescribeNatGateways")
    doc = rig.collect({"before-send": storm})

    [error] = [e for e in doc["errors"] if e["operation"] == "DescribeNatGateways"]
    assert error["error_code"] == "RequestLimitExceeded"
    assert error["resource"] is None
    assert "DescribeNatGateways" not in doc["accounts"][rig.account][REGION]["ec2"]  # unknown, not empty
    assert sum(storm.attempts.values()) == DEFAULT_MAX_ATTEMPTS
    assert [e for e in doc["errors"] if e is not error] == baseline
    assert "DescribeRouteTables" in doc["accounts"][rig.account][REGION]["ec2"]


def test_max_attempts_is_configurable_and_bounds_every_client(rig: Rig, baseline: list[dict[str, Any]]) -> None:
    storm = Storm(rig, k=10**6, only="ListModels")
    doc = rig.collect({"before-send": storm}, max_attempts=2)
    assert sum(storm.attempts.values()) == 2
    new = [e for e in doc["errors"] if e not in baseline]
    # ListTags takes the models' ARNs too: without them it is not called either (optional)
    assert [(e["operation"], e["error_code"]) for e in new] == [
        ("ListModels", "ThrottlingException"), ("DescribeModel", "SourceFailed"), ("ListTags", "SourceFailed")]


def test_client_settings_bound_retries_and_time() -> None:
    config: Any = client_config()
    assert config.retries == {"mode": "adaptive", "total_max_attempts": DEFAULT_MAX_ATTEMPTS}
    assert config.connect_timeout and config.connect_timeout <= 30
    assert config.read_timeout and config.read_timeout <= 120
    assert cast(Any, client_config(3)).retries["total_max_attempts"] == 3


# --- pagination that never ends ----------------------------------------------------------------


def answer(rig: Rig, service: str, operation: str, pages: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """Hooks that answer one operation from `pages(params)` (params as the caller passed them)."""
    sid = service_id(rig.session, service)
    seen: dict[str, Any] = {}

    def remember(params: dict[str, Any], **_: Any) -> None:
        seen["params"] = dict(params)

    def respond(**_: Any) -> Any:
        return http_answer(200, pages(seen["params"]))

    return {f"before-parameter-build.{sid}.{operation}": remember, f"before-call.{sid}.{operation}": respond}


def test_a_token_cycle_is_detected(rig: Rig) -> None:
    """a -> b -> a: not the same token twice in a row, still a loop."""
    following = {None: "a", "a": "b", "b": "a"}
    calls: list[str | None] = []

    def pages(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(params.get("NextToken"))
        return {"Vpcs": [{"VpcId": f"vpc-{len(calls)}"}], "NextToken": following[params.get("NextToken")]}

    doc = rig.collect(answer(rig, "ec2", "DescribeVpcs", pages))
    assert calls == [None, "a", "b"]
    [error] = [e for e in doc["errors"] if e["operation"] == "DescribeVpcs"]
    assert error["error_code"] == "RepeatedPaginationToken"
    assert "DescribeVpcs" not in doc["accounts"][rig.account][REGION]["ec2"]


def test_endless_fresh_tokens_stop_at_the_page_limit(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "MAX_PAGES", 25)
    calls: list[str | None] = []

    def pages(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(params.get("NextToken"))
        return {"Subnets": [], "NextToken": f"t{len(calls)}"}

    doc = rig.collect(answer(rig, "ec2", "DescribeSubnets", pages))
    assert len(calls) == 25
    [error] = [e for e in doc["errors"] if e["operation"] == "DescribeSubnets"]
    assert error["error_code"] == "PaginationLimit"
    assert "DescribeSubnets" not in doc["accounts"][rig.account][REGION]["ec2"]
