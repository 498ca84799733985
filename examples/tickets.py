#!/usr/bin/env python3
"""Turn a safemaker findings file into ticket payloads, one JSON line per fingerprint.

    python3 examples/tickets.py out/findings.json [--min-severity high] [--all] [--owner-tag owner]

Each line is an instruction for a ticketing system (Jira, ServiceNow, GitHub issues ...), keyed by
the finding's fingerprint so that running it again updates the same ticket instead of opening a
duplicate:

    {"key": "safemaker-<first 16 hex of the fingerprint>", "action": "upsert" | "resolve", ...}

- `upsert`: a FAIL or ERROR finding that is not suppressed (with `--baseline`, only new ones
  unless `--all` is given). Create the ticket if no ticket has this key, else update it.
- `resolve`: a finding the run no longer reports (the file's `baseline.fixed` list), or one
  suppressed in safemaker.toml (`resolution` carries the justification).

Routing: when the finding's resource carries the tag named by `--owner-tag` (default `owner`;
findings carry `resource.tags` when the snapshot has them), the payload gets `"owner": <value>`
and the label `owner:<value>`, so the ticketing system can assign the team; `first_seen` (with
`--baseline`) is passed on so that a ticket can say how old the problem is.

The output depends only on the findings file (no clock, sorted by key), and `content_hash`
changes only when the ticket's text would, so an integration can skip updates that change
nothing. Standard library only; Python 3.11+.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping
from typing import Any

SCHEMA = "safemaker.findings/v1"
SEVERITIES = ("info", "low", "medium", "high", "critical")


def ticket_key(fingerprint: str) -> str:
    return f"safemaker-{fingerprint[:16]}"


def _where(resource: Mapping[str, Any]) -> str:
    return f"{resource.get('account', '?')}/{resource.get('region', '?')}"


def _path_lines(finding: Mapping[str, Any]) -> list[str]:
    lines = []
    for path in (finding.get("evidence") or {}).get("paths") or []:
        hops = " -> ".join(f"{h.get('kind')} {h.get('id')}" + (f" ({h['detail']})" if h.get("detail") else "")
                           for h in path.get("hops") or [])
        lines.append(f"- {hops}")
    return lines


def _body(finding: Mapping[str, Any]) -> str:
    r = finding.get("resource") or {}
    parts = [
        f"{finding.get('title', '')}",
        "",
        f"Status: {finding.get('status')}   Severity: {finding.get('severity')}   Check: {finding.get('check_id')}",
        f"Resource: {r.get('type')} {r.get('id')} in {_where(r)}" + (f" ({r['arn']})" if r.get("arn") else ""),
        "",
        str(finding.get("message", "")),
    ]
    paths = _path_lines(finding)
    if paths:
        parts += ["", "Paths:", *paths]
    if finding.get("suppression_expired"):
        expired = finding["suppression_expired"]
        parts += ["", f"A suppression expired on {expired.get('expires')}: {expired.get('justification')}"]
    if finding.get("remediation"):
        parts += ["", "Remediation:", str(finding["remediation"])]
    parts += ["", f"safemaker fingerprint: {finding.get('fingerprint')}"]
    return "\n".join(parts)


def owner_of(finding: Mapping[str, Any], owner_tag: str) -> str | None:
    tags = (finding.get("resource") or {}).get("tags")
    value = tags.get(owner_tag) if isinstance(tags, Mapping) else None
    return value if isinstance(value, str) and value else None


def _payload(action: str, finding: Mapping[str, Any], owner_tag: str = "owner", **extra: Any) -> dict[str, Any]:
    r = finding.get("resource") or {}
    fingerprint = str(finding["fingerprint"])
    owner = owner_of(finding, owner_tag)
    payload: dict[str, Any] = {
        "key": ticket_key(fingerprint),
        "fingerprint": fingerprint,
        "action": action,
        "check_id": finding.get("check_id"),
        "status": finding.get("status"),
        "severity": finding.get("severity"),
        "resource": {k: r[k] for k in ("type", "id", "name", "arn", "account", "region") if k in r},
        "title": f"[safemaker] {finding.get('check_id')} {finding.get('severity')}: {r.get('id')} ({_where(r)})",
        "labels": sorted({"safemaker", str(finding.get("check_id")), f"severity:{finding.get('severity')}",
                          *([f"owner:{owner}"] if owner else [])}),
        **extra,
    }
    if owner:
        payload["owner"] = owner
    if finding.get("first_seen"):
        payload["first_seen"] = finding["first_seen"]
    if action == "upsert":
        payload["body"] = _body(finding)
    content = json.dumps({k: v for k, v in payload.items() if k != "content_hash"}, sort_keys=True)
    payload["content_hash"] = hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]
    return payload


def payloads(doc: Mapping[str, Any], *, min_severity: str = "info", include_unchanged: bool = False,
             owner_tag: str = "owner") -> Iterator[dict[str, Any]]:
    """Ticket payloads for a findings document, sorted by key, at most one per fingerprint."""
    floor = SEVERITIES.index(min_severity)
    out: dict[str, dict[str, Any]] = {}
    for finding in doc.get("findings") or []:
        if finding.get("status") not in ("FAIL", "ERROR"):
            continue
        if SEVERITIES.index(str(finding.get("severity", "info"))) < floor:
            continue
        key = ticket_key(str(finding["fingerprint"]))
        if finding.get("suppressed"):
            why = finding["suppressed"]
            until = f" (until {why['expires']})" if why.get("expires") else ""
            out[key] = _payload("resolve", finding, owner_tag,
                                resolution=f"accepted risk{until}: {why.get('justification')}")
        elif include_unchanged or finding.get("baseline", "new") == "new":
            out[key] = _payload("upsert", finding, owner_tag)
    for fixed in (doc.get("baseline") or {}).get("fixed") or []:
        key = ticket_key(str(fixed["fingerprint"]))
        out.setdefault(key, _payload("resolve", fixed, owner_tag, resolution="fixed: no longer reported by safemaker"))
    for key in sorted(out):
        yield out[key]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("findings", help="a safemaker findings.json")
    parser.add_argument("--min-severity", choices=SEVERITIES, default="info")
    parser.add_argument("--all", dest="include_unchanged", action="store_true",
                        help="with a baseline, also upsert findings that are unchanged since it")
    parser.add_argument("--owner-tag", default="owner", help="the resource tag that names the owning team")
    args = parser.parse_args(argv)
    try:
        with open(args.findings, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        print(f"tickets: {args.findings}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        print(f"tickets: {args.findings}: not a {SCHEMA} document", file=sys.stderr)
        return 2
    for payload in payloads(doc, min_severity=args.min_severity, include_unchanged=args.include_unchanged,
                            owner_tag=args.owner_tag):
        sys.stdout.write(json.dumps(payload, sort_keys=True, ensure_ascii=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
