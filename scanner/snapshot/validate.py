"""Validation of `safemaker.snapshot/v1` documents (docs/snapshot-format.md).

Every check in safemaker reads raw AWS responses out of the snapshot, so a snapshot that passes
here must never make a check crash or silently misread: a `null` where a list belongs, a count
that is a string, a typo in a member name that makes a field look absent. Absent means *unknown*
to the checks, so a misspelt `DestinationCidrBlock` would quietly change a verdict; that is why
unknown members are errors and why the first problem is reported with its exact place.

What is deliberately NOT enforced, and why:

* enum membership: AWS returns values outside botocore's enums (an attached internet gateway's
  state `available`, NAT gateway ENIs with InterfaceType `nat_gateway`, VPC endpoint State
  `available` in lower case). Rejecting them would reject real estates.
* `required` output members, min/max lengths and ranges, patterns, tagged-union exclusivity: botocore
  marks output members required that real AWS, older API versions and moto omit (e.g. network
  firewall identifiers), and length limits describe inputs far more reliably than outputs. The
  checks already treat every member as optional, so enforcing these would only turn usable
  snapshots into errors.

The walk is a hand-written recursion over shapes compiled once per service from botocore's models
instead of a generic JSON Schema engine: snapshots of large estates hold tens of thousands of
subnets and interfaces, and the per-value cost must be a dictionary lookup and a type check.
Nesting is bounded by `MAX_DEPTH` so hostile input (recursive shapes exist in botocore) yields an
error message, never a RecursionError traceback. Places are only rendered when a problem is found,
so the happy path builds no strings.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import difflib
import ipaddress
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from safemaker.scanner.errors import SnapshotError

if TYPE_CHECKING:
    from botocore.model import ServiceModel, Shape

SCHEMA: Final = "safemaker.snapshot/v1"

#: How deep a single response may nest. Real output shapes stay far below this (EC2
#: DescribeInstances, the deepest the checks read, is about ten levels).
MAX_DEPTH: Final = 100

#: Per-resource operations and the request identifier their entries are keyed by. The collector
#: writes these keys, the snapshot reader looks them up, and error messages quote them, so they
#: live in one place.
PER_RESOURCE_KEYS: Final[Mapping[tuple[str, str], str]] = MappingProxyType(
    {
        ("sagemaker", "DescribeNotebookInstance"): "NotebookInstanceName",
        ("sagemaker", "DescribeNotebookInstanceLifecycleConfig"): "NotebookInstanceLifecycleConfigName",
        ("sagemaker", "DescribeDomain"): "DomainId",
        ("sagemaker", "DescribeUserProfile"): "<DomainId>/<UserProfileName>",
        ("sagemaker", "DescribeSpace"): "<DomainId>/<SpaceName>",
        ("sagemaker", "DescribeTrainingJob"): "TrainingJobName",
        ("sagemaker", "DescribeProcessingJob"): "ProcessingJobName",
        ("sagemaker", "DescribeModel"): "ModelName",
        ("sagemaker", "ListTags"): "ResourceArn",
        ("network-firewall", "DescribeFirewall"): "FirewallArn",
        ("network-firewall", "DescribeLoggingConfiguration"): "FirewallArn",
        ("network-firewall", "DescribeFirewallPolicy"): "FirewallPolicyArn",
        ("network-firewall", "DescribeRuleGroup"): "RuleGroupArn",
        ("ec2", "GetManagedPrefixListEntries"): "PrefixListId",
        ("ec2", "SearchTransitGatewayRoutes"): "TransitGatewayRouteTableId",
        # Guardrail operations (contracts §5), all optional; the organizations ones and iam live
        # under the region key GLOBAL_REGION.
        ("organizations", "ListParents"): "ChildId",
        ("organizations", "ListPoliciesForTarget"): "TargetId",
        ("organizations", "DescribePolicy"): "PolicyId",
        ("s3", "GetBucketPolicy"): "Bucket",
    }
)

#: (service, operation) pairs whose snapshot value is an object keyed by resource identifier.
PER_RESOURCE_OPERATIONS: Final[frozenset[tuple[str, str]]] = frozenset(PER_RESOURCE_KEYS)

# Shared with schemas/snapshot.schema.json (a test keeps the two in step).
ACCOUNT_PATTERN: Final = r"^[0-9]{12}$"
REGION_PATTERN: Final = r"^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$"
#: The region key of global services (organizations, iam) in the account that was asked.
GLOBAL_REGION: Final = "aws-global"
#: Region keys a snapshot may hold: regions, and GLOBAL_REGION (never a --regions value).
SNAPSHOT_REGION_PATTERN: Final = r"^([a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}|aws-global)$"

_ACCOUNT_RE = re.compile(ACCOUNT_PATTERN)
_REGION_RE = re.compile(SNAPSHOT_REGION_PATTERN)
_PLAIN_SEGMENT_RE = re.compile(r"[A-Za-z0-9_:/@+=-]+")
_IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_ENVELOPE_KEYS: Final = ("schema", "created", "tool_version", "accounts", "errors")
_ERROR_STRING_FIELDS: Final = ("account", "region", "service", "operation", "error_code", "message")
_ERROR_FIELDS: Final = frozenset((*_ERROR_STRING_FIELDS, "resource"))

# Dropped by the merge whatever the paginator model says, because users also build snapshots by
# hand from single CLI pages.
_ALWAYS_TOKENS: Final = ("NextToken", "Marker", "NextMarker")

# --------------------------------------------------------------------------------------------
# Places
#
# A place is a linked list of segments built leaf-last, `(parent, segment)`, so descending into a
# value costs one small tuple and no string work; it is rendered only when reported.

_Path: TypeAlias = "tuple[_Path, str | int] | None"


def render_place(path: _Path) -> str:
    """Dotted form for the user: `RouteTables[3].Routes[0].DestinationCidrBlock`.

    Keys that could be misread in dotted form (dots, spaces, brackets, empty) are shown as
    `["key"]` so that an ARN or a tag key never splits into fake segments.
    """
    parts: list[str | int] = []
    while path is not None:
        path, segment = path
        parts.append(segment)
    out: list[str] = []
    for segment in reversed(parts):
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        elif _PLAIN_SEGMENT_RE.fullmatch(segment):
            out.append(f".{segment}" if out else segment)
        else:
            out.append(f"[{json.dumps(segment)}]")
    return "".join(out)


def _path_of(*segments: str | int) -> _Path:
    path: _Path = None
    for segment in segments:
        path = (path, segment)
    return path


# --------------------------------------------------------------------------------------------
# Describing values in messages (always one short line)


def _quote(value: object, limit: int = 120) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def _got(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean true" if value else "boolean false"
    if isinstance(value, int):
        try:
            digits = str(value)
        except ValueError:  # beyond Python's int-to-str digit limit
            return "a huge integer"
        return f"integer {digits if len(digits) <= 30 else digits[:27] + '...'}"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {_quote(value)}"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return f"a Python {type(value).__name__}"


def _suggest(word: object, choices: Any) -> str:
    if not isinstance(word, str):
        return ""
    # Only the equally-best candidates: a near-miss like 'DestinationCidr' should name
    # DestinationCidrBlock, not every Destination* member; a tie like 'ec3' names all of them.
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if close:
        scores = [difflib.SequenceMatcher(None, word, c).ratio() for c in close]
        close = [c for c, score in zip(close, scores, strict=True) if score >= scores[0] - 0.02]
    if not close:
        return ""
    if len(close) == 1:
        return f"; did you mean {close[0]!r}?"
    return f"; did you mean one of {', '.join(repr(c) for c in close)}?"


def _is_iso_timestamp(value: object) -> bool:
    if not isinstance(value, str) or not value:
        return False
    text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


# --------------------------------------------------------------------------------------------
# Compiled shapes
#
# botocore's Shape objects re-resolve members through dictionaries and cached properties; walking
# them for every subnet would dominate validation time. Each shape is compiled once into a _Node
# whose scalar members carry the exact Python type to compare with `type(x) is t`, which also
# keeps bool out of integers (bool is a subclass of int, so isinstance would let `true` through).

_STRUCT, _LIST, _MAP, _SCALAR, _FLOAT, _TIMESTAMP, _BLOB, _ANY, _CIDR, _IP = range(10)

_SCALAR_TYPES: Final[Mapping[str, type]] = MappingProxyType(
    {"string": str, "integer": int, "long": int, "boolean": bool}
)
_SCALAR_WORDS: Final[Mapping[type, str]] = MappingProxyType({str: "string", int: "integer", bool: "boolean"})


class _Node:
    __slots__ = ("item", "key", "kind", "members", "pytype", "shape", "value")

    kind: int
    shape: str
    pytype: type | None
    members: dict[str, _Node]
    item: _Node | None
    key: _Node | None
    value: _Node | None

    def __init__(self, kind: int, shape: str, pytype: type | None = None) -> None:
        self.kind = kind
        self.shape = shape
        self.pytype = pytype
        self.members = {}
        self.item = None
        self.key = None
        self.value = None

    def expected(self) -> str:
        kind = self.kind
        if kind == _STRUCT:
            return f"object (botocore shape {self.shape})"
        if kind == _LIST:
            return f"array (botocore shape {self.shape})"
        if kind == _MAP:
            return f"object (botocore map {self.shape})"
        if kind == _FLOAT:
            return "number"
        if kind == _TIMESTAMP:
            return "ISO-8601 timestamp string"
        if kind == _BLOB:
            return "base64 string"
        if kind == _CIDR:
            return _CIDR_WORDS[self.shape]
        if kind == _IP:
            return f"an IPv{self.shape[-1]} address"
        if self.pytype is not None:
            return _SCALAR_WORDS[self.pytype]
        return "any JSON value"


_ANY_NODE: Final = _Node(_ANY, "document")

# --------------------------------------------------------------------------------------------
# CIDR-typed members
#
# botocore types them as plain strings, but the prover parses every one of them: a route to
# "10.0.0.0/33" (or an interface whose PrivateIpAddress is "") would otherwise reach it as a
# ValueError and end as an "internal error" for every check of the region. They are recognised
# by member name, which EC2 and Network Firewall use consistently for CIDR blocks and addresses,
# and checked like any other type, at their place.

_CIDR_MEMBERS: Final[Mapping[str, int]] = MappingProxyType({
    # member name -> IP version it must hold (0: either)
    "CidrBlock": 4, "DestinationCidrBlock": 4, "CidrIp": 4,
    "Ipv6CidrBlock": 6, "DestinationIpv6CidrBlock": 6, "CidrIpv6": 6,
    "Cidr": 0, "AddressDefinition": 0,
})
#: (shape, member) pairs whose family differs from the member name's usual one: a transit gateway
#: route has no DestinationIpv6CidrBlock and carries both families in DestinationCidrBlock.
_CIDR_SHAPE_OVERRIDES: Final[Mapping[tuple[str, str], int]] = MappingProxyType({
    ("TransitGatewayRoute", "DestinationCidrBlock"): 0,
})
#: Members that are lists of CIDR blocks.
_CIDR_LISTS: Final[Mapping[str, int]] = MappingProxyType({"Cidrs": 0, "TransitGatewayCidrBlocks": 0})
_CIDR_WORDS: Final[Mapping[str, str]] = MappingProxyType({
    "cidr4": "an IPv4 CIDR block such as 10.0.0.0/16",
    "cidr6": "an IPv6 CIDR block such as 2001:db8::/56",
    "cidr0": "a CIDR block such as 10.0.0.0/16 or 2001:db8::/56",
})
_CIDR_NODES: Final[Mapping[int, _Node]] = MappingProxyType(
    {version: _Node(_CIDR, f"cidr{version}") for version in (0, 4, 6)}
)


#: Members holding one IP address, and its version; the prover parses these too.
_IP_MEMBERS: Final[Mapping[str, int]] = MappingProxyType({
    "PrivateIpAddress": 4, "PublicIpAddress": 4, "PrivateIp": 4, "PublicIp": 4, "CarrierIp": 4,
    "CustomerOwnedIp": 4, "Ipv6Address": 6,
})
_IP_NODES: Final[Mapping[int, _Node]] = MappingProxyType({version: _Node(_IP, f"ip{version}") for version in (4, 6)})


@lru_cache(maxsize=1 << 16)
def _ip_version(value: str) -> int | None:
    try:
        return ipaddress.ip_address(value).version
    except ValueError:
        return None


def _ip_problem(value: object, version: int) -> str | None:
    if type(value) is not str:
        return f"expected string, got {_got(value)}"
    if _ip_version(value) != version:
        return f"not a valid IPv{version} address: {_quote(value)}"
    return None


@lru_cache(maxsize=1 << 16)
def _cidr_version(value: str) -> int | None:
    """4 or 6 for a CIDR block written as address/length, None when it is not one."""
    if value.count("/") != 1:
        return None
    address, length = value.split("/")
    if not length.isdigit() or length != length.strip() or not address:
        return None
    try:
        return ipaddress.ip_network(value, strict=False).version
    except ValueError:
        return None


def _cidr_problem(value: object, version: int) -> str | None:
    if type(value) is not str:
        return f"expected string, got {_got(value)}"
    found = _cidr_version(value)
    if found is None:
        return f"not a valid CIDR block: {_quote(value)} (expected {_CIDR_WORDS[f'cidr{version}']})"
    if version and found != version:
        return f"not a valid IPv{version} CIDR block: {_quote(value)} is IPv{found}"
    return None


class _Compiler:
    """Turns one service's botocore shapes into _Nodes, each shape name compiled at most once."""

    def __init__(self) -> None:
        self.nodes: dict[str, _Node] = {}
        self._cidr_lists: dict[str, _Node] = {}

    def _typed(self, member_name: str, child: _Node, parent: str = "") -> _Node:
        """A string member that holds CIDR blocks or an IP address, by its name, gets that check."""
        if member_name in _CIDR_MEMBERS and child.kind == _SCALAR and child.pytype is str:
            version = _CIDR_SHAPE_OVERRIDES.get((parent, member_name), _CIDR_MEMBERS[member_name])
            return _CIDR_NODES[version]
        if member_name in _IP_MEMBERS and child.kind == _SCALAR and child.pytype is str:
            return _IP_NODES[_IP_MEMBERS[member_name]]
        item = child.item
        if member_name in _CIDR_LISTS and child.kind == _LIST and item is not None \
                and item.kind == _SCALAR and item.pytype is str:
            key = f"{child.shape}/{member_name}"
            if key not in self._cidr_lists:
                node = _Node(_LIST, child.shape)
                node.item = _CIDR_NODES[_CIDR_LISTS[member_name]]
                self._cidr_lists[key] = node
            return self._cidr_lists[key]
        return child

    def node(self, shape: Shape) -> _Node:
        from botocore.model import ListShape, MapShape, StructureShape

        # `jsonvalue` is a member-level trait: botocore hands back parsed JSON, any value goes.
        # IAM's policy documents are URL-encoded JSON on the wire that boto3 hands back parsed
        # (a dict), though the shape says string; a snapshot holds that parsed form.
        if shape.serialization.get("jsonvalue") or shape.name == "policyDocumentType":
            return _ANY_NODE
        known = self.nodes.get(shape.name)
        if known is not None:
            return known
        type_name = shape.type_name
        if isinstance(shape, StructureShape):
            if shape.metadata.get("document") or shape.serialization.get("eventstream"):
                self.nodes[shape.name] = _ANY_NODE
                return _ANY_NODE
            node = _Node(_STRUCT, shape.name)
            # Registered before its members so recursive shapes terminate.
            self.nodes[shape.name] = node
            for name, member in shape.members.items():
                node.members[name] = self._typed(name, self.node(member), shape.name)
            return node
        if isinstance(shape, ListShape):
            node = _Node(_LIST, shape.name)
            self.nodes[shape.name] = node
            node.item = self.node(shape.member)
            return node
        if isinstance(shape, MapShape):
            node = _Node(_MAP, shape.name)
            self.nodes[shape.name] = node
            node.key = self.node(shape.key)
            node.value = self.node(shape.value)
            return node
        if type_name in _SCALAR_TYPES:
            node = _Node(_SCALAR, shape.name, _SCALAR_TYPES[type_name])
        elif type_name in ("float", "double"):
            node = _Node(_FLOAT, shape.name)
        elif type_name == "timestamp":
            node = _Node(_TIMESTAMP, shape.name)
        elif type_name == "blob":
            node = _Node(_BLOB, shape.name)
        else:  # a type botocore adds later: accept rather than reject real data
            node = _ANY_NODE
        self.nodes[shape.name] = node
        return node


