"""Hand-made reports for the renderer tests.

The reports are built from model types directly, not by running checks, so each renderer is
tested on exactly the cases it must handle: every status, paths with and without inspection,
notes, missing ARNs, and strings an attacker controls (resource names, tags, rule text).
"""

from __future__ import annotations

import pytest

from safemaker.scanner.model import (
    Evidence,
    Finding,
    Hop,
    Path,
    Report,
    ResourceRef,
    ResourceType,
    Severity,
    SnapshotInfo,
    Status,
)

SCRIPT = "<script>alert(1)</script>"
ATTR_BREAK = '"><img src=x onerror=alert(1)>'
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
REGION = "eu-west-1"


def make_finding(
    check_id: str,
    status: Status,
    severity: Severity,
    rid: str,
    *,
    rtype: ResourceType = ResourceType.NOTEBOOK_INSTANCE,
    account: str = ACCOUNT,
    region: str = REGION,
    arn: str | None = None,
    message: str = "message",
    paths: tuple[Path, ...] = (),
    notes: tuple[str, ...] = (),
    title: str | None = None,
    remediation: str = "Route 0.0.0.0/0 through a Network Firewall endpoint.",
    fingerprint: str | None = None,
) -> Finding:
    return Finding(
        check_id=check_id,
        title=title or f"Title of {check_id}",
        status=status,
        severity=severity,
        resource=ResourceRef(rtype, rid, account, region, arn),
        message=message,
        evidence=Evidence(paths, notes),
        remediation=remediation,
        fingerprint=fingerprint or f"fp-{check_id}-{rid}",
    )


NAT_PATH = Path(
    hops=(
        Hop("eni", "eni-1", "notebook nb-analysts, sg-1 allows 0.0.0.0/0:443"),
        Hop("route-table", "rtb-2", "0.0.0.0/0 -> nat-3"),
        Hop("nat-gateway", "nat-3", "public, subnet-7"),
        Hop("route-table", "rtb-7", "0.0.0.0/0 -> igw-9"),
        Hop("internet-gateway", "igw-9", ""),
    ),
    destinations=("0.0.0.0/0",),
    outcome="internet",
)

INSPECTED_PATH = Path(
    hops=(
        Hop("eni", "eni-2", ""),
        Hop("route-table", "rtb-3", "0.0.0.0/0 -> vpce-fw1"),
        Hop("firewall-endpoint", "vpce-fw1", "fw-1, eu-west-1a"),
        Hop("nat-gateway", "nat-4", ""),
        Hop("route-table", "rtb-9", "0.0.0.0/0 -> igw-1"),
        Hop("internet-gateway", "igw-1", ""),
    ),
    outcome="inspected by fw-1",
)

PROXY_PATH = Path(hops=(Hop("eni", "eni-5", ""), Hop("proxy", "i-0proxy", "squid on 10.0.1.10:3128")))

HOSTILE_PATH = Path(
    hops=(Hop("eni", SCRIPT, ATTR_BREAK), Hop("internet-gateway", ATTR_BREAK, SCRIPT)),
    destinations=(SCRIPT,),
    outcome=ATTR_BREAK,
)


def sample_findings() -> tuple[Finding, ...]:
    """Every status, several checks, two accounts; deliberately not in sort order."""
    return (
        make_finding(
            "SM-001", Status.FAIL, Severity.MEDIUM, "nb-analysts", message="root access is enabled"
        ),
        make_finding(
            "NET-001",
            Status.FAIL,
            Severity.CRITICAL,
            "nb-analysts",
            arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/nb-analysts",
            message="0.0.0.0/0 from subnet-1 reaches igw-9 through nat-3 without passing firewall or proxy",
            paths=(NAT_PATH,),
            notes=("Block Public Access options not collected: taken as off",),
        ),
        make_finding(
            "NET-001",
            Status.PASS,
            Severity.CRITICAL,
            "nb-safe",
            message="every path is inspected",
            paths=(INSPECTED_PATH, PROXY_PATH),
        ),
        make_finding(
            "NET-002",
            Status.ERROR,
            Severity.HIGH,
            "d-abc",
            rtype=ResourceType.DOMAIN,
            account=OTHER_ACCOUNT,
            region="us-east-1",
            message="DescribeDomain was not collected",
            notes=("AccessDeniedException on sagemaker:DescribeDomain",),
        ),
        make_finding(
            "FW-003",
            Status.PASS,
            Severity.LOW,
            "fw-1",
            rtype=ResourceType.FIREWALL,
            message="ALERT logging on",
        ),
        make_finding("NET-004", Status.FAIL, Severity.INFO, "nb-latent", message="latent path"),
    )


def hostile_findings() -> tuple[Finding, ...]:
    """Attacker-controlled text in every field a renderer prints."""
    return (
        make_finding(
            "NET-001",
            Status.FAIL,
            Severity.CRITICAL,
            SCRIPT,
            arn=ATTR_BREAK,
            message=ATTR_BREAK,
            paths=(HOSTILE_PATH,),
            notes=(SCRIPT, ATTR_BREAK),
            title=SCRIPT,
            remediation=ATTR_BREAK,
            fingerprint=SCRIPT,
        ),
        make_finding(
            "NET-002",
            Status.ERROR,
            Severity.HIGH,
            ATTR_BREAK,
            rtype=ResourceType.DOMAIN,
            account=ATTR_BREAK,
            region=SCRIPT,
            message=SCRIPT + "\x00\x1b[31m",
        ),
    )


def make_report(
    findings: tuple[Finding, ...], *, accounts: tuple[str, ...] = (), regions: tuple[str, ...] = ()
) -> Report:
    return Report(
        tool_version="0.1.0",
        generated="2026-11-23T10:00:05Z",
        snapshot=SnapshotInfo(
            created="2026-11-23T10:00:00Z",
            accounts=accounts or tuple(sorted({f.resource.account for f in findings})),
            regions=regions or tuple(sorted({f.resource.region for f in findings})),
        ),
        findings=findings,
    )


@pytest.fixture
def sample_report() -> Report:
    return make_report(sample_findings())


@pytest.fixture
def hostile_report() -> Report:
    return make_report(sample_findings() + hostile_findings())


@pytest.fixture
def empty_report() -> Report:
    return make_report((), accounts=(ACCOUNT,), regions=(REGION,))
