"""Runs the collection plan against AWS and assembles a `safemaker.snapshot/v1` document.

Design choices that matter to the rest of the project:

* Every client is made with ``session.client(...)``: a caller that registered botocore event
  handlers on ``session.events`` beforehand (the demo serves Network Firewall responses that
  moto lacks this way, the tests inject failures) sees them apply to every call.
* A failed call never stops the run. It is listed in ``errors`` and its result is left out of
  the snapshot, because *absent means unknown*: a check then reports ERROR instead of a false
  PASS. For the same reason a response that is known to be incomplete (a repeated pagination
  token, routes the API says it dropped) is left out rather than stored partially.
* Regions are collected concurrently; within a region the plan runs in order, and results are
  assembled in sorted region order, so the same AWS data gives the same document.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from safemaker import __version__

from ..errors import CollectionError
from ..validate import REGION_PATTERN
from .plan import PLAN, Source, Step

SCHEMA = "safemaker.snapshot/v1"
USER_AGENT = f"safemaker/{__version__}"
DEFAULT_MAX_ATTEMPTS = 10
# A paginated call that keeps handing out fresh tokens is cut off here rather than run forever.
MAX_PAGES = 10_000
# Dropped from every page: they describe the transport, not the estate.
_TRANSPORT_KEYS = frozenset({"ResponseMetadata", "NextToken", "Marker", "NextMarker"})
_MESSAGE_LIMIT = 500

Progress = Callable[[str], None]


class _IncompleteResult(Exception):
    """A call answered, but what it returned cannot be trusted to be complete."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def client_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    """The botocore settings of every collector client (adaptive retries absorb throttling)."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
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
) -> dict[str, Any]:
    """Collect every planned operation in each region of the session's account.

    ``max_attempts`` exists for test servers that answer unimplemented calls with HTTP 500,
    which adaptive retries would otherwise repeat ten times each.
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

    factory = _ClientFactory(session, endpoint_url, client_config(max_attempts))
    collectors = [_RegionCollector(account, region, factory, say) for region in wanted]
    workers = max(1, min(max_workers, len(collectors)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="safemaker-collect") as pool:
        futures = [pool.submit(c.run) for c in collectors]
        for future in futures:
            future.result()  # re-raises only on a bug in the collector itself

    regions_data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for c in sorted(collectors, key=lambda c: c.region):
        regions_data[c.region] = {svc: dict(sorted(ops.items())) for svc, ops in sorted(c.data.items())}
        errors.extend(c.errors)
    return {
        "schema": SCHEMA,
        "created": started,
        "tool_version": __version__,
        "accounts": {account: regions_data},
        "errors": errors,
    }


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


class _ClientFactory:
    """One client per (service, region), made under a lock: clients are thread-safe, sessions not."""

    def __init__(self, session: Any, endpoint_url: str | None, config: Config) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self._config = config
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def get(self, service: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                kwargs: dict[str, Any] = {"region_name": region, "config": self._config}
                if self._endpoint_url:
                    kwargs["endpoint_url"] = self._endpoint_url
                client = self._session.client(service, **kwargs)
                self._clients[(service, region)] = client
            return client


class _RegionCollector:
    """Runs the whole plan in one region, sequentially, keeping results and errors apart."""

    def __init__(self, account: str, region: str, clients: _ClientFactory, say: Progress) -> None:
        self.account = account
        self.region = region
        self.data: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, Any]] = []
        self._clients = clients
        self._say = say

    def run(self) -> None:
        for step in PLAN:
            if step.per_resource:
                self._per_resource(step)
            else:
                self._list_style(step)
        self._say(f"collect {self.where}: done ({len(self.errors)} errors)")

    @property
    def where(self) -> str:
        return f"{self.account}/{self.region}"

    def _list_style(self, step: Step) -> None:
        try:
            result = self._call(step, dict(step.params))
        except Exception as exc:  # every failure of a call is data, not a crash
            self._fail(step, None, exc)
            return
        self.data.setdefault(step.service, {})[step.operation] = result
        count = f" ({len(result.get(step.list_key) or [])})" if step.list_key else ""
        self._say(f"collect {self.where}: {step.service} {step.operation}{count}")

    def _per_resource(self, step: Step) -> None:
        targets = self._targets(step)
        if targets is None:
            return  # the identifiers' source is absent; its own error entry explains why
        results: dict[str, Any] = {}
        for key, params in targets:
            try:
                results[key] = self._call(step, {**step.params, **params})
            except Exception as exc:  # one bad resource must not hide the others
                self._fail(step, key, exc)
        self.data.setdefault(step.service, {})[step.operation] = results
        self._say(f"collect {self.where}: {step.service} {step.operation} ({len(results)})")

    def _targets(self, step: Step) -> list[tuple[str, dict[str, str]]] | None:
        """Distinct (snapshot key, request parameters) pairs, in the order the sources list them."""
        found: dict[str, dict[str, str]] = {}
        for source in step.sources:
            collected = self.data.get(source.service, {})
            if source.operation not in collected:
                return None
            for item in _walk(collected[source.operation], source.path):
                params = _params_of(item, source)
                if params is not None:
                    found.setdefault("/".join(params[name] for name in step.key), params)
        return list(found.items())

    def _call(self, step: Step, params: dict[str, Any]) -> dict[str, Any]:
        client = self._clients.get(step.service, self.region)
        method = getattr(client, xform_name(step.operation))
        pages: list[Mapping[str, Any]] = []
        seen: set[str] = set()
        while True:
            page = method(**params)
            pages.append(page)
            token = page.get("NextToken") if step.paginated else None
            if not token:
                break
            if token in seen:
                raise _IncompleteResult(
                    "RepeatedPaginationToken",
                    f"the API returned NextToken {token!r} a second time after {len(pages)} pages; "
                    "stopped to avoid looping, result left out",
                )
            if len(pages) >= MAX_PAGES:
                raise _IncompleteResult("PaginationLimit", f"more than {MAX_PAGES} pages; result left out")
            seen.add(token)
            params = {**params, "NextToken": token}
        merged = merge_pages(pages)
        if step.truncated_flag and merged.get(step.truncated_flag) is True:
            raise _IncompleteResult(
                "TruncatedResults",
                f"{step.truncated_flag} is true: the API returned only part of the results; result left out",
            )
        return merged

    def _fail(self, step: Step, resource: str | None, exc: Exception) -> None:
        code, message = error_fields(exc)
        self.errors.append({
            "account": self.account,
            "region": self.region,
            "service": step.service,
            "operation": step.operation,
            "resource": resource,
            "error_code": code,
            "message": message,
        })
        target = f" {resource}" if resource else ""
        optional = " (optional)" if step.optional else ""
        self._say(f"collect {self.where}: {step.service} {step.operation}{target} failed{optional}: {code}")


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


def _params_of(item: Any, source: Source) -> dict[str, str] | None:
    if not isinstance(item, Mapping):
        return None
    params: dict[str, str] = {}
    for param, field_name in source.fields.items():
        value = item.get(field_name)
        if not isinstance(value, str) or not value:
            return None
        params[param] = value
    return params


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
    elif isinstance(exc, _IncompleteResult):
        code, message = exc.code, str(exc)
    else:
        code, message = type(exc).__name__, str(exc) or type(exc).__name__
    return code, _one_line(message)


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"
