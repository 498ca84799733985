"""Runs the collection plan against AWS and assembles a `safemaker.snapshot/v1` document.

Design choices that matter to the rest of the project:

* Every client is made with ``session.client(...)``: a caller that registered botocore event
  handlers on ``session.events`` beforehand (the demo serves Network Firewall responses that
  moto lacks this way, the tests inject failures) sees them apply to every call.
* A failed call never stops the run. It is listed in ``errors`` and its result is left out of
  the snapshot, because *absent means unknown*: a check then reports ERROR instead of a false
  PASS. For the same reason a response that is known to be incomplete (a repeated pagination
  token, routes the API says it dropped) is left out rather than stored partially.
* Regions are collected concurrently, and within a region up to ``calls_in_flight`` calls at
  once: list steps start in plan order, per-resource describes as soon as the steps that give
  their identifiers are done (_RegionCollector). Against AWS every call is a round trip of tens
  of milliseconds; one call at a time spent most of a collection waiting. Results are keyed by
  operation and resource, errors assembled per step in plan order and regions in sorted order,
  so the same AWS data gives the same document whatever order the calls end in.
* Ctrl-C stops the run at once: no new request is sent (every client checks a cancel flag before
  each HTTP attempt, retries included), regions not started are dropped, and the caller gets
  ``CollectionInterrupted`` carrying a valid partial snapshot, to write only if asked to.
* Retries are bounded (``max_attempts`` attempts per call, throttling included), every client
  has connect and read timeouts, every call a deadline, every operation a circuit breaker and
  the run an optional deadline (bounds.py): a run always ends, in a time the user can predict.
* A page is data only once read: it must carry its step's list or identifier member, and a
  later page must not repeat an earlier one (pages.py); otherwise the call failed.
"""

from __future__ import annotations

import base64
import datetime as dt
import queue
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any

from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from safemaker import __version__
from safemaker.scanner.collect.bounds import (
    CIRCUIT_OPEN_CODE,
    DEFAULT_BREAKER_THRESHOLD,
    DEFAULT_CALL_DEADLINE,
    RUN_DEADLINE_CODE,
    BoundedHttp,
    Breaker,
    CallClock,
    unhealthy,
)
from safemaker.scanner.collect.pages import IncompleteResult, PageLedger, check_page, unparsable
from safemaker.scanner.collect.plan import (
    ACCOUNTS,
    GLOBAL_STEPS,
    ORGANIZATIONS,
    REGIONAL_STEPS,
    SAFEMAKER,
    Source,
    Step,
)
from safemaker.scanner.errors import CollectionError
from safemaker.scanner.snapshot.validate import GLOBAL_REGION, REGION_PATTERN

SCHEMA = "safemaker.snapshot/v1"
USER_AGENT = f"safemaker/{__version__}"
DEFAULT_MAX_ATTEMPTS = 10
# A paginated call that keeps handing out fresh tokens is cut off here rather than run forever.
MAX_PAGES = 10_000
# Dropped from every page: they describe the transport, not the estate.
_TRANSPORT_KEYS = frozenset({"ResponseMetadata", "NextToken", "Marker", "NextMarker"})
_MESSAGE_LIMIT = 500
#: error_code of a per-resource step that was not called because its source call failed.
SKIPPED_CODE = "SourceFailed"
#: error_code of a region whose collection was interrupted (the snapshot is partial).
INTERRUPTED_CODE = "Interrupted"
#: Seconds an interrupted run waits for calls in flight to end before assembling what it has.
INTERRUPT_GRACE = 2.0
_CANCEL_POLL = 0.25  # seconds between looks at the cancel flag while regions run
#: Calls one region has in flight at once. AWS answers each in tens of milliseconds; eight
#: overlap those waits without bursts that would only buy throttling (adaptive retries still
#: slow a throttled client down, and each operation starts with one call at a time).
DEFAULT_CALLS_IN_FLIGHT = 8
_NOT_CALLED = object()  # the outcome of a call its operation's breaker kept from being made


def _thread_pool(workers: int) -> Executor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="safemaker-call")


#: Makes the pool that runs a region's calls (tests put one here that shuffles completion order).
TASK_POOL: Callable[[int], Executor] = _thread_pool

Progress = Callable[[str], None]
#: A progress callback may do more than take lines (scanner/terminal.py's does): with
#: `planned(account, regions, steps)` it learns the steps of each account's run, `advance(steps)`
#: is called as steps end, and `detail(line)` takes the routine per-operation lines, leaving the
#: callback itself what a person should read (failures, regions done).