_compile_lock = threading.Lock()


@lru_cache(maxsize=1)
def _session() -> Any:
    # Imported lazily: loading botocore costs time that `import safemaker.scanner.snapshot.validate` for
    # PER_RESOURCE_OPERATIONS alone should not pay. A fresh session reads only bundled model
    # files; it never resolves credentials or makes a call.
    import botocore.session

    return botocore.session.get_session()


@lru_cache(maxsize=1)
def service_names() -> frozenset[str]:
    """Every service name the installed botocore knows (the valid service keys)."""
    return frozenset(_session().get_available_services())


@cache
def _service(service: str) -> tuple[ServiceModel, _Compiler]:
    return _session().get_service_model(service), _Compiler()


@cache
def operation_names(service: str) -> frozenset[str]:
    """The operation keys valid under `service` (botocore's PascalCase names)."""
    return frozenset(_service(service)[0].operation_names)


@cache
def _output_node(service: str, operation: str) -> _Node | None:
    model, compiler = _service(service)
    shape = model.operation_model(operation).output_shape
    if shape is None:
        return None
    with _compile_lock:
        return compiler.node(shape)


@cache
def _token_paths(service: str, operation: str) -> tuple[tuple[str, ...], ...]:
    """Where pagination state sits in a page of this operation's output.

    The paginator model names the token per operation (`nextToken`, `NextPageToken`, nested
    `DistributionList.NextMarker`...), and those are exactly the members a merge must drop.
    Expressions that are not plain member paths (`Contents[-1].Key`) select data, not tokens.
    """
    paths: set[tuple[str, ...]] = {(token,) for token in _ALWAYS_TOKENS}
    try:
        config = _session().get_paginator_model(service).get_paginator(operation)
    except Exception:  # no paginators file, or this operation is not paginated
        config = {}
    raw = config.get("output_token", ())
    for expression in [raw] if isinstance(raw, str) else list(raw):
        for alternative in str(expression).split("||"):
            parts = tuple(alternative.strip().split("."))
            if all(_IDENTIFIER_RE.fullmatch(p) for p in parts):
                paths.add(parts)
    return tuple(sorted(paths))


