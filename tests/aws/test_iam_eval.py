"""The IAM evaluator: one row per operator it claims (present, absent, IfExists, set operators,
case rules), unknown operators/keys/elements giving UNKNOWN, wildcards, and the evaluation order
(explicit deny, SCP levels, boundary, identity allow). Expected values are written from the IAM
condition-operator and policy-evaluation pages, not from the code."""

from __future__ import annotations

import pytest

from safemaker.scanner.aws.iam_eval import (
    OPERATORS_IMPLEMENTED,
    SAGEMAKER_NAME,
    Outcome,
    Policy,
    Principal,
    Request,
    Tri,
    cover,
    evaluate,
    explicit_deny,
    glob_match,
    operator_match,
)

ABSENT = None

# (operator, key's policy values, request values or ABSENT, expected)
ROWS: list[tuple[str, object, tuple[str, ...] | None, Tri]] = [
    ("StringEquals", "Disabled", ("Disabled",), Tri.TRUE),
    ("StringEquals", "Disabled", ("disabled",), Tri.FALSE),  # case-sensitive
    ("StringEquals", ["a", "Disabled"], ("Disabled",), Tri.TRUE),  # values OR
    ("StringEquals", "Disabled", ABSENT, Tri.FALSE),
    ("StringEquals", "Dis*", ("Disabled",), Tri.FALSE),  # no wildcards
    ("StringNotEquals", "Disabled", ("Enabled",), Tri.TRUE),
    ("StringNotEquals", ["a", "b"], ("b",), Tri.FALSE),  # equals neither
    ("StringNotEquals", "Disabled", ABSENT, Tri.TRUE),  # negated: absent matches
    ("StringEqualsIgnoreCase", "disabled", ("DISABLED",), Tri.TRUE),
    ("StringEqualsIgnoreCase", "disabled", ABSENT, Tri.FALSE),
    ("StringNotEqualsIgnoreCase", "disabled", ("DISABLED",), Tri.FALSE),
    ("StringNotEqualsIgnoreCase", "disabled", ABSENT, Tri.TRUE),
    ("StringLike", "vpce-1*", ("vpce-123",), Tri.TRUE),
    ("StringLike", "vpce-?", ("vpce-12",), Tri.FALSE),
    ("StringLike", "VPCE-*", ("vpce-1",), Tri.FALSE),  # case-sensitive
    ("StringLike", "vpce-*", ABSENT, Tri.FALSE),
    ("StringNotLike", "vpce-1*", ("vpce-9",), Tri.TRUE),
    ("StringNotLike", "vpce-1*", ("vpce-1",), Tri.FALSE),
    ("StringNotLike", "vpce-1*", ABSENT, Tri.TRUE),
    ("StringEqualsIfExists", "Disabled", ABSENT, Tri.TRUE),
    ("StringEqualsIfExists", "Disabled", ("Enabled",), Tri.FALSE),
    ("StringNotEqualsIfExists", "Disabled", ABSENT, Tri.TRUE),
    ("StringLikeIfExists", "x*", ("y",), Tri.FALSE),
    ("Bool", "true", ("True",), Tri.TRUE),  # Bool compares case-insensitively
    ("Bool", True, ("true",), Tri.TRUE),  # JSON true in the policy
    ("Bool", "true", ("false",), Tri.FALSE),
    ("Bool", "true", ABSENT, Tri.FALSE),
    ("BoolIfExists", "false", ABSENT, Tri.TRUE),
    ("Null", "true", ABSENT, Tri.TRUE),
    ("Null", "true", ("x",), Tri.FALSE),
    ("Null", "false", ("x",), Tri.TRUE),
    ("Null", "false", ABSENT, Tri.FALSE),
    ("ArnLike", "arn:aws:iam::*:role/admin-*", ("arn:aws:iam::111122223333:role/admin-1",), Tri.TRUE),
    ("ArnLike", "arn:aws:iam::*:role/admin-*", ("arn:aws:iam::111122223333:role/dev",), Tri.FALSE),
    ("ArnLike", "arn:aws:iam::*:role/*", ("arn:aws:iam::111122223333:user/u",), Tri.FALSE),
    ("ArnLike", "arn:aws:iam::*:role/x", ("not-an-arn",), Tri.FALSE),
    ("ArnLike", "arn:aws:iam::*:role/x", ABSENT, Tri.FALSE),
    ("ArnEquals", "arn:aws:iam::*:role/x", ("arn:aws:iam::111122223333:role/x",), Tri.TRUE),
    ("ArnEquals", "arn:aws:iam::1:role/x", ("arn:aws:iam::1:role/X",), Tri.FALSE),  # case-sensitive
    ("ArnNotLike", "arn:aws:iam::*:role/admin", ("arn:aws:iam::1:role/dev",), Tri.TRUE),
    ("ArnNotLike", "arn:aws:iam::*:role/admin", ABSENT, Tri.TRUE),
    ("ArnNotEquals", "arn:aws:iam::1:role/admin", ("arn:aws:iam::1:role/admin",), Tri.FALSE),
    ("ArnLikeIfExists", "arn:aws:iam::*:role/admin", ABSENT, Tri.TRUE),
    ("ForAnyValue:StringEquals", ["subnet-a"], ("subnet-b", "subnet-a"), Tri.TRUE),
    ("ForAnyValue:StringEquals", ["subnet-a"], ("subnet-b",), Tri.FALSE),
    ("ForAnyValue:StringEquals", ["subnet-a"], ABSENT, Tri.FALSE),
    ("ForAnyValue:StringLike", ["subnet-*"], ("x", "subnet-1"), Tri.TRUE),
    ("ForAnyValue:StringNotEquals", ["subnet-a"], ABSENT, Tri.FALSE),
    ("ForAllValues:StringEquals", ["subnet-a", "subnet-b"], ("subnet-a", "subnet-b"), Tri.TRUE),
    ("ForAllValues:StringEquals", ["subnet-a"], ("subnet-a", "subnet-c"), Tri.FALSE),
    ("ForAllValues:StringEquals", ["subnet-a"], ABSENT, Tri.TRUE),  # the trap: no VPC at all
    ("ForAllValues:StringEquals", ["subnet-a"], (), Tri.TRUE),
    ("ForAllValues:StringNotEquals", ["sg-bad"], ("sg-1", "sg-2"), Tri.TRUE),
    ("StringEquals", "x", ("x", "y"), Tri.UNKNOWN),  # multivalued key without a set operator
]


