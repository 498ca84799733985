"""Value types shared by the engine, the checks and the reports.

Everything that crosses a module boundary is a frozen dataclass or a string enum, so that a
check cannot mutate what another check sees and a report cannot invent a status the engine
never produced.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, NewType

AccountId = NewType("AccountId", str)
Region = NewType("Region", str)
CheckId = NewType("CheckId", str)


class Status(str, enum.Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"


class Severity(str, enum.Enum):
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


class ResourceType(str, enum.Enum):
    """CloudFormation type names, as findings report them (contracts.md §2)."""

    NOTEBOOK_INSTANCE = "AWS::SageMaker::NotebookInstance"
    DOMAIN = "AWS::SageMaker::Domain"
    TRAINING_JOB = "AWS::SageMaker::TrainingJob"
    PROCESSING_JOB = "AWS::SageMaker::ProcessingJob"
    MODEL = "AWS::SageMaker::Model"
    FIREWALL = "AWS::NetworkFirewall::Firewall"
    FIREWALL_POLICY = "AWS::NetworkFirewall::FirewallPolicy"
    EC2_INSTANCE = "AWS::EC2::Instance"
    VPC_ENDPOINT = "AWS::EC2::VPCEndpoint"
    REGION = "AWS::Region"  # stands in for "every resource here" when a list call is missing


@dataclass(frozen=True)
class ResourceRef:
    type: ResourceType
    id: str
    account: str
    region: str
    arn: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type.value, "id": self.id}
        if self.arn:
            out["arn"] = self.arn
        out["account"] = self.account
        out["region"] = self.region
        return out


@dataclass(frozen=True)
class Hop:
    """One step of a packet's journey; `detail` names the rule or route that let it pass."""

    kind: str
    id: str
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "detail": self.detail}


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
        }


@dataclass(frozen=True)
class SnapshotInfo:
    created: str
    accounts: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    """Everything a renderer needs; renderers never re-run checks."""

    tool_version: str
    generated: str
    snapshot: SnapshotInfo
    findings: tuple[Finding, ...]

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Status}
        for f in self.findings:
            counts[f.status.value] += 1
        return counts
