"""JUnit output is parsed back the way a CI server would read it."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from safemaker.reports.junit import render_junit
from safemaker.scanner.model import Report, Status


def _root(report: Report) -> ET.Element:
    return ET.fromstring(render_junit(report).encode("utf-8"))


def test_suites_cases_and_counts(sample_report: Report) -> None:
    root = _root(sample_report)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "3", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["FW-003", "NET-001", "NET-002", "NET-004", "SM-001"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(1 for c in cases if c.find("failure") is not None))
        assert suite.get("errors") == str(sum(1 for c in cases if c.find("error") is not None))
        assert all(c.get("classname") == suite.get("name") for c in cases)
    net1 = root.find("testsuite[@name='NET-001']")
    assert net1 is not None
    assert (net1.get("tests"), net1.get("failures"), net1.get("errors")) == ("2", "1", "0")


def test_failure_carries_message_severity_and_path(sample_report: Report) -> None:
    root = _root(sample_report)
    case = root.find(
        "testsuite/testcase[@name='AWS::SageMaker::NotebookInstance nb-analysts (111122223333/eu-west-1)']"
        "[@classname='NET-001']"
    )
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("0.0.0.0/0 from subnet-1 reaches igw-9")
    assert failure.get("type") == "critical"
    body = failure.text or ""
    assert (
        "path: eni eni-1 (notebook nb-analysts, sg-1 allows 0.0.0.0/0:443) -> route-table rtb-2 "
        "(0.0.0.0/0 -> nat-3) -> nat-gateway nat-3 (public, subnet-7)"
    ) in body
    assert "note: Block Public Access options not collected: taken as off" in body
    assert "remediation: Route 0.0.0.0/0 through" in body


def test_error_and_pass_cases(sample_report: Report) -> None:
    root = _root(sample_report)
    error_case = root.find("testsuite[@name='NET-002']/testcase")
    assert error_case is not None
    error = error_case.find("error")
    assert error is not None and error_case.find("failure") is None
    assert error.get("message") == "DescribeDomain was not collected"
    assert "AccessDeniedException" in (error.text or "")
    assert error_case.get("name") == "AWS::SageMaker::Domain d-abc (444455556666/us-east-1)"
    pass_names = ("AWS::NetworkFirewall::Firewall fw-1", "AWS::SageMaker::NotebookInstance nb-safe")
    passes = [c for c in root.iter("testcase") if c.get("name", "").startswith(pass_names)]
    assert len(passes) == 2
    assert all(len(list(c)) == 0 for c in passes)


def test_hostile_text_round_trips_as_text(hostile_report: Report) -> None:
    text = render_junit(hostile_report)
    assert "<script>" not in text and "<img" not in text
    root = ET.fromstring(text.encode("utf-8"))  # control characters must not break the XML
    names = [c.get("name") for c in root.iter("testcase")]
    assert "AWS::SageMaker::NotebookInstance <script>alert(1)</script> (111122223333/eu-west-1)" in names
    messages = [e.get("message") for e in root.iter("error")]
    assert "<script>alert(1)</script>\ufffd\ufffd[31m" in messages
    failures = [e.get("message") for e in root.iter("failure")]
    assert '"><img src=x onerror=alert(1)>' in failures


def test_empty_report(empty_report: Report) -> None:
    root = _root(empty_report)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("0", "0", "0")
    assert root.findall("testsuite") == []


def test_deterministic(sample_report: Report) -> None:
    shuffled = dataclasses.replace(sample_report, findings=tuple(reversed(sample_report.findings)))
    out = render_junit(sample_report)
    assert out == render_junit(shuffled)
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert out.endswith("</testsuites>\n")


def test_totals_match_report_summary(hostile_report: Report) -> None:
    root = _root(hostile_report)
    summary = hostile_report.summary()
    assert int(root.get("tests", "-1")) == len(hostile_report.findings)
    assert int(root.get("failures", "-1")) == summary[Status.FAIL.value]
    assert int(root.get("errors", "-1")) == summary[Status.ERROR.value]
