"""Fixtures for the collector tests: an in-process moto estate and a way to fake AWS answers.

moto cannot serve everything the collector reads (Network Firewall policies and rule groups,
SageMaker user profiles and spaces, VPC Block Public Access; the README's demo section lists them). `FakeAWS`
answers chosen operations from a botocore ``before-call`` hook registered on the session, the
same mechanism the demo uses, so these tests also prove that the collector builds its clients
from the session it is given.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

REGION = "eu-west-1"
OTHER_REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-exec"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1"


class RawBody:
    """The minimal urllib3-like body that botocore's AWSResponse reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def http_response(status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> AWSResponse:
    return AWSResponse("https://fake.amazonaws.com/", status, dict(headers or {}), RawBody(body))


class FakeError(Exception):
    """Raised by a FakeAWS answer to make the call fail the way AWS would."""

    def __init__(self, code: str, message: str = "denied", status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# Returns the parsed response, or None to let the call through to moto.
Answer = Callable[[dict[str, Any]], dict[str, Any] | None]


class FakeAWS:
    """Answers registered (service, operation) pairs before any request is built or sent.

    ``before-parameter-build`` sees the caller's parameters and stores them in the request
    context; ``before-call`` then answers from them (its own ``params`` are already serialized).
    """

    Error = FakeError
    response = staticmethod(http_response)

    def __init__(self, session: boto3.session.Session) -> None:
        self.answers: dict[tuple[str, str], Answer] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        session.events.register("before-parameter-build", self._remember)
        session.events.register("before-call", self._answer)

    def on(self, service: str, operation: str, answer: Answer | dict[str, Any]) -> None:
        if isinstance(answer, dict):
            fixed = answer
            self.answers[(service, operation)] = lambda _params: fixed
        else:
            self.answers[(service, operation)] = answer

    def _remember(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["fake_aws_params"] = dict(params)

    def _answer(self, model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        key = (model.service_model.service_name, model.name)
        answer = self.answers.get(key)
        if answer is None:
            return None
        params = context.get("fake_aws_params", {})
        meta = {"RequestId": "fake", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}
        try:
            parsed = answer(params)
        except FakeError as exc:
            meta["HTTPStatusCode"] = exc.status
            error = {"Error": {"Code": exc.code, "Message": exc.message}, "ResponseMetadata": meta}
            self.calls.append((key[0], key[1], params))
            return http_response(exc.status), error
        if parsed is None:
            return None
        self.calls.append((key[0], key[1], params))
        return http_response(200), {**parsed, "ResponseMetadata": meta}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no profile, so nothing can ever reach a real account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


@pytest.fixture
def moto(aws_env: None) -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def session(moto: None) -> boto3.session.Session:
    return boto3.session.Session(region_name=REGION)


# docs/snapshot-format.md, "Operations the collector gathers at minimum".
MINIMUM_OPERATIONS: dict[str, tuple[str, ...]] = {
    "ec2": (
        "DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeInternetGateways",
        "DescribeEgressOnlyInternetGateways", "DescribeNatGateways", "DescribeVpcEndpoints",
        "DescribeSecurityGroups", "DescribeNetworkAcls", "DescribeNetworkInterfaces", "DescribeInstances",
        "DescribeVpcPeeringConnections", "DescribeTransitGateways", "DescribeTransitGatewayAttachments",
        "DescribeTransitGatewayVpcAttachments", "DescribeTransitGatewayRouteTables", "SearchTransitGatewayRoutes",
        "DescribeManagedPrefixLists", "GetManagedPrefixListEntries", "DescribePrefixLists",
    ),
    "network-firewall": (
        "ListFirewalls", "DescribeFirewall", "DescribeFirewallPolicy", "DescribeRuleGroup",
        "DescribeLoggingConfiguration",
    ),
    "sagemaker": (
        "ListNotebookInstances", "DescribeNotebookInstance", "DescribeNotebookInstanceLifecycleConfig",
        "ListDomains", "DescribeDomain", "ListUserProfiles", "DescribeUserProfile", "ListSpaces", "DescribeSpace",
        "ListTrainingJobs", "DescribeTrainingJob", "ListProcessingJobs", "DescribeProcessingJob", "ListModels",
        "DescribeModel",
    ),
}


@pytest.fixture
def minimum_operations() -> list[tuple[str, str]]:
    return [(service, op) for service, ops in MINIMUM_OPERATIONS.items() for op in ops]


@dataclass
class Estate:
    vpc: str
    public_subnet: str
    private_subnet: str
    igw: str
    nat: str
    public_rtb: str
    private_rtb: str
    sg: str
    acl: str
    eni: str
    instance: str
    s3_endpoint: str
    prefix_list: str
    tgw: str
    tgw_attachment: str
    tgw_rtb: str
    notebook: str
    lifecycle_config: str
    domain: str
    training_job: str
    processing_job: str
    model: str
    firewall_arn: str
    firewall_policy_arn: str


def build_estate(session: boto3.session.Session, region: str = REGION) -> Estate:
    """A small SageMaker estate: notebook behind a NAT, Studio domain, jobs, TGW, firewall."""
    ec2 = session.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone=f"{region}a")
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{region}a")
    public_subnet = public["Subnet"]["SubnetId"]
    private_subnet = private["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    public_rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rtb, SubnetId=public_subnet)
    private_rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_rtb, SubnetId=private_subnet)
    sg = ec2.create_security_group(GroupName="notebooks", Description="notebooks", VpcId=vpc)["GroupId"]
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    eni = ec2.create_network_interface(SubnetId=private_subnet, Groups=[sg], Description="notebook nb-analysts")
    instance = ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=public_subnet, InstanceType="t3.micro"
    )["Instances"][0]["InstanceId"]
    s3_endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Gateway", RouteTableIds=[private_rtb]
    )["VpcEndpoint"]["VpcEndpointId"]
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="corp", MaxEntries=5, AddressFamily="IPv4",
        Entries=[{"Cidr": "192.168.0.0/16", "Description": "corp"}],
    )["PrefixList"]["PrefixListId"]
    tgw = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[private_subnet]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    tgw_rtb = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"
    ]
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="0.0.0.0/0", TransitGatewayRouteTableId=tgw_rtb, TransitGatewayAttachmentId=attachment
    )

    sm = session.client("sagemaker", region_name=region)
    script = base64.b64encode(b"export https_proxy=http://10.0.0.10:3128\n").decode()
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="proxy-lcc", OnStart=[{"Content": script}]
    )
    for name, subnet in (("nb-analysts", private_subnet), ("nb-second", private_subnet)):
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE, SubnetId=subnet,
            SecurityGroupIds=[sg], LifecycleConfigName="proxy-lcc", DirectInternetAccess="Disabled",
        )
    domain = sm.create_domain(
        DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
        SubnetIds=[private_subnet], VpcId=vpc, AppNetworkAccessType="VpcOnly",
    )["DomainArn"].rsplit("/", 1)[1]
    sm.create_training_job(
        TrainingJobName="train-1",
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE, OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        VpcConfig={"SecurityGroupIds": [sg], "Subnets": [private_subnet]}, EnableNetworkIsolation=False,
    )
    sm.create_processing_job(
        ProcessingJobName="proc-1",
        ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                               "VolumeSizeInGB": 10}},
        AppSpecification={"ImageUri": IMAGE}, RoleArn=ROLE, StoppingCondition={"MaxRuntimeInSeconds": 60},
        NetworkConfig={"EnableNetworkIsolation": True},
    )
    sm.create_model(ModelName="model-1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})

    policy_arn = f"arn:aws:network-firewall:{region}:{ACCOUNT}:firewall-policy/egress"
    nfw = session.client("network-firewall", region_name=region)
    firewall_arn = nfw.create_firewall(
        FirewallName="egress", FirewallPolicyArn=policy_arn, VpcId=vpc, SubnetMappings=[{"SubnetId": public_subnet}]
    )["Firewall"]["FirewallArn"]
    return Estate(
        vpc=vpc, public_subnet=public_subnet, private_subnet=private_subnet, igw=igw, nat=nat,
        public_rtb=public_rtb, private_rtb=private_rtb, sg=sg, acl=acl,
        eni=eni["NetworkInterface"]["NetworkInterfaceId"], instance=instance, s3_endpoint=s3_endpoint,
        prefix_list=prefix_list, tgw=tgw, tgw_attachment=attachment, tgw_rtb=tgw_rtb, notebook="nb-analysts",
        lifecycle_config="proxy-lcc", domain=domain, training_job="train-1", processing_job="proc-1",
        model="model-1", firewall_arn=firewall_arn, firewall_policy_arn=policy_arn,
    )


@pytest.fixture
def estate(session: boto3.session.Session) -> Estate:
    return build_estate(session)


@pytest.fixture
def make_estate() -> Callable[..., Estate]:
    return build_estate


@pytest.fixture
def fake(session: boto3.session.Session) -> FakeAWS:
    return FakeAWS(session)


@dataclass
class Served:
    """What `served_estate` answers on top of moto, for assertions."""

    estate: Estate
    fake: FakeAWS
    firewall_arns: tuple[str, str]
    policy_arns: tuple[str, str]
    stateless_group: str
    stateful_group: str


def serve_missing(fake: FakeAWS, estate: Estate, region: str = REGION) -> Served:
    """Answer every planned call moto cannot, with shapes real AWS returns.

    Two firewalls whose policies share one stateful rule group: the collector must describe
    that group once.
    """
    base = f"arn:aws:network-firewall:{region}:{ACCOUNT}"
    firewalls = (f"{base}:firewall/egress-a", f"{base}:firewall/egress-b")
    policies = (f"{base}:firewall-policy/strict-a", f"{base}:firewall-policy/strict-b")
    stateless = f"{base}:stateless-rulegroup/forward"
    stateful = f"{base}:stateful-rulegroup/domains"
    created = dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)

    fake.on("network-firewall", "ListFirewalls", {
        "Firewalls": [{"FirewallName": arn.rsplit("/", 1)[1], "FirewallArn": arn} for arn in firewalls],
    })

    def describe_firewall(params: dict[str, Any]) -> dict[str, Any]:
        arn = params["FirewallArn"]
        policy = policies[firewalls.index(arn)]
        return {
            "UpdateToken": "token-1",
            "Firewall": {
                "FirewallName": arn.rsplit("/", 1)[1], "FirewallArn": arn, "FirewallId": "fw-id",
                "FirewallPolicyArn": policy, "VpcId": estate.vpc,
                "SubnetMappings": [{"SubnetId": estate.public_subnet, "IPAddressType": "IPV4"}],
                "DeleteProtection": False,
            },
            "FirewallStatus": {
                "Status": "READY", "ConfigurationSyncStateSummary": "IN_SYNC",
                "SyncStates": {f"{region}a": {"Attachment": {
                    "SubnetId": estate.public_subnet, "EndpointId": "vpce-0fw00000000000001", "Status": "READY",
                }}},
            },
        }

    def describe_logging(params: dict[str, Any]) -> dict[str, Any]:
        return {
            "FirewallArn": params["FirewallArn"],
            "LoggingConfiguration": {"LogDestinationConfigs": [{
                "LogType": "ALERT", "LogDestinationType": "CloudWatchLogs",
                "LogDestination": {"logGroup": "/network-firewall/alert"},
            }]},
        }

    def describe_policy(params: dict[str, Any]) -> dict[str, Any]:
        arn = params["FirewallPolicyArn"]
        references: dict[str, Any] = {"StatefulRuleGroupReferences": [{"ResourceArn": stateful, "Priority": 1}]}
        if arn == policies[0]:
            references["StatelessRuleGroupReferences"] = [{"ResourceArn": stateless, "Priority": 10}]
        return {
            "UpdateToken": "token-2",
            "FirewallPolicyResponse": {
                "FirewallPolicyName": arn.rsplit("/", 1)[1], "FirewallPolicyArn": arn, "FirewallPolicyId": "pol-id",
            },
            "FirewallPolicy": {
                "StatelessDefaultActions": ["aws:forward_to_sfe"],
                "StatelessFragmentDefaultActions": ["aws:forward_to_sfe"],
                "StatefulDefaultActions": ["aws:drop_strict"],
                "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"},
                **references,
            },
        }

    def describe_rule_group(params: dict[str, Any]) -> dict[str, Any]:
        arn = params["RuleGroupArn"]
        if arn == stateful:
            source: dict[str, Any] = {"RulesSourceList": {
                "Targets": [".amazonaws.com"], "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
                "GeneratedRulesType": "ALLOWLIST",
            }}
            kind = "STATEFUL"
        else:
            source = {"StatelessRulesAndCustomActions": {"StatelessRules": [{
                "Priority": 1,
                "RuleDefinition": {"MatchAttributes": {"Sources": [{"AddressDefinition": "0.0.0.0/0"}]},
                                   "Actions": ["aws:forward_to_sfe"]},
            }]}}
            kind = "STATELESS"
        return {
            "UpdateToken": "token-3",
            "RuleGroup": {"RulesSource": source},
            "RuleGroupResponse": {
                "RuleGroupArn": arn, "RuleGroupName": arn.rsplit("/", 1)[1], "RuleGroupId": "rg-id", "Type": kind,
            },
        }

    fake.on("network-firewall", "DescribeFirewall", describe_firewall)
    fake.on("network-firewall", "DescribeLoggingConfiguration", describe_logging)
    fake.on("network-firewall", "DescribeFirewallPolicy", describe_policy)
    fake.on("network-firewall", "DescribeRuleGroup", describe_rule_group)

    fake.on("sagemaker", "ListUserProfiles", {"UserProfiles": [
        {"DomainId": estate.domain, "UserProfileName": "alice", "Status": "InService", "CreationTime": created},
    ]})
    fake.on("sagemaker", "DescribeUserProfile", lambda p: {
        "DomainId": p["DomainId"], "UserProfileName": p["UserProfileName"], "Status": "InService",
        "CreationTime": created, "UserSettings": {"ExecutionRole": ROLE, "SecurityGroups": [estate.sg]},
    })
    fake.on("sagemaker", "ListSpaces", {"Spaces": [
        {"DomainId": estate.domain, "SpaceName": "team", "Status": "InService", "CreationTime": created},
    ]})
    fake.on("sagemaker", "DescribeSpace", lambda p: {
        "DomainId": p["DomainId"], "SpaceName": p["SpaceName"], "Status": "InService", "CreationTime": created,
        "SpaceSettings": {"AppType": "JupyterLab"},
    })
    fake.on("ec2", "DescribeVpcBlockPublicAccessOptions", {"VpcBlockPublicAccessOptions": {
        "AwsAccountId": ACCOUNT, "AwsRegion": region, "State": "default-state", "InternetGatewayBlockMode": "off",
        "LastUpdateTimestamp": created,
    }})
    fake.on("ec2", "DescribeVpcBlockPublicAccessExclusions", {"VpcBlockPublicAccessExclusions": []})
    return Served(estate, fake, firewalls, policies, stateless, stateful)


@pytest.fixture
def served_estate(fake: FakeAWS, estate: Estate) -> Served:
    return serve_missing(fake, estate)