# --------------------------------------------------------------------------------------------
# The walk


class _Stop(Exception):
    """Enough problems collected; unwinds the walk in one jump."""


class _Sink:
    __slots__ = ("limit", "problems")

    def __init__(self, limit: int) -> None:
        self.problems: list[tuple[_Path, str]] = []
        self.limit = limit

    def add(self, path: _Path, problem: str) -> None:
        self.problems.append((path, problem))
        if len(self.problems) >= self.limit:
            raise _Stop


def _walk(node: _Node, value: object, path: _Path, depth: int, sink: _Sink) -> None:
    kind = node.kind
    if kind == _STRUCT:
        if type(value) is not dict:
            sink.add(path, f"expected {node.expected()}, got {_got(value)}")
            return
        if depth >= MAX_DEPTH:
            sink.add(path, f"nested more than {MAX_DEPTH} levels deep")
            return
        members = node.members
        for key, item in value.items():
            child = members.get(key)
            if child is None:
                sink.add(
                    (path, key),
                    f"unknown member {_quote(key)} (not in botocore shape {node.shape}"
                    f"{_suggest(key, members)})",
                )
                continue
            pytype = child.pytype
            if pytype is not None:
                if type(item) is not pytype:
                    sink.add((path, key), f"expected {child.expected()}, got {_got(item)}")
                continue
            _walk(child, item, (path, key), depth + 1, sink)
    elif kind == _LIST:
        if type(value) is not list:
            sink.add(path, f"expected {node.expected()}, got {_got(value)}")
            return
        if depth >= MAX_DEPTH:
            sink.add(path, f"nested more than {MAX_DEPTH} levels deep")
            return
        child = node.item
        assert child is not None
        pytype = child.pytype
        if pytype is not None:
            for index, item in enumerate(value):
                if type(item) is not pytype:
                    sink.add((path, index), f"expected {child.expected()}, got {_got(item)}")
        else:
            for index, item in enumerate(value):
                _walk(child, item, (path, index), depth + 1, sink)
    elif kind == _MAP:
        if type(value) is not dict:
            sink.add(path, f"expected {node.expected()}, got {_got(value)}")
            return
        if depth >= MAX_DEPTH:
            sink.add(path, f"nested more than {MAX_DEPTH} levels deep")
            return
        # Map keys are strings in every botocore model (JSON allows nothing else), so only the
        # values are walked; the key check guards documents built in memory.
        value_node = node.value
        assert value_node is not None
        for key, item in value.items():
            if type(key) is not str:
                sink.add(path, f"map key {_got(key)} is not a string")
                continue
            _walk(value_node, item, (path, key), depth + 1, sink)
    elif kind == _SCALAR:
        if type(value) is not node.pytype:
            sink.add(path, f"expected {node.expected()}, got {_got(value)}")
    elif kind == _FLOAT:
        if type(value) is not float and type(value) is not int:
            sink.add(path, f"expected number, got {_got(value)}")
    elif kind == _TIMESTAMP:
        if not _is_iso_timestamp(value):
            sink.add(path, f"expected an ISO-8601 timestamp string, got {_got(value)}")
    elif kind == _BLOB and (type(value) is not str or not _is_base64(value)):
        sink.add(path, f"expected a base64 string, got {_got(value)}")
    elif kind in (_CIDR, _IP):
        check = _cidr_problem if kind == _CIDR else _ip_problem
        if problem := check(value, int(node.shape[-1])):
            sink.add(path, problem)
    # _ANY: documents and jsonvalue members hold arbitrary JSON by definition.


