"""Every step names the output member that shows a page was read, and botocore's output shape has
it: a marker the API can never return would turn every real answer into a failed call, and a
step without one would let an HTML page or `{"message": ...}` pass as "no resources"."""

from __future__ import annotations

import botocore.session
import pytest

from safemaker.scanner.collect.pages import IncompleteResult, PageLedger, check_page, excerpt
from safemaker.scanner.collect.plan import PLAN, Step

_CORE = botocore.session.get_session()


@pytest.mark.parametrize("step", PLAN, ids=lambda s: f"{s.service}.{s.operation}")
def test_every_step_has_a_read_marker_in_its_output_shape(step: Step) -> None:
    shape = _CORE.get_service_model(step.service).operation_model(step.operation).output_shape
    assert step.read_marker is not None
    assert step.read_marker in shape.members
    if step.read_marker == step.list_key:
        assert shape.members[step.read_marker].type_name == "list"


def _step(operation: str) -> Step:
    return next(s for s in PLAN if s.operation == operation)


def test_a_page_without_its_marker_is_unreadable_and_says_what_answered() -> None:
    page = {"message": "<html><body>Blocked by policy</body></html>", "ResponseMetadata": {"HTTPStatusCode": 200}}
    with pytest.raises(IncompleteResult) as caught:
        check_page(_step("ListNotebookInstances"), page, 2, None)
    assert caught.value.code == "UnreadableResponse"
    assert str(caught.value) == (
        "HTTP 200 answer (page 2) has no NotebookInstances: not a ListNotebookInstances response, so nothing "
        "it lists is known; the body starts \"<html><body>Blocked by policy</body></html>\"")


def test_an_empty_list_is_data_and_an_empty_identifier_is_not() -> None:
    check_page(_step("DescribeVpcs"), {"Vpcs": []}, 1, None)
    with pytest.raises(IncompleteResult):
        check_page(_step("DescribeNotebookInstance"), {"NotebookInstanceName": ""}, 1, None)


def test_the_excerpt_keeps_no_credentials_and_no_control_characters() -> None:
    body = (b"<html>\x1b]0;pwned\x07 echo: Authorization: AWS4-HMAC-SHA256 Credential=AKIAABCDEFGHIJKLMNOP/x, "
            b"X-Amz-Security-Token: FwoGZXIvYXdzEJr</html>")
    shown = excerpt(body)
    assert "AKIA" not in shown and "FwoGZX" not in shown and "\x1b" not in shown
    assert shown.startswith('"<html> ]0;pwned echo: Authorization: [redacted]')


def test_a_page_repeating_entries_of_an_earlier_one_is_refused() -> None:
    ledger = PageLedger(_step("ListFirewalls"))
    ledger.add({"Firewalls": [{"FirewallName": "a"}]}, 1)
    ledger.add({"Firewalls": [{"FirewallName": "b"}]}, 2)
    with pytest.raises(IncompleteResult) as caught:
        ledger.add({"Firewalls": [{"FirewallName": "a"}]}, 3)
    assert caught.value.code == "RepeatedPage"
