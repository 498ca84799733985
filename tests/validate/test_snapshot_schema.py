"""The envelope JSON Schema shipped for users' own tooling must agree with validate_snapshot.

Both describe the same contract; if they drift, a user's CI (using the schema) would accept
snapshots that `safemaker analyze` rejects, or the other way round.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from safemaker.scanner.errors import SnapshotError
from safemaker.scanner.snapshot.validate import (
    ACCOUNT_PATTERN,
    SCHEMA,
    SNAPSHOT_REGION_PATTERN,
    envelope_schema,
    validate_snapshot,
)

ACCOUNT = "111122223333"
ERROR = {"account": ACCOUNT, "region": "eu-west-1", "service": "sagemaker", "operation": "DescribeDomain",
         "resource": "d-abc", "error_code": "AccessDeniedException", "message": "denied"}


def schema_text() -> str:
    return resources.files("safemaker.scanner.snapshot").joinpath("schemas/snapshot.schema.json").read_text("utf-8")


def sample(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "created": "2026-11-23T10:00:00Z",
        "tool_version": "0.1.0",
        "accounts": {ACCOUNT: {"eu-west-1": {
            "ec2": {"DescribeVpcs": {"Vpcs": []}},
            "sagemaker": {"DescribeNotebookInstance": {"nb-1": {"NotebookInstanceName": "nb-1"}}},
        }}},
        "errors": [ERROR, {**ERROR, "resource": None}],
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not DROP}


DROP = object()


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(schema_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert envelope_schema() == schema


def test_schema_shares_the_validator_constants() -> None:
    schema = envelope_schema()
    assert schema["properties"]["schema"] == {"const": SCHEMA}
    assert schema["properties"]["accounts"]["propertyNames"]["pattern"] == ACCOUNT_PATTERN
    assert schema["$defs"]["account"]["propertyNames"]["pattern"] == SNAPSHOT_REGION_PATTERN


def test_sample_snapshot_is_valid() -> None:
    doc = sample()
    Draft202012Validator(envelope_schema()).validate(doc)
    validate_snapshot(doc, "sample.json")


VALID = [
    sample(),
    sample(tool_version=DROP, errors=DROP),
    sample(accounts={}),
    sample(errors=[{k: v for k, v in ERROR.items() if k != "resource"}]),
]
INVALID = [
    sample(schema="safemaker.snapshot/v2"),
    sample(schema=DROP),
    sample(created=DROP),
    sample(created=5),
    sample(tool_version=1),
    sample(accounts=DROP),
    sample(accounts=[]),
    sample(accounts={"1234": {}}),
    sample(accounts={ACCOUNT: {"Europe": {}}}),
    sample(accounts={ACCOUNT: {"eu-west-1": {"ec2": {"DescribeVpcs": []}}}}),
    sample(errors={}),
    sample(errors=[{**ERROR, "message": 1}]),
    sample(errors=[{**ERROR, "extra": "x"}]),
    sample(errors=[{k: v for k, v in ERROR.items() if k != "message"}]),
    sample(extra=True),
    [],
]


@pytest.mark.parametrize("doc", VALID)
def test_schema_and_validator_accept_the_same_envelopes(doc: dict[str, Any]) -> None:
    assert list(Draft202012Validator(envelope_schema()).iter_errors(doc)) == []
    validate_snapshot(doc, "doc.json")


@pytest.mark.parametrize("doc", INVALID)
def test_schema_and_validator_reject_the_same_envelopes(doc: object) -> None:
    assert list(Draft202012Validator(envelope_schema()).iter_errors(doc)) != []
    with pytest.raises(SnapshotError):
        validate_snapshot(doc, "doc.json")
