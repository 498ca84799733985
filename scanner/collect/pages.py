"""Is a page of an answer data? The checks every page passes before the collector keeps it.

botocore's parsers do not fail on every answer that is not AWS's: a 200 whose body is not JSON
becomes ``{"message": <body>}`` for the JSON APIs (SageMaker, Network Firewall), and well-formed
HTML on an EC2 call becomes ``{}``. A TLS-inspecting proxy's block page or a cut-off body would
then look like "no resources" and give a false PASS. So a page counts as read only when it holds
the member its step names (``Step.read_marker``: the list, or the described object's identifier);
otherwise the call failed, and the error entry carries the HTTP status and the first bytes of
the body so that a person can see what answered instead of AWS.

A paginated answer whose later page repeats entries of earlier pages under a new token (a
caching proxy, a service bug) would store duplicates and duplicate findings; the repetition is
detected for every service and the whole result is left out, like any result known to be
incomplete.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from safemaker.scanner.collect.plan import Step

#: error_code of a 2xx answer that does not have the shape of the operation's output.
UNREADABLE_CODE = "UnreadableResponse"
#: error_code of a page that repeats entries of an earlier page of the same call.
REPEATED_PAGE_CODE = "RepeatedPage"
_EXCERPT_BYTES = 160
# Whatever in a body could be one of our credentials, should an intermediary echo the request.
_SECRETS = (
    re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b"),
    re.compile(r"(?i)(credential|signature|x-amz-security-token|x-amz-signature|authorization"
               r"|aws_secret_access_key|aws_session_token)(\s*[=:]\s*)[^\s,&\"'<]+"),
)


class IncompleteResult(Exception):
    """A call answered, but what it returned cannot be trusted to be complete or to be data."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_page(step: Step, page: Mapping[str, Any], number: int, http: tuple[int, bytes] | None) -> None:
    """Raise IncompleteResult unless ``page`` carries its step's read marker.

    ``http`` is the (status, body) the page was parsed from, when the answer came over HTTP: its
    status and first bytes go into the message (never the request, which holds the signature).
    """
    marker = step.read_marker
    if marker is None:
        return
    value = page.get(marker)
    wanted_list = marker == step.list_key
    if (isinstance(value, list) if wanted_list else value not in (None, "", {}, [])):
        return
    status = _status(page, http)
    where = f" (page {number})" if number > 1 else ""
    raise IncompleteResult(
        UNREADABLE_CODE,
        f"HTTP {status} answer{where} has no {marker}: not a {step.operation} response, so nothing it "
        f"lists is known; the body starts {excerpt(_body(page, http))}",
    )


class PageLedger:
    """Remembers the entries of a call's pages to notice a page that repeats earlier ones."""

    def __init__(self, step: Step) -> None:
        self._key = step.list_key
        self._first: Mapping[str, Any] | None = None
        self._seen: set[str] = set()

    def add(self, page: Mapping[str, Any], number: int) -> None:
        if self._key is None:
            return
        if number == 1:
            self._first = page  # fingerprinted only if a second page comes: most calls have one
            return
        if self._first is not None:
            self._seen.update(self._fingerprints(self._first))
            self._first = None
        prints = self._fingerprints(page)
        repeated = prints & self._seen
        if repeated:
            raise IncompleteResult(
                REPEATED_PAGE_CODE,
                f"page {number} repeats {len(repeated)} {self._key} entries of earlier pages under a new "
                "NextToken; the pages cannot be trusted, result left out",
            )
        self._seen.update(prints)

    def _fingerprints(self, page: Mapping[str, Any]) -> set[str]:
        items = page.get(self._key) if self._key else None
        if not isinstance(items, list):
            return set()
        return {json.dumps(item, sort_keys=True, default=str) for item in items}


def excerpt(body: bytes) -> str:
    """The first bytes of a body as one safe line: quoted, credentials and control characters out."""
    if not body:
        return "(empty)"
    text = body[:_EXCERPT_BYTES].decode("utf-8", errors="replace")
    for pattern in _SECRETS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]" if m.lastindex else "[redacted]", text)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    more = "…" if len(body) > _EXCERPT_BYTES else ""
    return json.dumps(" ".join(text.split()) + more, ensure_ascii=False)


def unparsable(exc: Exception, number: int, http: tuple[int, bytes] | None) -> IncompleteResult:
    """A parser that gave up on an answer (not XML, not UTF-8): the same failure as a shapeless one."""
    status = str(http[0]) if http else "(status unknown)"
    where = f" (page {number})" if number > 1 else ""
    body = excerpt(http[1]) if http else "(not seen)"
    return IncompleteResult(UNREADABLE_CODE, f"HTTP {status} answer{where} could not be parsed "
                                             f"({type(exc).__name__}); the body starts {body}")


def _status(page: Mapping[str, Any], http: tuple[int, bytes] | None) -> str:
    if http is not None:
        return str(http[0])
    meta = page.get("ResponseMetadata")
    code = meta.get("HTTPStatusCode") if isinstance(meta, Mapping) else None
    return str(code) if code is not None else "(status unknown)"


def _body(page: Mapping[str, Any], http: tuple[int, bytes] | None) -> bytes:
    if http is not None:
        return http[1]
    rest = {k: v for k, v in page.items() if k != "ResponseMetadata"}
    if set(rest) == {"message"} and isinstance(rest["message"], str):
        return rest["message"].encode()  # botocore's wrapping of a body that was not JSON
    return json.dumps(rest, default=str).encode()