def _check_response(
    service: str, operation: str, node: _Node | None, response: object, path: _Path, sink: _Sink
) -> None:
    """One merged response: no leftovers of paging or of boto3's envelope, then its shape."""
    if type(response) is not dict:
        what = node.expected() if node is not None else "object"
        sink.add(path, f"expected {what}, got {_got(response)}")
        return
    reported: set[str] = set()
    if "ResponseMetadata" in response:
        sink.add(
            (path, "ResponseMetadata"),
            "ResponseMetadata kept: snapshots store responses without boto3's metadata",
        )
        reported.add("ResponseMetadata")
    for token_path in _token_paths(service, operation):
        holder: object = response
        for part in token_path[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and token_path[-1] in holder:
            place = path
            for part in token_path:
                place = (place, part)
            sink.add(
                place,
                f"pagination token {token_path[-1]!r} kept: merge all pages and drop it",
            )
            if len(token_path) == 1:
                reported.add(token_path[0])
    if reported:
        # Each leftover is reported once, not again by the walk as unknown or mistyped.
        response = {k: v for k, v in response.items() if k not in reported}
    if node is None:
        if response:
            first = next(iter(response))
            sink.add((path, first), f"unknown member {_quote(first)} ({operation} returns no output)")
        return
    _walk(node, response, path, 0, sink)


def _check_operation_value(service: str, operation: str, value: object, path: _Path, sink: _Sink) -> None:
    node = _output_node(service, operation)
    identifier = PER_RESOURCE_KEYS.get((service, operation))
    if identifier is None:
        _check_response(service, operation, node, value, path, sink)
        return
    if type(value) is not dict:
        sink.add(
            path,
            f"expected an object keyed by {identifier} ({operation} is per-resource), got {_got(value)}",
        )
        return
    for resource_id, response in value.items():
        entry = (path, resource_id)
        if not resource_id:
            sink.add(entry, f"empty identifier: {operation} entries are keyed by {identifier}")
            continue
        if type(response) is not dict:
            sink.add(
                entry,
                f"expected the {operation} response for this {identifier}, an object, "
                f"got {_got(response)} ({operation} is per-resource: keyed by {identifier})",
            )
            continue
        _check_response(service, operation, node, response, entry, sink)


def _known_service(service: str) -> str | None:
    """None when usable, else the problem."""
    if service in service_names():
        return None
    hint = _suggest(service, service_names())
    return f"unknown service {_quote(service)} (not a botocore service name{hint})"


def _known_operation(service: str, operation: str) -> str | None:
    names = operation_names(service)
    if operation in names:
        return None
    # Users copying from boto3 code or the CLI write describe_route_tables / describe-route-tables.
    by_snake = {re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower(): name for name in names}
    match = by_snake.get(str(operation).lower().replace("-", "_"))
    hint = f"; operation keys are botocore names: {match!r}" if match else _suggest(operation, names)
    return f"unknown operation {_quote(operation)} for service {service}{hint}"


def _format(problems: list[tuple[_Path, str]]) -> list[str]:
    out = []
    for path, problem in problems:
        place = render_place(path)
        out.append(f"{place}: {problem}" if place else problem)
    return out


def validate_response(service: str, operation: str, response: object, *, limit: int = 100) -> list[str]:
    """Problems of ONE merged response (a single entry even for per-resource operations).

    Returns at most `limit` strings `"place: problem"`, the place relative to the response;
    an empty list means valid. Meant for tests of fixtures and of the collector, which want to
    see every problem at once rather than the first.
    """
    if problem := _known_service(service) or _known_operation(service, operation):
        return [problem]
    sink = _Sink(max(limit, 1))
    with contextlib.suppress(_Stop):
        _check_response(service, operation, _output_node(service, operation), response, None, sink)
    return _format(sink.problems)


def validate_operation(service: str, operation: str, value: object, *, limit: int = 100) -> list[str]:
    """Problems of the value a snapshot stores under `service.operation`.

    For per-resource operations that is the object keyed by identifier; for the others it is the
    same as `validate_response`.
    """
    if problem := _known_service(service) or _known_operation(service, operation):
        return [problem]
    sink = _Sink(max(limit, 1))
    with contextlib.suppress(_Stop):
        _check_operation_value(service, operation, value, None, sink)
    return _format(sink.problems)


# --------------------------------------------------------------------------------------------
# The envelope


def _fail(source: str, path: _Path, problem: str) -> SnapshotError:
    return SnapshotError(source, render_place(path), problem)


def _check_errors_list(errors: object, source: str) -> None:
    root = _path_of("errors")
    if type(errors) is not list:
        raise _fail(source, root, f"expected an array of collection failures, got {_got(errors)}")
    for index, entry in enumerate(errors):
        here = (root, index)
        if type(entry) is not dict:
            raise _fail(source, here, f"expected an object describing a failed call, got {_got(entry)}")
        for key in entry:
            if key not in _ERROR_FIELDS:
                raise _fail(
                    source,
                    (here, key),
                    f"unknown field {_quote(key)} (expected {', '.join(sorted(_ERROR_FIELDS))})",
                )
        for field in _ERROR_STRING_FIELDS:
            if field not in entry:
                raise _fail(source, here, f"missing {field!r}")
            if type(entry[field]) is not str:
                raise _fail(source, (here, field), f"expected string, got {_got(entry[field])}")
        resource = entry.get("resource")
        if resource is not None and type(resource) is not str:
            raise _fail(source, (here, "resource"), f"expected string or null, got {_got(resource)}")


def _check_envelope(doc: object, source: str) -> dict[str, Any]:
    if type(doc) is not dict:
        raise SnapshotError(source, "", f"expected a JSON object (a {SCHEMA} snapshot), got {_got(doc)}")
    if "schema" not in doc:
        raise SnapshotError(source, "schema", f"missing: not a safemaker snapshot (expected {SCHEMA})")
    schema = doc["schema"]
    if schema != SCHEMA:
        shown = _quote(schema) if isinstance(schema, str) else _got(schema)
        raise SnapshotError(source, "schema", f"unsupported schema {shown} (expected {SCHEMA})")
    for key in doc:
        if key not in _ENVELOPE_KEYS:
            raise _fail(
                source,
                _path_of(str(key)),
                f"unknown top-level key {_quote(key)} (expected {', '.join(_ENVELOPE_KEYS)})",
            )
    if "created" not in doc:
        raise SnapshotError(source, "created", "missing (the ISO-8601 time the snapshot was taken)")
    created = doc["created"]
    if not _is_iso_timestamp(created):
        raise SnapshotError(source, "created", f"expected an ISO-8601 timestamp string, got {_got(created)}")
    if "tool_version" in doc and type(doc["tool_version"]) is not str:
        raise SnapshotError(source, "tool_version", f"expected string, got {_got(doc['tool_version'])}")
    if "accounts" not in doc:
        raise SnapshotError(source, "accounts", "missing (object of account ID to regions)")
    accounts = doc["accounts"]
    if type(accounts) is not dict:
        got = _got(accounts)
        raise SnapshotError(source, "accounts", f"expected an object keyed by account ID, got {got}")
    if "errors" in doc:
        _check_errors_list(doc["errors"], source)
    return doc


# --------------------------------------------------------------------------------------------
# Identifiers that must be present and unique within one account and region
#
# The checks index resources by these identifiers; an entry without one cannot be referred to,
# and two different entries under one ID would make every verdict depend on which one an index
# happens to keep. (This is the one place where output members are required: AWS never omits
# them.) Identical repeats are accepted: a paginated list can hand out an entry twice while the
# estate changes, and they mean one thing.

_UNIQUE: Final[Mapping[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]]] = MappingProxyType({
    # (service, operation) -> (path to the items, "*" = every element; the fields forming the ID)
    ("ec2", "DescribeVpcs"): (("Vpcs", "*"), ("VpcId",)),
    ("ec2", "DescribeSubnets"): (("Subnets", "*"), ("SubnetId",)),
    ("ec2", "DescribeRouteTables"): (("RouteTables", "*"), ("RouteTableId",)),
    ("ec2", "DescribeInternetGateways"): (("InternetGateways", "*"), ("InternetGatewayId",)),
    ("ec2", "DescribeEgressOnlyInternetGateways"): (("EgressOnlyInternetGateways", "*"),
                                                    ("EgressOnlyInternetGatewayId",)),
    ("ec2", "DescribeNatGateways"): (("NatGateways", "*"), ("NatGatewayId",)),
    ("ec2", "DescribeVpcEndpoints"): (("VpcEndpoints", "*"), ("VpcEndpointId",)),
    ("ec2", "DescribeSecurityGroups"): (("SecurityGroups", "*"), ("GroupId",)),
    ("ec2", "DescribeNetworkAcls"): (("NetworkAcls", "*"), ("NetworkAclId",)),
    ("ec2", "DescribeNetworkInterfaces"): (("NetworkInterfaces", "*"), ("NetworkInterfaceId",)),
    ("ec2", "DescribeInstances"): (("Reservations", "*", "Instances", "*"), ("InstanceId",)),
    ("ec2", "DescribeVpcPeeringConnections"): (("VpcPeeringConnections", "*"), ("VpcPeeringConnectionId",)),
    ("ec2", "DescribeTransitGateways"): (("TransitGateways", "*"), ("TransitGatewayId",)),
    ("ec2", "DescribeTransitGatewayAttachments"): (("TransitGatewayAttachments", "*"),
                                                   ("TransitGatewayAttachmentId",)),
    ("ec2", "DescribeTransitGatewayVpcAttachments"): (("TransitGatewayVpcAttachments", "*"),
                                                      ("TransitGatewayAttachmentId",)),
    ("ec2", "DescribeTransitGatewayRouteTables"): (("TransitGatewayRouteTables", "*"),
                                                   ("TransitGatewayRouteTableId",)),
    ("ec2", "DescribeManagedPrefixLists"): (("PrefixLists", "*"), ("PrefixListId",)),
    ("ec2", "DescribePrefixLists"): (("PrefixLists", "*"), ("PrefixListId",)),
    ("network-firewall", "ListFirewalls"): (("Firewalls", "*"), ("FirewallArn",)),
    ("sagemaker", "ListNotebookInstances"): (("NotebookInstances", "*"), ("NotebookInstanceName",)),
    ("sagemaker", "ListDomains"): (("Domains", "*"), ("DomainId",)),
    ("sagemaker", "ListUserProfiles"): (("UserProfiles", "*"), ("DomainId", "UserProfileName")),
    ("sagemaker", "ListSpaces"): (("Spaces", "*"), ("DomainId", "SpaceName")),
    ("sagemaker", "ListTrainingJobs"): (("TrainingJobSummaries", "*"), ("TrainingJobName",)),
    ("sagemaker", "ListProcessingJobs"): (("ProcessingJobSummaries", "*"), ("ProcessingJobName",)),
    ("sagemaker", "ListModels"): (("Models", "*"), ("ModelName",)),
})


