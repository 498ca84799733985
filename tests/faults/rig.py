"""Shared machinery of the fault tests: a moto estate in which every minimum operation matters,
and botocore hooks that make chosen calls fail.

The estate is the demo's (scanner/devtools/demo.py: notebooks with ENIs, a proxy, two firewalls served by
hooks, a Studio domain with a user profile, a training job, a model) plus what the demo lacks so
that *every* per-resource operation of docs/snapshot-format.md is called at least once and read by some
check: a processing job in the Studio VPC, a Studio space, and a transit gateway whose route
table the isolated notebook's subnet routes 192.168.0.0/16 to (a blackhole there).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto import mock_aws

from safemaker.scanner.collect import collect_snapshot
from safemaker.scanner.collect.plan import PLAN
from safemaker.scanner.devtools import demo

REGION = "eu-west-1"
SPACE = "team-space"

# Set for the whole life of an estate: dummy credentials, no profile, no endpoint override, no
# instance metadata, so nothing can ever leave the process.
SANDBOX_ENV: Mapping[str, str] = {
    "AWS_ACCESS_KEY_ID": "faults-access-key-id",
    "AWS_SECRET_ACCESS_KEY": "faults-secret-access-key",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}


@contextlib.contextmanager
def sandbox() -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        mp = stack.enter_context(_monkeypatch())
        for name in list(os.environ):
            if name.startswith("AWS_") or name in ("TEST_SERVER_MODE", "TEST_PROXY_MODE", "MOTO_ACCOUNT_ID"):
                mp.delenv(name)
        for name, value in SANDBOX_ENV.items():
            mp.setenv(name, value)
        yield


@contextlib.contextmanager
def _monkeypatch() -> Iterator[Any]:
    import pytest

    with pytest.MonkeyPatch.context() as mp:
        yield mp


# --------------------------------------------------------------------------------------------
# Answers


def http_answer(status: int, parsed: dict[str, Any]) -> tuple[AWSResponse, dict[str, Any]]:
    """What a before-call handler returns: botocore raises ClientError for status >= 300."""
    parsed["ResponseMetadata"] = {"RequestId": "faults", "HTTPStatusCode": status, "HTTPHeaders": {},
                                  "RetryAttempts": 0}
    return AWSResponse("https://faults.invalid/", status, HTTPHeaders(), None), parsed


def denial(service: str, operation: str) -> tuple[AWSResponse, dict[str, Any]]:
    """AccessDenied the way each API says it: EC2 403 UnauthorizedOperation, JSON APIs 400."""
    action = f"{service}:{operation}"
    if service == "ec2":
        return http_answer(403, {"Error": {"Code": "UnauthorizedOperation",
                                           "Message": f"You are not authorized to perform this operation ({action})."}})
    return http_answer(400, {"Error": {"Code": "AccessDeniedException",
                                       "Message": f"User is not authorized to perform: {action}"}})


def service_id(session: boto3.session.Session, service: str) -> str:
    """The name botocore uses in event names."""
    client: Any = cast(Any, session).client(service, region_name=REGION)
    return str(client.meta.service_model.service_id.hyphenize())


# --------------------------------------------------------------------------------------------
# Plan arithmetic


def dependents(service: str, operation: str) -> set[tuple[str, str]]:
    """The operation and every step whose identifiers come from it, transitively."""
    out = {(service, operation)}
    changed = True
    while changed:
        changed = False
        for step in PLAN:
            key = (step.service, step.operation)
            if key not in out and any((s.service, s.operation) in out for s in step.sources):
                out.add(key)
                changed = True
    return out


def minimum_operations() -> list[tuple[str, str]]:
    return [(step.service, step.operation) for step in PLAN if not step.optional]


# --------------------------------------------------------------------------------------------
# The estate


@dataclass
class Rig:
    session: boto3.session.Session
    account: str
    domain: str

    def collect(self, hooks: Mapping[str, Callable[..., Any]] | None = None, *,
                regions: Sequence[str] = (REGION,), **kwargs: Any) -> dict[str, Any]:
        """One collection with extra handlers registered first on the given events, removed after."""
        registered = list((hooks or {}).items())
        for event, handler in registered:
            self.session.events.register_first(event, handler)
        try:
            return collect_snapshot(self.session, list(regions), **kwargs)
        finally:
            for event, handler in registered:
                self.session.events.unregister(event, handler)


@contextlib.contextmanager
def demo_rig() -> Iterator[Rig]:
    """The estate, alive for the duration of the block (moto state is process-global)."""
    with sandbox(), mock_aws():
        session = boto3.session.Session(region_name=REGION)
        built = demo._EstateBuilder(session, lambda _line: None).build()
        domain = _add_extras(session)
        _serve_space(session, domain)  # before the demo's handler, which serves no spaces
        demo._Responder(built).register(session)
        yield Rig(session, built.account, domain)


def _by_name(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for item in items:
        if any(t.get("Key") == "Name" and t.get("Value") == name for t in item.get("Tags", [])):
            return item
    raise LookupError(name)


def _add_extras(session: boto3.session.Session) -> str:
    ec2 = session.client("ec2", region_name=REGION)
    sm = session.client("sagemaker", region_name=REGION)
    domain_id = sm.list_domains()["Domains"][0]["DomainId"]
    domain = sm.describe_domain(DomainId=domain_id)
    subnet = domain["SubnetIds"][0]
    sgs = domain["DefaultUserSettings"]["SecurityGroups"]
    role = domain["DefaultUserSettings"]["ExecutionRole"]
    sm.create_processing_job(
        ProcessingJobName="proc-studio-vpc",
        ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                               "VolumeSizeInGB": 10}},
        AppSpecification={"ImageUri": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sklearn:1"},
        RoleArn=role, StoppingCondition={"MaxRuntimeInSeconds": 600},
        NetworkConfig={"EnableNetworkIsolation": False,
                       "VpcConfig": {"SecurityGroupIds": sgs, "Subnets": [subnet]}},
    )
    # The isolated notebook's subnet sends 192.168.0.0/16 to a transit gateway that blackholes
    # it: its verdicts then depend on the TGW attachments and routes.
    tables = ec2.describe_route_tables()["RouteTables"]
    isolated_rt = _by_name(tables, "isolated-notebook-private-rt")
    vpc = isolated_rt["VpcId"]
    isolated_subnet = isolated_rt["Associations"][0]["SubnetId"]
    tgw = ec2.create_transit_gateway(Description="hub", Options={
        "DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable"},
    )["TransitGateway"]["TransitGatewayId"]
    attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[isolated_subnet],
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    tgw_rt = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"]
    with contextlib.suppress(Exception):  # already associated with moto's default table
        ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=tgw_rt,
                                                  TransitGatewayAttachmentId=attachment)
    # moto may keep the attachment on the gateway's default table: blackhole there too.
    for table in ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]:
        if table["TransitGatewayId"] == tgw:
            ec2.create_transit_gateway_route(DestinationCidrBlock="192.168.0.0/16", Blackhole=True,
                                             TransitGatewayRouteTableId=table["TransitGatewayRouteTableId"])
    ec2.create_route(RouteTableId=isolated_rt["RouteTableId"], DestinationCidrBlock="192.168.0.0/16",
                     TransitGatewayId=tgw)
    return str(domain_id)


def _serve_space(session: boto3.session.Session, domain: str) -> None:
    """moto has no Studio spaces; the demo serves none. One space, with the domain's defaults."""
    created = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    sm = service_id(session, "sagemaker")

    def list_spaces(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return http_answer(200, {"Spaces": [{"DomainId": domain, "SpaceName": SPACE, "Status": "InService",
                                             "CreationTime": created}]})

    def describe_space(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return http_answer(200, {"DomainId": domain, "SpaceName": SPACE, "Status": "InService",
                                 "CreationTime": created, "SpaceSettings": {"AppType": "JupyterLab"}})

    events: Any = session.events
    events.register(f"before-call.{sm}.ListSpaces", list_spaces)
    events.register(f"before-call.{sm}.DescribeSpace", describe_space)


def dump(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, indent=1)


# --------------------------------------------------------------------------------------------
# A small estate, for tests that need moto-answered calls rather than many verdicts


def build_small_estate(session: boto3.session.Session, region: str = REGION) -> None:
    """A VPC with a notebook behind a NAT, a domain, a job, a model, a prefix list and a TGW."""
    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    role = f"arn:aws:iam::{account}:role/sagemaker-exec"
    image = f"{account}.dkr.ecr.{region}.amazonaws.com/train:1"
    ec2 = session.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private)
    sg = ec2.create_security_group(GroupName="notebooks", Description="notebooks", VpcId=vpc)["GroupId"]
    ec2.create_network_interface(SubnetId=private, Groups=[sg], Description="notebook nb-small")
    ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=public, InstanceType="t3.micro")
    ec2.create_managed_prefix_list(PrefixListName="corp", MaxEntries=5, AddressFamily="IPv4",
                                   Entries=[{"Cidr": "192.168.0.0/16", "Description": "corp"}])
    tgw = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)
    sm = session.client("sagemaker", region_name=region)
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="lcc", OnStart=[{"Content": "ZXhwb3J0IEE9MQo="}])
    for name in ("nb-small", "nb-other"):
        sm.create_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role,
                                    SubnetId=private, SecurityGroupIds=[sg], LifecycleConfigName="lcc",
                                    DirectInternetAccess="Disabled")
    sm.create_domain(DomainName="studio", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": role},
                     SubnetIds=[private], VpcId=vpc, AppNetworkAccessType="VpcOnly")
    sm.create_training_job(
        TrainingJobName="train-small", AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        RoleArn=role, OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        VpcConfig={"SecurityGroupIds": [sg], "Subnets": [private]})
    sm.create_model(ModelName="model-small", ExecutionRoleArn=role, PrimaryContainer={"Image": image})


@contextlib.contextmanager
def small_rig() -> Iterator[Rig]:
    with sandbox(), mock_aws():
        session = boto3.session.Session(region_name=REGION)
        build_small_estate(session)
        account = session.client("sts", region_name=REGION).get_caller_identity()["Account"]
        yield Rig(session, str(account), "")


# --------------------------------------------------------------------------------------------
# Wire-level answers (before-send): parsed by botocore's own protocol parsers, retried by its
# retry handler like a real answer from AWS


class _RawBody:
    """The minimal urllib3-like body that botocore's AWSResponse reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def wire_error(protocol: str, code: str, status: int, message: str = "Rate exceeded") -> AWSResponse:
    """An error response as the service's protocol writes it."""
    headers = HTTPHeaders()
    headers["x-amzn-RequestId"] = "faults"
    if protocol == "ec2":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error></Errors><RequestID>faults</RequestID></Response>").encode()
    elif protocol == "query":
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                "</Error><RequestId>faults</RequestId></ErrorResponse>").encode()
    else:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers["x-amzn-ErrorType"] = code
    return AWSResponse("https://faults.invalid/", status, headers, _RawBody(body))
