"""An IAM policy evaluator that says "unknown" instead of guessing.

The guardrail checks ask questions of the form "may this principal make this request?", where
the request is one a person could choose to make: create a notebook with DirectInternetAccess
Enabled, or ask for a presigned URL from outside the VPC. A wrong "no" is a false PASS, the worst
bug this project can have, so every step below is three-valued: a statement applies, does not
apply, or cannot be decided from what the evaluator implements. Anything it does not implement (a
condition operator, a policy element, a policy variable, a condition key whose value the question
does not fix) makes its part of the answer UNKNOWN and names itself; it is never read as a match
or a non-match.

Evaluation follows the order AWS documents for a request inside one account: an explicit Deny in
any applicable policy (service control policies, the permissions boundary, identity policies)
wins; otherwise every level of the account's OU path must have an SCP that allows the request,
the permissions boundary (when there is one) must allow it, and an identity policy must allow it.
Resource policies, session policies and cross-account access are outside the questions asked and
are not modelled here; `explicit_deny` answers the one question asked of a resource policy
(does it deny this request for every caller?).

Request resources: a request names an ARN, possibly ending in a name the caller chooses
(`any_name`): "a notebook instance of any name". A policy Resource covers such a request when it
matches every name, misses it when it matches none, and otherwise (it matches some names) the
statement is UNKNOWN: deciding which names slip between allows and denies is not implemented.

Condition keys: the request lists the keys it knows with their values, and the keys it knows to
be absent. How AWS treats an absent key depends on the operator (documented on the IAM
"condition operators" and "multivalued context keys" pages): positive operators do not match,
negated operators (`StringNotEquals`, `ArnNotLike`, ...) match, `...IfExists` matches, `Null`
tests for absence, `ForAnyValue:` does not match and `ForAllValues:` does. That last rule is why
an Allow with `ForAllValues:StringEquals sagemaker:VPCSubnets` lets a job be created with no VPC
at all, and why a Deny with `StringEquals sagemaker:DirectInternetAccess Enabled` does not stop
a caller who leaves the parameter out (its default is Enabled): the checks ask both requests.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class Tri(enum.Enum):
    """Three-valued truth."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


