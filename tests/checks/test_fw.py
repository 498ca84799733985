"""FW-001..FW-004 against their fixture scenarios, resource by resource."""

from __future__ import annotations

from functools import cache

import pytest
from checks_support import by_key, cases, load_doc, region, run, validate, without

from safemaker.checks import fw
from safemaker.scanner.model import Finding, Status

SCENARIOS = ("fw-stateless", "fw-stateful", "fw-logging", "fw-az-coverage", "fw-az-unknown-subnet")


@cache
def findings(name: str) -> dict[tuple[str, str], Finding]:
    return by_key(run(load_doc(name), fw.CHECKS, source=name))


@pytest.mark.parametrize("name", SCENARIOS)
def test_fixture_is_a_valid_snapshot(name: str) -> None:
    validate(load_doc(name), name)


@pytest.mark.parametrize(("name", "check_id", "resource_id", "status"), cases(SCENARIOS))
def test_expected_verdict(name: str, check_id: str, resource_id: str, status: str) -> None:
    finding = findings(name).get((check_id, resource_id))
    assert finding is not None, f"no {check_id} finding for {resource_id}"
    assert finding.status.value == status, finding.message


# --- FW-001 -----------------------------------------------------------------------------------

def test_default_pass_message() -> None:
    f = findings("fw-stateless")[("FW-001", "pol-default-pass-fail")]
    assert "StatelessDefaultActions is aws:pass" in f.message


def test_broad_pass_rule_names_rule_and_ignores_custom_action() -> None:
    f = findings("fw-stateless")[("FW-001", "pol-broad-pass-rule-fail")]
    assert "rule priority 10 in rg-stateless-broad-pass" in f.message
    assert "CountHttps" in f.message  # shown, but the standard action decides


def test_shadowed_pass_is_explained() -> None:
    f = findings("fw-stateless")[("FW-001", "pol-pass-shadowed-pass")]
    assert any(n.startswith("shadowed by rule priority 1") for n in f.evidence.notes)


def test_unreachable_default_is_explained() -> None:
    f = findings("fw-stateless")[("FW-001", "pol-default-pass-unreachable-pass")]
    assert "never reached" in f.message


def test_missing_stateless_group_names_the_arn() -> None:
    f = findings("fw-stateless")[("FW-001", "pol-missing-group-error")]
    assert "stateless-rulegroup/rg-stateless-not-collected" in f.message
    assert "AccessDeniedException" in f.message


def test_rule_groups_missing_entirely_gives_error_where_groups_are_referenced() -> None:
    doc = without(load_doc("fw-stateless"), "network-firewall", "DescribeRuleGroup")
    got = {f.resource.id: f for f in run(doc, [fw.stateless_bypass])}
    with_groups = {"pol-broad-pass-rule-fail", "pol-pass-shadowed-pass", "pol-default-pass-unreachable-pass",
                   "pol-narrow-pass-pass", "pol-split-dest-pass-rule-fail", "pol-partial-shadow-fail",
                   "pol-missing-group-error"}
    for name, f in got.items():
        if name in with_groups:
            assert f.status is Status.ERROR and "DescribeRuleGroup" in f.message, name
        else:  # policies without rule groups do not depend on DescribeRuleGroup
            assert f.status.value == name.rsplit("-", 1)[1].upper(), name


# --- FW-002 -----------------------------------------------------------------------------------

def test_seed001_default_order_allowlist_explains_rule_17() -> None:
    f = findings("fw-stateful")[("FW-002", "pol-seed001-default-order-fail")]
    assert f.message.startswith("a domain allowlist is used but other traffic is not dropped")
    assert "DEFAULT_ACTION_ORDER" in f.message and "HTTP/TLS" in f.message


def test_allow_all_message() -> None:
    f = findings("fw-stateful")[("FW-002", "pol-no-allowlist-fail")]
    assert f.message.startswith("no domain allowlist and no default drop: all traffic allowed")


def test_strict_drop_pass_lists_what_was_parsed_and_home_net() -> None:
    f = findings("fw-stateful")[("FW-002", "pol-strict-allowlist-drop-pass")]
    assert "aws:drop_established" in f.message
    notes = "\n".join(f.evidence.notes)
    assert "allow: ALLOWLIST in rg-allow-domains-strict" in notes
    assert "HOME_NET to ['10.2.0.0/16', '10.3.0.0/16']" in notes


