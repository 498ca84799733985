"""The demo estate: what `safemaker demo` scans must be a valid snapshot of the designs it claims.

The snapshot is built once per module (about ten seconds, most of it moto) under an environment
that would send any leaked call to a dead endpoint with a bogus profile, so a passing build also
shows that the demo ignores the caller's AWS settings.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from safemaker.scanner.devtools import demo
from safemaker.scanner.devtools.demo import DEMO_EXPECTED, build_demo_snapshot, simulated

ACCOUNT = "123456789012"
REGION = "eu-west-1"
NOTEBOOKS = {
    # name: (DirectInternetAccess, RootAccess, has KMS key, lifecycle configuration)
    "nb-proxy-ok": ("Disabled", "Disabled", True, "lc-squid-proxy"),
    "nb-proxy-nat-added": ("Disabled", "Disabled", True, "lc-squid-proxy-nat-vpc"),
    "nb-direct-internet": ("Enabled", "Enabled", False, None),
    "nb-studio-vpc-firewall": ("Disabled", "Disabled", True, None),
    "nb-firewall-stateless-pass": ("Disabled", "Disabled", True, None),
    "nb-isolated-s3": ("Disabled", "Disabled", True, "lc-autostop-from-s3"),
}
FIREWALLS = {
    "network-firewall-sagemaker-studio-vpc-firewall": ("sagemaker-studio-vpc-firewall", "10.2", "aws:forward_to_sfe"),
    "network-firewall-sagemaker-fw-stateless-pass": ("sagemaker-fw-stateless-pass", "10.3", "aws:pass"),
}


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Build the demo with hostile AWS settings in the environment; record it before and after."""
    dead = f"http://127.0.0.1:{_dead_port()}"
    config = tmp_path_factory.mktemp("aws") / "config"
    config.write_text(f"[profile leaky]\nregion = us-west-2\nendpoint_url = {dead}\n", "utf-8")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_PROFILE", "leaky")
        mp.setenv("AWS_CONFIG_FILE", str(config))
        mp.setenv("AWS_ENDPOINT_URL", dead)
        mp.setenv("AWS_ENDPOINT_URL_EC2", dead)
        mp.setenv("AWS_ACCESS_KEY_ID", "AKIA-NOT-A-REAL-KEY")
        mp.setenv("AWS_SESSION_TOKEN", "not-a-real-token")
        mp.delenv("MOTO_EC2_LOAD_DEFAULT_AMIS", raising=False)
        mp.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
        before = dict(os.environ)
        snapshot = build_demo_snapshot(progress=lines.append)
        after = dict(os.environ)
    yield {"snapshot": snapshot, "before": before, "after": after, "progress": lines}


@pytest.fixture(scope="module")
def snap(built: Mapping[str, Any]) -> dict[str, Any]:
    return dict(built["snapshot"])


@pytest.fixture(scope="module")
def region(snap: Mapping[str, Any]) -> dict[str, Any]:
    return dict(snap["accounts"][ACCOUNT][REGION])


def _name(item: Mapping[str, Any]) -> str | None:
    return next((t["Value"] for t in item.get("Tags", []) if t["Key"] == "Name"), None)


