"""Reads the HTML report's data block back, the way the page's script does, and builds a report
large enough to need it, for the tests.

A second reading of the layout that reports/html_data.py documents, written apart from the
page's script, so a test can assert exactly which findings, messages and hops the block holds.
"""

from __future__ import annotations

import json
from typing import Any

from safemaker.scanner.model import (
    Evidence,
    Finding,
    Hop,
    HopKind,
    Path,
    Report,
    ResourceRef,
    ResourceType,
    Severity,
    SnapshotInfo,
    Status,
)

ACCOUNT = "111122223333"
REGION = "eu-west-1"

OPEN = '<script type="application/json" id="report-data">'


def block(page: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(page.split(OPEN, 1)[1].split("</script>", 1)[0])
    return doc


def text(data: dict[str, Any], value: Any, ident: str = "") -> str:
    if isinstance(value, int):
        return ident if value < 0 else str(data["texts"][value])
    if isinstance(value, list):
        return "".join(text(data, v, ident) for v in value)
    return str(value or "")


def pass_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every PASS finding of the block, its fields named, defaults filled in."""
    defaults = ("", 0, None, None, "", "", "no")
    out = []
    for check, rtype, severity, rows in data["passes"]:
        for row in rows:
            name, place, sev, age, tags, baseline, suppressed = (list(row[2:]) + list(defaults[len(row) - 2:]))
            account, region = data["places"][place]
            out.append({"check": check, "type": text(data, rtype), "id": text(data, row[0]), "name": text(data, name),
                        "account": account, "region": region, "severity": sev or severity,
                        "message": text(data, row[1]), "age": age, "tags": text(data, tags),
                        "baseline": baseline, "suppressed": suppressed})
    return out


def path(data: dict[str, Any], index: int) -> dict[str, Any]:
    hops, outcome, summary, picture, is_open, inspected = data["paths"][index]
    return {"outcome": text(data, outcome), "summary": text(data, summary), "picture": picture,
            "open": bool(is_open), "inspected": bool(inspected),
            "hops": [{"label": text(data, h[0]), "id": h[1], "name": text(data, h[2]),
                      "detail": text(data, h[3], h[1]), "role": h[4]} for h in (data["hops"][i] for i in hops)]}


def findings(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every FAIL/ERROR finding of the block (those not written as markup), with its resource."""
    out = []
    for rtype, ident, name, place, arn, _by_name, _by_location, rows in data["resources"]:
        account, region = data["places"][place]
        resource = {"type": text(data, rtype), "id": text(data, ident), "name": text(data, name), "account": account,
                    "region": region, "arn": text(data, arn, text(data, ident))}
        for row in rows:
            row = list(row) + [[], [], {}][len(row) - 5:]
            check, status, severity, message, fingerprint, notes, paths, extra = row
            check_id, title, _ = data["checks"][check]
            out.append({"resource": resource, "check": check_id, "title": title, "status": status,
                        "severity": severity, "message": text(data, message), "fingerprint": fingerprint,
                        "notes": [text(data, n) for n in notes], "paths": [path(data, p) for p in paths],
                        "extra": {k: text(data, v) if k in ("tags", "first_seen") else v for k, v in extra.items()}})
    return out


def estate(n: int) -> Report:
    """A report of `n` notebooks, each with a FAIL whose path shares all but its first hop with
    the others, some with a second FAIL or an ERROR, a name, tags or an age, and a PASS each; the
    last notebook's name, message, hop detail and tags are hostile (they end a script, open a
    comment, hold a line separator)."""
    acl = "acl-0shared"
    findings = []
    for i in range(n):
        rid = f"nb-{i:03d}"
        hostile = i == n - 1
        eni = f"eni-{i:03d}"
        path = Path(hops=(
            Hop(HopKind("eni"), eni, f"notebook {rid}, sg-1 allows 0.0.0.0/0:443"
                + (" </script><script>alert(1)</script>" if hostile else "")),
            Hop(HopKind("route-table"), "rtb-0shared", "0.0.0.0/0 -> nat-0shared"),
            Hop(HopKind("network-acl"), acl, f"{acl} outbound rule 100 allows 0.0.0.0/0"),
            Hop(HopKind("network-acl"), acl, f"{acl} inbound rule 100 allows 0.0.0.0/0"),
            Hop(HopKind("nat-gateway"), "nat-0shared", "public, subnet-7"),
            Hop(HopKind("internet-gateway"), "igw-0shared", "")), destinations=("0.0.0.0/0",), outcome="internet")
        name = "</script><!-- \u2028 <b>x</b> &amp;" if hostile else (f"analysts {i}" if i % 2 == 0 else None)
        tags = (("owner", "</SCRIPT ><!--" if hostile else f"team-{i % 3}"),) if i % 3 == 0 or hostile else ()
        resource = ResourceRef(ResourceType.NOTEBOOK_INSTANCE, rid, ACCOUNT, REGION,
                               f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{rid}", name, tags)
        first_seen = "2026-09-01T00:00:00Z" if i % 4 == 0 else None
        message = f"{eni} (notebook {rid}): reaches the internet through igw-0shared without inspection"
        common = {"resource": resource, "first_seen": first_seen, "remediation": "Route through a firewall."}
        findings.append(Finding("NET-001", "Notebook reaches the internet uninspected", Status.FAIL,
                                Severity.CRITICAL, message=message + (" <!-- ]]> </script>" if hostile else ""),
                                evidence=Evidence((path,), ("VPC Block Public Access options were not collected",)),
                                fingerprint=f"{i:064x}", **common))
        if i % 2:
            findings.append(Finding("SM-001", "Root access", Status.FAIL, Severity.HIGH,
                                    message="root access is Enabled", evidence=Evidence(),
                                    fingerprint=f"{i + 1000:064x}", **common))
        if i % 5 == 4:
            findings.append(Finding("VPCE-001", "Endpoints", Status.ERROR, Severity.MEDIUM,
                                    message="DescribeVpcEndpoints was not collected", evidence=Evidence(),
                                    fingerprint=f"{i + 2000:064x}", **common))
        findings.append(Finding("NET-006", "S3 reachable", Status.PASS, Severity.HIGH,
                                message=f"{eni} (notebook {rid}): no S3 gateway endpoint", evidence=Evidence(),
                                fingerprint=f"{i + 3000:064x}", **common))
    return Report(tool_version="0.1.0", generated="2026-11-23T10:00:05Z",
                  snapshot=SnapshotInfo("2026-11-23T10:00:00Z", (ACCOUNT,), (REGION,)), findings=tuple(findings))
