"""Collecting an AWS Organization: every ACTIVE account through an assumed role, one account's
failure never stopping the others, account selection and sharding (moto Organizations + STS)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import load_registry
from safemaker.scanner.cli import main
from safemaker.scanner.collect import org
from safemaker.scanner.collect.org import (
    Shard,
    collect_organization,
    list_accounts,
    org_caller_policy,
    org_member_policy,
    parse_accounts,
    parse_shard,
    select_accounts,
)
from safemaker.scanner.collect.sessions import assumed_session
from safemaker.scanner.errors import CollectionError
from safemaker.scanner.model import Status
from safemaker.scanner.snapshot.io import Snapshot
from safemaker.scanner.snapshot.validate import validate_snapshot

from .rig import REGION, denial, http_answer, sandbox, service_id

ROLE = "safemaker-audit"


@dataclass
class Org:
    session: boto3.session.Session
    management: str
    members: list[str]  # ACTIVE, created
    suspended: str

    @property
    def active(self) -> list[str]:
        return sorted([self.management, *self.members])


@pytest.fixture(scope="module")
def organization() -> Iterator[Org]:
    with sandbox(), mock_aws():
        session = boto3.session.Session(region_name=REGION)
        client = session.client("organizations", region_name=REGION)
        management = client.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"]
        members = [client.create_account(Email=f"team{i}@example.com", AccountName=f"team{i}")
                   ["CreateAccountStatus"]["AccountId"] for i in range(3)]
        suspended = members.pop()
        client.close_account(AccountId=suspended)
        yield Org(session, management, sorted(members), suspended)


@contextlib.contextmanager
def _hooks(session: boto3.session.Session, hooks: dict[str, Callable[..., Any]]) -> Iterator[None]:
    for event, handler in hooks.items():
        session.events.register_first(event, handler)
    try:
        yield
    finally:
        for event, handler in hooks.items():
            session.events.unregister(event, handler)


def test_every_active_account_is_collected(organization: Org) -> None:
    lines: list[str] = []
    doc = collect_organization(organization.session, ROLE, regions=[REGION], progress=lines.append)

    validate_snapshot(doc, source="<org>")
    assert sorted(doc["accounts"]) == organization.active
    assert organization.suspended not in doc["accounts"]  # not ACTIVE: not assumed, not reported
    for account in organization.active:
        assert list(doc["accounts"][account]) == ["aws-global", REGION]
        vpcs = doc["accounts"][account][REGION]["ec2"]["DescribeVpcs"]["Vpcs"]
        assert {v["OwnerId"] for v in vpcs} == {account}  # each account's own data, not the caller's
        # Guardrails: its own IAM, and the part of the organization's tree on its path, read by
        # the caller once (the root is shared: FullAWSAccess is attached there and to the account).
        glob = doc["accounts"][account]["aws-global"]
        assert "GetAccountAuthorizationDetails" in glob["iam"]
        org = glob["organizations"]
        [root] = org["ListRoots"]["Roots"]
        assert org["ListParents"] == {account: {"Parents": [{"Id": root["Id"], "Type": "ROOT"}]}}
        assert sorted(org["ListPoliciesForTarget"]) == sorted([account, root["Id"]])
        assert list(org["DescribePolicy"]) == ["p-FullAWSAccess"]
    assert {e["account"] for e in doc["errors"]} <= set(organization.active)
    assert not [e for e in doc["errors"] if e["service"] in ("sts", "organizations")]
    assert any(f"{len(organization.active)} of {len(organization.active)} active accounts" in line for line in lines)


def test_a_role_that_cannot_be_assumed_is_recorded_and_the_others_go_on(organization: Org) -> None:
    broken = organization.members[0]
    sent: list[dict[str, Any]] = []

    def remember(params: dict[str, Any], **_: Any) -> None:
        sent.append(dict(params))

    def refuse(context: dict[str, Any], **_: Any) -> Any:
        if broken in sent[-1]["RoleArn"]:
            return http_answer(403, {"Error": {"Code": "AccessDenied", "Message": "not authorized to assume"}})
        return None

    sts = service_id(organization.session, "sts")
    hooks: dict[str, Callable[..., Any]] = {f"before-parameter-build.{sts}.AssumeRole": remember,
                                            f"before-call.{sts}.AssumeRole": refuse}
    with _hooks(organization.session, hooks):
        doc = collect_organization(organization.session, ROLE, regions=[REGION, "us-east-1"], external_id="x-42")

    validate_snapshot(doc, source="<org>")
    assert sorted(doc["accounts"]) == organization.active
    assert doc["accounts"][broken] == {REGION: {}, "us-east-1": {}}  # present, nothing known
    failed = [e for e in doc["errors"] if e["account"] == broken]
    assert {(e["region"], e["service"], e["operation"], e["error_code"]) for e in failed} == {
        (REGION, "sts", "AssumeRole", "CollectionError"), ("us-east-1", "sts", "AssumeRole", "CollectionError")}
    assert all(f"arn:aws:iam::{broken}:role/{ROLE}" in e["message"] and "AccessDenied" in e["message"]
               for e in failed)
    for other in organization.active:
        if other != broken:
            assert "DescribeVpcs" in doc["accounts"][other][REGION]["ec2"]
    # Every role was asked for with the external id and a recognisable session name.
    assert {p["RoleArn"] for p in sent} == {f"arn:aws:iam::{a}:role/{ROLE}" for a in organization.active}
    assert {(p["ExternalId"], p["RoleSessionName"]) for p in sent} == {("x-42", "safemaker-collect")}

    # The unreachable account cannot pass silently: every check reports ERROR there, naming the cause.
    findings = [f for f in run_checks(Snapshot(doc, "<org>"), load_registry()) if f.resource.account == broken]
    assert findings and {f.status for f in findings} == {Status.ERROR}
    assert all("sts AssumeRole" in f.message and "AccessDenied" in f.message for f in findings)


def test_regions_are_the_enabled_ones_per_account_unless_given(organization: Org) -> None:
    first, second = organization.members[:2]

    def assume(base: Any, role_arn: str, **kwargs: Any) -> Any:
        session = assumed_session(base, role_arn, **kwargs)
        ec2 = service_id(session, "ec2")
        if f"::{first}:" in role_arn:
            regions = {"Regions": [{"RegionName": "eu-central-1"}, {"RegionName": REGION}]}
            session.events.register(f"before-call.{ec2}.DescribeRegions", lambda **_: http_answer(200, regions))
        elif f"::{second}:" in role_arn:
            session.events.register(f"before-call.{ec2}.DescribeRegions",
                                    lambda **_: denial("ec2", "DescribeRegions"))
        return session

    doc = collect_organization(organization.session, ROLE, accounts=[first, second], assume=assume)
    validate_snapshot(doc, source="<org>")
    assert sorted(doc["accounts"][first]) == ["aws-global", "eu-central-1", REGION]
    assert sorted(doc["accounts"][second]) == ["aws-global", REGION]  # the caller's region, and an error saying so
    [error] = [e for e in doc["errors"] if e["operation"] == "DescribeRegions"]
    assert (error["account"], error["error_code"]) == (second, "UnauthorizedOperation")


def test_accounts_not_in_the_organization_are_reported(organization: Org) -> None:
    stranger = "999988887777"
    doc = collect_organization(organization.session, ROLE, regions=[REGION],
                               accounts=[organization.members[1], stranger, organization.suspended])
    assert list(doc["accounts"]) == [organization.members[1]]
    reported = {e["account"]: e["message"] for e in doc["errors"] if e["service"] == "organizations"}
    assert "not a member" in reported[stranger]
    assert "SUSPENDED" in reported[organization.suspended]


def test_list_accounts_follows_every_page(organization: Org) -> None:
    """moto answers in one page; the organization here answers in three."""
    tokens: list[str | None] = []
    pages = {None: (["111111111111", "222222222222"], "p2"), "p2": (["333333333333"], "p3"),
             "p3": (["444444444444"], None)}

    def remember(params: dict[str, Any], **_: Any) -> None:
        tokens.append(params.get("NextToken"))

    def answer(**_: Any) -> Any:
        ids, following = pages[tokens[-1]]
        page: dict[str, Any] = {"Accounts": [{"Id": a, "Status": "ACTIVE"} for a in ids]}
        if following:
            page["NextToken"] = following
        return http_answer(200, page)

    sid = service_id(organization.session, "organizations")
    with _hooks(organization.session, {f"before-parameter-build.{sid}.ListAccounts": remember,
                                                       f"before-call.{sid}.ListAccounts": answer}):
        accounts = list_accounts(organization.session)
    assert tokens == [None, "p2", "p3"]
    assert sorted(accounts) == ["111111111111", "222222222222", "333333333333", "444444444444"]


def test_list_accounts_failure_stops_the_run(organization: Org) -> None:
    sid = service_id(organization.session, "organizations")
    refuse = {f"before-call.{sid}.ListAccounts": lambda **_: denial("organizations", "ListAccounts")}
    with _hooks(organization.session, refuse), \
            pytest.raises(CollectionError, match=r"organizations ListAccounts.*AccessDenied"):
        collect_organization(organization.session, ROLE, regions=[REGION])


def test_shards_partition_the_accounts() -> None:
    accounts = [f"{i:012d}" for i in (5, 3, 9, 1, 7, 2, 8)]
    shards = [select_accounts(accounts, None, Shard(i, 3)) for i in (1, 2, 3)]
    assert sorted(a for shard in shards for a in shard) == sorted(accounts)
    assert shards[0] == [f"{i:012d}" for i in (1, 5, 9)]  # sorted, then every third from the first
    assert select_accounts(accounts, [f"{i:012d}" for i in (9, 3)], Shard(2, 2)) == [f"{9:012d}"]
    assert parse_shard("2/4") == Shard(2, 4)
    for bad in ("0/4", "5/4", "1", "a/b", "1/0"):
        with pytest.raises(CollectionError, match="account-shard"):
            parse_shard(bad)
    assert parse_accounts("222233334444, 111122223333,111122223333") == ["111122223333", "222233334444"]
    with pytest.raises(CollectionError, match="12-digit"):
        parse_accounts("1111,2222")


def test_cli_collects_a_shard(organization: Org, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("safemaker.scanner.collect.sessions.base_session",
                        lambda profile, region=None: organization.session)
    out = tmp_path / "shard.json"
    with pytest.raises(SystemExit) as exited:
        main(["collect", "--org-role-name", ROLE, "--regions", REGION, "--account-shard", "2/2",
              "--external-id", "x-1", "-o", str(out)])
    assert exited.value.code == 0
    doc = json.loads(out.read_text("utf-8"))
    active = sorted(list_accounts(organization.session))
    active = [a for a in active if a != organization.suspended]
    assert sorted(doc["accounts"]) == active[1::2]
    assert "(shard 2/2)" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "needle"), [
    (["--accounts", "111122223333"], "--org-role-name"),
    (["--account-shard", "1/2"], "--org-role-name"),
    (["--org-role-name", ROLE, "--role-arn", "arn:aws:iam::111122223333:role/x"], "cannot be combined"),
    (["--org-role-name", ROLE, "--account-shard", "3/2"], "account-shard"),
    (["--org-role-name", "bad role!"], "not an IAM role name"),
    (["--org-role-name", ROLE, "--regions", "eu-west1"], "not an AWS region name"),
])
def test_cli_rejects_bad_organization_options(args: list[str], needle: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with sandbox(), mock_aws(), pytest.raises(SystemExit) as exited:
        main(["collect", *args, "-o", str(tmp_path / "x.json")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


def test_shipped_organization_policies_are_generated() -> None:
    folder = resources.files("safemaker.scanner.collect").joinpath("policy")
    assert json.loads(folder.joinpath("safemaker-org-caller.json").read_text("utf-8")) == org_caller_policy()
    assert json.loads(folder.joinpath("safemaker-org-member.json").read_text("utf-8")) == org_member_policy()
    actions = [a for st in org_caller_policy(ROLE)["Statement"] for a in st["Action"]]
    # The organization's tree and SCPs are read by the caller once for every account (GRD-001/002).
    assert actions == ["organizations:ListAccounts", "sts:AssumeRole", "organizations:DescribePolicy",
                       "organizations:ListParents", "organizations:ListPoliciesForTarget", "organizations:ListRoots"]
    assert org_caller_policy(ROLE)["Statement"][1]["Resource"] == f"arn:aws:iam::*:role/{ROLE}"
    assert org.MEMBER_EXTRA_ACTIONS == ("ec2:DescribeRegions",)