@pytest.mark.parametrize(("operator", "values", "got", "expected"), ROWS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_operator_table(operator: str, values: object, got: tuple[str, ...] | None, expected: Tri) -> None:
    key = "sagemaker:Key"
    req = Request("sagemaker:X", "*", context={key: got} if got is not None else {},
                  absent=frozenset() if got is not None else frozenset({key}))
    assert operator_match(operator, key, values, req).value is expected


def test_every_claimed_operator_has_rows() -> None:
    covered = {r[0].split(":")[-1].removesuffix("IfExists") for r in ROWS}
    assert set(OPERATORS_IMPLEMENTED) <= covered


def test_condition_key_names_are_case_insensitive() -> None:
    req = Request("a:b", "*", context={"AWS:SourceVpce": ("vpce-1",)})
    assert operator_match("StringEquals", "aws:sourcevpce", "vpce-1", req).value is Tri.TRUE


@pytest.mark.parametrize("operator", [
    "NumericLessThan", "DateGreaterThan", "IpAddress", "NotIpAddress", "BinaryEquals",
    "StringEqualsAnyCase", "ForSomeValues:StringEquals", "NullIfExists", "ForAnyValue:Null",
])
def test_unknown_operators_are_unknown(operator: str) -> None:
    req = Request("a:b", "*", context={"k:k": ("1",)})
    m = operator_match(operator, "k:k", "1", req)
    assert m.value is Tri.UNKNOWN
    assert f"condition operator {operator} is not implemented" in m.why


def test_unknown_key_and_policy_variable_are_unknown() -> None:
    req = Request("a:b", "*")
    m = operator_match("StringEquals", "aws:RequestedRegion", "eu-west-1", req)
    assert m.value is Tri.UNKNOWN and "condition key aws:RequestedRegion" in m.why
    req = Request("a:b", "*", context={"k:k": ("x",)})
    m = operator_match("StringEquals", "k:k", "${aws:username}", req)
    assert m.value is Tri.UNKNOWN and "policy variables" in m.why


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("*", "", True), ("sagemaker:Create*", "sagemaker:CreateNotebookInstance", True),
    ("sagemaker:Create?", "sagemaker:CreateX", True), ("sagemaker:Create?", "sagemaker:Create", False),
    ("a[b]c", "abc", False), ("a[b]c", "a[b]c", True), ("*:*Url", "sagemaker:CreatePresignedDomainUrl", True),
])
def test_wildcards(pattern: str, text: str, expected: bool) -> None:
    assert glob_match(pattern, text) is expected


