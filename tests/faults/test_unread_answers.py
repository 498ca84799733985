"""Answers that were not read are failed calls, never "none" (issue 14, item 1).

The demo estate (rig.py) is collected over HTTP through a WSGI wrapper in front of moto
(wire.py), so botocore's own parsers meet each fault: a TLS-inspecting proxy's HTML block page
with status 200 (EC2 parses it to `{}`), bytes that are not JSON on SageMaker (parsed to
`{"message": ...}`), a body cut in half, and pages repeated under a fresh token. Each faulted
run is compared with the clean one (verdicts.py): no verdict becomes PASS, no FAIL is lost, and
no resource disappears without an `errors` entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from safemaker.scanner.model import Status

from .ledger import Ledger
from .rig import REGION, Rig, demo_rig, http_answer, service_id
from .verdicts import Outcome, outcome
from .wire import Fault, FaultyMoto, cut_off, garbage, html_page, json_pages, serve

Served = tuple[Rig, FaultyMoto, str]
KIND: dict[Fault, str] = {garbage: "garbage", html_page: "html", cut_off: "cut-off"}  # names in the table


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with demo_rig() as rig, serve() as (app, url):
        yield rig, app, url


def run(served: Served, faults: dict[str, Fault] | None = None, hooks: dict[str, Any] | None = None) -> Outcome:
    rig, app, url = served
    app.reset()
    app.faults.update(faults or {})
    try:
        return outcome(rig.collect(hooks, endpoint_url=url, max_attempts=2))
    finally:
        app.reset()


@pytest.fixture(scope="module")
def clean(served: Served) -> Outcome:
    done = run(served)
    assert done.doc["errors"] == []
    return done


def data(result: Outcome, rig: Rig, service: str) -> dict[str, Any]:
    region: dict[str, Any] = result.doc["accounts"][rig.account][REGION]
    return dict(region.get(service, {}))


def test_an_html_block_page_on_an_ec2_describe_is_a_failed_call(served: Served, clean: Outcome,
                                                                 ledger: Ledger) -> None:
    rig = served[0]
    faulted = run(served, {"DescribeRouteTables": html_page})

    [error] = faulted.errors("DescribeRouteTables")
    assert error["error_code"] == "UnreadableResponse"
    assert error["message"].startswith("HTTP 200 answer has no RouteTables: not a DescribeRouteTables response")
    assert 'the body starts "<!DOCTYPE html> <html><head><title>Access blocked</title>' in error["message"]
    assert "DescribeRouteTables" not in data(faulted, rig, "ec2")  # unknown, not "no route tables"
    assert clean.status("NET-001", "nb-proxy-ok") is Status.PASS
    assert faulted.status("NET-001", "nb-proxy-ok") is Status.ERROR
    assert "ec2 DescribeRouteTables failed with UnreadableResponse" in faulted.message("NET-001", "nb-proxy-ok")
    ledger.compare("html-on-DescribeRouteTables", clean, faulted)


@pytest.mark.parametrize("fault", [garbage, html_page, cut_off], ids=["not-json", "html", "cut-off"])
def test_a_bad_describe_notebook_instance_keeps_its_fails(served: Served, clean: Outcome, fault: Fault,
                                                          ledger: Ledger) -> None:
    rig = served[0]
    faulted = run(served, {"DescribeNotebookInstance": fault})

    notebooks = [n["NotebookInstanceName"] for n in
                 clean.doc["accounts"][rig.account][REGION]["sagemaker"]["ListNotebookInstances"]["NotebookInstances"]]
    errors = faulted.errors("DescribeNotebookInstance")
    assert sorted(e["resource"] for e in errors) == sorted(notebooks)
    # three unreadable answers in a row open the operation's circuit breaker: the rest are not called
    assert [e["error_code"] for e in errors] == ["UnreadableResponse"] * 3 + ["CircuitOpen"] * (len(notebooks) - 3)
    assert data(faulted, rig, "sagemaker")["DescribeNotebookInstance"] == {}
    for check, notebook in (("PRX-002", "nb-direct-internet"), ("VPCE-001", "nb-proxy-ok")):
        assert clean.status(check, notebook) is Status.FAIL
        assert faulted.status(check, notebook) in (Status.FAIL, Status.ERROR)
    ledger.compare(f"{KIND[fault]}-on-DescribeNotebookInstance", clean, faulted)


@pytest.mark.parametrize("fault", [garbage, html_page], ids=["not-xml", "html"])
def test_describe_instances_garbage_keeps_the_imds_fail(served: Served, clean: Outcome, fault: Fault,
                                                        ledger: Ledger) -> None:
    faulted = run(served, {"DescribeInstances": fault})

    [error] = faulted.errors("DescribeInstances")
    assert error["error_code"] == "UnreadableResponse"
    assert error["message"].startswith("HTTP 200 answer ")
    [proxy] = [r for (c, _t, r), f in clean.findings.items() if c == "PRX-001" and f.status is Status.FAIL]
    # without DescribeInstances the proxy instance cannot be listed: PRX-001 is ERROR for the region
    assert proxy not in {r for (c, _t, r) in faulted.findings if c == "PRX-001"}
    ledger.compare(f"{KIND[fault]}-on-DescribeInstances", clean, faulted)


def test_sagemaker_pages_repeated_under_a_fresh_token_are_refused(served: Served, clean: Outcome,
                                                                  ledger: Ledger) -> None:
    rig = served[0]

    def repeat(number: int, answer: dict[str, Any], first: dict[str, Any] | None) -> dict[str, Any]:
        assert first is not None
        return {**first, "NextToken": "fresh-1"} if number == 1 else dict(first)

    faulted = run(served, {"ListNotebookInstances": json_pages(repeat)})

    [error] = faulted.errors("ListNotebookInstances")
    assert error["error_code"] == "RepeatedPage"
    assert error["message"].startswith("page 2 repeats 6 NotebookInstances entries of earlier pages")
    assert "ListNotebookInstances" not in data(faulted, rig, "sagemaker")
    assert faulted.status("NET-001", f"AWS::SageMaker::NotebookInstance in {rig.account}/{REGION}") is Status.ERROR
    ledger.compare("repeated-pages-of-ListNotebookInstances", clean, faulted)


def test_network_firewall_pages_repeated_under_a_fresh_token_are_refused(served: Served, clean: Outcome,
                                                                         ledger: Ledger) -> None:
    rig = served[0]
    firewalls = clean.doc["accounts"][rig.account][REGION]["network-firewall"]["ListFirewalls"]["Firewalls"]
    pages: Iterator[dict[str, Any]] = iter([{"Firewalls": list(firewalls), "NextToken": "t1"},
                                            {"Firewalls": list(firewalls), "NextToken": "t2"},
                                            {"Firewalls": list(firewalls)}])

    def list_firewalls(**_: Any) -> Any:
        return http_answer(200, next(pages))

    sid = service_id(rig.session, "network-firewall")
    faulted = run(served, hooks={f"before-call.{sid}.ListFirewalls": list_firewalls})

    [error] = faulted.errors("ListFirewalls")
    assert error["error_code"] == "RepeatedPage"
    assert "ListFirewalls" not in data(faulted, rig, "network-firewall")
    assert [e["error_code"] for e in faulted.errors("DescribeFirewall")] == ["SourceFailed"]
    ledger.compare("repeated-pages-of-ListFirewalls", clean, faulted)