def _hook(progress: Progress | None, name: str) -> Callable[..., None] | None:
    hook = getattr(progress, name, None)
    return hook if callable(hook) else None


def client_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    """The botocore settings of every collector client (adaptive retries absorb throttling).

    ``max_attempts`` counts every attempt, the first included. (botocore's ``max_attempts`` key
    counts retries only, one fewer; ``total_max_attempts`` is the count meant here.)
    """
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},
        connect_timeout=10,
        read_timeout=60,
        user_agent_extra=USER_AGENT,
    )


def account_id(
    session: Any,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    max_attempts: int = 3,
) -> str:
    """The account the session's credentials belong to; CollectionError if it cannot be learnt.

    Called before anything else so that missing credentials or an unreachable endpoint stop the
    run with one clear line instead of an error entry for every operation in every region.
    Few retries: if STS is unreachable nothing else will work either.
    """
    region_name = region or getattr(session, "region_name", None) or "us-east-1"
    try:
        sts = session.client(
            "sts", region_name=region_name, endpoint_url=endpoint_url, config=client_config(max_attempts)
        )
        identity = sts.get_caller_identity()
    except (BotoCoreError, ClientError, ValueError) as exc:
        code, message = error_fields(exc)
        reason = f"{code}: {message}" if isinstance(exc, ClientError) else message
        raise CollectionError(f"cannot determine the AWS account (sts GetCallerIdentity): {reason}") from None
    account = identity.get("Account") if isinstance(identity, Mapping) else None
    if not isinstance(account, str) or not account:
        raise CollectionError("cannot determine the AWS account: sts GetCallerIdentity returned no Account")
    return account