@pytest.mark.parametrize(("pattern", "expected"), [
    ("*", Tri.TRUE), ("arn:aws:sagemaker:*:*:notebook-instance/*", Tri.TRUE),
    ("arn:aws:sagemaker:*:*:*", Tri.TRUE), ("arn:aws:sagemaker:*:*:notebook-instance/team-*", Tri.UNKNOWN),
    ("arn:aws:sagemaker:*:*:notebook-instance/?", Tri.UNKNOWN),
    ("arn:aws:sagemaker:*:*:training-job/*", Tri.FALSE), ("arn:aws:s3:::b/*", Tri.FALSE),
    ("arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/", Tri.FALSE),
])
def test_cover_of_any_name(pattern: str, expected: Tri) -> None:
    assert cover(pattern, "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/",
                 alphabet=SAGEMAKER_NAME) is expected


# --- evaluation order -----------------------------------------------------------------------

NB = "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/"
OPEN = Request("sagemaker:CreateNotebookInstance", NB, any_name=True, name_alphabet=SAGEMAKER_NAME,
               context={"sagemaker:DirectInternetAccess": ("Enabled",)})
OMITTED = Request("sagemaker:CreateNotebookInstance", NB, any_name=True, name_alphabet=SAGEMAKER_NAME,
                  absent=frozenset({"sagemaker:DirectInternetAccess"}))


