"""A WSGI wrapper in front of moto's server app: answers that go wrong on the wire.

The botocore hooks of rig.py answer calls with already parsed dicts; what this module tests is
what botocore's own parsers make of bytes that are not AWS's (an HTML block page, a body that is
not JSON, a cut-off body) and what a socket that trickles does to a call. The collector talks
HTTP to a local werkzeug server; the wrapper hands each request to moto's WSGI application (the
same global moto state the in-process estate was built in) and, for the operations a test names,
rewrites moto's answer before it is sent.
"""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server


@dataclass
class Answer:
    """moto's answer to one request, and which request of its operation it was (1-based)."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    request: bytes
    number: int


# A fault turns moto's answer into (status line, headers, body chunks); None keeps moto's answer.
Fault = Callable[[Answer], tuple[str, list[tuple[str, str]], Iterable[bytes]] | None]

BLOCK_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Access blocked</title></head><body><h1>Web page blocked"
              b"</h1><p>The site you requested is not allowed by your organization's policy.</p></body></html>")


def operation_of(environ: dict[str, Any], body: bytes) -> str:
    """The API operation a request calls: X-Amz-Target for JSON APIs, Action= for query APIs."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return str(target).rsplit(".", 1)[-1]
    action = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])
    return action[0]


class FaultyMoto:
    """The WSGI application: moto, with per-operation faults (set ``faults``, clear after)."""

    def __init__(self) -> None:
        self._moto = DomainDispatcherApplication(create_backend_app)
        self.faults: dict[str, Fault] = {}
        self.calls: Counter[str] = Counter()
        self.stop = threading.Event()  # ends trickling bodies when the test is over
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        operation = operation_of(environ, body)
        with self._lock:
            self.calls[operation] += 1
            number = self.calls[operation]
        fault = self.faults.get(operation)
        if fault is None:
            return self._moto(environ, start_response)  # type: ignore[no-any-return]
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            seen.update(status=status, headers=headers)
            return lambda _data: None

        answer_body = b"".join(self._moto(environ, capture))
        changed = fault(Answer(seen["status"], list(seen["headers"]), answer_body, body, number))
        if changed is None:
            start_response(seen["status"], seen["headers"])
            return [answer_body]
        status, headers, chunks = changed
        start_response(status, headers)
        return chunks

    def reset(self) -> None:
        self.faults.clear()
        self.calls.clear()


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request would drown the test output."""


@contextlib.contextmanager
def serve() -> Iterator[tuple[FaultyMoto, str]]:
    """The wrapped moto app on a free local port; yields (app, endpoint URL)."""
    app = FaultyMoto()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="faulty-moto", daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        app.stop.set()
        server.shutdown()
        thread.join(timeout=5)


# --- faults ------------------------------------------------------------------------------------


def _replace(body: bytes, content_type: str, status: str = "200 OK") -> tuple[str, list[tuple[str, str]], list[bytes]]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    return status, headers, [body]


def html_page(_answer: Answer) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    """A TLS-inspecting proxy's block page, with status 200."""
    return _replace(BLOCK_PAGE, "text/html; charset=utf-8")


def garbage(_answer: Answer) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    """Bytes that are neither XML nor JSON."""
    return _replace(b"\x00\x17garbage \xff\xfe not an answer", "application/octet-stream")


def cut_off(answer: Answer) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    """The first half of moto's body, announced as complete (a proxy that dropped the rest)."""
    kept = answer.body[: len(answer.body) // 2]
    return _replace(kept, dict(answer.headers).get("Content-Type", "application/json"))


def on_request(number: int, fault: Fault) -> Fault:
    """Apply ``fault`` only to the ``number``-th request of the operation (e.g. page 2)."""
    def only(answer: Answer) -> tuple[str, list[tuple[str, str]], Iterable[bytes]] | None:
        return fault(answer) if answer.number == number else None
    return only


def trickle(app: FaultyMoto, interval: float) -> Fault:
    """moto's answer, one byte every ``interval`` seconds, with its full Content-Length."""
    def slow(answer: Answer) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
        def drip() -> Iterator[bytes]:
            for i in range(len(answer.body)):
                if app.stop.wait(interval):
                    return
                yield answer.body[i:i + 1]
        headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
        return answer.status, [*headers, ("Content-Length", str(len(answer.body)))], drip()
    return slow


def wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def json_pages(rewrite: Callable[[int, dict[str, Any], dict[str, Any] | None], dict[str, Any]]) -> Fault:
    """A JSON API answer rewritten from (request number, this answer, the first answer)."""
    import json

    first: dict[str, Any] = {}

    def fault(answer: Answer) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        parsed = json.loads(answer.body) if answer.status.startswith("200") else {}
        if answer.number == 1:
            first.update(parsed)
        body = json.dumps(rewrite(answer.number, parsed, dict(first) if first else None)).encode()
        return _replace(body, "application/x-amz-json-1.1")
    return fault