def collect_snapshot(
    session: Any,
    regions: Sequence[str],
    *,
    endpoint_url: str | None = None,
    progress: Progress | None = None,
    max_workers: int = 4,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    deadline_at: float | None = None,
    call_deadline: float = DEFAULT_CALL_DEADLINE,
    breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD,
    calls_in_flight: int = DEFAULT_CALLS_IN_FLIGHT,
    cancel: threading.Event | None = None,
    organization_tree: bool = True,
) -> dict[str, Any]:
    """Collect every planned operation in each region of the session's account, and the global
    ones (IAM, Organizations) once under the region key aws-global.

    ``max_attempts`` exists for test servers that answer unimplemented calls with HTTP 500,
    which adaptive retries would otherwise repeat ten times each. ``deadline_at`` is a
    ``time.monotonic()`` value after which nothing more is called (an organization's accounts
    share one); ``call_deadline`` bounds each call and ``breaker_threshold`` each operation in a
    region (bounds.py). ``calls_in_flight`` bounds the calls of a region at once (1: one after
    another). ``cancel``, set by a caller that runs this in a thread of its own (an organization's
    accounts), interrupts the run as Ctrl-C does: CollectionInterrupted carries what was done.
    ``organization_tree`` False leaves the Organizations steps to the caller (an organization's
    run reads them once from the management account: org.py).
    """
    wanted = list(dict.fromkeys(r for r in regions if r))
    if not wanted:
        default = getattr(session, "region_name", None)
        if not default:
            raise CollectionError("no region to collect: pass --regions or configure a default region")
        wanted = [default]
    for region in wanted:
        # Checked up front: a typo would otherwise fail every call in that region, and the
        # snapshot validator would reject the region key anyway.
        if not re.fullmatch(REGION_PATTERN, region):
            raise CollectionError(f"not an AWS region name: {region!r} (expected e.g. eu-west-1)")
    say = _serialised(progress)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # the time the estate was read
    account = account_id(session, endpoint_url=endpoint_url, region=wanted[0])
    say(f"collect {account}: regions {', '.join(wanted)}")
    planned, detail = _hook(progress, "planned"), _hook(progress, "detail")
    if planned:
        planned(account, wanted, len(REGIONAL_STEPS))  # the global steps are not counted: no region of theirs

    cancel = cancel if cancel is not None else threading.Event()
    clock = CallClock(call_deadline, deadline_at)
    factory = _ClientFactory(session, endpoint_url, client_config(max_attempts), cancel, clock)
    collectors = [_RegionCollector(account, region, factory, say, cancel, breaker_threshold,
                                   _serialised(detail) if detail else say, _hook(progress, "advance"),
                                   calls_in_flight)
                  for region in wanted]
    global_steps = GLOBAL_STEPS if organization_tree else tuple(
        s for s in GLOBAL_STEPS if s.service != ORGANIZATIONS)
    # IAM and Organizations answer in any region of the partition; the first one asked is used
    # (us-east-1 would be wrong in China and GovCloud).
    collectors.append(_RegionCollector(account, GLOBAL_REGION, factory, say, cancel, breaker_threshold,
                                       _serialised(detail) if detail else say, None, calls_in_flight,
                                       steps=global_steps, client_region=wanted[0], given=_given([account])))
    workers = max(1, min(max_workers, len(collectors)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="safemaker-collect")
    futures = [pool.submit(c.run) for c in collectors]
    try:
        for future in futures:
            while True:  # re-raises only on a bug in the collector itself, or an interrupt
                try:
                    future.result(timeout=_CANCEL_POLL)
                    break
                except TimeoutError:
                    if cancel.is_set():
                        raise KeyboardInterrupt from None  # cancelled from outside, or by another region
        if cancel.is_set():
            raise KeyboardInterrupt  # cancelled from outside as the last region ended
    except KeyboardInterrupt:
        # Ctrl-C reaches the main thread while it waits here (or a worker, then its future):
        # stop every collector at its next call, drop the regions not started, and hand the
        # caller what was complete, marked as interrupted, to write only if it asked for that.
        cancel.set()
        pool.shutdown(wait=False, cancel_futures=True)
        futures_wait(futures, timeout=INTERRUPT_GRACE)
        say(f"collect {account}: interrupted")
        raise CollectionInterrupted(_assemble(account, started, collectors, interrupted=True)) from None
    except BaseException:
        cancel.set()  # a bug in one collector: stop the others too, rather than leave them running
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return _assemble(account, started, collectors, interrupted=False)


def collect_organization_tree(
    session: Any,
    accounts: Sequence[str],
    *,
    region: str,
    endpoint_url: str | None = None,
    progress: Progress | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    deadline_at: float | None = None,
    cancel: threading.Event | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Organizations steps of the plan, read once with the caller's session (the management
    or a delegated administrator account) for every account of an organization's run: (data by
    operation, errors). org.py gives each account the part on its own path. Errors carry no
    account yet (``account`` ""): they are copied to each account they concern."""
    say = _serialised(progress)
    factory = _ClientFactory(session, endpoint_url, client_config(max_attempts), cancel, CallClock(
        DEFAULT_CALL_DEADLINE, deadline_at))
    steps = tuple(s for s in GLOBAL_STEPS if s.service == ORGANIZATIONS)
    collector = _RegionCollector("", GLOBAL_REGION, factory, say, cancel, steps=steps, client_region=region,
                                 given=_given(accounts))
    collector.run()
    return dict(collector.data.get(ORGANIZATIONS, {})), collector.errors


class CollectionInterrupted(KeyboardInterrupt):
    """Ctrl-C during a collection. ``partial`` is a valid snapshot of what was complete, with
    an ``Interrupted`` entry in ``errors`` for every region that was not finished; callers write
    it only when asked to (``--partial``), and otherwise let the interrupt end the run."""

    def __init__(self, partial: dict[str, Any]) -> None:
        super().__init__("collection interrupted")
        self.partial = partial


def _assemble(account: str, started: str, collectors: Sequence[_RegionCollector], *,
              interrupted: bool) -> dict[str, Any]:
    regions_data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for c in sorted(collectors, key=lambda c: c.region):
        with c.lock:
            c.sealed = interrupted  # a step ending after this is not half in the partial snapshot
            regions_data[c.region] = {svc: dict(sorted(ops.items())) for svc, ops in sorted(c.data.items())}
            errors.extend(c.errors)
            if interrupted and not c.finished:
                errors.append(interrupted_entry(account, c.region, c.steps_done, len(c.steps)))
    return {
        "schema": SCHEMA,
        "created": started,
        "tool_version": __version__,
        "accounts": {account: regions_data},
        "errors": errors,
    }


def interrupted_entry(account: str, region: str, steps_done: int | None = None,
                      steps: int = len(REGIONAL_STEPS)) -> dict[str, Any]:
    """The error entry of a region whose collection was interrupted: everything it lacks is unknown."""
    done = f" after {steps_done} of {steps} steps" if steps_done is not None else ""
    return {
        "account": account,
        "region": region,
        "service": "safemaker",
        "operation": "Collect",
        "resource": None,
        "error_code": INTERRUPTED_CODE,
        "message": f"collection interrupted (Ctrl-C){done}: operations missing here were not collected",
    }


def _given(accounts: Sequence[str]) -> dict[tuple[str, str], Any]:
    """The identifiers a collector is given rather than collects: the accounts whose organization
    path the global steps walk (plan.ACCOUNTS)."""
    return {(SAFEMAKER, ACCOUNTS): {ACCOUNTS: [{"Id": a} for a in accounts]}}


def _serialised(progress: Progress | None) -> Progress:
    """Progress lines come from several threads; one at a time keeps them whole."""
    if progress is None:
        return lambda _line: None
    lock = threading.Lock()
    sink = progress

    def say(line: str) -> None:
        with lock:
            sink(line)

    return say


class _Cancelled(BaseException):
    """Unwinds a collector once the run is interrupted (BaseException: no `except Exception`
    on the way records it as a failed call)."""


class _ClientFactory:
    """One client per (service, region), made under a lock: clients are thread-safe, sessions not.

    Each client checks the run's cancel flag before every HTTP attempt, so an interrupted run
    starts no new request, not even a retry; its HTTP session ends every attempt by the call's
    deadline, and its last HTTP answer is kept for the message of an unreadable page.
    """

    def __init__(self, session: Any, endpoint_url: str | None, config: Config,
                 cancel: threading.Event | None = None, clock: CallClock | None = None) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self._config = config
        self._cancel = cancel or threading.Event()
        self.clock = clock or CallClock()
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def _check_cancel(self, **_: Any) -> None:
        if self._cancel.is_set():
            raise _Cancelled

    def get(self, service: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                kwargs: dict[str, Any] = {"region_name": region, "config": self._config}
                if self._endpoint_url:
                    kwargs["endpoint_url"] = self._endpoint_url
                client = self._session.client(service, **kwargs)
                client.meta.events.register_first("before-send", self._check_cancel)
                # last: after every other hook had its chance to answer instead of the network
                client.meta.events.register_last("before-send", self.clock.sending)
                client.meta.events.register_first("before-parse", self.clock.saw)
                endpoint = getattr(client, "_endpoint", None)  # botocore has no public hook for this
                if endpoint is not None and hasattr(endpoint, "http_session"):
                    endpoint.http_session = BoundedHttp(endpoint.http_session, self.clock)
                self._clients[(service, region)] = client
            return client


class _StepRun:
    """One step of the plan in one region, while the region's scheduler runs it.

    Only the scheduler's thread touches it (calls run in pool threads and hand their outcome
    back through the scheduler's inbox), so none of this needs a lock. ``errors`` holds the
    step's entries in the order a one-call-at-a-time run writes them, whatever order the calls
    end in: per-resource outcomes are applied in target order (``outcomes`` holds the ones that
    ended early), and the breaker sees them in that order too.
    """

    def __init__(self, index: int, step: Step, breaker_threshold: int, window_limit: int) -> None:
        self.index = index
        self.step = step
        self.state = "waiting"  # -> "running" -> "done"
        self.errors: list[dict[str, Any]] = []
        self.targets: list[tuple[str, dict[str, str]]] = []
        self.results: dict[str, Any] = {}
        self.dispatched = 0  # targets decided, in order: called, or skipped by the breaker
        self.recorded = 0  # outcomes applied, in order
        self.outcomes: dict[int, tuple[Any, Exception | None]] = {}
        self.in_flight = 0
        self.cut_at: int | None = None  # the run deadline passed before target cut_at was called
        self.breaker = Breaker(breaker_threshold)
        # Calls of this step in flight at once: 1 at first, one more after each answer, back to
        # 1 after a sign of trouble (throttling, 5xx, no answer). An operation failing from its
        # first call therefore fails one call at a time, and its breaker opens after exactly
        # `threshold` calls, as when every call waited for the one before it.
        self.window = 1
        self.window_limit = window_limit

    def can_call(self) -> bool:
        return (self.state == "running" and self.cut_at is None and self.dispatched < len(self.targets)
                and self.in_flight < self.window)


class _RegionCollector:
    """Runs the whole plan in one region, keeping results and errors apart.

    Up to ``calls_in_flight`` calls of the region run at once in a pool of threads; this
    collector's own thread schedules them and alone reads and writes the step states:

    * list steps start in plan order, each once the one before it has sent its first request
      (or ended): requests leave in the order of a one-at-a-time run, so the run deadline and
      Ctrl-C cut the plan at the same step as before, and they still overlap on the wire;
    * a per-resource step starts when the steps it takes identifiers from (``Step.sources``) are
      done, and its describes overlap within a window that grows with answers (_StepRun);
    * results go into ``data`` keyed by operation, and errors are assembled per step in plan
      order, so the snapshot is the same whatever order the calls end in.
    """

    def __init__(self, account: str, region: str, clients: _ClientFactory, say: Progress,
                 cancel: threading.Event | None = None,
                 breaker_threshold: int = DEFAULT_BREAKER_THRESHOLD,
                 detail: Progress | None = None, advance: Callable[[int], None] | None = None,
                 calls_in_flight: int = DEFAULT_CALLS_IN_FLIGHT, *, steps: Sequence[Step] = REGIONAL_STEPS,
                 client_region: str | None = None, given: Mapping[tuple[str, str], Any] | None = None) -> None:
        self.account = account
        self.region = region  # the region key of the snapshot (aws-global for the global steps)
        self.steps = tuple(steps)
        self._client_region = client_region or region
        self._given = dict(given or {})
        self._index = {(step.service, step.operation): i for i, step in enumerate(self.steps)}
        self.data: dict[str, dict[str, Any]] = {}
        # Held while a step's result is stored, and while an interrupted run copies what is
        # done: a step is in the partial snapshot whole or not at all.
        self.lock = threading.Lock()
        self.finished = False
        self.sealed = False  # an interrupted run took its partial snapshot: store nothing more
        self.steps_done = 0
        self._cancel = cancel or threading.Event()
        self._skipped: dict[tuple[str, str], str] = {}  # skipped step -> the failed call at its root
        self._clients = clients
        self._clock = clients.clock
        self._breaker_threshold = breaker_threshold
        self._calls_in_flight = max(1, calls_in_flight)
        self._runs = [_StepRun(i, s, breaker_threshold, self._calls_in_flight) for i, s in enumerate(self.steps)]
        self._say = say
        self._detail = detail or say
        self._advance = advance or (lambda _steps: None)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Every entry so far, step by step in plan order (callers hold ``lock`` or the run is over)."""
        return [entry for run in self._runs for entry in run.errors]

    def run(self) -> None:
        pool = TASK_POOL(self._calls_in_flight)
        try:
            self._schedule(pool)
        except _Cancelled:
            return
        except KeyboardInterrupt:
            self._cancel.set()  # raised in this worker: stop the others before the main thread knows
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        self.finished = True
        self._say(f"collect {self.where}: done ({len(self.errors)} errors)")

    @property
    def where(self) -> str:
        return f"{self.account or 'organization'}/{self.region}"

    # --- the scheduler ----------------------------------------------------------------------

    def _schedule(self, pool: Executor) -> None:
        inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        runs = self._runs
        cursor = self._next_list_step(0)  # the next list step to start, in plan order
        gate: int | None = None  # the list step whose first request has not left yet
        in_flight = 0
        while True:
            if self._cancel.is_set():
                self._drain(inbox, in_flight)
                raise _Cancelled
            changed = self._start_ready(cursor)
            while in_flight < self._calls_in_flight:
                if cursor < len(runs) and gate is None:
                    if self._clock.run_over():
                        self._not_reached(runs[cursor:])
                        cursor = len(runs)
                    else:
                        runs[cursor].state = "running"
                        pool.submit(self._task, inbox, cursor, -1, dict(runs[cursor].step.params))
                        gate, in_flight = cursor, in_flight + 1
                        cursor = self._next_list_step(cursor + 1)
                    changed = True
                    continue
                run = next((r for r in runs if r.can_call()), None)
                if run is None:
                    break
                in_flight += self._next_target(run, pool, inbox)
                self._apply_in_order(run)
                changed = True
            if all(r.state == "done" for r in runs):
                return
            if in_flight == 0:
                if changed:
                    continue
                raise RuntimeError(f"collection of {self.where} cannot go on: no call in flight, none to make")
            message = inbox.get()
            kind, index = message[0], message[1]
            if gate == index:
                gate = None  # its first request left (or it ended without one)
            if kind == "sent":
                continue
            in_flight -= 1
            if kind == "abort":
                if isinstance(message[2], KeyboardInterrupt):
                    raise message[2]
                continue  # _Cancelled: the cancel check above ends the run
            _kind, index, target, result, exc = message
            run = runs[index]
            if run.step.per_resource:
                run.in_flight -= 1
                run.window = 1 if exc is not None and unhealthy(exc) else min(run.window + 1, run.window_limit)
                run.outcomes[target] = (result, exc)
                self._apply_in_order(run)
            else:
                self._list_done(run, result, exc)

    def _next_list_step(self, index: int) -> int:
        """Per-resource steps wait for their sources without holding back the steps after them."""
        while index < len(self._runs) and self._runs[index].step.per_resource:
            index += 1
        return index

    def _start_ready(self, cursor: int) -> bool:
        """Start the waiting per-resource steps before ``cursor`` whose sources are done; did any?"""
        started = False
        for run in self._runs[:cursor]:
            if run.state == "waiting" and run.step.per_resource and all(
                    op in self._given or self._runs[self._index[op]].state == "done" for op in _inputs(run.step)):
                self._start_per_resource(run)
                started = True
        return started

    def _drain(self, inbox: queue.SimpleQueue[tuple[Any, ...]], in_flight: int) -> None:
        """Interrupted: no call starts any more; list steps whose answer is complete are kept
        (until the partial snapshot is taken), per-resource steps cut short are not."""
        while in_flight > 0:
            message = inbox.get()
            if message[0] == "sent":
                continue
            in_flight -= 1
            if message[0] == "done" and message[2] == -1 and message[4] is None:
                run = self._runs[message[1]]
                self._store(run.step, message[3])

    def _task(self, inbox: queue.SimpleQueue[tuple[Any, ...]], index: int, target: int,
              params: dict[str, Any]) -> None:
        """One call, in a pool thread; its outcome goes back to the scheduler, never into the state."""
        step = self.steps[index]
        if target < 0:
            self._clock.on_first_send(lambda: inbox.put(("sent", index)))
        try:
            result = self._call(step, params)
        except Exception as exc:  # every failure of a call is data, not a crash
            inbox.put(("done", index, target, None, exc))
        except BaseException as exc:  # Ctrl-C or _Cancelled: handed to the scheduler
            inbox.put(("abort", index, exc))
        else:
            inbox.put(("done", index, target, result, None))
        finally:
            self._clock.on_first_send(None)

    def _list_done(self, run: _StepRun, result: Any, exc: Exception | None) -> None:
        step = run.step
        if exc is not None:
            self._fail(run, None, exc)
        else:
            self._store(step, result)
            count = f" ({len(result.get(step.list_key) or [])})" if step.list_key else ""
            self._detail(f"collect {self.where}: {step.service} {step.operation}{count}")
        self._finish(run)

    def _finish(self, run: _StepRun) -> None:
        run.state = "done"
        self.steps_done += 1
        self._advance(1)

    def _start_per_resource(self, run: _StepRun) -> None:
        step = run.step
        if self._clock.run_over():
            self._not_reached([run])
            return
        targets = self._targets(step)
        if targets is None:
            self._skip(run)  # the identifiers' source is absent; its own error entry explains why
            self._finish(run)
            return
        run.targets = targets
        run.state = "running"
        self._apply_in_order(run)

    def _next_target(self, run: _StepRun, pool: Executor, inbox: queue.SimpleQueue[tuple[Any, ...]]) -> bool:
        """Decide the next target of ``run``: called (True), or not, because the run deadline
        passed or the operation's breaker is open."""
        j = run.dispatched
        if self._clock.run_over():
            run.cut_at = j
            return False
        run.dispatched += 1
        if run.breaker.open:
            run.outcomes[j] = (_NOT_CALLED, None)  # recorded as CircuitOpen in its turn
            return False
        run.in_flight += 1
        pool.submit(self._task, inbox, run.index, j, {**run.step.params, **run.targets[j][1]})
        return True

    def _apply_in_order(self, run: _StepRun) -> None:
        """Apply the outcomes that are next in target order; store the step once all are in."""
        step = run.step
        while run.recorded in run.outcomes:
            j = run.recorded
            result, exc = run.outcomes.pop(j)
            key = run.targets[j][0]
            run.recorded += 1
            if exc is not None:
                run.breaker.record(exc, error_fields(exc)[0])
                self._fail(run, key, exc)
            elif result is _NOT_CALLED:
                self._circuit_open(run, key)
            else:
                run.breaker.record(None)
                run.results[key] = result
        if run.state != "running" or run.in_flight or run.recorded < run.dispatched:
            return
        if run.cut_at is not None:
            self._not_reached([run], f" after {run.cut_at} of {len(run.targets)} calls", end=False)
        elif run.dispatched < len(run.targets):
            return
        elif step.follow is not None and self._follow(run):
            return  # new identifiers in its own answers: called in the same order as the ones before
        self._store(step, run.results)
        self._detail(f"collect {self.where}: {step.service} {step.operation} ({len(run.results)})")
        self._finish(run)

    def _follow(self, run: _StepRun) -> bool:
        """Add the identifiers the step's own results name and it has not called yet; any?"""
        assert run.step.follow is not None
        known = {key for key, _params in run.targets}
        fresh: dict[str, dict[str, str]] = {}
        for item in _walk(run.results, run.step.follow.path):
            for params in _params_of(item, run.step.follow):
                key = "/".join(params[name] for name in run.step.key)
                if key not in known:
                    fresh.setdefault(key, params)
        run.targets.extend(fresh.items())
        return bool(fresh)

    def _store(self, step: Step, result: dict[str, Any]) -> None:
        with self.lock:
            if self.sealed:
                raise _Cancelled  # the partial snapshot has been taken
            self.data.setdefault(step.service, {})[step.operation] = result

    def _add_error(self, run: _StepRun, resource: str | None, code: str, message: str) -> None:
        """An `errors` entry of this region for the run's operation (contracts' field order)."""
        step = run.step
        entry = {"account": self.account, "region": self.region, "service": step.service,
                 "operation": step.operation, "resource": resource, "error_code": code, "message": message}
        with self.lock:
            run.errors.append(entry)

    def _skip(self, run: _StepRun) -> None:
        """Record a step that was not called because its source is absent.

        The entry names the failed call at the root, so that every verdict that needed this
        step's data says which call to fix (through RegionView.missing_reason), not only that
        the data "was not collected".
        """
        step = run.step
        source = next(op for op in _inputs(step) if op not in self._given and op[1] not in self.data.get(op[0], {}))
        immediate = f"{source[0]} {source[1]}"
        root = self._skipped.get(source, immediate)
        self._skipped[(step.service, step.operation)] = root
        via = "" if root == immediate else f", which was not called either because {root} failed"
        why = "it needs" if source in step.needs else "its identifiers come from"
        self._add_error(run, None, SKIPPED_CODE, f"not called: {why} {immediate}{via}"
                        + ("" if via else ", which failed"))
        self._say(f"collect {self.where}: {step.service} {step.operation} not called ({root} failed)")

    def _circuit_open(self, run: _StepRun, key: str) -> None:
        step, breaker = run.step, run.breaker
        self._add_error(run, key, CIRCUIT_OPEN_CODE,
                        f"not called: the previous {breaker.streak} calls of {step.service} {step.operation} in "
                        f"{self.region} failed ({breaker.last_code}); the rest of them are skipped")

    def _not_reached(self, runs: Sequence[_StepRun], progress: str = "", *, end: bool = True) -> None:
        """The run deadline passed: each step not (fully) collected says so, for every resource.

        With ``end`` the steps are over (a per-resource step cut short ends once its calls in
        flight are in, in _apply_in_order); a step still waiting for its sources ends when they do.
        """
        for run in runs:
            self._add_error(run, None, RUN_DEADLINE_CODE,
                            f"not collected{progress}: the collection deadline (--deadline) passed first")
        ending = [run for run in runs if end and run.state != "done"]
        for run in ending:
            run.state = "done"
        self.steps_done += len(ending)
        if ending:
            self._advance(len(ending))
        self._say(f"collect {self.where}: deadline passed, {len(runs)} operations not collected")

    def _targets(self, step: Step) -> list[tuple[str, dict[str, str]]] | None:
        """Distinct (snapshot key, request parameters) pairs, in the order the sources list them."""
        if any(op[1] not in self.data.get(op[0], {}) for op in step.needs):
            return None
        found: dict[str, dict[str, str]] = {}
        for source in step.sources:
            collected = self.data.get(source.service, {})
            if (source.service, source.operation) in self._given:
                answer = self._given[(source.service, source.operation)]
            elif source.operation in collected:
                answer = collected[source.operation]
            else:
                return None
            for item in _walk(answer, source.path):
                for params in _params_of(item, source):
                    found.setdefault("/".join(params[name] for name in step.key), params)
        return list(found.items())

    def _call(self, step: Step, params: dict[str, Any]) -> dict[str, Any]:
        client = self._clients.get(step.service, self._client_region)
        method = getattr(client, xform_name(step.operation))
        pages: list[Mapping[str, Any]] = []
        seen: set[str] = set()
        ledger = PageLedger(step)
        while True:
            if self._clock.run_over():
                raise IncompleteResult(RUN_DEADLINE_CODE, f"the collection deadline (--deadline) passed after "
                                       f"{len(pages)} pages of this call; result left out")
            self._clock.start_call()
            try:
                page = method(**params)
            except ClientError as exc:
                if not pages and error_fields(exc)[0] in step.empty_on:
                    return {}  # an answer: there is none (s3 NoSuchBucketPolicy)
                raise
            except (ResponseParserError, ValueError, LookupError, TypeError, AttributeError) as exc:  # a parser gave up
                # (e.g. UnicodeDecodeError on bytes that are not UTF-8): no botocore error type
                raise unparsable(exc, len(pages) + 1, self._clock.last_http()) from exc
            check_page(step, page, len(pages) + 1, self._clock.last_http())
            token = page.get(step.token) if step.paginated else None
            if token and token in seen:
                raise IncompleteResult(
                    "RepeatedPaginationToken",
                    f"the API returned {step.token} {token!r} a second time after {len(pages) + 1} pages; "
                    "stopped to avoid looping, result left out",
                )
            ledger.add(page, len(pages) + 1)  # same entries under a fresh token: the pages are not to be trusted
            pages.append(page)
            if not token:
                break
            if len(pages) >= MAX_PAGES:
                raise IncompleteResult("PaginationLimit", f"more than {MAX_PAGES} pages; result left out")
            seen.add(token)
            params = {**params, step.token: token}
        merged = merge_pages(pages)
        if step.truncated_flag and merged.get(step.truncated_flag) is True:
            raise IncompleteResult(
                "TruncatedResults",
                f"{step.truncated_flag} is true: the API returned only part of the results; result left out",
            )
        return merged

    def _fail(self, run: _StepRun, resource: str | None, exc: Exception) -> None:
        step = run.step
        code, message = error_fields(exc)
        self._add_error(run, resource, code, message)
        target = f" {resource}" if resource else ""
        optional = " (optional)" if step.optional else ""
        self._say(f"collect {self.where}: {step.service} {step.operation}{target} failed{optional}: {code}")