def _items_at(value: object, steps: tuple[str, ...], path: _Path) -> Any:
    """(place, item) pairs along `steps` of an already shape-checked response."""
    if not steps:
        yield path, value
        return
    head, rest = steps[0], steps[1:]
    if head == "*":
        if type(value) is list:
            for index, item in enumerate(value):
                yield from _items_at(item, rest, (path, index))
    elif type(value) is dict and head in value:
        yield from _items_at(value[head], rest, (path, head))


def _check_unique(service: str, operation: str, value: object, at_operation: _Path, source: str) -> None:
    spec = _UNIQUE.get((service, operation))
    if spec is None:
        return
    steps, fields = spec
    seen: dict[tuple[str, ...], tuple[_Path, object]] = {}
    for place, item in _items_at(value, steps, None):
        if type(item) is not dict:
            continue
        ident = tuple(item.get(f) for f in fields)
        for name, part in zip(fields, ident, strict=True):
            if type(part) is not str or not part:
                # AWS always returns it; without it the entry cannot be referred to or indexed.
                shown = "missing" if part is None else f"expected a non-empty string, got {_got(part)}"
                raise _fail(source, _join(at_operation, (place, name)),
                            f"{shown}: every entry of {operation} is identified by {name}")
        key = tuple(str(part) for part in ident)
        first = seen.get(key)
        if first is None:
            seen[key] = (place, item)
        elif first[1] != item:
            shown = "/".join(key)
            raise _fail(source, _join(at_operation, place),
                        f"duplicate {'/'.join(fields)} {_quote(shown)}: {render_place(first[0])} has the same "
                        "identifier with different content (one of them must go)")


