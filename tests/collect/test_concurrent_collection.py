"""Calls in flight change nothing but the time: a collection with overlapping calls gives the
snapshot, the errors (content and order) and the number of requests of a one-call-at-a-time
run, whatever order the calls end in; an organization's accounts are collected at the same time.

Completion order is shuffled two ways: in process, by a pool that pauses each call for a
seeded pseudo-random while (runner.TASK_POOL); over HTTP, by a server in front of moto that
delays each request by an amount taken from its bytes. No test asserts a duration.
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server

from safemaker.scanner.collect import collect_snapshot, runner
from safemaker.scanner.collect.org import collect_organization
from safemaker.scanner.collect.plan import PLAN
from safemaker.scanner.collect.sessions import assumed_session

REGION = "eu-west-1"  # as conftest.py's estate
ROLE = "arn:aws:iam::123456789012:role/sagemaker-exec"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:1"
EXTRA_NOTEBOOKS = 24


def add_resources(session: boto3.session.Session, estate: Any) -> None:
    """Enough notebooks and jobs that per-resource calls overlap, in a pool and on the wire."""
    sm: Any = session.client("sagemaker", region_name=REGION)
    for i in range(EXTRA_NOTEBOOKS):
        sm.create_notebook_instance(NotebookInstanceName=f"nb-{i:02d}", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                    SubnetId=estate.private_subnet, SecurityGroupIds=[estate.sg],
                                    LifecycleConfigName="proxy-lcc", DirectInternetAccess="Disabled")
    for i in range(6):
        sm.create_model(ModelName=f"model-x{i}", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})


def deny_some(fake: Any) -> None:
    """Every third notebook's describe is denied: errors interleave with results (their order
    in ``errors`` must be the resources' order, not the answers')."""
    def describe(params: dict[str, Any]) -> dict[str, Any] | None:
        name = str(params["NotebookInstanceName"])
        if name[3:].isdigit() and int(name[3:]) % 3 == 0:
            raise fake.Error("AccessDeniedException", f"not allowed to describe {name}")
        return None  # through to moto

    fake.on("sagemaker", "DescribeNotebookInstance", describe)


class Calls:
    """API calls per (service, operation), counted before any hook may answer instead of AWS."""

    def __init__(self, session: boto3.session.Session) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        session.events.register_first("before-call", self)

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.counts[(model.service_model.service_name, model.name)] += 1

    def take(self) -> Counter[tuple[str, str]]:
        taken, self.counts = self.counts, Counter()
        return taken


class ShufflingPool(ThreadPoolExecutor):
    """Each call first pauses 0-20 ms (seeded), so calls end in an order of their own."""

    def __init__(self, workers: int, seed: int = 7) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="test-shuffled")
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.ended: list[tuple[int, int]] = []  # (plan index, target) in the order calls ended

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            pause = self._random.uniform(0.0, 0.02)

        def late() -> Any:
            time.sleep(pause)
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.ended.append((args[1], args[2]))

        return super().submit(late)


def without_created(doc: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in doc.items() if k != "created"}, indent=1)


def test_overlapping_calls_give_the_one_at_a_time_snapshot(session: boto3.session.Session, estate: Any, fake: Any,
                                                          served_estate: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    add_resources(session, estate)
    deny_some(fake)
    calls = Calls(session)

    one_at_a_time = collect_snapshot(session, [REGION], calls_in_flight=1, max_attempts=2)
    sequential_calls = calls.take()
    pools: list[ShufflingPool] = []

    def shuffling(workers: int) -> ShufflingPool:
        pools.append(ShufflingPool(workers))
        return pools[-1]

    monkeypatch.setattr(runner, "TASK_POOL", shuffling)
    overlapping = collect_snapshot(session, [REGION], calls_in_flight=8, max_attempts=2)

    assert without_created(overlapping) == without_created(one_at_a_time)  # byte for byte, errors included
    assert calls.take() == sequential_calls
    denied = [e["resource"] for e in overlapping["errors"] if e["operation"] == "DescribeNotebookInstance"]
    assert denied == [f"nb-{i:02d}" for i in range(0, EXTRA_NOTEBOOKS, 3)]  # in the resources' order
    data = overlapping["accounts"][estate_account(overlapping)][REGION]["sagemaker"]
    assert len(data["DescribeNotebookInstance"]) == 2 + EXTRA_NOTEBOOKS - len(denied)
    # the shuffle happened: describes of one step ended out of the order they were handed out
    describe = next(i for i, s in enumerate(PLAN) if s.operation == "DescribeNotebookInstance")
    ended = [target for index, target in pools[0].ended if index == describe]
    assert len(ended) == 2 + EXTRA_NOTEBOOKS and ended != sorted(ended)


def estate_account(doc: dict[str, Any]) -> str:
    [account] = doc["accounts"]
    return str(account)


# --- over HTTP: list steps overlap on the wire too ---------------------------------------------


class Jitter:
    """moto's server app, each request delayed by 0-19 ms according to its bytes (reproducible),
    with the requests counted per operation as the server saw them."""

    def __init__(self) -> None:
        self._moto = DomainDispatcherApplication(create_backend_app)
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        import io

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).rsplit(".", 1)[-1] or body.split(b"&", 1)[0].decode()
        with self._lock:
            self.requests[operation] += 1
        time.sleep((zlib.crc32(body) % 20) / 1000)
        return self._moto(environ, start_response)

    def take(self) -> Counter[str]:
        taken, self.requests = self.requests, Counter()
        return taken


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No line per request."""


