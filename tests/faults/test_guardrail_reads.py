"""The guardrail reads (contracts §5: iam GetAccountAuthorizationDetails, the Organizations tree,
s3 GetBucketPolicy) denied or answered with a proxy's HTML page: only the GRD verdicts move, and
never to PASS; every other verdict is untouched; no account or bucket drops out of the report.

The estate is the demo's (rig.py), which builds one guardrail gap and its guarded twin: GRD-001
FAIL, GRD-002 PASS, GRD-003 PASS and FAIL. A clean GRD PASS may survive a fault only where it
never rested on what the fault took: the demo account is the organization's management account,
to which no SCP applies, so a PASS from the principals' own policies holds without the SCPs (and
the test checks that such a PASS names no SCP).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from safemaker.scanner.model import Status

from .ledger import Ledger
from .rig import Rig, demo_rig, denial, service_id
from .verdicts import Outcome, outcome
from .wire import BLOCK_PAGE

Op = tuple[str, str]
GUARDRAIL_OPS: list[Op] = [
    ("iam", "GetAccountAuthorizationDetails"),
    ("organizations", "ListRoots"),
    ("organizations", "ListParents"),
    ("organizations", "ListPoliciesForTarget"),
    ("organizations", "DescribePolicy"),
    ("s3", "GetBucketPolicy"),
]
# The steps not called when a list read fails (a failed per-resource read leaves its map
# without those entries, and the steps it feeds run on what the map holds).
FEEDS: dict[Op, set[str]] = {
    ("organizations", "ListRoots"): {"ListParents", "ListPoliciesForTarget", "DescribePolicy"},
}


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def html_block_page(**_: Any) -> AWSResponse:
    """A TLS-inspecting proxy's block page with status 200, parsed by botocore's own parser."""
    headers = HTTPHeaders()
    headers["Content-Type"] = "text/html; charset=utf-8"
    return AWSResponse("https://faults.invalid/", 200, headers, _Body(BLOCK_PAGE))


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    with demo_rig() as built:
        yield built


@pytest.fixture(scope="module")
def clean(rig: Rig) -> Outcome:
    done = outcome(rig.collect())
    assert done.doc["errors"] == []
    grd = {(k[0], f.status) for k, f in done.findings.items() if k[0].startswith("GRD-")}
    assert {("GRD-001", Status.FAIL), ("GRD-002", Status.PASS), ("GRD-003", Status.PASS),
            ("GRD-003", Status.FAIL)} <= grd
    return done


def _hooks(rig: Rig, op: Op, kind: str) -> dict[str, Callable[..., Any]]:
    service, operation = op
    sid = service_id(rig.session, service)
    if kind == "denied":
        return {f"before-call.{sid}.{operation}": lambda **_: denial(service, operation)}
    return {f"before-send.{sid}.{operation}": html_block_page}


@pytest.mark.parametrize("kind", ["denied", "html"])
@pytest.mark.parametrize("op", GUARDRAIL_OPS, ids=[f"{s}.{o}" for s, o in GUARDRAIL_OPS])
def test_a_guardrail_read_that_fails_moves_only_grd_and_never_to_pass(
        rig: Rig, clean: Outcome, op: Op, kind: str, ledger: Ledger) -> None:
    service, operation = op
    faulted = outcome(rig.collect(_hooks(rig, op, kind), max_attempts=1))
    failed = [e for e in faulted.doc["errors"] if (e["service"], e["operation"]) == op]
    glob = faulted.doc["accounts"][rig.account]["aws-global"]
    problems: list[str] = []
    if not (service == "s3" and kind == "html"):
        # The answer was not read: absent (per resource: every entry), and the errors say why.
        assert failed, f"{service} {operation}: no errors entry"
        expected = {"AccessDeniedException", "AccessDenied"} if kind == "denied" else {"UnreadableResponse"}
        assert {e["error_code"] for e in failed} <= expected | {"CircuitOpen"}, failed
        where = faulted.doc["accounts"][rig.account]
        data = glob if service != "s3" else where["eu-west-1"]
        assert not data.get(service, {}).get(operation), f"{operation} kept data from an answer not read"
        for fed in FEEDS.get(op, set()):
            [skipped] = [e for e in faulted.doc["errors"] if e["operation"] == fed]
            assert skipped["error_code"] == "SourceFailed" and operation in skipped["message"]
    # else: S3 hands an HTML body over as the policy text itself; GRD-003 must not read it as one.

    for key, before in clean.findings.items():
        after = faulted.findings.get(key)
        if after is None:
            problems.append(f"{key}: gone (no resource may drop out)")
            continue
        if not key[0].startswith("GRD-"):
            if (after.status, after.message) != (before.status, before.message):
                problems.append(f"{key}: a non-guardrail verdict changed: {after.status.value} {after.message}")
            continue
        if before.status is Status.FAIL and after.status not in (Status.FAIL, Status.ERROR):
            problems.append(f"{key}: a FAIL became {after.status.value}")
        if after.status is Status.PASS:
            if before.status is not Status.PASS:
                problems.append(f"{key}: a new PASS")
            elif service == "organizations" and "SCP" in after.message:
                problems.append(f"{key}: PASS resting on an SCP that was not read: {after.message}")
            elif service != "organizations" and (key[0], service) in {("GRD-003", "s3"), ("GRD-001", "iam"),
                                                                       ("GRD-002", "iam")}:
                problems.append(f"{key}: PASS without the data it needs: {after.message}")
        if after.status is Status.ERROR and before.status is not Status.ERROR:
            named = operation in after.message or "could not be read" in after.message or (
                service == "organizations" and "service control policies" in after.message)
            if not named:
                problems.append(f"{key}: ERROR that does not say why: {after.message}")
    for key in faulted.findings.keys() - clean.findings.keys():
        problems.append(f"{key}: new finding {faulted.findings[key].status.value}")
    ledger.record(f"{kind}-{service}.{operation}", _tally(clean), _tally(faulted), problems)
    assert not problems, "\n".join(problems)


def _tally(result: Outcome) -> str:
    counts: Mapping[Status, int] = {s: sum(f.status is s for f in result.findings.values()) for s in Status}
    return " ".join(f"{counts[s]} {s.value}" for s in (Status.PASS, Status.FAIL, Status.ERROR))