def _by_name(items: list[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {name: item for item in items if (name := _name(item))}


def _routes(rt: Mapping[str, Any]) -> dict[str, str]:
    """destination -> target of every route, as DescribeRouteTables lists them."""
    out = {}
    for r in rt["Routes"]:
        dest = r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId")
        out[dest] = r.get("GatewayId") or r.get("NatGatewayId") or r.get("VpcEndpointId") or r.get("InstanceId")
    return out


def _associations(rt: Mapping[str, Any]) -> set[str]:
    return {a.get("SubnetId") or a.get("GatewayId") for a in rt["Associations"] if not a.get("Main")}


# --- the document --------------------------------------------------------------------------


def test_snapshot_validates(snap: dict[str, Any]) -> None:
    validate = pytest.importorskip("safemaker.scanner.snapshot.validate")
    validate.validate_snapshot(snap, "demo")
    assert snap["schema"] == "safemaker.snapshot/v1"
    assert list(snap["accounts"]) == [ACCOUNT]
    assert list(snap["accounts"][ACCOUNT]) == ["aws-global", REGION]  # IAM and Organizations: aws-global


def test_every_planned_operation_collected_without_errors(snap: dict[str, Any], region: dict[str, Any]) -> None:
    # The demo answers what moto lacks, so nothing is "unknown": every check can decide.
    assert snap["errors"] == []
    plan = pytest.importorskip("safemaker.scanner.collect.plan")
    places = {"regional": region, "global": snap["accounts"][ACCOUNT]["aws-global"]}
    missing = [(s.service, s.operation) for s in plan.PLAN if s.operation not in places[s.scope].get(s.service, {})]
    assert missing == []


def test_environment_is_left_as_it_was(built: Mapping[str, Any]) -> None:
    assert built["after"] == built["before"]
    assert "MOTO_EC2_LOAD_DEFAULT_AMIS" not in built["after"]


def test_progress_reports_build_and_collection(built: Mapping[str, Any]) -> None:
    lines = built["progress"]
    assert any(line.startswith("demo: seed 001") for line in lines)
    assert any(line.startswith("collect ") for line in lines)


def test_ids_are_the_same_on_every_run(built: Mapping[str, Any], region: dict[str, Any]) -> None:
    """DEMO_EXPECTED names the proxy instances by id: a moto upgrade that changes ids must say so."""
    proxies = {
        i["InstanceId"]: ("PASS" if i["MetadataOptions"]["HttpTokens"] == "required" else "FAIL")
        for r in region["ec2"]["DescribeInstances"]["Reservations"] for i in r["Instances"]
        if {"Key": "safemaker:role", "Value": "proxy"} in i.get("Tags", [])
    }
    assert proxies == DEMO_EXPECTED["PRX-001"], (
        "moto now generates other ids: update DEMO_EXPECTED['PRX-001'] (and the README) to "
        f"{proxies}"
    )


# --- notebooks and their ENIs --------------------------------------------------------------


def test_notebooks_by_name_with_their_enis(region: dict[str, Any]) -> None:
    described = region["sagemaker"]["DescribeNotebookInstance"]
    listed = {n["NotebookInstanceName"] for n in region["sagemaker"]["ListNotebookInstances"]["NotebookInstances"]}
    assert set(described) == listed == set(NOTEBOOKS)
    enis = {e["NetworkInterfaceId"]: e for e in region["ec2"]["DescribeNetworkInterfaces"]["NetworkInterfaces"]}
    for name, (direct, root, kms, lifecycle) in NOTEBOOKS.items():
        nb = described[name]
        assert (nb["DirectInternetAccess"], nb["RootAccess"], "KmsKeyId" in nb) == (direct, root, kms), name
        assert nb.get("NotebookInstanceLifecycleConfigName") == lifecycle, name
        eni = enis[nb["NetworkInterfaceId"]]
        assert eni["SubnetId"] == nb["SubnetId"], name
        assert sorted(g["GroupId"] for g in eni["Groups"]) == sorted(nb["SecurityGroups"]), name
        assert eni["Description"].endswith(f"for SageMaker Notebook Instance {name}")
        assert "Association" not in eni or not eni["Association"].get("PublicIp"), name


def test_squid_lifecycle_points_at_the_proxy_private_dns(region: dict[str, Any]) -> None:
    instances = {
        _name(i): i for r in region["ec2"]["DescribeInstances"]["Reservations"] for i in r["Instances"]
    }
    enis = {e["NetworkInterfaceId"]: e for e in region["ec2"]["DescribeNetworkInterfaces"]["NetworkInterfaces"]}
    configs = region["sagemaker"]["DescribeNotebookInstanceLifecycleConfig"]
    for config_name, proxy in (("lc-squid-proxy", "squid-proxy"), ("lc-squid-proxy-nat-vpc", "squid-proxy-nat-vpc")):
        instance = instances[proxy]
        dns = instance["PrivateDnsName"]
        assert dns.endswith(f".{REGION}.compute.internal")
        # the proxy resolver matches the name against ENIs too: the two must agree
        eni = enis[instance["NetworkInterfaces"][0]["NetworkInterfaceId"]]
        assert eni["PrivateDnsName"] == dns
        assert instance.get("PublicIpAddress")
        script = base64.b64decode(configs[config_name]["OnStart"][0]["Content"]).decode()
        assert f"export HTTP_PROXY=http://{dns}:3128" in script
        assert f"export HTTPS_PROXY=http://{dns}:3128" in script
        assert "export NO_PROXY=169.254.169.254" in script
    assert instances["squid-proxy"]["MetadataOptions"]["HttpTokens"] == "required"
    assert instances["squid-proxy-nat-vpc"]["MetadataOptions"]["HttpTokens"] == "optional"


def test_nat_and_endpoint_enis_look_like_aws(region: dict[str, Any]) -> None:
    enis = {e["NetworkInterfaceId"]: e for e in region["ec2"]["DescribeNetworkInterfaces"]["NetworkInterfaces"]}
    nats = region["ec2"]["DescribeNatGateways"]["NatGateways"]
    assert nats and all(n["ConnectivityType"] == "public" and n["State"] == "available" for n in nats)
    for nat in nats:
        for address in nat["NatGatewayAddresses"]:
            assert enis[address["NetworkInterfaceId"]]["InterfaceType"] == "nat_gateway"
    for endpoint in region["ec2"]["DescribeVpcEndpoints"]["VpcEndpoints"]:
        for eni in endpoint.get("NetworkInterfaceIds", []):
            assert enis[eni]["InterfaceType"] == "vpc_endpoint"


# --- route tables of each design -------------------------------------------------------------


def test_seed_000_routes(region: dict[str, Any]) -> None:
    rts = _by_name(region["ec2"]["DescribeRouteTables"]["RouteTables"])
    subnets = _by_name(region["ec2"]["DescribeSubnets"]["Subnets"])
    igws = _by_name(region["ec2"]["DescribeInternetGateways"]["InternetGateways"])
    nats = _by_name(region["ec2"]["DescribeNatGateways"]["NatGateways"])

    assert _routes(rts["squid-proxy-private-rt"]) == {"10.0.0.0/16": "local"}
    assert _associations(rts["squid-proxy-private-rt"]) == {subnets["squid-proxy-private"]["SubnetId"]}
    igw = igws["squid-proxy-igw"]["InternetGatewayId"]
    assert _routes(rts["squid-proxy-public-rt"]) == {"10.0.0.0/16": "local", "0.0.0.0/0": igw}

    nat = nats["squid-proxy-nat-temporary-nat"]
    assert nat["SubnetId"] == subnets["squid-proxy-nat-public"]["SubnetId"]
    assert _routes(rts["squid-proxy-nat-private-rt"]) == {"10.1.0.0/16": "local", "0.0.0.0/0": nat["NatGatewayId"]}
    assert _associations(rts["squid-proxy-nat-private-rt"]) == {subnets["squid-proxy-nat-private"]["SubnetId"]}
    igw_b = igws["squid-proxy-nat-igw"]["InternetGatewayId"]
    assert _routes(rts["squid-proxy-nat-public-rt"]) == {"10.1.0.0/16": "local", "0.0.0.0/0": igw_b}


@pytest.mark.parametrize("firewall", sorted(FIREWALLS))
def test_seed_001_routes_and_firewall_endpoint(region: dict[str, Any], firewall: str) -> None:
    project, prefix, stateless_default = FIREWALLS[firewall]
    ec2 = region["ec2"]
    rts = _by_name(ec2["DescribeRouteTables"]["RouteTables"])
    subnets = {k: v["SubnetId"] for k, v in _by_name(ec2["DescribeSubnets"]["Subnets"]).items()}
    igw = _by_name(ec2["DescribeInternetGateways"]["InternetGateways"])[f"{project}-igw"]["InternetGatewayId"]
    nat = _by_name(ec2["DescribeNatGateways"]["NatGateways"])[f"{project}-nat-gateway"]
    endpoints = _by_name(ec2["DescribeVpcEndpoints"]["VpcEndpoints"])
    s3_pl = _s3_prefix_list(region)

    arn = f"arn:aws:network-firewall:{REGION}:{ACCOUNT}:firewall/{firewall}"
    described = region["network-firewall"]["DescribeFirewall"][arn]
    assert {"FirewallName": firewall, "FirewallArn": arn} in region["network-firewall"]["ListFirewalls"]["Firewalls"]
    attachment = described["FirewallStatus"]["SyncStates"]["eu-west-1a"]["Attachment"]
    vpce = attachment["EndpointId"]
    assert attachment == {"SubnetId": subnets[f"{project}-firewall-subnet"], "EndpointId": vpce, "Status": "READY"}
    assert described["Firewall"]["FirewallId"]
    assert described["Firewall"]["VpcId"] == endpoints[f"{project}-firewall-endpoint"]["VpcId"]
    assert endpoints[f"{project}-firewall-endpoint"]["VpcEndpointId"] == vpce

    local = f"{prefix}.0.0/16"
    assert nat["SubnetId"] == subnets[f"{project}-nat-subnet"]
    assert nat["NatGatewayAddresses"][0]["AllocationId"].startswith("eipalloc-")
    assert _routes(rts[f"{project}-sagemaker-rt"]) == {
        local: "local", "0.0.0.0/0": nat["NatGatewayId"],
        s3_pl: endpoints[f"{project}-s3-endpoint"]["VpcEndpointId"],
    }
    assert _routes(rts[f"{project}-nat-rt"]) == {local: "local", "0.0.0.0/0": vpce}
    assert _routes(rts[f"{project}-firewall-rt"]) == {local: "local", "0.0.0.0/0": igw}
    assert _routes(rts[f"{project}-igw-edge-rt"]) == {local: "local", f"{prefix}.2.0/24": vpce}
    assert _associations(rts[f"{project}-igw-edge-rt"]) == {igw}
    for role in ("sagemaker", "nat", "firewall"):
        assert _associations(rts[f"{project}-{role}-rt"]) == {subnets[f"{project}-{role}-subnet"]}
    services = {endpoints[f"{project}-sagemaker-{s}-endpoint"]["ServiceName"] for s in ("api", "runtime")}
    assert services == {f"com.amazonaws.{REGION}.sagemaker.api", f"com.amazonaws.{REGION}.sagemaker.runtime"}

    policy_arn = described["Firewall"]["FirewallPolicyArn"]
    policy = region["network-firewall"]["DescribeFirewallPolicy"][policy_arn]["FirewallPolicy"]
    assert policy["StatelessDefaultActions"] == [stateless_default]
    assert policy["StatefulEngineOptions"]["RuleOrder"] == "STRICT_ORDER"
    assert "aws:drop_strict" in policy["StatefulDefaultActions"]
    group_arn = policy["StatefulRuleGroupReferences"][0]["ResourceArn"]
    rules = region["network-firewall"]["DescribeRuleGroup"][group_arn]["RuleGroup"]["RulesSource"]["RulesSourceList"]
    assert rules == {"Targets": [".kaggle.com", ".github.com"], "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
                     "GeneratedRulesType": "ALLOWLIST"}
    logging = region["network-firewall"]["DescribeLoggingConfiguration"][arn]["LoggingConfiguration"]
    assert {c["LogType"] for c in logging["LogDestinationConfigs"]} >= {"ALERT"}


def test_studio_domain_and_user_profile(region: dict[str, Any]) -> None:
    subnets = {k: v["SubnetId"] for k, v in _by_name(region["ec2"]["DescribeSubnets"]["Subnets"]).items()}
    domain = region["sagemaker"]["DescribeDomain"]["d-sagemaker-anfw-domain"]
    assert domain["AppNetworkAccessType"] == "VpcOnly"
    assert domain["SubnetIds"] == [subnets["sagemaker-studio-vpc-firewall-sagemaker-subnet"]]
    profile = region["sagemaker"]["DescribeUserProfile"]["d-sagemaker-anfw-domain/anfw-user-profile"]
    assert profile["UserSettings"]["SecurityGroups"] == domain["DefaultUserSettings"]["SecurityGroups"]
    nb = region["sagemaker"]["DescribeNotebookInstance"]["nb-studio-vpc-firewall"]
    assert nb["SubnetId"] == domain["SubnetIds"][0]


def _s3_prefix_list(region: Mapping[str, Any]) -> str:
    return str(next(p["PrefixListId"] for p in region["ec2"]["DescribePrefixLists"]["PrefixLists"]
                    if p["PrefixListName"] == f"com.amazonaws.{REGION}.s3"))


def test_seed_003_isolated_routes(region: dict[str, Any]) -> None:
    ec2 = region["ec2"]
    rts = _by_name(ec2["DescribeRouteTables"]["RouteTables"])
    subnets = _by_name(ec2["DescribeSubnets"]["Subnets"])
    s3 = _by_name(ec2["DescribeVpcEndpoints"]["VpcEndpoints"])["isolated-s3-endpoint"]
    private_rt = rts["isolated-notebook-private-rt"]
    assert _routes(private_rt) == {"10.4.0.0/16": "local", _s3_prefix_list(region): s3["VpcEndpointId"]}
    assert _associations(private_rt) == {subnets["isolated-notebook-private"]["SubnetId"]}
    nb = region["sagemaker"]["DescribeNotebookInstance"]["nb-isolated-s3"]
    assert nb["SubnetId"] == subnets["isolated-notebook-private"]["SubnetId"]
    statement = json.loads(s3["PolicyDocument"])["Statement"]
    bucket = f"sagemaker-lifecycle-scripts-{ACCOUNT}"
    assert statement == [{"Effect": "Allow", "Principal": "*", "Action": ["s3:Get*", "s3:List*"],
                          "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]


def test_jobs_and_models(region: dict[str, Any]) -> None:
    job = region["sagemaker"]["DescribeTrainingJob"]["train-churn-no-vpc"]
    assert job["EnableNetworkIsolation"] is False and "VpcConfig" not in job
    model = region["sagemaker"]["DescribeModel"]["model-churn-anfw"]
    assert model["VpcConfig"]["Subnets"]


# --- expectations and documentation ----------------------------------------------------------


def test_expected_verdicts_name_resources_of_the_estate(region: dict[str, Any]) -> None:
    known = set(NOTEBOOKS) | {"d-sagemaker-anfw-domain", "train-churn-no-vpc", "model-churn-anfw"}
    known |= set(FIREWALLS) | {f"network-firewall-policy-{p}" for p, _, _ in FIREWALLS.values()}
    known |= set(DEMO_EXPECTED["PRX-001"])
    known |= {ACCOUNT} | set(region["s3"]["GetBucketPolicy"])  # the guardrail checks: account, buckets
    assert {r for verdicts in DEMO_EXPECTED.values() for r in verdicts} <= known
    assert {s for verdicts in DEMO_EXPECTED.values() for s in verdicts.values()} <= {"PASS", "FAIL"}
    assert set(DEMO_EXPECTED["NET-001"]) == set(NOTEBOOKS)


def test_engine_agrees_with_expected_verdicts(snap: dict[str, Any]) -> None:
    """Every registered check gives the verdicts the estate was designed for."""
    engine = pytest.importorskip("safemaker.scanner.checking.engine")
    registry = pytest.importorskip("safemaker.scanner.checking.registry").load_registry(entry_points=False)
    from safemaker.scanner.snapshot.io import Snapshot

    findings = engine.run_checks(Snapshot(snap, "demo"), registry)
    got = {(f.check_id, f.resource.id): f.status.value for f in findings}
    registered = {spec.id for spec in registry.specs()}
    wrong = {
        (check, resource): (status, got.get((check, resource)))
        for check, verdicts in DEMO_EXPECTED.items() if check in registered
        for resource, status in verdicts.items() if got.get((check, resource)) != status
    }
    assert wrong == {}, "(check, resource): (expected, got)"
    if "NET-001" not in registered:
        pytest.skip("NET-001 is not registered yet")


def test_simulated_lines_are_sentences() -> None:
    lines = simulated()
    assert lines and all(line.strip() and line.endswith(".") for line in lines)
    assert any("Network Firewall" in line for line in lines)


def test_data_files_are_packaged() -> None:
    data = Path(demo.__file__).parent / "demo_data"
    assert sorted(p.name for p in data.glob("*.json")) == ["lifecycle_configs.json", "served_responses.json"]


def test_served_data_unknown_member_is_rejected() -> None:
    import botocore.session

    shape = botocore.session.get_session().get_service_model("network-firewall") \
        .operation_model("DescribeFirewall").output_shape
    with pytest.raises(ValueError, match="FirewallStatus has no member 'SyncState'"):
        demo._with_datetimes({"FirewallStatus": {"SyncState": {}}}, shape)


def test_unfilled_placeholder_is_an_error() -> None:
    with pytest.raises(KeyError, match="placeholder"):
        demo._fill("{{anfw.vpc}}", {}, where="test")
    assert demo._fill("{{a.b}} {{c}}", {"a.b": "x", "c": "y"}, where="test") == "x y"


def test_served_calls_by_name_filter_and_not_found() -> None:
    """The handlers answer the way the API does for every way a caller may name a resource."""
    import re
    from datetime import datetime

    import boto3
    import moto
    from botocore.exceptions import ClientError

    text = (Path(demo.__file__).parent / "demo_data" / "served_responses.json").read_text("utf-8")
    names = set(re.findall(r"\{\{([a-z][a-z0-9_.]*)\}\}", text))
    placeholders = {name: f"x-{name}" for name in names} | {"account": ACCOUNT, "region": REGION}
    estate = demo.Estate(account=ACCOUNT, region=REGION, placeholders=placeholders)
    with demo._demo_environment(), moto.mock_aws():
        session = boto3.Session(region_name=REGION)
        demo._Responder(estate).register(session)
        nfw = session.client("network-firewall", region_name=REGION)
        fw = nfw.describe_firewall(FirewallName="network-firewall-sagemaker-fw-stateless-pass")
        assert fw["FirewallStatus"]["SyncStates"]["x-pass.az"]["Attachment"]["EndpointId"] == "x-pass.endpoint"
        listed = nfw.list_firewalls(VpcIds=["x-anfw.vpc"])["Firewalls"]
        assert [f["FirewallName"] for f in listed] == ["network-firewall-sagemaker-studio-vpc-firewall"]
        policy = nfw.describe_firewall_policy(
            FirewallPolicyName="network-firewall-policy-sagemaker-studio-vpc-firewall")
        assert isinstance(policy["FirewallPolicyResponse"]["LastModifiedTime"], datetime)
        group = nfw.describe_rule_group(RuleGroupName="domain-allow-sagemaker-sagemaker-studio-vpc-firewall",
                                        Type="STATEFUL")
        assert group["RuleGroupResponse"]["Type"] == "STATEFUL"
        with pytest.raises(ClientError) as err:
            nfw.describe_firewall_policy(FirewallPolicyName="no-such-policy")
        assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
        sm = session.client("sagemaker", region_name=REGION)
        assert sm.list_user_profiles(DomainIdEquals="d-other")["UserProfiles"] == []
        assert len(sm.list_user_profiles()["UserProfiles"]) == 1
