"""Value types shared by the engine, the checks and the reports.

Everything that crosses a module boundary is a frozen dataclass or a string enum, so that a
check cannot mutate what another check sees and a report cannot invent a status the engine
never produced.
"""

from __future__ import annotations

import enum
import fnmatch
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NewType

AccountId = NewType("AccountId", str)
Region = NewType("Region", str)
CheckId = NewType("CheckId", str)


class Status(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; lets `--fail-on` compare severities without string tricks."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class ResourceType(enum.StrEnum):
    """CloudFormation type names, as findings report them (docs/snapshot-format.md, findings file)."""

    NOTEBOOK_INSTANCE = "AWS::SageMaker::NotebookInstance"
    DOMAIN = "AWS::SageMaker::Domain"
    TRAINING_JOB = "AWS::SageMaker::TrainingJob"
    PROCESSING_JOB = "AWS::SageMaker::ProcessingJob"
    MODEL = "AWS::SageMaker::Model"
    FIREWALL = "AWS::NetworkFirewall::Firewall"
    FIREWALL_POLICY = "AWS::NetworkFirewall::FirewallPolicy"
    EC2_INSTANCE = "AWS::EC2::Instance"
    VPC_ENDPOINT = "AWS::EC2::VPCEndpoint"
    S3_BUCKET = "AWS::S3::Bucket"
    ACCOUNT = "AWS::Organizations::Account"  # the guardrail checks' subject: every principal of one account
    REGION = "AWS::Region"  # stands in for "every resource here" when a list call is missing


@dataclass(frozen=True)
class ResourceRef:
    type: ResourceType
    id: str
    account: str
    region: str
    arn: str | None = None
    #: The `Name` tag where it differs from `id` (optional in the findings contract).
    name: str | None = None
    #: The resource's tags, sorted by key, for routing findings to owners; () when none are known.
    tags: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type.value, "id": self.id}
        if self.arn:
            out["arn"] = self.arn
        out["account"] = self.account
        out["region"] = self.region
        # Additions to the contract, written only when known, so untagged findings keep their bytes.
        if self.name:
            out["name"] = self.name
        if self.tags:
            out["tags"] = dict(self.tags)
        return out


class HopKind(enum.StrEnum):
    """What a hop of a path is (its value is the `kind` of the findings JSON)."""

    ENI = "eni"
    WORKLOAD = "workload"
    SAGEMAKER_NETWORK = "sagemaker-managed-network"
    ROUTE_TABLE = "route-table"
    TGW_ROUTE_TABLE = "tgw-route-table"
    NETWORK_ACL = "network-acl"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_INTERNET_GATEWAY = "egress-only-internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    NAT_INSTANCE = "nat-instance"
    FIREWALL_ENDPOINT = "firewall-endpoint"
    GATEWAY_ENDPOINT = "gateway-endpoint"
    GWLB_ENDPOINT = "gwlb-endpoint"
    TRANSIT_GATEWAY = "transit-gateway"
    TGW_ATTACHMENT = "tgw-attachment"
    PEERING = "peering"
    PROXY = "proxy"
    RELAY = "relay"
    SUBNET = "subnet"
    INTERNET = "internet"


@dataclass(frozen=True)
class Hop:
    """One step of a packet's journey; `detail` names the rule or route that let it pass.

    `detail` is for people. Consumers read the structured facts instead: the route entry used
    (`route`, `target`) and the destinations it carries at a route table, and what inspects the
    traffic (`inspection`: "firewall", "proxy" or "appliance"). The findings JSON keeps the
    contract's three members, so fingerprints and files do not change."""

    kind: HopKind
    id: str
    detail: str = ""
    route: str = ""
    target: str = ""
    destinations: str = ""
    inspection: str = ""

    def __post_init__(self) -> None:
        # a plain string of a known kind (plugins, tests) becomes the enum member
        member = HopKind._value2member_map_.get(self.kind)
        if member is not None and member is not self.kind:
            object.__setattr__(self, "kind", member)

    def to_json(self) -> dict[str, str]:
        return {"kind": str(self.kind), "id": self.id, "detail": self.detail}


@dataclass(frozen=True)
class Path:
    hops: tuple[Hop, ...]
    destinations: tuple[str, ...] = ()  # CIDRs this path carries, for the evidence
    outcome: str = ""  # what happens at the end: "internet", "inspected by fw-1", ...

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"hops": [h.to_json() for h in self.hops]}
        if self.destinations:
            out["destinations"] = list(self.destinations)
        if self.outcome:
            out["outcome"] = self.outcome
        return out

    def signature(self) -> str:
        """Stable text of the path used in fingerprints: kinds and ids, not free-text detail."""
        return ">".join(f"{h.kind}:{h.id}" for h in self.hops)


@dataclass(frozen=True)
class Evidence:
    paths: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"paths": [p.to_json() for p in self.paths]}
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class Verdict:
    """What a check says about one resource; the engine turns it into a Finding."""

    status: Status
    message: str
    evidence: Evidence = field(default_factory=Evidence)

    @classmethod
    def passed(cls, message: str, *, paths: tuple[Path, ...] = (), notes: tuple[str, ...] = ()) -> Verdict:
        return cls(Status.PASS, message, Evidence(paths, notes))

    @classmethod
    def failed(cls, message: str, *, paths: tuple[Path, ...] = (), notes: tuple[str, ...] = ()) -> Verdict:
        return cls(Status.FAIL, message, Evidence(paths, notes))

    @classmethod
    def error(cls, message: str, *, notes: tuple[str, ...] = ()) -> Verdict:
        return cls(Status.ERROR, message, Evidence((), notes))