@contextlib.contextmanager
def jittering_moto() -> Iterator[tuple[Jitter, str]]:
    app = Jitter()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_over_http_the_snapshot_and_the_requests_are_those_of_one_call_at_a_time(
        session: boto3.session.Session, estate: Any, fake: Any, served_estate: Any) -> None:
    add_resources(session, estate)
    deny_some(fake)
    with jittering_moto() as (app, url):
        one_at_a_time = collect_snapshot(session, [REGION], endpoint_url=url, calls_in_flight=1, max_attempts=2)
        sequential_requests = app.take()
        overlapping = collect_snapshot(session, [REGION], endpoint_url=url, calls_in_flight=8, max_attempts=2)
        assert app.take() == sequential_requests
    assert without_created(overlapping) == without_created(one_at_a_time)
    assert sum(sequential_requests.values()) > 2 * EXTRA_NOTEBOOKS


# --- organizations -------------------------------------------------------------------------------


def test_accounts_are_collected_at_the_same_time(session: boto3.session.Session) -> None:
    """Each account's first call waits until the other account has made its first call too: one
    account after another would break the barrier (at its timeout) instead of passing it."""
    org: Any = session.client("organizations", region_name=REGION)
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="team@example.com", AccountName="team")["CreateAccountStatus"]["AccountId"]
    both = threading.Barrier(2, timeout=20)
    met: list[str] = []

    def assume(base: Any, role_arn: str, **kwargs: Any) -> Any:
        made = assumed_session(base, role_arn, **kwargs)

        def first_call(**_: Any) -> None:
            if role_arn not in met:
                met.append(role_arn)
                both.wait()  # BrokenBarrierError when the other account is not under way

        made.events.register("before-call.sts.GetCallerIdentity", first_call)
        return made

    doc = collect_organization(session, "audit", regions=[REGION], assume=assume, accounts_in_flight=2,
                               max_attempts=2)
    assert len(met) == 2 and both.n_waiting == 0 and not both.broken
    sts: Any = session.client("sts", region_name=REGION)
    assert sorted(doc["accounts"]) == sorted({str(sts.get_caller_identity()["Account"]), member})
    assert not [e for e in doc["errors"] if e["service"] in ("sts", "organizations")]


def test_the_organization_tree_walk_is_the_same_whatever_order_calls_end_in(
        session: boto3.session.Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """ListParents follows the account's path up two OUs to the root, ListPoliciesForTarget
    and DescribePolicy fan out from it: overlapping calls give the same snapshot and requests."""
    org: Any = session.client("organizations", region_name=REGION)
    account = org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
    root = org.list_roots()["Roots"][0]["Id"]
    outer = org.create_organizational_unit(ParentId=root, Name="ml")["OrganizationalUnit"]["Id"]
    inner = org.create_organizational_unit(ParentId=outer, Name="prod")["OrganizationalUnit"]["Id"]
    org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=inner)
    for i, target in enumerate((root, outer, inner, account)):
        policy = org.create_policy(Name=f"scp-{i}", Description="x", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": f"ec2:Delete{i}", "Resource": "*"}]}))
        org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=target)
    calls = Calls(session)
    one_at_a_time = collect_snapshot(session, [REGION], calls_in_flight=1, max_attempts=2)
    sequential_calls = calls.take()
    monkeypatch.setattr(runner, "TASK_POOL", ShufflingPool)
    overlapping = collect_snapshot(session, [REGION], calls_in_flight=8, max_attempts=2)
    assert without_created(overlapping) == without_created(one_at_a_time)
    assert calls.take() == sequential_calls
    tree = overlapping["accounts"][account]["aws-global"]["organizations"]
    assert list(tree["ListParents"]) == [account, inner, outer]  # walked up, in that order
    assert list(tree["ListPoliciesForTarget"]) == [account, inner, outer, root]
    assert len(tree["DescribePolicy"]) == 5  # the four SCPs and FullAWSAccess
