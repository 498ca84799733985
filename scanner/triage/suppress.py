"""`[[suppress]]` in safemaker.toml: accepted risks that stay visible but do not fail the run.

A suppression names a check, a glob on the resource ID and a justification, and may expire.
It applies to FAIL and ERROR findings only (a PASS needs no excuse). A suppressed finding stays
in every output, marked, and does not count towards the exit status. From the day after its
`expires` date a suppression no longer applies: the finding counts again and carries
`suppression_expired`, and the run says so on stderr, so an exception cannot outlive its review
date silently. When several suppressions match, the first active one in the file wins.

A suppression can be narrowed to an account, a region (globs) and resource tags (`tags = {env =
"sandbox"}`, each value a glob): one accepted risk in a sandbox account must not hide the same
finding in production. Tags are read from the snapshot (the EC2 describe answers carry them);
when the snapshot records no tags for the resource, a tag-scoped suppression does not apply —
unknown is never taken as a match, so the finding keeps counting.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from safemaker.scanner.model import Finding, Status, Suppression, SuppressionUse

#: The tags of a finding's resource as the snapshot records them, or None when it records none.
TagsOf = Callable[[Finding], Mapping[str, str] | None]


@dataclass(frozen=True)
class SuppressScope:
    """Where a `[[suppress]]` table applies beyond its check and resource glob."""

    account: str = "*"
    region: str = "*"
    tags: tuple[tuple[str, str], ...] = ()

    def matches(self, finding: Finding, tags_of: TagsOf) -> bool:
        r = finding.resource
        if not (fnmatch.fnmatchcase(r.account, self.account) and fnmatch.fnmatchcase(r.region, self.region)):
            return False
        if not self.tags:
            return True
        tags = tags_of(finding)
        return tags is not None and all(key in tags and fnmatch.fnmatchcase(tags[key], glob)
                                        for key, glob in self.tags)

    def describe(self) -> str:
        parts = [f"{name} {value}" for name, value in (("account", self.account), ("region", self.region))
                 if value != "*"]
        parts += [f"tag {k}={v}" for k, v in self.tags]
        return ", ".join(parts)


def _no_tags(_: Finding) -> Mapping[str, str] | None:
    return None


#: Describe answers whose items carry Tags, and the field naming the resource.
_TAGGED = {"DescribeVpcs": ("Vpcs", "VpcId"), "DescribeSubnets": ("Subnets", "SubnetId"),
           "DescribeSecurityGroups": ("SecurityGroups", "GroupId"),
           "DescribeNatGateways": ("NatGateways", "NatGatewayId"),
           "DescribeInternetGateways": ("InternetGateways", "InternetGatewayId"),
           "DescribeVpcEndpoints": ("VpcEndpoints", "VpcEndpointId"),
           "DescribeTransitGateways": ("TransitGateways", "TransitGatewayId")}


def snapshot_tags(doc: Mapping[str, Any]) -> TagsOf:
    """A lookup of resource tags (account, region, id) from the snapshot's EC2 answers."""
    index: dict[tuple[str, str, str], dict[str, str]] = {}

    def add(account: str, region: str, item: Any, id_key: str) -> None:
        if isinstance(item, Mapping) and isinstance(item.get(id_key), str) and isinstance(item.get("Tags"), list):
            index[(account, region, item[id_key])] = {
                str(t.get("Key")): str(t.get("Value", "")) for t in item["Tags"] if isinstance(t, Mapping)}

    for account, regions in (doc.get("accounts") or {}).items():
        for region, services in (regions or {}).items():
            ec2 = services.get("ec2") if isinstance(services, Mapping) else None
            if not isinstance(ec2, Mapping):
                continue
            for operation, (key, id_key) in _TAGGED.items():
                answer = ec2.get(operation)
                for item in (answer.get(key) or []) if isinstance(answer, Mapping) else []:
                    add(account, region, item, id_key)
            answer = ec2.get("DescribeInstances")
            for reservation in (answer.get("Reservations") or []) if isinstance(answer, Mapping) else []:
                for item in reservation.get("Instances") or [] if isinstance(reservation, Mapping) else []:
                    add(account, region, item, "InstanceId")

    def tags_of(finding: Finding) -> Mapping[str, str] | None:
        r = finding.resource
        return index.get((r.account, r.region, r.id))

    return tags_of


@dataclass(frozen=True)
class SuppressionResult:
    findings: tuple[Finding, ...]
    uses: tuple[SuppressionUse, ...]
    messages: tuple[str, ...]  # lines for stderr: expired and unused suppressions


def apply_suppressions(findings: Sequence[Finding], rules: Sequence[Suppression], today: date,
                       scopes: Mapping[int, SuppressScope] | None = None, tags_of: TagsOf | None = None,
                       ) -> SuppressionResult:
    """Mark the FAIL/ERROR findings each rule covers; `scopes` narrows rules by their index."""
    scopes = scopes or {}
    lookup: TagsOf = tags_of or _no_tags
    matched = {rule.index: 0 for rule in rules}
    out: list[Finding] = []
    messages: list[str] = []
    for f in findings:
        if f.status is Status.PASS:
            out.append(f)
            continue
        hits = [rule for rule in rules if rule.matches(f.check_id, f.resource.id)
                and (rule.index not in scopes or scopes[rule.index].matches(f, lookup))]
        active = next((rule for rule in hits if rule.active_on(today)), None)
        expired = next((rule for rule in hits if not rule.active_on(today)), None)
        if active is not None:
            matched[active.index] += 1
            out.append(dataclasses.replace(f, triage=dataclasses.replace(f.triage, suppressed=active)))
        elif expired is not None:
            matched[expired.index] += 1
            messages.append(
                f"safemaker: {expired.label} expired on {_day(expired)}; {f.check_id} {f.status.value} on "
                f"{f.resource.id} ({f.resource.account}/{f.resource.region}) counts again"
            )
            out.append(dataclasses.replace(f, triage=dataclasses.replace(f.triage, suppression_expired=expired)))
        else:
            out.append(f)
    uses = tuple(SuppressionUse(rule, not rule.active_on(today), matched[rule.index]) for rule in rules)
    for use in uses:
        if use.matched == 0:
            state = f"expired on {_day(use.rule)} and " if use.expired else ""
            messages.append(f"safemaker: {use.rule.label} {state}matches no FAIL or ERROR finding; remove it?")
    return SuppressionResult(tuple(out), uses, tuple(messages))


def _day(rule: Suppression) -> str:
    return rule.expires.isoformat() if rule.expires else "-"
