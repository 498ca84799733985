"""Collecting every account of an AWS Organization, or a shard of them.

The caller's credentials (the management account, or a delegated administrator) list the
organization's accounts with Organizations ``ListAccounts``; in each ACTIVE account the collector
assumes ``arn:aws:iam::<id>:role/<role name>`` and collects it like a single account, in the
regions given or, without them, in the regions enabled for that account (EC2 ``DescribeRegions``
with ``AllRegions=False``). The per-account snapshots are merged into one document.

One account never stops the others: a role that cannot be assumed, a region list that cannot be
read, a collection that cannot start are recorded in ``errors`` with the account id, and the
account still appears in ``accounts`` with the regions it would have been collected in, holding
nothing. Absent means unknown, so every check then reports ERROR for that account, naming the
failed call, instead of the account silently dropping out of the report.

Accounts are collected at the same time, at most ``accounts_in_flight`` of them (each with its
regions at the same time, each region with its calls in flight: runner.py): an organization's
run takes about as long as its largest account rather than the sum of them. The snapshot and its
errors are assembled in sorted account order, so the document does not depend on which account
ends first.

Sharding (``--account-shard i/n``) takes the accounts whose index in the sorted list of selected
accounts is ``i-1`` modulo ``n``, so that n runs with i = 1..n cover every account exactly once;
``safemaker merge`` joins their snapshots.

The guardrail checks need each account's service control policies: the caller reads the
organization's tree once (Organizations ListRoots, ListParents up each selected account's path,
ListPoliciesForTarget, DescribePolicy: member accounts may not read them), and each account
gets, under its own aws-global key, the part on its own path, with the errors that concern it.
Keeping it per account lets shards merge without two copies of one tree meeting.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from safemaker import __version__
from safemaker.scanner.collect.plan import GLOBAL_STEPS, ORGANIZATIONS
from safemaker.scanner.collect.runner import (
    INTERRUPT_GRACE,
    SCHEMA,
    CollectionInterrupted,
    client_config,
    collect_organization_tree,
    collect_snapshot,
    error_fields,
    interrupted_entry,
)
from safemaker.scanner.errors import CollectionError
from safemaker.scanner.snapshot.merge import merge_snapshots
from safemaker.scanner.snapshot.validate import ACCOUNT_PATTERN, GLOBAL_REGION, REGION_PATTERN

Progress = Callable[[str], None]
Assume = Callable[..., Any]

#: IAM role names: letters, digits and +=,.@_- up to 64 characters (IAM user guide, "IAM names").
_ROLE_NAME_RE = re.compile(r"[\w+=,.@-]{1,64}")
_ACCOUNT_RE = re.compile(ACCOUNT_PATTERN)
#: Accounts collected at once. Each brings its own regions and calls in flight (4 x 8 at most),
#: so a handful already keeps the network busy without hundreds of threads.
DEFAULT_ACCOUNTS_IN_FLIGHT = 4
# boto3 sessions are not thread-safe: clients of the caller's session are made one at a time.
_BASE_SESSION_LOCK = threading.Lock()


@dataclass
class _AccountRun:
    """What one account's collection gave: kept apart per account, joined in sorted order."""

    docs: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    placeholders: dict[str, list[str]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def takes(self, position: int) -> bool:
        return position % self.count == self.index - 1


def parse_shard(text: str) -> Shard:
    """``"i/n"`` with 1 <= i <= n; CollectionError (exit 2) otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m:
        raise CollectionError(f"--account-shard {text!r}: expected i/n, e.g. 1/4")
    index, count = int(m.group(1)), int(m.group(2))
    if not 1 <= index <= count:
        raise CollectionError(f"--account-shard {text!r}: i must be between 1 and n")
    return Shard(index, count)


def parse_accounts(text: str | None) -> list[str] | None:
    """``"1111,2222"`` as a list of 12-digit account ids; None when not given."""
    if text is None:
        return None
    ids = [a.strip() for a in text.split(",") if a.strip()]
    bad = [a for a in ids if not _ACCOUNT_RE.fullmatch(a)]
    if bad or not ids:
        raise CollectionError(f"--accounts {text!r}: expected 12-digit account ids separated by commas")
    return sorted(set(ids))


def select_accounts(active: Sequence[str], wanted: Sequence[str] | None, shard: Shard | None) -> list[str]:
    """The accounts of this run: the wanted ones (all when None), sorted, then this shard's."""
    chosen = sorted(set(active) if wanted is None else set(wanted))
    return [a for i, a in enumerate(chosen) if shard is None or shard.takes(i)]


def list_accounts(session: Any, *, endpoint_url: str | None = None) -> dict[str, str]:
    """Every account of the organization -> its status (ACTIVE, SUSPENDED, PENDING_CLOSURE)."""
    try:
        client = session.client("organizations", region_name=getattr(session, "region_name", None) or "us-east-1",
                                endpoint_url=endpoint_url, config=client_config())
        out: dict[str, str] = {}
        for page in client.get_paginator("list_accounts").paginate():
            for account in page.get("Accounts", []):
                out[str(account["Id"])] = str(account.get("Status", ""))
    except (BotoCoreError, ClientError) as exc:
        code, message = error_fields(exc)
        raise CollectionError(f"cannot list the organization's accounts (organizations ListAccounts): "
                              f"{code}: {message}") from None
    return out


def enabled_regions(session: Any, region: str, *, endpoint_url: str | None = None) -> list[str]:
    """The regions enabled for the session's account, sorted (raises BotoCoreError/ClientError)."""
    client = session.client("ec2", region_name=region, endpoint_url=endpoint_url, config=client_config())
    response = client.describe_regions(AllRegions=False)
    return sorted(str(r["RegionName"]) for r in response.get("Regions", []) if r.get("RegionName"))


def _error(account: str, region: str, service: str, operation: str, resource: str | None,
           exc: BaseException) -> dict[str, Any]:
    code, message = error_fields(exc)
    if isinstance(exc, CollectionError):
        code = "CollectionError"
    return {"account": account, "region": region, "service": service, "operation": operation,
            "resource": resource, "error_code": code, "message": message}


def collect_organization(
    base: Any,
    role_name: str,
    *,
    regions: Sequence[str] = (),
    accounts: Sequence[str] | None = None,
    shard: Shard | None = None,
    external_id: str | None = None,
    endpoint_url: str | None = None,
    progress: Progress | None = None,
    assume: Assume | None = None,
    max_attempts: int | None = None,
    deadline_at: float | None = None,
    accounts_in_flight: int = DEFAULT_ACCOUNTS_IN_FLIGHT,
) -> dict[str, Any]:
    """One snapshot of the selected accounts of the organization the `base` session can list.

    ``assume(base, role_arn, external_id=..., endpoint_url=...)`` makes the session of one
    account (sessions.assumed_session by default; tests wrap it). Up to ``accounts_in_flight``
    accounts are collected at once.
    """
    from safemaker.scanner.collect.sessions import assumed_session

    if not _ROLE_NAME_RE.fullmatch(role_name or ""):
        raise CollectionError(f"--org-role-name {role_name!r} is not an IAM role name")
    say = progress or (lambda _line: None)
    assume = assume or assumed_session
    for region in regions:
        if not re.fullmatch(REGION_PATTERN, region):
            raise CollectionError(f"not an AWS region name: {region!r} (expected e.g. eu-west-1)")
    home = getattr(base, "region_name", None) or next(iter(regions), None) or "us-east-1"
    statuses = list_accounts(base, endpoint_url=endpoint_url)
    active = sorted(a for a, status in statuses.items() if status == "ACTIVE")
    errors: list[dict[str, Any]] = []
    wanted = list(accounts) if accounts is not None else None
    if wanted is not None:
        for account in wanted:
            if account not in active:
                state = statuses.get(account)
                why = f"its status is {state}" if state else "it is not a member of the organization"
                exc = CollectionError(f"account {account} is not collected: {why}")
                errors.append(_error(account, "", "organizations", "ListAccounts", account, exc))
        wanted = [a for a in wanted if a in active]
    selected = select_accounts(active, wanted, shard)
    shard_text = f" (shard {shard.index}/{shard.count})" if shard else ""
    say(f"collect organization: {len(selected)} of {len(active)} active accounts{shard_text}")

    # collect_snapshot's bounds; deadline_at is one deadline for the whole organization
    cancel = threading.Event()
    limits: dict[str, Any] = {name: value for name, value in (("max_attempts", max_attempts),
                                                                ("deadline_at", deadline_at)) if value is not None}
    limits["cancel"] = cancel
    tree: tuple[dict[str, Any], list[dict[str, Any]]] | None = None
    if selected:
        try:
            tree = collect_organization_tree(base, selected, region=home, endpoint_url=endpoint_url, progress=progress,
                                             **limits)
        except KeyboardInterrupt:
            cancel.set()  # every account below is then recorded as interrupted

    def one(account: str) -> _AccountRun:
        run = _AccountRun()
        if cancel.is_set():  # interrupted before its turn came: not even its role is assumed
            run.errors.append(interrupted_entry(account, ""))
            run.interrupted = True
            return run
        try:
            _collect_account(base, account, role_name, regions, home, external_id, endpoint_url, progress,
                             assume, limits, run.docs, run.placeholders, run.errors, say)
        except CollectionInterrupted as interrupt:
            run.docs.append((account, interrupt.partial))  # what it finished, marked as interrupted
            run.interrupted = True
            cancel.set()  # Ctrl-C seen in this account's threads: the other accounts stop too
        return run

    pool = ThreadPoolExecutor(max_workers=max(1, min(accounts_in_flight, len(selected))),
                              thread_name_prefix="safemaker-account")
    futures = [pool.submit(one, account) for account in selected]
    runs: list[_AccountRun | None] = []
    try:
        runs = [future.result() for future in futures]  # a bug in one account's run re-raises here
    except KeyboardInterrupt:
        # Ctrl-C reaches this thread: every account stops at its next call and hands over what
        # it finished; the accounts not reached are named, so a partial snapshot says what it lacks.
        cancel.set()
        pool.shutdown(wait=False, cancel_futures=True)
        futures_wait(futures, timeout=INTERRUPT_GRACE + 1.0)
        runs = [f.result() if f.done() and not f.cancelled() and f.exception() is None else None for f in futures]
        interrupted = True
    except BaseException:
        cancel.set()
        raise
    else:
        interrupted = any(r is not None and r.interrupted for r in runs)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    docs: list[tuple[str, Mapping[str, Any]]] = []
    placeholders: dict[str, list[str]] = {}
    for account, run in zip(selected, runs, strict=True):
        if run is None:
            errors.append(interrupted_entry(account, ""))
            continue
        docs.extend(run.docs)
        placeholders.update(run.placeholders)
        errors.extend(run.errors)
    if tree is not None:
        for account, doc in docs:
            _give_tree(account, doc, *tree)
    combined = _combine(docs, placeholders, errors, say)
    if interrupted:
        raise CollectionInterrupted(combined)
    return combined


def _collect_account(base: Any, account: str, role_name: str, regions: Sequence[str], home: str,
                     external_id: str | None, endpoint_url: str | None, progress: Progress | None,
                     assume: Assume, limits: Mapping[str, Any], docs: list[tuple[str, Mapping[str, Any]]],
                     placeholders: dict[str, list[str]], errors: list[dict[str, Any]], say: Progress) -> None:
    role_arn = f"arn:aws:iam::{account}:role/{role_name}"
    try:
        with _BASE_SESSION_LOCK:
            session = assume(base, role_arn, external_id=external_id, endpoint_url=endpoint_url)
    except CollectionError as exc:
        fallback = list(regions) or [home]
        say(f"collect {account}: {exc}")
        errors.extend(_error(account, r, "sts", "AssumeRole", role_arn, exc) for r in fallback)
        placeholders[account] = fallback
        return
    account_regions = list(regions)
    if not account_regions:
        try:
            account_regions = enabled_regions(session, home, endpoint_url=endpoint_url)
        except (BotoCoreError, ClientError) as exc:
            say(f"collect {account}: cannot list its regions, collecting {home} only")
            errors.append(_error(account, home, "ec2", "DescribeRegions", None, exc))
            account_regions = [home]
    kwargs: dict[str, Any] = {"endpoint_url": endpoint_url, "progress": progress, **limits}
    try:
        doc = collect_snapshot(session, account_regions, organization_tree=False, **kwargs)
    except CollectionError as exc:
        say(f"collect {account}: {exc}")
        errors.extend(_error(account, r, "sts", "GetCallerIdentity", None, exc) for r in account_regions)
        placeholders[account] = account_regions
        return
    collected = set(doc.get("accounts", {}))
    if collected != {account}:
        # The role lives in another account than its ARN says: keep the data, say so.
        wrong = CollectionError(f"role {role_arn} belongs to account(s) {', '.join(sorted(collected))}")
        errors.append(_error(account, "", "sts", "GetCallerIdentity", role_arn, wrong))
    docs.append((account, doc))


def _give_tree(account: str, doc: Mapping[str, Any], data: Mapping[str, Any],
               errors: Sequence[Mapping[str, Any]]) -> None:
    """Put the part of the organization's tree on ``account``'s path under its aws-global key,
    with the errors of the calls about that path (or about the whole tree)."""
    regions = doc.get("accounts", {}).get(account)
    if not isinstance(regions, dict):
        return
    parents = data.get("ListParents", {})
    path = [account]
    while True:  # up to the root, or to the first node whose parent was not read
        found = parents.get(path[-1], {}).get("Parents") if isinstance(parents.get(path[-1]), Mapping) else None
        if not isinstance(found, list) or len(found) != 1 or not isinstance(found[0], Mapping) \
                or not isinstance(found[0].get("Id"), str) or found[0]["Id"] in path:
            break
        path.append(found[0]["Id"])
    attached = data.get("ListPoliciesForTarget", {})
    policy_ids = {str(p.get("Id")) for target in path if isinstance(attached.get(target), Mapping)
                  for p in attached[target].get("Policies", []) if isinstance(p, Mapping)}
    concerned = {*path, *policy_ids}
    mine: dict[str, Any] = {}
    for operation, answer in data.items():
        if operation == "ListRoots":
            mine[operation] = answer
        elif isinstance(answer, Mapping):
            mine[operation] = {key: value for key, value in answer.items() if key in concerned}
    glob = regions.setdefault(GLOBAL_REGION, {})
    glob.setdefault("organizations", {}).update(dict(sorted(mine.items())))
    regions[GLOBAL_REGION] = {svc: glob[svc] for svc in sorted(glob)}
    doc_errors = doc.get("errors")
    if isinstance(doc_errors, list):
        doc_errors.extend({**entry, "account": account} for entry in errors
                          if entry.get("resource") in (None, *concerned))


def _combine(docs: Sequence[tuple[str, Mapping[str, Any]]], placeholders: Mapping[str, list[str]],
             errors: list[dict[str, Any]], say: Progress) -> dict[str, Any]:
    merged: dict[str, Any]
    if docs:
        merged, conflicts = merge_snapshots(docs)
        for conflict in conflicts:
            say(f"collect organization: merge conflict: {conflict}")
    else:
        merged = {"schema": SCHEMA, "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "tool_version": __version__, "accounts": {}, "errors": []}
    for account, account_regions in placeholders.items():
        merged["accounts"].setdefault(account, {}).update({r: {} for r in account_regions})
    merged["accounts"] = {a: dict(sorted(r.items())) for a, r in sorted(merged["accounts"].items())}
    merged["errors"] = [*errors, *merged.get("errors", [])]
    return merged


def org_caller_policy(role_name: str = "*") -> dict[str, Any]:
    """What the caller of an organization-wide run needs (management or delegated administrator
    account): list the accounts, assume the collection role in each. Shipped, with role name
    "*" (narrow it to yours), as scanner/collect/policy/safemaker-org-caller.json."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "SafemakerOrgListAccounts", "Effect": "Allow", "Action": ["organizations:ListAccounts"],
             "Resource": "*"},
            {"Sid": "SafemakerOrgAssumeRole", "Effect": "Allow", "Action": ["sts:AssumeRole"],
             "Resource": f"arn:aws:iam::*:role/{role_name}"},
            # The organization's tree and its SCPs, read once for every account (GRD-001/002).
            {"Sid": "SafemakerOrgGuardrails", "Effect": "Allow", "Action": sorted(
                f"organizations:{s.operation}" for s in GLOBAL_STEPS if s.service == ORGANIZATIONS),
             "Resource": "*"},
        ],
    }


#: What the role in each account needs on top of safemaker-readonly.json when --regions is not
#: given: the enabled regions are read with it. Shipped as scanner/collect/policy/safemaker-org-member.json.
MEMBER_EXTRA_ACTIONS = ("ec2:DescribeRegions",)


def org_member_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "SafemakerOrgMemberRegions", "Effect": "Allow",
                       "Action": list(MEMBER_EXTRA_ACTIONS), "Resource": "*"}],
    }
