"""SM-001..SM-003 against their fixture scenarios, resource by resource."""

from __future__ import annotations

from functools import cache

import pytest
from checks_support import by_key, cases, load_doc, region, run, validate, without

from safemaker.checks import sm
from safemaker.scanner.model import Finding, Status

SCENARIOS = ("sm-workloads", "sm-missing-details")


@cache
def findings(name: str) -> dict[tuple[str, str], Finding]:
    return by_key(run(load_doc(name), sm.CHECKS, source=name))


@pytest.mark.parametrize("name", SCENARIOS)
def test_fixture_is_a_valid_snapshot(name: str) -> None:
    validate(load_doc(name), name)


@pytest.mark.parametrize(("name", "check_id", "resource_id", "status"), cases(SCENARIOS))
def test_expected_verdict(name: str, check_id: str, resource_id: str, status: str) -> None:
    finding = findings(name).get((check_id, resource_id))
    assert finding is not None, f"no {check_id} finding for {resource_id}"
    assert finding.status.value == status, finding.message


def test_root_access_unset_says_aws_default() -> None:
    f = findings("sm-workloads")[("SM-001", "nb-root-unset-fail")]
    assert "default" in f.message


def test_aws_managed_alias_is_not_customer_managed() -> None:
    f = findings("sm-workloads")[("SM-002", "nb-kms-aws-alias-fail")]
    assert "alias/aws/sagemaker" in f.message
    passed = findings("sm-workloads")[("SM-002", "nb-root-disabled-pass")]
    assert any("customer-supplied" in n for n in passed.evidence.notes)


def test_training_job_message_counts_instances() -> None:
    f = findings("sm-workloads")[("SM-003", "tj-ict-disabled-fail")]
    assert "4 instances" in f.message


def test_missing_detail_names_collection_failure() -> None:
    f = findings("sm-missing-details")[("SM-001", "nb-describe-denied-error")]
    assert "AccessDeniedException" in f.message


def test_missing_describe_operation_gives_error_for_the_resources_that_need_it() -> None:
    doc = without(load_doc("sm-workloads"), "sagemaker", "DescribeTrainingJob")
    got = run(doc, [sm.job_encryption_and_isolation])
    jobs = [f for f in got if f.resource.type.value == "AWS::SageMaker::TrainingJob"]
    models = {f.resource.id: f.status.value for f in got if f.resource.type.value == "AWS::SageMaker::Model"}
    assert len(jobs) == 3 and all(f.status is Status.ERROR and "DescribeTrainingJob" in f.message for f in jobs)
    assert models == {"model-isolated-pass": "PASS", "model-isolation-disabled-fail": "FAIL",
                      "model-isolation-unset-fail": "FAIL"}


def test_missing_list_operation_gives_a_region_error() -> None:
    doc = load_doc("sm-workloads")
    del region(doc)["sagemaker"]["ListNotebookInstances"]
    got = [f for f in run(doc, [sm.root_access])]
    assert [f.status for f in got] == [Status.ERROR]
    assert got[0].resource.type.value == "AWS::Region"