def _join(prefix: _Path, relative: _Path) -> _Path:
    parts: list[str | int] = []
    while relative is not None:
        relative, segment = relative
        parts.append(segment)
    for segment in reversed(parts):
        prefix = (prefix, segment)
    return prefix


def validate_snapshot(doc: object, source: str) -> None:
    """Raise SnapshotError naming `source` and the place of the FIRST problem in `doc`.

    The envelope is checked before any response so that a wrong schema version is reported as
    such and not as a cascade of shape errors from a future layout.
    """
    checked = _check_envelope(doc, source)
    accounts = checked["accounts"]
    sink = _Sink(1)
    try:
        for account, regions in accounts.items():
            at_account = _path_of("accounts", account)
            if type(account) is not str or not _ACCOUNT_RE.fullmatch(account):
                raise _fail(source, at_account, f"account ID must be 12 digits, got {_quote(account)}")
            if type(regions) is not dict:
                raise _fail(source, at_account, f"expected an object keyed by region, got {_got(regions)}")
            for region, services in regions.items():
                at_region = (at_account, region)
                if type(region) is not str or not _REGION_RE.fullmatch(region):
                    shown = _quote(region)
                    raise _fail(source, at_region, f"not a region name: {shown} (expected e.g. eu-west-1)")
                if type(services) is not dict:
                    got = _got(services)
                    raise _fail(source, at_region, f"expected an object keyed by service, got {got}")
                for service, operations in services.items():
                    at_service = (at_region, service)
                    if problem := _known_service(service):
                        raise _fail(source, at_service, problem)
                    if type(operations) is not dict:
                        got = _got(operations)
                        raise _fail(source, at_service, f"expected an object keyed by operation, got {got}")
                    for operation, value in operations.items():
                        at_operation = (at_service, operation)
                        if problem := _known_operation(service, operation):
                            raise _fail(source, at_operation, problem)
                        _check_operation_value(service, operation, value, at_operation, sink)
                        _check_unique(service, operation, value, at_operation, source)
    except _Stop:
        path, problem = sink.problems[0]
        raise _fail(source, path, problem) from None


