"""Bounded time: a deadline per call, a circuit breaker per operation, a deadline per run.

botocore's connect and read timeouts bound each socket operation, not a call: a body trickled
one byte every 10 s never trips a 60 s read timeout, and ten throttled attempts with backoff
take a minute. Three bounds make a collection end in a time the user can predict:

* ``CallClock``: every API call (one page, retries included) gets a deadline; each HTTP attempt
  runs in a helper thread that the caller stops waiting for when the deadline passes, so a
  trickled body or header ends the call with ``CallDeadlineExceeded`` (not retried). The helper
  is a daemon thread that dies with its socket or the process; it holds no lock and its answer
  is dropped.
* ``Breaker``: after ``threshold`` consecutive calls of one operation in one region failed in a
  way that says the service is unwell (throttled, 5xx, transport error, deadline, unreadable
  answer), the rest of that operation's calls there are not made; each is recorded as failed
  with ``CircuitOpen``. A denial or a missing resource is an answer about that resource and does
  not count. Calls overlap (runner.py), so "consecutive" is in the order of the resources, not of
  the answers; the region's scheduler thread alone feeds and reads each breaker.
* the run deadline (``collect --deadline``): steps and calls not reached when it passes are
  recorded with ``DeadlineExceeded``, and no call runs past it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from safemaker.scanner.collect.pages import UNREADABLE_CODE, IncompleteResult

#: Seconds one call (one page, every retry included) may take.
DEFAULT_CALL_DEADLINE = 120.0
#: Consecutive unhealthy failures of one operation in one region that open its breaker.
DEFAULT_BREAKER_THRESHOLD = 3
CALL_DEADLINE_CODE = "CallDeadlineExceeded"
CIRCUIT_OPEN_CODE = "CircuitOpen"
RUN_DEADLINE_CODE = "DeadlineExceeded"

_THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
    "EC2ThrottledException", "PriorRequestNotComplete",
})


class CallDeadlineExceeded(Exception):
    """A call ran out of time. Not a botocore error type, so botocore does not retry it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s (connect, read and retries together); "
                         "stopped waiting")
        self.code = CALL_DEADLINE_CODE


class CallClock:
    """The deadline of the call each collector thread is making. A call (its pages, retries and
    HTTP attempts) runs in one pool thread from start to end, and a thread makes one call at a
    time, so a thread-local deadline is the call's deadline; the run deadline is shared and
    only read."""

    def __init__(self, call_seconds: float = DEFAULT_CALL_DEADLINE, run_deadline: float | None = None) -> None:
        self.call_seconds = call_seconds
        self.run_deadline = run_deadline  # time.monotonic() value, or None
        self._local = threading.local()

    def start_call(self) -> None:
        now = time.monotonic()
        deadline = now + self.call_seconds
        if self.run_deadline is not None:
            deadline = min(deadline, self.run_deadline)
        self._local.deadline = deadline
        self._local.limit = deadline - now
        self._local.http = None

    def remaining(self) -> float | None:
        deadline = getattr(self._local, "deadline", None)
        return None if deadline is None else deadline - time.monotonic()

    def expired(self) -> CallDeadlineExceeded:
        return CallDeadlineExceeded(max(0.0, float(getattr(self._local, "limit", self.call_seconds))))

    def run_over(self) -> bool:
        return self.run_deadline is not None and time.monotonic() >= self.run_deadline

    # The last HTTP answer of this thread's call (botocore's before-parse event), for the
    # message of an unreadable page. Answers made up by event hooks have none.
    def saw(self, response_dict: Any = None, **_: Any) -> None:
        if isinstance(response_dict, dict):
            body = response_dict.get("body")
            status = response_dict.get("status_code")
            if isinstance(body, bytes) and isinstance(status, int):
                self._local.http = (status, body[:4096])

    def last_http(self) -> tuple[int, bytes] | None:
        answer = getattr(self._local, "http", None)
        return answer if isinstance(answer, tuple) else None

    # The scheduler starts the next list step once this thread's call has sent its first request
    # (botocore's before-send, registered last: no hook answered instead of the network).
    def on_first_send(self, callback: Callable[[], None] | None) -> None:
        self._local.on_send = callback

    def sending(self, **_: Any) -> None:
        callback = getattr(self._local, "on_send", None)
        if callback is not None:
            self._local.on_send = None
            callback()


class BoundedHttp:
    """Wraps a botocore endpoint's HTTP session: each attempt ends by the call's deadline."""

    def __init__(self, inner: Any, clock: CallClock) -> None:
        self._inner = inner
        self._clock = clock

    def send(self, request: Any) -> Any:
        remaining = self._clock.remaining()
        if remaining is None:
            return self._inner.send(request)
        if remaining <= 0:
            raise self._clock.expired()
        box: dict[str, Any] = {}
        done = threading.Event()

        def attempt() -> None:
            try:
                box["response"] = self._inner.send(request)
            except BaseException as exc:  # handed to the caller, which re-raises it
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=attempt, name="safemaker-http", daemon=True).start()
        if not done.wait(remaining):
            raise self._clock.expired()
        if "error" in box:
            raise box["error"]
        return box["response"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def unhealthy(exc: BaseException) -> bool:
    """Does this failure say the operation's service is unwell (rather than answer about one resource)?"""
    if isinstance(exc, IncompleteResult):
        return bool(exc.code == UNREADABLE_CODE)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
        meta = exc.response.get("ResponseMetadata", {}) if isinstance(exc.response, dict) else {}
        status = meta.get("HTTPStatusCode") if isinstance(meta, dict) else None
        return bool(str(error.get("Code")) in _THROTTLING_CODES or (isinstance(status, int) and status >= 500))
    return True  # transport errors, timeouts, deadlines: nothing was answered


class Breaker:
    """Counts consecutive unhealthy failures of one operation in one region.

    Once open it stays open: the answers of calls that were already in flight when it opened
    are kept (they were made) but do not close it again.
    """

    def __init__(self, threshold: int = DEFAULT_BREAKER_THRESHOLD) -> None:
        self.threshold = max(1, threshold)
        self.streak = 0
        self.last_code = ""

    @property
    def open(self) -> bool:
        return self.streak >= self.threshold

    def record(self, exc: BaseException | None, code: str = "") -> None:
        if self.open:
            return
        if exc is not None and unhealthy(exc):
            self.streak += 1
            self.last_code = code
        else:
            self.streak = 0
