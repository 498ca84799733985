"""Reading an S3 endpoint policy: can a caller through the endpoint write objects into a bucket
of any account?

An S3 gateway endpoint is reached by a prefix-list route that never passes the firewall or the
proxy, so its policy is the only thing deciding which buckets data can be written to. Both
VPCE-002 (every S3 gateway endpoint) and NET-006 (the endpoints a notebook reaches) ask this
question, so it is answered once here, as a pure function of the policy document.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Condition keys that limit which bucket (owner) a request may touch.
BUCKET_KEYS = frozenset({"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths", "s3:resourceaccount"})
# Condition keys that limit who calls, from where or how; none limits where the data goes.
CALLER_KEYS = frozenset({
    "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths", "aws:principalarn", "aws:userid",
    "aws:username", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:vpcsourceip", "aws:securetransport",
    "aws:calledvia", "aws:calledviafirst", "aws:calledvialast", "aws:principaltype", "aws:principalisawsservice",
    "aws:principalservicename", "aws:requestedregion", "aws:currenttime", "aws:epochtime", "aws:multifactorauthpresent",
    "s3:tlsversion", "s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-acl", "s3:signatureversion", "s3:authtype", "s3:x-amz-content-sha256",
})
_ALLOW_LIMITING_OPS = frozenset({"stringequals", "stringequalsignorecase", "stringlike"})
_DENY_LIMITING_OPS = frozenset({"stringnotequals", "stringnotequalsignorecase", "stringnotlike"})
# Two unrelated object ARNs: a pattern matching both matches any bucket.
_PROBES = ("arn:aws:s3:::a/b", "arn:aws:s3:::zz-9.unrelated-owner/k/l")


class PolicyParseError(ValueError):
    """The policy document cannot be read; the verdict that needs it is ERROR, never PASS."""


@dataclass(frozen=True)
class S3PolicyJudgement:
    writes_any_bucket: bool  # some caller can put objects into a bucket of any account
    full_access: bool  # ... and is granted s3:* (or *) on every bucket
    reasons: tuple[str, ...]  # the statements that grant it
    notes: tuple[str, ...]  # conditions not understood, denies that restrict, read-only grants


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    """IAM wildcards: `*` any run of characters (including '/'), `?` one character."""
    out = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{out}$", re.IGNORECASE | re.DOTALL)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _grants_action(stmt: Mapping[str, Any], action: str) -> bool:
    if "Action" in stmt:
        return any(isinstance(p, str) and _glob(p).match(action) for p in _as_list(stmt["Action"]))
    if "NotAction" in stmt:
        return not any(isinstance(p, str) and _glob(p).match(action) for p in _as_list(stmt["NotAction"]))
    return False


def _full_s3(stmt: Mapping[str, Any]) -> bool:
    if "Action" in stmt:
        return any(isinstance(p, str) and p.lower() in ("*", "s3:*") for p in _as_list(stmt["Action"]))
    if "NotAction" in stmt:
        excluded = [str(p).lower() for p in _as_list(stmt["NotAction"])]
        return not any(p.startswith("s3:") or p.startswith("s*") or p.startswith("*") for p in excluded)
    return False


def _all_buckets(stmt: Mapping[str, Any]) -> bool:
    if "Resource" in stmt:
        pats = [p for p in _as_list(stmt["Resource"]) if isinstance(p, str)]
        return any(all(_glob(p).match(probe) for probe in _PROBES) for p in pats)
    if "NotResource" in stmt:
        pats = [p for p in _as_list(stmt["NotResource"]) if isinstance(p, str)]
        return not any(_glob(p).match(probe) for p in pats for probe in _PROBES)
    return False


def _any_principal(stmt: Mapping[str, Any]) -> bool:
    if "NotPrincipal" in stmt:
        return True
    principal = stmt.get("Principal", "*")
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any(v == "*" or (isinstance(v, list) and "*" in v) for v in principal.values())
    return False


def _principal_text(stmt: Mapping[str, Any]) -> str:
    if _any_principal(stmt):
        return "any principal"
    return f"principal {json.dumps(stmt.get('Principal'), sort_keys=True)}"


def _conditions(stmt: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(operator, key, values) with operator and key lower-cased; raises on a malformed block."""
    cond = stmt.get("Condition")
    if cond is None:
        return []
    if not isinstance(cond, Mapping):
        raise PolicyParseError("Condition is not an object")
    out = []
    for op, block in cond.items():
        if not isinstance(block, Mapping):
            raise PolicyParseError(f"Condition operator {op} does not map keys to values")
        for key, values in block.items():
            out.append((str(op).lower(), str(key).lower(), [str(v) for v in _as_list(values)]))
    return out


def _bare_op(op: str) -> str:
    for prefix in ("forallvalues:", "foranyvalue:"):
        if op.startswith(prefix):
            return op[len(prefix):]
    return op


def _allow_limit(stmt: Mapping[str, Any], label: str, notes: list[str]) -> str | None:
    """Why an Allow statement's conditions confine it to some buckets' owners, or None."""
    limit = None
    for op, key, values in _conditions(stmt):
        if key in BUCKET_KEYS:
            if _bare_op(op) in _ALLOW_LIMITING_OPS and values and "*" not in values:
                limit = f"{key} {op} {values}"
            else:
                notes.append(f"{label}: condition {op} {key} not understood as limiting buckets")
        elif key in CALLER_KEYS or key.startswith(("aws:principaltag/", "aws:requesttag/")):
            notes.append(f"{label}: condition on {key} limits who calls, not which bucket data goes to")
        else:
            notes.append(f"{label}: condition not understood ({op} {key}); not counted as a restriction")
    return limit