def envelope_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the envelope, for users' own tooling and our tests.

    It stops at the responses (plain objects): their shapes come from botocore, which a static
    schema file would only copy out of date.
    """
    text = resources.files("safemaker.scanner.snapshot").joinpath("schemas/snapshot.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# --------------------------------------------------------------------------------------------
# Partial validity
#
# One wrongly typed field must not cost the whole analysis, and it must not be read either. The
# envelope and the keys (schema, account IDs, region names, service and operation names) must be
# right, or nothing can be placed; below them, a response with a problem is treated exactly like
# a call that failed: it is left out of the snapshot the checks see, and an `errors` entry says
# where and why. "Absent means unknown", so every verdict that reads it becomes ERROR naming the
# place, and nothing that does not read it changes. For per-resource operations only the entry
# of that resource is left out.

#: error_code of the `errors` entries that stand for data left out as unreadable.
INVALID_DATA_CODE: Final = "InvalidSnapshotData"


def _first_problem(check: Any) -> tuple[str, str] | None:
    """(rendered place, problem) of the first problem `check(sink)` finds, or None."""
    sink = _Sink(1)
    try:
        check(sink)
    except _Stop:
        path, problem = sink.problems[0]
        return render_place(path), problem
    return None


def _response_problem(service: str, operation: str, value: object, at: _Path) -> tuple[str, str] | None:
    """(rendered place, problem) of a whole response, or None."""
    found = _first_problem(lambda sink: _check_operation_value(service, operation, value, at, sink))
    if found is None:
        try:
            _check_unique(service, operation, value, at, "")
        except SnapshotError as exc:
            return exc.place, exc.problem
    return found


def _entry_problems(service: str, operation: str, entries: Mapping[str, Any], at: _Path,
                    ) -> dict[str, tuple[str, str]]:
    bad: dict[str, tuple[str, str]] = {}
    for resource_id, entry in entries.items():
        found = _first_problem(
            lambda sink, rid=resource_id, entry=entry: _check_operation_value(
                service, operation, {rid: entry}, at, sink))
        if found is not None:
            bad[resource_id] = found
    return bad


#: Entries of a per-resource operation checked as one piece when validation is shared out.
_ENTRIES_PER_PIECE: Final = 500
#: Responses and entries from which validation is shared out over processes (a few seconds of work).
PARALLEL_VALIDATION_FROM: Final = 20_000


@dataclass(frozen=True)
class _Unit:
    service: str
    operation: str
    at: _Path
    value: object
    entries: tuple[str, ...] | None  # a slice of a per-resource operation's entries, else the whole value


def _all_problems(checked: Mapping[str, Any], jobs: int | None,
                  ) -> dict[tuple[str, str, str, str], tuple[tuple[str, str] | None, dict[str, tuple[str, str]]]]:
    """(problem of the whole response, {resource id: problem of its entry}) of every response,
    keyed by (account, region, service, operation), places rendered: in this process, or shared
    out over `jobs` forked ones (None: by the size of the snapshot), which only hand back the
    problems they found. A per-resource operation's entries are judged one by one."""
    from safemaker.scanner.parallel import default_jobs, run_pieces

    keys: list[tuple[str, str, str, str]] = []
    units: list[_Unit] = []
    owners: list[int] = []
    for account, regions in checked["accounts"].items():
        for region, services in regions.items():
            for service, operations in services.items():
                for operation, value in operations.items():
                    at = _path_of("accounts", account, region, service, operation)
                    keys.append((account, region, service, operation))
                    if (service, operation) in PER_RESOURCE_KEYS and type(value) is dict:
                        ids = tuple(value)
                        for start in range(0, max(len(ids), 1), _ENTRIES_PER_PIECE):
                            units.append(_Unit(service, operation, at, value, ids[start:start + _ENTRIES_PER_PIECE]))
                            owners.append(len(keys) - 1)
                    else:
                        units.append(_Unit(service, operation, at, value, None))
                        owners.append(len(keys) - 1)
    if jobs is None:
        jobs = default_jobs() if sum(map(_weight, units)) >= PARALLEL_VALIDATION_FROM else 1
    # The largest pieces first, so that no process is left with a big one at the end.
    order = sorted(range(len(units)), key=lambda i: -_weight(units[i]))

    def work(n: int, _tick: Any) -> tuple[tuple[str, str] | None, dict[str, tuple[str, str]]]:
        unit = units[order[n]]
        if unit.entries is None:
            return _response_problem(unit.service, unit.operation, unit.value, unit.at), {}
        value: dict[str, Any] = unit.value  # type: ignore[assignment]  # a per-resource operation's entries
        return None, _entry_problems(unit.service, unit.operation, {k: value[k] for k in unit.entries}, unit.at)

    results = run_pieces(len(units), work, jobs)
    out: dict[tuple[str, str, str, str], tuple[tuple[str, str] | None, dict[str, tuple[str, str]]]] = {}
    for n, (whole, per_entry) in enumerate(results):
        key = keys[owners[order[n]]]
        before_whole, before_entries = out.get(key, (None, {}))
        out[key] = (before_whole or whole, {**before_entries, **per_entry})
    return out