def test_broad_pass_rule_is_a_leak_even_with_default_drop() -> None:
    f = findings("fw-stateful")[("FW-002", "pol-strict-broad-pass-fail")]
    assert "sid 200" in f.message and "port 443" in f.message


def test_drop_to_alert_override_does_not_count() -> None:
    f = findings("fw-stateful")[("FW-002", "pol-drop-to-alert-fail")]
    assert any("DROP_TO_ALERT" in n for n in f.evidence.notes)


def test_unparsed_rules_are_reported_not_assumed() -> None:
    f = findings("fw-stateful")[("FW-002", "pol-unparsed-pass-error")]
    notes = "\n".join(f.evidence.notes)
    assert "no rule options in parentheses" in notes
    assert "ja3.hash" in notes


def test_tcp_udp_icmp_drops_pass_with_a_note_on_other_protocols() -> None:
    f = findings("fw-stateful")[("FW-002", "pol-default-order-drop-rules-pass")]
    assert any("other than TCP, UDP and ICMP" in n for n in f.evidence.notes)


# --- FW-003 -----------------------------------------------------------------------------------

def test_logging_configuration_missing_entry_is_error() -> None:
    f = findings("fw-logging")[("FW-003", "fw-log-missing-error")]
    assert "DescribeLoggingConfiguration" in f.message


def test_logging_operation_missing_gives_error_for_every_firewall() -> None:
    doc = without(load_doc("fw-logging"), "network-firewall", "DescribeLoggingConfiguration")
    got = run(doc, [fw.no_logging])
    assert len(got) == 5
    assert all(f.status is Status.ERROR and "required data missing" in f.message for f in got)


def test_tls_only_logging_fails() -> None:
    f = findings("fw-logging")[("FW-003", "fw-log-tls-only-fail")]
    assert "TLS" in f.message


# --- FW-004 -----------------------------------------------------------------------------------

def test_az_gap_names_zone_and_workload() -> None:
    f = findings("fw-az-coverage")[("FW-004", "fw-az-gap-fail")]
    assert "eu-west-1c" in f.message and "nb-az-c-uncovered" in f.message


def test_failed_endpoint_does_not_count() -> None:
    f = findings("fw-az-coverage")[("FW-004", "fw-endpoint-failed-fail")]
    assert any("FAILED" in n for n in f.evidence.notes)


def test_no_sagemaker_subnet_passes_with_reason() -> None:
    f = findings("fw-az-coverage")[("FW-004", "fw-no-sagemaker-pass")]
    assert "no SageMaker subnet" in f.message


def test_public_internet_domain_and_deleted_subnet_do_not_fail() -> None:
    f = findings("fw-az-coverage")[("FW-004", "fw-all-az-pass")]
    notes = "\n".join(f.evidence.notes)
    assert "eu-west-1c" not in f.message
    assert "subnet-0deadbeef0000001 of training job tj-deleted-subnet" in notes
    assert "processing job" not in notes  # pj-az-a is in another VPC


def test_processing_jobs_and_models_are_sagemaker_subnets() -> None:
    f = findings("fw-az-coverage")[("FW-004", "fw-az-gap-fail")]
    notes = "\n".join(f.evidence.notes)
    assert "processing job pj-az-a" in notes and "model model-az-a" in notes


def test_subnets_missing_gives_error() -> None:
    doc = without(load_doc("fw-az-coverage"), "ec2", "DescribeSubnets")
    got = run(doc, [fw.az_without_endpoint])
    assert got and all(f.status is Status.ERROR for f in got)


def test_transit_gateway_firewall_is_error_not_pass() -> None:
    doc = load_doc("fw-az-coverage")
    described = region(doc)["network-firewall"]["DescribeFirewall"]
    for entry in described.values():
        entry["Firewall"]["TransitGatewayId"] = "tgw-0a1b2c3d4e5f00001"
    got = run(doc, [fw.az_without_endpoint])
    assert got and all(f.status is Status.ERROR and "transit-gateway" in f.message for f in got)