def _inputs(step: Step) -> list[tuple[str, str]]:
    """The steps a per-resource step waits for: its sources, then the ones it needs."""
    return [*((s.service, s.operation) for s in step.sources), *step.needs]


def _walk(value: Any, path: Sequence[str]) -> Iterator[Any]:
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    if head == "*":
        children = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else ()
        for child in children:
            yield from _walk(child, rest)
    elif isinstance(value, Mapping) and head in value:
        yield from _walk(value[head], rest)


def _params_of(item: Any, source: Source) -> list[dict[str, str]]:
    """The request parameters one source item gives: none, one, or (``derive``) several."""
    if not isinstance(item, Mapping) or any(item.get(k) != v for k, v in source.when.items()):
        return []
    if source.derive is not None:
        return [dict(p) for p in source.derive(item)]
    params: dict[str, str] = {}
    for param, field_name in source.fields.items():
        value = item.get(field_name)
        if not isinstance(value, str) or not value:
            return []
        params[param] = value
    return [params]


def merge_pages(pages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One response from all pages: lists concatenated, other members from the last page.

    The last page wins for scalars because flags such as AdditionalRoutesAvailable describe the
    state after the final page.
    """
    merged: dict[str, Any] = {}
    for page in pages:
        for key, value in page.items():
            if key in _TRANSPORT_KEYS:
                continue
            if isinstance(value, list) and isinstance(merged.get(key), list):
                merged[key] = merged[key] + value
            else:
                merged[key] = value
    converted = to_json(merged)
    assert isinstance(converted, dict)
    return converted


def to_json(value: Any) -> Any:
    """botocore types to JSON ones: datetimes as ISO-8601 strings, bytes as base64."""
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def error_fields(exc: BaseException) -> tuple[str, str]:
    """(error_code, one-line message) for any way a call can fail."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {}) if isinstance(exc.response, Mapping) else {}
        code = str(error.get("Code") or "ClientError")
        message = str(error.get("Message") or exc)
    elif isinstance(exc, IncompleteResult):
        code, message = exc.code, str(exc)
    else:
        code, message = type(exc).__name__, str(exc) or type(exc).__name__
    return code, _one_line(message)


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"