class Outcome(enum.StrEnum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Request:
    """One request a principal could make.

    `context` maps condition keys (any case) to the values the request carries (a tuple, one
    value for a single-valued key); `absent` lists keys the request does not carry. A key in
    neither is unknown, and any condition reading it is UNKNOWN.
    """

    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    any_name: bool = False  # the resource ARN ends with a name the caller chooses
    name_alphabet: str | None = None  # the characters such a name may hold (None: any)

    def value(self, key: str) -> tuple[str, ...] | _Missing | None:
        """The values of `key`, None when absent, MISSING when unknown."""
        low = key.lower()
        for k, v in self.context.items():
            if k.lower() == low:
                return v
        if low in {a.lower() for a in self.absent}:
            return None
        return MISSING


class _Missing:
    pass


MISSING = _Missing()


@dataclass(frozen=True)
class Policy:
    """One policy document and a label for people ("SCP p-1 (DenyOpen) attached to ou-x")."""

    label: str
    document: Any


@dataclass(frozen=True)
class Principal:
    """What applies to one IAM user or role.

    `scp_levels` holds, per level of the account's OU path (root first, the account last), the
    SCPs attached there; `()` means no SCP applies (the management account, or an account outside
    any organization) and None means unknown (not read).
    """

    arn: str
    identity: tuple[Policy, ...]
    boundary: Policy | None = None
    scp_levels: tuple[tuple[str, tuple[Policy, ...]], ...] | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    #: Why: the statement that allowed or denied, or which gate allowed nothing.
    reasons: tuple[str, ...] = ()
    #: What could not be evaluated (operator, key, element), each naming its statement.
    unknowns: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Match:
    value: Tri
    why: str = ""  # for FALSE: what failed; for UNKNOWN: what is not implemented


class PolicyError(ValueError):
    """A policy document that is not a policy (bad JSON, wrong types)."""


#: The statement elements understood; any other one makes the statement UNKNOWN.
_STATEMENT_ELEMENTS = frozenset({"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                                 "Condition", "Principal", "NotPrincipal"})
_POLICY_ELEMENTS = frozenset({"Version", "Id", "Statement"})

#: Base operators implemented, and whether each is a negated one (absent key -> match).
_OPERATORS: Mapping[str, bool] = {
    "StringEquals": False, "StringNotEquals": True,
    "StringEqualsIgnoreCase": False, "StringNotEqualsIgnoreCase": True,
    "StringLike": False, "StringNotLike": True,
    "ArnEquals": False, "ArnLike": False, "ArnNotEquals": True, "ArnNotLike": True,
    "Bool": False,
}
OPERATORS_IMPLEMENTED: tuple[str, ...] = (*sorted(_OPERATORS), "Null")


def parse_document(raw: Any) -> Mapping[str, Any]:
    """A policy as a mapping: boto3 gives IAM documents as dicts, Organizations and S3 as JSON text."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise PolicyError(f"not JSON: {exc}") from None
    if not isinstance(raw, Mapping):
        raise PolicyError("not a JSON object")
    return raw


def statements(document: Any) -> list[Any]:
    doc = parse_document(document)
    stmts = doc.get("Statement", [])
    if isinstance(stmts, Mapping):
        return [stmts]
    if not isinstance(stmts, list):
        raise PolicyError("Statement is neither an object nor a list")
    return stmts


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _label(policy: Policy, index: int, stmt: Any) -> str:
    sid = stmt.get("Sid") if isinstance(stmt, Mapping) else None
    return f"{policy.label} statement {sid or f'#{index + 1}'}"


# --- wildcards ------------------------------------------------------------------------------


def glob_match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcards: `*` any run of characters, `?` one character; nothing else is special
    (fnmatch would also read `[...]`, which IAM does not)."""
    return len(pattern) in _prefix_states(pattern, text, ignore_case)


def _closure(pattern: str, states: set[int]) -> set[int]:
    out = set(states)
    todo = list(states)
    while todo:
        i = todo.pop()
        if i < len(pattern) and pattern[i] == "*" and i + 1 not in out:
            out.add(i + 1)
            todo.append(i + 1)
    return out


def _prefix_states(pattern: str, prefix: str, ignore_case: bool) -> set[int]:
    if ignore_case:
        pattern, prefix = pattern.lower(), prefix.lower()
    states = _closure(pattern, {0})
    for ch in prefix:
        nxt: set[int] = set()
        for i in states:
            if i < len(pattern):
                p = pattern[i]
                if p == "*":
                    nxt.add(i)
                elif p == "?" or p == ch:
                    nxt.add(i + 1)
        states = _closure(pattern, nxt)
        if not states:
            break  # nothing can match any longer
    return states


def cover(pattern: str, prefix: str, *, ignore_case: bool = False, alphabet: str | None = None) -> Tri:
    """Does `pattern` match prefix+S for every non-empty name S (TRUE), for none (FALSE), or for
    some (UNKNOWN)? S is drawn from `alphabet` (None: any character). Exact for IAM globs: after
    reading the prefix, the pattern must be left with nothing but `*` to take every S, and with
    a non-empty rest whose literal characters can occur in a name to take some S (a SageMaker
    name has no `:` or `/`, so `...:*:training-job/*` takes no notebook name)."""
    states = _prefix_states(pattern, prefix, ignore_case)
    rests = [pattern[i:] for i in states]
    if any(rest and set(rest) == {"*"} for rest in rests):
        return Tri.TRUE
    if any(rest and (alphabet is None or all(c in "*?" or c in alphabet for c in rest)) for rest in rests):
        return Tri.UNKNOWN
    return Tri.FALSE


#: Characters of SageMaker resource names ([a-zA-Z0-9](-*[a-zA-Z0-9])*).
SAGEMAKER_NAME = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"


# --- statements -----------------------------------------------------------------------------


def _action_match(patterns: list[Any], action: str) -> bool:
    return any(isinstance(p, str) and glob_match(p, action, ignore_case=True) for p in patterns)


def _resource_match(patterns: list[Any], request: Request) -> _Match:
    results = []
    for p in patterns:
        if not isinstance(p, str):
            return _Match(Tri.UNKNOWN, f"resource {p!r} is not a string")
        if "${" in p:
            return _Match(Tri.UNKNOWN, f"policy variable in resource {p}")
        if request.any_name:
            results.append((cover(p, request.resource, alphabet=request.name_alphabet), p))
        else:
            results.append((Tri.TRUE if glob_match(p, request.resource) else Tri.FALSE, p))
    if any(r is Tri.TRUE for r, _ in results):
        return _Match(Tri.TRUE)
    partial = [p for r, p in results if r is Tri.UNKNOWN]
    if partial:
        return _Match(Tri.UNKNOWN, f"resource {partial[0]} matches only some names of {request.resource}")
    return _Match(Tri.FALSE, f"resource not {request.resource}")


def _principal_everyone(value: Any) -> bool:
    if value == "*":
        return True
    return isinstance(value, Mapping) and set(value) == {"AWS"} and _as_list(value["AWS"]) == ["*"]


def statement_match(stmt: Any, request: Request, *, resource_policy: bool = False) -> _Match:
    """Does the statement apply to the request (ignoring Effect)?"""
    if not isinstance(stmt, Mapping):
        return _Match(Tri.UNKNOWN, "statement is not an object")
    extra = sorted(set(stmt) - _STATEMENT_ELEMENTS)
    if extra:
        return _Match(Tri.UNKNOWN, f"policy element {extra[0]} is not implemented")
    if stmt.get("Effect") not in ("Allow", "Deny"):
        return _Match(Tri.UNKNOWN, f"Effect {stmt.get('Effect')!r} is not Allow or Deny")
    if "NotPrincipal" in stmt:
        return _Match(Tri.UNKNOWN, "policy element NotPrincipal is not implemented")
    if resource_policy:
        if not _principal_everyone(stmt.get("Principal")):
            return _Match(Tri.FALSE, f"Principal {json.dumps(stmt.get('Principal'))} is not every caller")
    elif "Principal" in stmt:
        return _Match(Tri.UNKNOWN, "Principal in an identity policy or SCP is not implemented")
    if ("Action" in stmt) == ("NotAction" in stmt):
        return _Match(Tri.UNKNOWN, "statement needs exactly one of Action and NotAction")
    if "Action" in stmt:
        if not _action_match(_as_list(stmt["Action"]), request.action):
            return _Match(Tri.FALSE, f"action not {request.action}")
    elif _action_match(_as_list(stmt["NotAction"]), request.action):
        return _Match(Tri.FALSE, f"NotAction excludes {request.action}")
    if "Resource" in stmt and "NotResource" in stmt:
        return _Match(Tri.UNKNOWN, "statement has both Resource and NotResource")
    if "NotResource" in stmt:
        inner = _resource_match(_as_list(stmt["NotResource"]), request)
        if inner.value is Tri.TRUE:
            return _Match(Tri.FALSE, f"NotResource excludes {request.resource}")
        if inner.value is Tri.UNKNOWN:
            return inner
    elif "Resource" in stmt:
        res = _resource_match(_as_list(stmt["Resource"]), request)
        if res.value is not Tri.TRUE:
            return res
    elif not resource_policy:
        return _Match(Tri.UNKNOWN, "statement has neither Resource nor NotResource")
    return condition_match(stmt.get("Condition"), request)


# --- conditions -----------------------------------------------------------------------------


def condition_match(block: Any, request: Request) -> _Match:
    """A Condition element: every operator and every key must hold (AND); UNKNOWN if any part is
    unknown and none is false."""
    if block is None:
        return _Match(Tri.TRUE)
    if not isinstance(block, Mapping):
        return _Match(Tri.UNKNOWN, "Condition is not an object")
    unknown: list[str] = []
    for operator, keys in block.items():
        if not isinstance(keys, Mapping):
            return _Match(Tri.UNKNOWN, f"condition operator {operator} has no key map")
        for key, values in keys.items():
            m = operator_match(operator, key, values, request)
            if m.value is Tri.FALSE:
                return m
            if m.value is Tri.UNKNOWN:
                unknown.append(m.why)
    if unknown:
        return _Match(Tri.UNKNOWN, unknown[0])
    return _Match(Tri.TRUE)


def describe_condition(operator: str, key: str, values: Any) -> str:
    """The condition as text; a list of values is a set to AWS, so it is written sorted and the
    text does not depend on the order the policy lists them in."""
    if isinstance(values, list):
        values = sorted(values, key=lambda v: json.dumps(v, sort_keys=True))
    return f"{operator} {key} {json.dumps(values, sort_keys=True)}"


def operator_match(operator: str, key: str, values: Any, request: Request) -> _Match:
    """One operator, one key, its policy values; see the module docstring for absent keys."""
    text = describe_condition(operator, key, values)
    set_op = None
    base = operator
    if ":" in base:
        set_op, base = base.split(":", 1)
        if set_op not in ("ForAnyValue", "ForAllValues"):
            return _Match(Tri.UNKNOWN, f"condition operator {operator} is not implemented")
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    if base == "Null":
        if set_op or if_exists:
            return _Match(Tri.UNKNOWN, f"condition operator {operator} is not implemented")
        return _null(key, values, request, text)
    if base not in _OPERATORS:
        return _Match(Tri.UNKNOWN, f"condition operator {operator} is not implemented")
    negated = _OPERATORS[base]
    wanted = _as_list(values)
    if not wanted:
        return _Match(Tri.UNKNOWN, f"{text}: no values")
    policy_values: list[str] = []
    for v in wanted:
        if isinstance(v, bool):
            v = "true" if v else "false"
        if not isinstance(v, (str, int, float)):
            return _Match(Tri.UNKNOWN, f"{text}: value {v!r} is not a string")
        if "${" in str(v):
            return _Match(Tri.UNKNOWN, f"{text}: policy variables are not implemented")
        policy_values.append(str(v))
    got = request.value(key)
    if isinstance(got, _Missing):
        return _Match(Tri.UNKNOWN, f"condition key {key} (in {text}) is not known for this request")
    if got is None or len(got) == 0:
        if set_op == "ForAllValues":
            return _Match(Tri.TRUE)
        if set_op == "ForAnyValue":
            return _Match(Tri.FALSE, f"{text}: {key} is absent")
        if if_exists or negated:
            return _Match(Tri.TRUE)
        return _Match(Tri.FALSE, f"{text}: {key} is absent")
    results = [_one_value(base, negated, policy_values, v) for v in got]
    if set_op == "ForAnyValue":
        ok = any(results)
    elif set_op == "ForAllValues":
        ok = all(results)
    elif len(got) == 1:
        ok = results[0]
    else:
        return _Match(Tri.UNKNOWN, f"{text}: {key} has several values and no ForAnyValue/ForAllValues")
    return _Match(Tri.TRUE) if ok else _Match(Tri.FALSE, f"{text} does not hold for {list(got)}")


def _null(key: str, values: Any, request: Request, text: str) -> _Match:
    wanted = {str(v).lower() if not isinstance(v, bool) else ("true" if v else "false") for v in _as_list(values)}
    if not wanted <= {"true", "false"}:
        return _Match(Tri.UNKNOWN, f"{text}: Null takes true or false")
    got = request.value(key)
    if isinstance(got, _Missing):
        return _Match(Tri.UNKNOWN, f"condition key {key} (in {text}) is not known for this request")
    absent = got is None or len(got) == 0
    ok = ("true" in wanted and absent) or ("false" in wanted and not absent)
    return _Match(Tri.TRUE) if ok else _Match(Tri.FALSE, f"{text} does not hold")


def _one_value(base: str, negated: bool, policy_values: list[str], value: str) -> bool:
    if base.startswith("String"):
        ignore = "IgnoreCase" in base
        like = base.endswith("Like")
        if like:
            hit = any(glob_match(p, value) for p in policy_values)
        elif ignore:
            hit = any(p.lower() == value.lower() for p in policy_values)
        else:
            hit = value in policy_values
    elif base.startswith("Arn"):
        hit = any(_arn_like(p, value) for p in policy_values)
    else:  # Bool
        hit = any(p.lower() == value.lower() for p in policy_values)
    return not hit if negated else hit


def _arn_like(pattern: str, arn: str) -> bool:
    """ArnEquals and ArnLike alike: the six colon-separated parts compared one by one, each
    with wildcards, case-sensitively (the sixth part keeps any further colons)."""
    pp = pattern.split(":", 5)
    ap = arn.split(":", 5)
    if len(pp) != 6 or len(ap) != 6:
        return False
    return all(glob_match(p, a) for p, a in zip(pp, ap, strict=True))


# --- policies and principals ----------------------------------------------------------------


@dataclass
class _Scan:
    """The statements of a set of policies that apply to a request, by effect."""

    allows: list[str] = field(default_factory=list)
    denies: list[str] = field(default_factory=list)
    unknown_allows: list[str] = field(default_factory=list)
    unknown_denies: list[str] = field(default_factory=list)
    #: Allow statements that match the action but whose condition or resource fails, and why.
    near_allows: list[str] = field(default_factory=list)


def scan(policies: Iterable[Policy], request: Request, *, resource_policy: bool = False) -> _Scan:
    out = _Scan()
    for policy in policies:
        try:
            doc = parse_document(policy.document)
            extra = sorted(set(doc) - _POLICY_ELEMENTS)
            stmts = statements(doc)
        except PolicyError as exc:
            out.unknown_allows.append(f"{policy.label}: {exc}")
            out.unknown_denies.append(f"{policy.label}: {exc}")
            continue
        if extra:
            note = f"{policy.label}: policy element {extra[0]} is not implemented"
            out.unknown_allows.append(note)
            out.unknown_denies.append(note)
            continue
        for index, stmt in enumerate(stmts):
            label = _label(policy, index, stmt)
            m = statement_match(stmt, request, resource_policy=resource_policy)
            effect = stmt.get("Effect") if isinstance(stmt, Mapping) else None
            if m.value is Tri.TRUE:
                (out.denies if effect == "Deny" else out.allows).append(label)
            elif m.value is Tri.UNKNOWN:
                note = f"{label}: {m.why}"
                if effect == "Allow":
                    out.unknown_allows.append(note)
                elif effect == "Deny":
                    out.unknown_denies.append(note)
                else:
                    out.unknown_allows.append(note)
                    out.unknown_denies.append(note)
            elif effect == "Allow" and not m.why.startswith(("action not", "NotAction")):
                out.near_allows.append(f"{label}: {m.why}")
    return out


def explicit_deny(policies: Sequence[Policy], request: Request) -> Decision:
    """Does a resource policy deny this request for every caller? EXPLICIT_DENY, UNKNOWN, or
    IMPLICIT_DENY meaning "no Deny applies" (what the policy allows is not the question)."""
    s = scan(policies, request, resource_policy=True)
    if s.denies:
        return Decision(Outcome.EXPLICIT_DENY, tuple(s.denies))
    if s.unknown_denies:
        return Decision(Outcome.UNKNOWN, (), tuple(s.unknown_denies))
    return Decision(Outcome.IMPLICIT_DENY, ("no Deny statement applies",))


def evaluate(principal: Principal, request: Request) -> Decision:
    """AWS's order for a request within the principal's own account (see the module docstring)."""
    unknowns: list[str] = []
    every: list[Policy] = list(principal.identity)
    if principal.boundary is not None:
        every.append(principal.boundary)
    if principal.scp_levels is not None:
        for _target, scps in principal.scp_levels:
            every.extend(scps)
    denies = scan(every, request)
    if denies.denies:
        return Decision(Outcome.EXPLICIT_DENY, (f"denied by {denies.denies[0]}",))
    unknowns.extend(denies.unknown_denies)

    gates: list[tuple[str, _Scan]] = []
    if principal.scp_levels is None:
        unknowns.append("service control policies: not read")
    else:
        for target, scps in principal.scp_levels:
            gates.append((f"no SCP attached to {target} allows {request.action}", scan(scps, request)))
    if principal.boundary is not None:
        gates.append((f"permissions boundary {principal.boundary.label} does not allow {request.action}",
                      scan([principal.boundary], request)))
    identity = scan(principal.identity, request)
    gates.append((f"no identity policy allows {request.action}", identity))

    for message, s in gates:
        if not s.allows and not s.unknown_allows:
            near = f" ({'; '.join(s.near_allows)})" if s.near_allows else ""
            return Decision(Outcome.IMPLICIT_DENY, (message + near,))
    for _message, s in gates:
        if not s.allows:
            unknowns.extend(s.unknown_allows)
    if unknowns:
        return Decision(Outcome.UNKNOWN, (), tuple(dict.fromkeys(unknowns)))
    return Decision(Outcome.ALLOW, (f"allowed by {identity.allows[0]}",))