class BaselineState(enum.StrEnum):
    """A finding compared with a baseline findings file (`--baseline`)."""

    NEW = "new"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Suppression:
    """One `[[suppress]]` table of safemaker.toml: an accepted risk, written down with its reason.

    `resource` is an fnmatch glob on `resource.id`, matched case-sensitively so that `nb-*` means
    the same on every platform. `expires` is the last day the suppression applies.
    """

    check: str
    justification: str
    resource: str = "*"
    expires: date | None = None
    index: int = 0  # position among the [[suppress]] tables of safemaker.toml, from 1

    @property
    def label(self) -> str:
        return f"[[suppress]] #{self.index} ({self.check} {self.resource})"

    def matches(self, check_id: str, resource_id: str) -> bool:
        return check_id == self.check and fnmatch.fnmatchcase(resource_id, self.resource)

    def active_on(self, today: date) -> bool:
        return self.expires is None or today <= self.expires

    def to_json(self) -> dict[str, Any]:
        """What a suppressed finding carries: the reason and when it stops applying."""
        return {"justification": self.justification,
                "expires": self.expires.isoformat() if self.expires else None}


@dataclass(frozen=True)
class Triage:
    """What the run's context says about a finding, kept apart from what the check said.

    The check's verdict (status, evidence, fingerprint) never changes; the baseline and the
    suppressions only decide whether the finding counts towards the exit status.
    """

    baseline: BaselineState | None = None
    suppressed: Suppression | None = None
    suppression_expired: Suppression | None = None

    @property
    def counts(self) -> bool:
        """False when the finding is suppressed or was already in the baseline."""
        return self.suppressed is None and self.baseline is not BaselineState.UNCHANGED

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.baseline is not None:
            out["baseline"] = self.baseline.value
        if self.suppressed is not None:
            out["suppressed"] = self.suppressed.to_json()
        if self.suppression_expired is not None:
            out["suppression_expired"] = self.suppression_expired.to_json()
        return out


NO_TRIAGE = Triage()


@dataclass(frozen=True)
class Finding:
    check_id: str
    title: str
    status: Status
    severity: Severity
    resource: ResourceRef
    message: str
    evidence: Evidence
    remediation: str
    fingerprint: str
    triage: Triage = NO_TRIAGE
    #: `generated` of the earliest findings file with this fingerprint and status (via --baseline).
    first_seen: str | None = None

    @property
    def counts(self) -> bool:
        """Whether this finding may decide the exit status (not suppressed, not in the baseline)."""
        return self.triage.counts

    def sort_key(self) -> tuple[str, str, str, str, str]:
        r = self.resource
        return (self.check_id, r.account, r.region, r.type.value, r.id)

    def to_json(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "title": self.title,
            "status": self.status.value,
            "severity": self.severity.value,
            "resource": self.resource.to_json(),
            "message": self.message,
            "evidence": self.evidence.to_json(),
            "remediation": self.remediation,
            "fingerprint": self.fingerprint,
            **({"first_seen": self.first_seen} if self.first_seen else {}),
            **self.triage.to_json(),
        }


@dataclass(frozen=True)
class SnapshotInfo:
    created: str
    accounts: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True)
class FixedFinding:
    """A FAIL or ERROR of the baseline that the current run no longer reports, as the file had it."""

    check_id: str
    title: str
    status: str
    severity: str
    resource: tuple[tuple[str, str], ...]  # the baseline's resource object, key order kept
    message: str
    fingerprint: str

    @property
    def resource_id(self) -> str:
        return dict(self.resource).get("id", "")

    @property
    def where(self) -> str:
        r = dict(self.resource)
        return f"{r.get('account', '?')}/{r.get('region', '?')}"

    def sort_key(self) -> tuple[str, str, str, str, str, str]:
        r = dict(self.resource)
        return (self.check_id, r.get("account", ""), r.get("region", ""), r.get("type", ""),
                r.get("id", ""), self.fingerprint)

    def to_json(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "title": self.title,
            "status": self.status,
            "severity": self.severity,
            "resource": dict(self.resource),
            "message": self.message,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class BaselineInfo:
    """How the run compares with `--baseline FILE`."""

    file: str
    new: int
    unchanged: int
    fixed: tuple[FixedFinding, ...] = ()
    new_by_status: tuple[tuple[str, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "new": self.new,
            "unchanged": self.unchanged,
            "new_by_status": dict(self.new_by_status),
            "fixed": [f.to_json() for f in sorted(self.fixed, key=FixedFinding.sort_key)],
        }


@dataclass(frozen=True)
class SuppressionUse:
    """One suppression rule and what it did in this run."""

    rule: Suppression
    expired: bool
    matched: int  # FAIL/ERROR findings it matched (suppressed, or flagged as expired)

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.rule.check,
            "resource": self.rule.resource,
            "justification": self.rule.justification,
            "expires": self.rule.expires.isoformat() if self.rule.expires else None,
            "state": "expired" if self.expired else "active",
            "matched": self.matched,
        }


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs; renderers never re-run checks."""

    tool_version: str
    generated: str
    snapshot: SnapshotInfo
    findings: tuple[Finding, ...]
    baseline: BaselineInfo | None = None
    suppressions: tuple[SuppressionUse, ...] | None = None  # None: no [[suppress]] configured

    def triage_counts(self) -> dict[str, int]:
        """FAILs that count towards the exit status, and what was set aside and why."""
        fails = [f for f in self.findings if f.status is Status.FAIL]
        return {
            "counted": sum(1 for f in fails if f.counts),
            "suppressed": sum(1 for f in self.findings if f.triage.suppressed is not None),
            "expired": sum(1 for f in self.findings if f.triage.suppression_expired is not None),
            "unchanged": sum(1 for f in fails if f.triage.baseline is BaselineState.UNCHANGED),
        }

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for f in self.findings:
            counts[f.status.value] += 1
        return counts