def doc(*stmts: dict[str, object]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


ALLOW_ALL = Policy("admin", doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))
ALLOW_SM = Policy("sm", doc({"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}))
FULL_SCP = Policy("SCP FullAWSAccess", doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))
REQUIRE_DISABLED = Policy("guard", doc({
    "Sid": "OnlyClosed", "Effect": "Allow", "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
    "Condition": {"StringEquals": {"sagemaker:DirectInternetAccess": "Disabled"}}}))


def who(*identity: Policy, boundary: Policy | None = None,
        scps: tuple[tuple[str, tuple[Policy, ...]], ...] | None = (("r-root", (FULL_SCP,)),)) -> Principal:
    return Principal("arn:aws:iam::111122223333:role/r", identity, boundary, scps)


def test_identity_allow_allows() -> None:
    d = evaluate(who(ALLOW_SM), OPEN)
    assert d.outcome is Outcome.ALLOW and d.reasons == ("allowed by sm statement #1",)


def test_no_allow_is_implicit_deny() -> None:
    d = evaluate(who(), OPEN)
    assert d.outcome is Outcome.IMPLICIT_DENY
    assert d.reasons == ("no identity policy allows sagemaker:CreateNotebookInstance",)


def test_conditional_allow_names_the_condition() -> None:
    d = evaluate(who(REQUIRE_DISABLED), OPEN)
    assert d.outcome is Outcome.IMPLICIT_DENY
    assert "guard statement OnlyClosed: StringEquals sagemaker:DirectInternetAccess" in d.reasons[0]
    assert evaluate(who(REQUIRE_DISABLED), OMITTED).outcome is Outcome.IMPLICIT_DENY


def test_scp_deny_with_stringequals_does_not_stop_an_omitted_key() -> None:
    deny = Policy("SCP deny", doc({"Sid": "NoOpen", "Effect": "Deny", "Action": "sagemaker:CreateNotebookInstance",
                                   "Resource": "*",
                                   "Condition": {"StringEquals": {"sagemaker:DirectInternetAccess": "Enabled"}}}))
    p = who(ALLOW_ALL, scps=(("r-root", (FULL_SCP, deny)),))
    assert evaluate(p, OPEN).outcome is Outcome.EXPLICIT_DENY
    assert evaluate(p, OMITTED).outcome is Outcome.ALLOW


def test_scp_deny_with_stringnotequals_stops_both() -> None:
    deny = Policy("SCP deny", doc({"Sid": "NoOpen", "Effect": "Deny", "Action": "sagemaker:CreateNotebookInstance",
                                   "Resource": "*",
                                   "Condition": {"StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}}}))
    p = who(ALLOW_ALL, scps=(("r-root", (FULL_SCP, deny)),))
    for req in (OPEN, OMITTED):
        d = evaluate(p, req)
        assert d.outcome is Outcome.EXPLICIT_DENY and d.reasons == ("denied by SCP deny statement NoOpen",)


def test_every_scp_level_must_allow() -> None:
    only_ec2 = Policy("SCP ec2", doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}))
    p = who(ALLOW_ALL, scps=(("r-root", (FULL_SCP,)), ("ou-1", (only_ec2,))))
    d = evaluate(p, OPEN)
    assert d.outcome is Outcome.IMPLICIT_DENY
    assert d.reasons == ("no SCP attached to ou-1 allows sagemaker:CreateNotebookInstance",)


def test_boundary_limits_and_unknown_scps_give_unknown() -> None:
    bound = Policy("boundary b", doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    assert evaluate(who(ALLOW_ALL, boundary=bound), OPEN).outcome is Outcome.IMPLICIT_DENY
    d = evaluate(who(ALLOW_ALL, scps=None), OPEN)
    assert d.outcome is Outcome.UNKNOWN and d.unknowns == ("service control policies: not read",)
    # an identity policy that allows nothing stays a deny whatever the SCPs say
    assert evaluate(who(scps=None), OPEN).outcome is Outcome.IMPLICIT_DENY


def test_notaction_and_notresource() -> None:
    not_sm = Policy("na", doc({"Effect": "Allow", "NotAction": "sagemaker:*", "Resource": "*"}))
    assert evaluate(who(not_sm), OPEN).outcome is Outcome.IMPLICIT_DENY
    not_iam = Policy("na2", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
    assert evaluate(who(not_iam), OPEN).outcome is Outcome.ALLOW
    not_jobs = Policy("nr", doc({"Effect": "Allow", "Action": "*",
                                 "NotResource": "arn:aws:sagemaker:*:*:training-job/*"}))
    assert evaluate(who(not_jobs), OPEN).outcome is Outcome.ALLOW
    not_nb = Policy("nr2", doc({"Effect": "Allow", "Action": "*",
                                "NotResource": "arn:aws:sagemaker:*:*:notebook-instance/*"}))
    assert evaluate(who(not_nb), OPEN).outcome is Outcome.IMPLICIT_DENY


def test_partial_resource_and_unknown_elements_are_unknown() -> None:
    team = Policy("team", doc({"Effect": "Allow", "Action": "*",
                               "Resource": "arn:aws:sagemaker:*:*:notebook-instance/team-*"}))
    d = evaluate(who(team), OPEN)
    assert d.outcome is Outcome.UNKNOWN and "matches only some names" in d.unknowns[0]
    odd = Policy("odd", doc({"Effect": "Allow", "Action": "*", "Resource": "*", "Bogus": 1}))
    d = evaluate(who(odd), OPEN)
    assert d.outcome is Outcome.UNKNOWN and d.unknowns == ("odd statement #1: policy element Bogus is not implemented",)
    ip = Policy("ip", doc({"Effect": "Deny", "Action": "*", "Resource": "*",
                           "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}))
    d = evaluate(who(ALLOW_ALL, ip), OPEN)
    assert d.outcome is Outcome.UNKNOWN
    assert d.unknowns == ("ip statement #1: condition operator NotIpAddress is not implemented",)


def test_resource_policy_deny_for_every_caller() -> None:
    bucket = [Policy("bucket policy of data", {"Version": "2008-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": ["arn:aws:s3:::data/*"], "Condition": {"StringNotEquals": {"aws:sourceVpce": "vpce-1"}}}]})]
    outside = Request("s3:GetObject", "arn:aws:s3:::data/", any_name=True,
                      absent=frozenset({"aws:sourceVpce", "aws:SourceVpc"}))
    assert explicit_deny(bucket, outside).outcome is Outcome.EXPLICIT_DENY
    inside = Request("s3:GetObject", "arn:aws:s3:::data/", any_name=True, context={"aws:sourceVpce": ("vpce-1",)})
    assert explicit_deny(bucket, inside).outcome is Outcome.IMPLICIT_DENY
    one_role = [Policy("p", {"Statement": [{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::1:role/x"},
                                            "Action": "s3:*", "Resource": "*"}]})]
    assert explicit_deny(one_role, outside).outcome is Outcome.IMPLICIT_DENY