def _deny_blocks(stmt: Mapping[str, Any], action: str, label: str, notes: list[str]) -> bool:
    """Does this Deny stop `action` to buckets of other owners, for every caller?"""
    if not (_any_principal(stmt) and _grants_action(stmt, action) and _all_buckets(stmt)):
        return False
    conds = _conditions(stmt)
    if all(key in BUCKET_KEYS and _bare_op(op) in _DENY_LIMITING_OPS for op, key, _ in conds):
        limit = "; ".join(f"{key} {op} {values}" for op, key, values in conds) or "unconditionally"
        notes.append(f"{label} denies {action} to other buckets ({limit})")
        return True
    notes.append(f"{label}: Deny with conditions not understood as limiting buckets; not counted")
    return False


def _label(stmt: Mapping[str, Any]) -> str:
    """Name a statement by its Sid, or by what it says: never by its position, which AWS does
    not preserve."""
    if stmt.get("Sid"):
        return f"statement {stmt['Sid']}"
    what = "NotAction" if "NotAction" in stmt else "Action"
    where = "NotResource" if "NotResource" in stmt else "Resource"
    actions = ",".join(sorted(str(a) for a in _as_list(stmt.get(what))))
    resources = ",".join(sorted(str(r) for r in _as_list(stmt.get(where))))
    text = f"{stmt.get('Effect')} {what} {actions} on {where} {resources}"
    return f"statement ({text if len(text) <= 80 else text[:77] + '...'})"


def load_policy(document: Any) -> Mapping[str, Any] | None:
    """The policy as an object; None when there is none (AWS then allows full access)."""
    if document is None or document == "":
        return None
    if isinstance(document, Mapping):
        return document
    if not isinstance(document, str):
        raise PolicyParseError(f"PolicyDocument is a {type(document).__name__}, not a JSON string")
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = urllib.parse.unquote(text)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyParseError(f"PolicyDocument is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(doc, Mapping):
        raise PolicyParseError("PolicyDocument is not a JSON object")
    return doc


def judge_s3_endpoint_policy(document: Any) -> S3PolicyJudgement:
    """Can a caller through this endpoint write objects into a bucket of any account?

    Raises PolicyParseError when the document is unreadable.
    """
    if isinstance(document, str):
        return _judge_text(document)  # estates reuse a few policy texts on thousands of endpoints
    return _judge(document)


@functools.lru_cache(maxsize=1024)
def _judge_text(document: str) -> S3PolicyJudgement:
    return _judge(document)


def _judge(document: Any) -> S3PolicyJudgement:
    doc = load_policy(document)
    if doc is None:
        return S3PolicyJudgement(True, True, ("no policy document: the AWS default allows full access",), ())
    statements = _as_list(doc.get("Statement"))
    if not statements:
        return S3PolicyJudgement(False, False, (), ("policy has no statements: nothing is allowed",))
    notes: list[str] = []
    grants: list[tuple[str, bool]] = []
    reads: list[str] = []
    blocked = {"s3:PutObject": False, "s3:GetObject": False}
    for i, stmt in enumerate(statements):
        if not isinstance(stmt, Mapping):
            raise PolicyParseError(f"Statement {i + 1} is not an object")
        label = _label(stmt)
        effect = stmt.get("Effect")
        if effect == "Deny":
            for action in blocked:
                blocked[action] = _deny_blocks(stmt, action, label, notes) or blocked[action]
            continue
        if effect != "Allow":
            raise PolicyParseError(f"{label} has Effect {effect!r}")
        if not _all_buckets(stmt):
            continue
        writes, reads_any = _grants_action(stmt, "s3:PutObject"), _grants_action(stmt, "s3:GetObject")
        if not (writes or reads_any):
            continue
        limit = _allow_limit(stmt, label, notes)
        if limit is not None:
            notes.append(f"{label} is limited to buckets by {limit}")
            continue
        if writes:
            full = _full_s3(stmt)
            what = "s3:*" if full else "s3:PutObject"
            grants.append((f"{label} allows {what} on every bucket to {_principal_text(stmt)}", full))
        else:
            reads.append(f"{label} allows s3:GetObject from every bucket to {_principal_text(stmt)}")
    if blocked["s3:GetObject"]:
        reads = []
    notes.extend(f"{r} (inbound only; not an exfiltration path)" for r in reads)
    notes = sorted(set(notes))
    if grants and not blocked["s3:PutObject"]:
        grants.sort(key=lambda g: (not g[1], g[0]))  # full access first
        return S3PolicyJudgement(True, any(full for _, full in grants), tuple(g for g, _ in grants), tuple(notes))
    return S3PolicyJudgement(False, False, (), tuple(notes))


def is_s3_gateway(endpoint: Mapping[str, Any]) -> bool:
    """A DescribeVpcEndpoints entry of an S3 gateway endpoint (the only kind reached by a route)."""
    service = str(endpoint.get("ServiceName", ""))
    return str(endpoint.get("VpcEndpointType", "")).lower() == "gateway" and service.endswith(".s3")