def _weight(unit: _Unit) -> int:
    if unit.entries is not None:
        return len(unit.entries)
    value = unit.value
    return sum(len(v) for v in value.values() if isinstance(v, list)) if isinstance(value, dict) else 1


def validate_partially(doc: object, source: str, jobs: int | None = None) -> tuple[dict[str, Any], list[str]]:
    """The document the checks may read, and one line per response left out as unreadable.

    Raises SnapshotError (naming the place) for problems above the responses, as
    `validate_snapshot` does. When nothing is wrong the document is returned as it is.
    """
    checked = _check_envelope(doc, source)
    # Keys are checked by the strict walk with every response replaced by an empty object.
    skeleton = {**checked, "accounts": {
        a: ({r: ({s: ({o: {} for o in ops} if type(ops) is dict else ops) for s, ops in svcs.items()}
                 if type(svcs) is dict else svcs) for r, svcs in regions.items()} if type(regions) is dict else regions)
        for a, regions in checked["accounts"].items()}}
    validate_snapshot(skeleton, source)
    lines: list[str] = []
    entries: list[dict[str, Any]] = []
    accounts: dict[str, Any] = {}
    changed = False
    found = _all_problems(checked, jobs)
    for account, regions in checked["accounts"].items():
        for region, services in regions.items():
            for service, operations in services.items():
                for operation, value in operations.items():
                    whole, per_entry = found[(account, region, service, operation)]
                    if whole is None and not per_entry:
                        continue
                    changed = True
                    ops = accounts.setdefault(account, {}).setdefault(region, {}).setdefault(service, {})
                    problems: list[tuple[str | None, tuple[str, str]]] = (
                        [(None, whole)] if whole is not None else list(per_entry.items()))
                    if whole is None:
                        ops[operation] = {k: v for k, v in value.items() if k not in per_entry}
                    else:
                        ops[operation] = None  # left out
                    for resource_id, (place, problem) in problems:
                        lines.append(f"{source}: {place}: {problem}")
                        entries.append({"account": account, "region": region, "service": service,
                                        "operation": operation, "resource": resource_id,
                                        "error_code": INVALID_DATA_CODE,
                                        "message": f"unreadable in the snapshot: {place}: {problem}"})
    if not changed:
        return checked, []
    out_accounts: dict[str, Any] = {}
    for account, regions in checked["accounts"].items():
        out_regions: dict[str, Any] = {}
        for region, services in regions.items():
            fixes = accounts.get(account, {}).get(region, {})
            out_services: dict[str, Any] = {}
            for service, operations in services.items():
                if service not in fixes:
                    out_services[service] = operations
                    continue
                out_services[service] = {
                    op: fixes[service].get(op, value) for op, value in operations.items()
                    if not (op in fixes[service] and fixes[service][op] is None)}
            out_regions[region] = out_services
        out_accounts[account] = out_regions
    return {**checked, "accounts": out_accounts, "errors": [*checked.get("errors", []), *entries]}, lines
