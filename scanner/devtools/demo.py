"""The demo estate: the seed designs, built in an embedded moto and collected like a real account.

The demo has to run on any machine without AWS credentials, yet prove something about the real
code path: so the estate is made with ordinary boto3 calls against moto (in-process, nothing
leaves the process) and read back with the same ``collect_snapshot`` a real scan uses. The
result is an ordinary ``safemaker.snapshot/v1`` document that ``analyze`` checks like any other.

moto cannot represent every part of the designs (the README's demo section lists the gaps). Where it
falls short, botocore event handlers registered on the session, and therefore applied to the
collector's clients too, answer or complete the calls: Network Firewall firewalls, policies and
rule groups with their endpoints, Studio user profiles, the notebooks' ENIs. Everything
they add comes from ``demo_data/`` or is listed by ``simulated()``, so that the report can say
plainly which parts of the demo are simulated.

The estate, one reference design per seed, with the verdicts it is built to produce
in ``DEMO_EXPECTED``:

* seed 000, squid proxy VPC 10.0.0.0/16: proxy instance in a public subnet, notebook
  ``nb-proxy-ok`` in a private subnet with only the local route, proxy set by the lifecycle
  configuration ``lc-squid-proxy``. ``nb-direct-internet`` sits in the same subnet but has
  DirectInternetAccess, root access and no KMS key.
* the same design in 10.1.0.0/16 where a NAT gateway was added "temporarily" and the private
  subnet routes 0.0.0.0/0 to it (``nb-proxy-nat-added``); its proxy allows IMDSv1.
* seed 001, Studio + Network Firewall + NAT in 10.2.0.0/16: domain ``sagemaker-anfw-domain``
  (VpcOnly), notebook ``nb-studio-vpc-firewall``, S3 gateway endpoint, SageMaker API/runtime
  interface endpoints, IGW edge route table; plus the same layout in 10.3.0.0/16 whose firewall
  policy passes everything in the stateless engine (``nb-firewall-stateless-pass``).
* seed 003 (+ the seed 004 interface endpoints), isolated VPC 10.4.0.0/16: notebook
  ``nb-isolated-s3`` with only the local route and an S3 gateway endpoint limited to one bucket.
* a training job without VPC or network isolation, and a model in the seed 001 VPC.
* guardrails (seeds 002 and 004): the account is an organization's management account (no SCP
  applies to it); role ``ds-notebooks-open`` may create notebooks and training jobs with no
  condition (GRD-001 FAIL), role ``ds-notebooks-guarded`` and the group ``analysts`` carry the
  seed-002 denies and the seed-004 ``aws:SourceVpce`` condition on presigned URLs (GRD-002
  PASS); the lifecycle-scripts bucket the isolated S3 endpoint names denies requests that do
  not come through that endpoint (GRD-003 PASS), the Studio datasets bucket the seed 001
  endpoint names has no bucket policy (GRD-003 FAIL).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Final

REGION: Final = "eu-west-1"
AZ: Final = "eu-west-1a"

# Any fixed value: moto draws every generated id (vpc-…, i-…, eni-…) from one random generator,
# so seeding it makes the estate's ids the same on every run and the expectations below stable.
_ID_SEED: Final = 1_000_001

#: The verdicts the demo estate is built to produce, {check ID: {resource ID: status}}: what
#: each design is meant to show, so that tests and the README stay in step with the estate.
#: Checks and resources not listed are not pinned by the design. The proxy instance ids are
#: stable because moto's id generator is seeded (test_demo.py fails loudly if a moto upgrade
#: changes them).
DEMO_EXPECTED: Final[dict[str, dict[str, str]]] = {
    "NET-001": {
        "nb-proxy-ok": "PASS",  # seed 000: private subnet has only the local route; squid proxy
        "nb-proxy-nat-added": "FAIL",  # a NAT gateway bypasses the proxy
        "nb-direct-internet": "FAIL",  # SageMaker-managed internet access
        "nb-studio-vpc-firewall": "PASS",  # seed 001: NAT -> firewall endpoint -> IGW
        "nb-firewall-stateless-pass": "FAIL",  # the firewall's stateless engine passes everything
        "nb-isolated-s3": "PASS",  # seed 003: local route and S3 gateway endpoint only
    },
    "NET-002": {"d-sagemaker-anfw-domain": "PASS"},
    "NET-003": {"train-churn-no-vpc": "FAIL", "model-churn-anfw": "PASS"},
    "NET-006": {
        "nb-proxy-ok": "PASS",
        "nb-proxy-nat-added": "PASS",
        "nb-direct-internet": "PASS",
        "nb-studio-vpc-firewall": "PASS",  # S3 endpoint limited to the project's buckets
        "nb-firewall-stateless-pass": "PASS",
        "nb-isolated-s3": "PASS",  # S3 endpoint limited to one bucket (seed 003 policy)
    },
    "NET-007": {"nb-proxy-ok": "PASS", "nb-proxy-nat-added": "PASS"},  # the proxies are sanctioned
    "NET-008": {
        "network-firewall-sagemaker-studio-vpc-firewall": "PASS",  # IGW edge route table
        "network-firewall-sagemaker-fw-stateless-pass": "PASS",
    },
    "FW-001": {
        "network-firewall-policy-sagemaker-studio-vpc-firewall": "PASS",
        "network-firewall-policy-sagemaker-fw-stateless-pass": "FAIL",
    },
    "FW-002": {
        "network-firewall-policy-sagemaker-studio-vpc-firewall": "PASS",
        "network-firewall-policy-sagemaker-fw-stateless-pass": "PASS",
    },
    "FW-003": {
        "network-firewall-sagemaker-studio-vpc-firewall": "PASS",
        "network-firewall-sagemaker-fw-stateless-pass": "PASS",
    },
    "FW-004": {
        "network-firewall-sagemaker-studio-vpc-firewall": "PASS",
        "network-firewall-sagemaker-fw-stateless-pass": "PASS",
    },
    "PRX-001": {
        "i-44d30c327602cc71a": "PASS",  # squid-proxy: IMDSv2 only
        "i-ebe9f1f95f362fd9b": "FAIL",  # squid-proxy-nat-vpc: HttpTokens optional
    },
    "PRX-002": {
        "nb-proxy-ok": "PASS",  # NO_PROXY=169.254.169.254
        "nb-proxy-nat-added": "PASS",
        "nb-studio-vpc-firewall": "PASS",  # inspected by the firewall, needs no proxy
    },
    "SM-001": {
        "nb-proxy-ok": "PASS",
        "nb-proxy-nat-added": "PASS",
        "nb-direct-internet": "FAIL",
        "nb-studio-vpc-firewall": "PASS",
        "nb-firewall-stateless-pass": "PASS",
        "nb-isolated-s3": "PASS",
    },
    "SM-002": {
        "nb-proxy-ok": "PASS",
        "nb-proxy-nat-added": "PASS",
        "nb-direct-internet": "FAIL",
        "nb-studio-vpc-firewall": "PASS",
        "nb-firewall-stateless-pass": "PASS",
        "nb-isolated-s3": "PASS",
    },
    "SM-003": {"train-churn-no-vpc": "FAIL", "model-churn-anfw": "FAIL"},
    "GRD-001": {"123456789012": "FAIL"},  # ds-notebooks-open: CreateNotebookInstance without conditions
    "GRD-002": {"123456789012": "PASS"},  # presigned URLs only through the SageMaker API endpoint
    "GRD-003": {
        "sagemaker-lifecycle-scripts-123456789012": "PASS",  # denies all but the isolated S3 endpoint
        "sagemaker-studio-datasets-123456789012": "FAIL",  # no bucket policy
    },
    "VPCE-001": {
        "nb-proxy-ok": "FAIL",  # seed 000 has neither SageMaker interface endpoints nor NAT
        "nb-proxy-nat-added": "PASS",
        "nb-direct-internet": "PASS",
        "nb-studio-vpc-firewall": "PASS",
        "nb-firewall-stateless-pass": "PASS",
        "nb-isolated-s3": "PASS",  # seed 004 interface endpoints
        "d-sagemaker-anfw-domain": "PASS",
    },
}

Progress = Callable[[str], None]

_DATA_PACKAGE: Final = "safemaker.scanner.devtools"
_PLACEHOLDER: Final = re.compile(r"\{\{([a-z][a-z0-9_.]*)\}\}")

# Environment the embedded moto runs under. Credentials are dummies; the config and credentials
# files point at the null device so that a profile cannot add an endpoint_url or a role to
# assume; instance metadata is never asked for credentials.
_DEMO_ENV: Final[Mapping[str, str]] = {
    "AWS_ACCESS_KEY_ID": "demo-access-key-id",
    "AWS_SECRET_ACCESS_KEY": "demo-secret-access-key",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
}
# Every AWS_* variable is removed first (profiles, session tokens, AWS_ENDPOINT_URL*, FIPS or
# dual-stack switches that would change the host names moto intercepts), and so are the moto
# switches that would send the calls to a moto server or change the account.
_CLEARED_PREFIX: Final = "AWS_"
_CLEARED_NAMES: Final = ("TEST_SERVER_MODE", "TEST_PROXY_MODE", "MOTO_ACCOUNT_ID")

_NOTEBOOK_ENI_DESCRIPTION: Final = (
    "[Do not delete] Network Interface created to access resources in your VPC for SageMaker "
    "Notebook Instance {name}"
)
_SAGEMAKER_TRUST: Final = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
_TRAINING_IMAGE: Final = "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"
_FIREWALL_ENDPOINT_SERVICE: Final = "com.amazonaws.vpce.{region}.vpce-svc-0e1a2b3c4d5e6f708"


def _address_in(cidr: str, offset: int) -> dict[str, Any]:
    """An ENI's private address fields for the `offset`-th host of a subnet."""
    import ipaddress

    ip = str(ipaddress.ip_network(cidr)[offset])
    return {"PrivateIpAddress": ip, "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}]}


def simulated() -> list[str]:
    """What the demo adds to moto, in words for the README and the `safemaker demo` output."""
    return [
        "Everything runs in an embedded moto (mock AWS, in-process, account 123456789012, "
        f"{REGION}); no call leaves the process and no credentials are used.",
        "Network Firewall: moto has no firewall endpoints, policies or rule groups, so "
        "ListFirewalls, DescribeFirewall (with FirewallId and SyncStates), DescribeFirewallPolicy, "
        "DescribeRuleGroup and DescribeLoggingConfiguration are answered from "
        "demo_data/served_responses.json.",
        "Firewall endpoints are moto Gateway Load Balancer VPC endpoints (vpce-…, without an "
        "ENI) in the firewall subnets; routes point at them, and the served SyncStates map them "
        "to their firewall.",
        "Studio user profile anfw-user-profile (ListUserProfiles/DescribeUserProfile) and an "
        "empty ListSpaces are served: moto does not implement user profiles or spaces.",
        "VPC Block Public Access is served as off (DescribeVpcBlockPublicAccessOptions/"
        "Exclusions): moto does not implement it.",
        "Notebook ENIs: moto creates none, so the demo creates each VPC notebook's ENI in its "
        "subnet with its security groups and adds NetworkInterfaceId to "
        "DescribeNotebookInstance.",
        "ENIs of NAT gateways and interface endpoints are reported with the InterfaceType, "
        "Description and RequesterManaged that AWS gives them (moto says 'interface' for all).",
        "Interface endpoint ENIs are reported with a private address inside their subnet, as AWS "
        "assigns it (moto picks one outside the VPC, which no workload could reach).",
        f"Private DNS names ending in .ec2.internal (moto) are reported as "
        f".{REGION}.compute.internal, as AWS does outside us-east-1.",
        "NAT gateways are reported with ConnectivityType public, which AWS always returns and "
        "moto omits.",
        "Left as moto reports them: NAT gateway ENIs get private addresses outside their subnets, "
        "NAT gateways 127.x public addresses, and the domain a made-up "
        "SecurityGroupIdForDomainBoundary.",
    ]


def build_demo_snapshot(progress: Progress | None = None) -> dict[str, Any]:
    """Build the demo estate in an embedded moto and collect it into a snapshot document.

    The process environment is changed only for the duration of the call and restored exactly,
    so the demo can neither pick up real credentials or endpoints nor leave moto's settings
    behind for the caller.
    """
    say = progress or (lambda _line: None)
    with _demo_environment():
        import boto3
        import moto

        from safemaker.scanner.collect import collect_snapshot

        with moto.mock_aws(), _seeded_ids():
            session = boto3.Session(
                aws_access_key_id=_DEMO_ENV["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=_DEMO_ENV["AWS_SECRET_ACCESS_KEY"],
                region_name=REGION,
            )
            estate = _EstateBuilder(session, say).build()
            _Responder(estate).register(session)
            say("demo: estate built; collecting it like a real account")
            return collect_snapshot(session, [REGION], progress=progress)


# --------------------------------------------------------------------------------------------
# Environment


@contextlib.contextmanager
def _demo_environment() -> Iterator[None]:
    """Swap the AWS-related environment for the demo's, and put every variable back after."""
    touched = [name for name in os.environ if name.startswith(_CLEARED_PREFIX) or name in _CLEARED_NAMES]
    touched.extend(name for name in _DEMO_ENV if name not in touched)
    saved = {name: os.environ.get(name) for name in touched}
    try:
        for name in touched:
            os.environ.pop(name, None)
        os.environ.update(_DEMO_ENV)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _seeded_ids() -> Iterator[None]:
    """Seed moto's id generator for the build, then give the caller's random state back.

    moto keeps the generator in a private module; if it moves, the demo still works, only with
    different ids each run (and the PRX-001 expectations then fail in the tests, saying so).
    """
    try:
        from moto.moto_api._internal import mock_random
    except ImportError:  # pragma: no cover - depends on moto's internals
        yield
        return
    state = mock_random.getstate()
    mock_random.seed(_ID_SEED)
    try:
        yield
    finally:
        mock_random.setstate(state)


# --------------------------------------------------------------------------------------------
# The estate


@dataclass
class Estate:
    """What the build produced that the served and completed responses need to know."""

    account: str
    region: str
    placeholders: dict[str, str] = field(default_factory=dict)
    notebook_enis: dict[str, str] = field(default_factory=dict)  # notebook name -> eni id
    eni_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)  # eni id -> fields


@dataclass(frozen=True)
class _FirewallStack:
    vpc: str
    firewall_subnet: str
    nat_subnet: str
    sagemaker_subnet: str
    sagemaker_sg: str
    endpoint: str


class _EstateBuilder:
    """Makes the estate with boto3 calls; each `_design_*` method is one seed design."""

    def __init__(self, session: Any, say: Progress) -> None:
        self._session = session
        self._say = say
        self.ec2: Any = session.client("ec2", region_name=REGION)
        self.sm: Any = session.client("sagemaker", region_name=REGION)
        account = session.client("sts", region_name=REGION).get_caller_identity()["Account"]
        self.estate = Estate(account=account, region=REGION)
        self.estate.placeholders.update(account=account, region=REGION)
        self._scripts = _load_json("lifecycle_configs.json")

    def build(self) -> Estate:
        self._common()
        self._design_squid_proxy()
        self._design_squid_proxy_nat_added()
        studio = self._design_studio_firewall()
        self._design_firewall_stateless_pass()
        isolated = self._design_isolated_s3()
        self._jobs_and_models(studio)
        self._design_guardrails(isolated)
        return self.estate

    # --- shared resources -----------------------------------------------------------------

    def _common(self) -> None:
        self._say("demo: execution role, KMS key, S3 bucket")
        iam = self._session.client("iam", region_name=REGION)
        role = iam.create_role(
            RoleName="AmazonSageMaker-ExecutionRole-safemaker-demo",
            AssumeRolePolicyDocument=_SAGEMAKER_TRUST,
            Description="Execution role of the safemaker demo notebooks, domain and jobs",
        )["Role"]
        self.role_arn: str = role["Arn"]
        kms = self._session.client("kms", region_name=REGION)
        key = kms.create_key(Description="SageMaker notebook volumes (safemaker demo)")["KeyMetadata"]
        kms.create_alias(AliasName="alias/sagemaker-notebooks", TargetKeyId=key["KeyId"])
        self.kms_key_arn: str = key["Arn"]
        self.bucket = f"sagemaker-lifecycle-scripts-{self.estate.account}"
        self._session.client("s3", region_name=REGION).create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        self.estate.placeholders.update(execution_role=self.role_arn, bucket=self.bucket)

    # --- seed 000 and its NAT variant -----------------------------------------------------

    def _design_squid_proxy(self) -> None:
        self._say("demo: seed 000 squid proxy VPC 10.0.0.0/16")
        net = self._proxy_vpc("squid-proxy", "10.0.0.0/16", nat=False)
        proxy_dns = self._proxy_instance("squid-proxy", net, http_tokens="required")
        self._lifecycle("lc-squid-proxy", "lc-squid-proxy", proxy_dns=proxy_dns)
        self._notebook("nb-proxy-ok", net["private_subnet"], [net["notebook_sg"]],
                       lifecycle="lc-squid-proxy")
        # Same subnet, but SageMaker's own network gives it the internet regardless of the VPC.
        self._notebook("nb-direct-internet", net["private_subnet"], [net["notebook_sg"]],
                       direct_internet=True, root_access=True, kms=False)

    def _design_squid_proxy_nat_added(self) -> None:
        self._say("demo: seed 000 variant with a NAT gateway added, 10.1.0.0/16")
        net = self._proxy_vpc("squid-proxy-nat", "10.1.0.0/16", nat=True)
        proxy_dns = self._proxy_instance("squid-proxy-nat-vpc", net, http_tokens="optional")
        self._lifecycle("lc-squid-proxy-nat-vpc", "lc-squid-proxy", proxy_dns=proxy_dns)
        self._notebook("nb-proxy-nat-added", net["private_subnet"], [net["notebook_sg"]],
                       lifecycle="lc-squid-proxy-nat-vpc")

    def _proxy_vpc(self, name: str, cidr: str, *, nat: bool) -> dict[str, str]:
        prefix = cidr.rsplit(".", 2)[0]  # "10.0" of "10.0.0.0/16"
        vpc = self._vpc(f"{name}-vpc", cidr)
        public = self._subnet(vpc, f"{prefix}.1.0/24", f"{name}-public")
        private = self._subnet(vpc, f"{prefix}.2.0/24", f"{name}-private")
        igw = self._igw(vpc, f"{name}-igw")
        self._route_table(vpc, f"{name}-public-rt", [public], [{"DestinationCidrBlock": "0.0.0.0/0",
                                                                "GatewayId": igw}])
        private_routes: list[dict[str, str]] = []
        if nat:
            nat_id = self._nat_gateway(public, f"{name}-temporary-nat")
            private_routes.append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat_id})
        self._route_table(vpc, f"{name}-private-rt", [private], private_routes)
        notebook_sg = self._security_group(vpc, f"{name}-notebook-sg", "SageMaker notebooks")
        proxy_sg = self._security_group(vpc, f"{name}-proxy-sg", "squid proxy, 3128 from notebooks")
        self.ec2.authorize_security_group_ingress(GroupId=proxy_sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 3128, "ToPort": 3128,
            "UserIdGroupPairs": [{"GroupId": notebook_sg, "Description": "notebooks to squid"}],
        }])
        return {"vpc": vpc, "public_subnet": public, "private_subnet": private,
                "notebook_sg": notebook_sg, "proxy_sg": proxy_sg}

    def _proxy_instance(self, name: str, net: Mapping[str, str], *, http_tokens: str) -> str:
        """The squid instance of seed 000; returns the private DNS name notebooks are given."""
        reservation = self.ec2.run_instances(
            ImageId="ami-0a0e5d9c7acc336f1",
            InstanceType="t4g.nano",
            MinCount=1,
            MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": net["public_subnet"],
                                "AssociatePublicIpAddress": True, "Groups": [net["proxy_sg"]]}],
            MetadataOptions={"HttpTokens": http_tokens, "HttpEndpoint": "enabled"},
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                {"Key": "Name", "Value": name}, {"Key": "safemaker:role", "Value": "proxy"}]}],
        )
        instance = reservation["Instances"][0]
        return _regional_dns(str(instance["PrivateDnsName"]))

    # --- seed 001 and its stateless-pass variant ------------------------------------------

    def _design_studio_firewall(self) -> _FirewallStack:
        self._say("demo: seed 001 Studio + Network Firewall + NAT VPC 10.2.0.0/16")
        self.datasets = f"sagemaker-studio-datasets-{self.estate.account}"
        stack = self._firewall_stack("sagemaker-studio-vpc-firewall", "10.2", "anfw", [self.datasets])
        domain = self.sm.create_domain(
            DomainName="sagemaker-anfw-domain",
            AuthMode="IAM",
            DefaultUserSettings={"ExecutionRole": self.role_arn, "SecurityGroups": [stack.sagemaker_sg]},
            SubnetIds=[stack.sagemaker_subnet],
            VpcId=stack.vpc,
            AppNetworkAccessType="VpcOnly",
            Tags=[{"Key": "Project", "Value": "sagemaker-studio-vpc-firewall"}],
        )
        self.estate.placeholders["anfw.domain"] = str(domain["DomainArn"]).rsplit("/", 1)[1]
        self._notebook("nb-studio-vpc-firewall", stack.sagemaker_subnet, [stack.sagemaker_sg])
        return stack

    def _design_firewall_stateless_pass(self) -> None:
        self._say("demo: seed 001 layout with a stateless aws:pass policy, 10.3.0.0/16")
        stack = self._firewall_stack("sagemaker-fw-stateless-pass", "10.3", "pass")
        self._notebook("nb-firewall-stateless-pass", stack.sagemaker_subnet, [stack.sagemaker_sg])

    def _firewall_stack(self, project: str, prefix: str, key: str,
                        buckets: Sequence[str] = ()) -> _FirewallStack:
        """Seed 001's network: SageMaker subnet -> NAT -> firewall endpoint -> IGW, and back."""
        vpc = self._vpc(f"{project}-vpc", f"{prefix}.0.0/16")
        fw_subnet = self._subnet(vpc, f"{prefix}.1.0/24", f"{project}-firewall-subnet")
        nat_subnet = self._subnet(vpc, f"{prefix}.2.0/24", f"{project}-nat-subnet")
        sm_subnet = self._subnet(vpc, f"{prefix}.3.0/24", f"{project}-sagemaker-subnet")
        igw = self._igw(vpc, f"{project}-igw")
        nat = self._nat_gateway(nat_subnet, f"{project}-nat-gateway")
        # moto has no firewall endpoints; a Gateway Load Balancer endpoint (what they are in AWS)
        # gives a real vpce- id that routes can target.
        endpoint = self.ec2.create_vpc_endpoint(
            VpcId=vpc,
            VpcEndpointType="GatewayLoadBalancer",
            ServiceName=_FIREWALL_ENDPOINT_SERVICE.format(region=REGION),
            SubnetIds=[fw_subnet],
        )["VpcEndpoint"]["VpcEndpointId"]
        self._tag(endpoint, f"{project}-firewall-endpoint")
        sm_rt = self._route_table(vpc, f"{project}-sagemaker-rt", [sm_subnet],
                                  [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat}])
        self._route_table(vpc, f"{project}-nat-rt", [nat_subnet],
                          [{"DestinationCidrBlock": "0.0.0.0/0", "VpcEndpointId": endpoint}])
        self._route_table(vpc, f"{project}-firewall-rt", [fw_subnet],
                          [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}])
        edge = self._route_table(vpc, f"{project}-igw-edge-rt", [],
                                 [{"DestinationCidrBlock": f"{prefix}.2.0/24", "VpcEndpointId": endpoint}])
        self.ec2.associate_route_table(RouteTableId=edge, GatewayId=igw)
        sm_sg = self._security_group(vpc, f"{project}-sagemaker-sg", "SageMaker workloads")
        self.ec2.authorize_security_group_ingress(GroupId=sm_sg, IpPermissions=[{
            "IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sm_sg, "Description": "within SageMaker"}],
        }])
        vpce_sg = self._security_group(vpc, f"{project}-vpc-endpoint-sg", "VPC interface endpoints")
        self.ec2.authorize_security_group_ingress(GroupId=vpce_sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": f"{prefix}.0.0/16", "Description": "HTTPS from the VPC"}],
        }])
        self._s3_gateway_endpoint(vpc, sm_rt, f"{project}-s3-endpoint", [f"{project}-*", *buckets])
        self._sagemaker_interface_endpoints(vpc, sm_subnet, vpce_sg, project)
        self.estate.placeholders.update({
            f"{key}.vpc": vpc, f"{key}.firewall_subnet": fw_subnet, f"{key}.endpoint": endpoint,
            f"{key}.az": AZ, f"{key}.sagemaker_sg": sm_sg,
        })
        return _FirewallStack(vpc, fw_subnet, nat_subnet, sm_subnet, sm_sg, endpoint)

    # --- seed 003 (+ 004) ---------------------------------------------------------------------

    def _design_isolated_s3(self) -> dict[str, str]:
        self._say("demo: seed 003 isolated VPC 10.4.0.0/16 with S3 gateway and SageMaker endpoints")
        vpc = self._vpc("isolated-notebook-vpc", "10.4.0.0/16")
        private = self._subnet(vpc, "10.4.1.0/24", "isolated-notebook-private")
        rt = self._route_table(vpc, "isolated-notebook-private-rt", [private], [])
        notebook_sg = self._security_group(vpc, "isolated-notebook-sg", "isolated SageMaker notebook")
        vpce_sg = self._security_group(vpc, "isolated-vpc-endpoint-sg", "VPC interface endpoints")
        self.ec2.authorize_security_group_ingress(GroupId=vpce_sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "UserIdGroupPairs": [{"GroupId": notebook_sg, "Description": "HTTPS from the notebook"}],
        }])
        s3_endpoint = self._s3_gateway_endpoint(vpc, rt, "isolated-s3-endpoint", [self.bucket])
        api_endpoint = self._sagemaker_interface_endpoints(vpc, private, vpce_sg, "isolated")
        self._lifecycle("lc-autostop-from-s3", "lc-autostop-from-s3", bucket=self.bucket)
        self._notebook("nb-isolated-s3", private, [notebook_sg], lifecycle="lc-autostop-from-s3")
        return {"s3": s3_endpoint, "sagemaker.api": api_endpoint}

    # --- seeds 002 and 004: guardrails ---------------------------------------------------------

    def _design_guardrails(self, isolated: Mapping[str, str]) -> None:
        """Built last, so that the ids of everything before stay what DEMO_EXPECTED names."""
        self._say("demo: guardrails (seeds 002/004): IAM roles, an organization, bucket policies")
        self._session.client("organizations", region_name=REGION).create_organization(FeatureSet="ALL")
        iam = self._session.client("iam", region_name=REGION)
        people = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{self.estate.account}:root"},
            "Action": "sts:AssumeRole"}]})
        # The gap: a data scientists' role that may create anything, any way.
        iam.create_role(RoleName="ds-notebooks-open", AssumeRolePolicyDocument=people,
                        Description="Creates notebooks and jobs with no network condition")
        iam.put_role_policy(RoleName="ds-notebooks-open", PolicyName="create-notebooks", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Resource": "*",
                "Action": ["sagemaker:CreateNotebookInstance", "sagemaker:CreateTrainingJob",
                           "sagemaker:DescribeNotebookInstance"]}]}))
        # Seed 002's controls and seed 004's presigned-URL condition, as a managed policy that is
        # also the role's permissions boundary.
        guarded = iam.create_policy(PolicyName="sagemaker-guarded", PolicyDocument=json.dumps(
            _guarded_policy(isolated["sagemaker.api"])))["Policy"]["Arn"]
        iam.create_role(RoleName="ds-notebooks-guarded", AssumeRolePolicyDocument=people,
                        PermissionsBoundary=guarded, Description="Seed 002/004 guardrails")
        iam.attach_role_policy(RoleName="ds-notebooks-guarded", PolicyArn=guarded)
        iam.create_group(GroupName="analysts")
        iam.put_group_policy(GroupName="analysts", PolicyName="open-notebooks", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "sagemaker:CreatePresignedNotebookInstanceUrl", "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceVpce": isolated["sagemaker.api"]}}}]}))
        iam.create_user(UserName="analyst")
        iam.add_user_to_group(GroupName="analysts", UserName="analyst")
        # The data fence: only requests through the isolated VPC's S3 endpoint reach the scripts.
        s3 = self._session.client("s3", region_name=REGION)
        s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "OnlyThroughTheIsolatedEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{self.bucket}", f"arn:aws:s3:::{self.bucket}/*"],
            "Condition": {"StringNotEquals": {"aws:SourceVpce": isolated["s3"]}}}]}))
        # ...and the Studio datasets bucket its endpoint names has none.
        s3.create_bucket(Bucket=self.datasets, CreateBucketConfiguration={"LocationConstraint": REGION})

    # --- jobs and models --------------------------------------------------------------------

    def _jobs_and_models(self, studio: _FirewallStack) -> None:
        self._say("demo: training job without VPC, model in the seed 001 VPC")
        self.sm.create_training_job(
            TrainingJobName="train-churn-no-vpc",
            AlgorithmSpecification={"TrainingImage": _TRAINING_IMAGE, "TrainingInputMode": "File"},
            RoleArn=self.role_arn,
            OutputDataConfig={"S3OutputPath": f"s3://{self.bucket}/training-output"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 3600},
            EnableNetworkIsolation=False,
            EnableInterContainerTrafficEncryption=False,
        )
        self.sm.create_model(
            ModelName="model-churn-anfw",
            PrimaryContainer={"Image": _TRAINING_IMAGE,
                              "ModelDataUrl": f"s3://{self.bucket}/training-output/model.tar.gz"},
            ExecutionRoleArn=self.role_arn,
            VpcConfig={"SecurityGroupIds": [studio.sagemaker_sg], "Subnets": [studio.sagemaker_subnet]},
            EnableNetworkIsolation=False,
        )

    # --- building blocks --------------------------------------------------------------------

    def _tag(self, resource: str, name: str) -> None:
        self.ec2.create_tags(Resources=[resource], Tags=[{"Key": "Name", "Value": name}])

    def _vpc(self, name: str, cidr: str) -> str:
        vpc: str = self.ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        self.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
        self.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self._tag(vpc, name)
        return vpc

    def _subnet(self, vpc: str, cidr: str, name: str) -> str:
        subnet: str = self.ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=AZ)["Subnet"]["SubnetId"]
        self._tag(subnet, name)
        return subnet

    def _igw(self, vpc: str, name: str) -> str:
        igw: str = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        self._tag(igw, name)
        return igw

    def _nat_gateway(self, subnet: str, name: str) -> str:
        allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        self._tag(allocation, f"{name}-eip")
        nat = self.ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
        nat_id: str = nat["NatGatewayId"]
        self._tag(nat_id, name)
        for address in nat.get("NatGatewayAddresses", []):
            if eni := address.get("NetworkInterfaceId"):
                self.estate.eni_overrides[eni] = {
                    "InterfaceType": "nat_gateway",
                    "Description": f"Interface for NAT Gateway {nat_id}",
                    "RequesterManaged": True,
                }
        return nat_id

    def _route_table(self, vpc: str, name: str, subnets: Sequence[str],
                     routes: Sequence[Mapping[str, str]]) -> str:
        rt: str = self.ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        self._tag(rt, name)
        for route in routes:
            self.ec2.create_route(RouteTableId=rt, **route)
        for subnet in subnets:
            self.ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)
        return rt

    def _security_group(self, vpc: str, name: str, description: str) -> str:
        """A group with AWS's default egress (everything): the seeds restrict by route, not by SG."""
        sg: str = self.ec2.create_security_group(VpcId=vpc, GroupName=name, Description=description)["GroupId"]
        self._tag(sg, name)
        return sg

    def _s3_gateway_endpoint(self, vpc: str, route_table: str, name: str, buckets: Sequence[str]) -> str:
        """Seed 003's endpoint policy: read-only, and only the named buckets."""
        resources_ = [arn for b in buckets for arn in (f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*")]
        policy = {"Version": "2008-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": ["s3:Get*", "s3:List*"], "Resource": resources_,
        }]}
        endpoint = self.ec2.create_vpc_endpoint(
            VpcId=vpc, VpcEndpointType="Gateway", ServiceName=f"com.amazonaws.{REGION}.s3",
            RouteTableIds=[route_table], PolicyDocument=json.dumps(policy),
        )["VpcEndpoint"]["VpcEndpointId"]
        self._tag(endpoint, name)
        return str(endpoint)

    def _sagemaker_interface_endpoints(self, vpc: str, subnet: str, sg: str, project: str) -> str:
        """Seed 004's PrivateLink endpoints, so VPC-only notebooks can reach the SageMaker API."""
        cidr = self.ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["CidrBlock"]
        ids: list[str] = []
        for index, service in enumerate(("sagemaker.api", "sagemaker.runtime")):
            endpoint = self.ec2.create_vpc_endpoint(
                VpcId=vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.{REGION}.{service}",
                SubnetIds=[subnet], SecurityGroupIds=[sg], PrivateDnsEnabled=True,
            )["VpcEndpoint"]
            self._tag(endpoint["VpcEndpointId"], f"{project}-{service.replace('.', '-')}-endpoint")
            ids.append(str(endpoint["VpcEndpointId"]))
            for eni in endpoint.get("NetworkInterfaceIds", []):
                self.estate.eni_overrides[eni] = {
                    "InterfaceType": "vpc_endpoint",
                    "Description": f"VPC Endpoint Interface {endpoint['VpcEndpointId']}",
                    "RequesterManaged": True,
                    **_address_in(cidr, 200 + index),
                }
        return ids[0]  # the API endpoint: presigned URLs are asked for through it

    def _lifecycle(self, name: str, script: str, **values: str) -> None:
        lines = self._scripts[script]["OnStart"]
        text = _fill("\n".join(lines) + "\n", values, where=f"lifecycle_configs.json {script}")
        self.sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=name,
            OnStart=[{"Content": base64.b64encode(text.encode("utf-8")).decode("ascii")}],
        )

    def _notebook(self, name: str, subnet: str, security_groups: Sequence[str], *,
                  lifecycle: str | None = None, direct_internet: bool = False,
                  root_access: bool = False, kms: bool = True) -> None:
        """A notebook instance and the VPC ENI that SageMaker would have made for it."""
        eni = self.ec2.create_network_interface(
            SubnetId=subnet, Groups=list(security_groups),
            Description=_NOTEBOOK_ENI_DESCRIPTION.format(name=name),
        )["NetworkInterface"]["NetworkInterfaceId"]
        self.estate.notebook_enis[name] = eni
        kwargs: dict[str, Any] = {
            "NotebookInstanceName": name,
            "InstanceType": "ml.t3.medium",
            "SubnetId": subnet,
            "SecurityGroupIds": list(security_groups),
            "RoleArn": self.role_arn,
            "DirectInternetAccess": "Enabled" if direct_internet else "Disabled",
            "RootAccess": "Enabled" if root_access else "Disabled",
            "Tags": [{"Key": "Owner", "Value": "data-science"}],
        }
        if kms:
            kwargs["KmsKeyId"] = self.kms_key_arn
        if lifecycle:
            kwargs["LifecycleConfigName"] = lifecycle
        self.sm.create_notebook_instance(**kwargs)


def _guarded_policy(api_endpoint: str) -> dict[str, Any]:
    """Allow creating notebooks and jobs, and opening notebooks; deny each unless it is made
    closed (StringNotEquals / Null: a parameter left out is refused too), and presigned URLs
    only through the VPC's SageMaker API endpoint."""
    create = ["sagemaker:CreateNotebookInstance", "sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "Create", "Effect": "Allow", "Action": create, "Resource": "*"},
        {"Sid": "OpenThroughTheEndpoint", "Effect": "Allow", "Action": "sagemaker:CreatePresignedNotebookInstanceUrl",
         "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpce": api_endpoint}}},
        {"Sid": "NoDirectInternet", "Effect": "Deny", "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
         "Condition": {"StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}}},
        {"Sid": "NoRoot", "Effect": "Deny", "Action": "sagemaker:CreateNotebookInstance", "Resource": "*",
         "Condition": {"StringNotEquals": {"sagemaker:RootAccess": "Disabled"}}},
        {"Sid": "JobsInTheVpc", "Effect": "Deny", "Action": create[1:], "Resource": "*",
         "Condition": {"Null": {"sagemaker:VPCSubnets": "true"}}},
    ]}


# --------------------------------------------------------------------------------------------
# Served and completed responses


# Per-resource operations served from data: how the identifier a snapshot keys them by is made
# from the request, which may name the resource by ARN or by name.
def _fw_key(kind: str, arn_param: str, name_param: str) -> Callable[[Mapping[str, Any], Estate], str]:
    def key(params: Mapping[str, Any], estate: Estate) -> str:
        if arn := params.get(arn_param):
            return str(arn)
        return f"arn:aws:network-firewall:{estate.region}:{estate.account}:{kind}/{params.get(name_param)}"
    return key


def _rule_group_key(params: Mapping[str, Any], estate: Estate) -> str:
    kind = "stateless-rulegroup" if params.get("Type") == "STATELESS" else "stateful-rulegroup"
    return _fw_key(kind, "RuleGroupArn", "RuleGroupName")(params, estate)


_PER_RESOURCE: Final[Mapping[tuple[str, str], Callable[[Mapping[str, Any], Estate], str]]] = {
    ("network-firewall", "DescribeFirewall"): _fw_key("firewall", "FirewallArn", "FirewallName"),
    ("network-firewall", "DescribeLoggingConfiguration"): _fw_key("firewall", "FirewallArn", "FirewallName"),
    ("network-firewall", "DescribeFirewallPolicy"): _fw_key(
        "firewall-policy", "FirewallPolicyArn", "FirewallPolicyName"),
    ("network-firewall", "DescribeRuleGroup"): _rule_group_key,
    ("sagemaker", "DescribeUserProfile"): lambda p, _e: f"{p.get('DomainId')}/{p.get('UserProfileName')}",
    ("sagemaker", "DescribeSpace"): lambda p, _e: f"{p.get('DomainId')}/{p.get('SpaceName')}",
}

# List operations whose request can narrow the result: (request parameter, list member, item
# field). A list-valued parameter keeps items whose field is in it, a string one equal items.
_LIST_FILTERS: Final[Mapping[tuple[str, str], tuple[str, str, str]]] = {
    ("network-firewall", "ListFirewalls"): ("VpcIds", "Firewalls", "FirewallArn"),
    ("sagemaker", "ListUserProfiles"): ("DomainIdEquals", "UserProfiles", "DomainId"),
    ("sagemaker", "ListSpaces"): ("DomainIdEquals", "Spaces", "DomainId"),
}

_PARAMS_KEY: Final = "safemaker_demo_params"


class _Responder:
    """The botocore event handlers that make moto's answers look like the designed estate."""

    def __init__(self, estate: Estate) -> None:
        self._estate = estate
        raw = _fill(_read_text("served_responses.json"), estate.placeholders, where="served_responses.json")
        self._served: dict[str, dict[str, Any]] = {
            service: {op: value for op, value in ops.items() if not op.startswith("_")}
            for service, ops in json.loads(raw).items() if not service.startswith("_")
        }
        self._firewall_vpcs = {
            arn: resp["Firewall"]["VpcId"]
            for arn, resp in self._served.get("network-firewall", {}).get("DescribeFirewall", {}).items()
        }

    def register(self, session: Any) -> None:
        """Hook the session: every client made from it afterwards, the collector's too, applies these."""
        events = session.events
        for service, operations in self._served.items():
            service_id = _service_id(session, service)
            for operation in operations:
                events.register(f"before-parameter-build.{service_id}.{operation}", self._remember_params)
                events.register(f"before-call.{service_id}.{operation}", self._serve)
        events.register("after-call.sagemaker.DescribeNotebookInstance", self._add_notebook_eni)
        events.register("after-call.ec2.DescribeNetworkInterfaces", self._fix_network_interfaces)
        events.register("after-call.ec2.DescribeInstances", self._fix_instances)
        events.register("after-call.ec2.DescribeNatGateways", self._fix_nat_gateways)

    # before-call handlers see the serialised request only; the API parameters are kept here
    # first, in the per-call context that botocore hands to both events.
    @staticmethod
    def _remember_params(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS_KEY] = dict(params)

    def _serve(self, model: Any, context: Mapping[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        service: str = model.service_model.service_name
        operation: str = model.name
        params: Mapping[str, Any] = context.get(_PARAMS_KEY, {})
        value = self._served[service][operation]
        keyer = _PER_RESOURCE.get((service, operation))
        if keyer is not None:
            key = keyer(params, self._estate)
            if key not in value:
                return _error_response(400, "ResourceNotFoundException", f"{operation}: no resource {key}")
            value = value[key]
        else:
            value = self._filtered(service, operation, value, params)
        return _ok_response(_with_datetimes(value, model.output_shape))

    def _filtered(self, service: str, operation: str, value: Any, params: Mapping[str, Any]) -> Any:
        rule = _LIST_FILTERS.get((service, operation))
        if rule is None or not params.get(rule[0]):
            return value
        wanted, member, item_field = rule
        accepted = params[wanted]
        accepted = set(accepted) if isinstance(accepted, list) else {accepted}
        if (service, operation) == ("network-firewall", "ListFirewalls"):
            def keep(item: Mapping[str, Any]) -> bool:
                return self._firewall_vpcs.get(item.get(item_field)) in accepted
        else:
            def keep(item: Mapping[str, Any]) -> bool:
                return item.get(item_field) in accepted
        return {**value, member: [item for item in value.get(member, []) if keep(item)]}

    def _add_notebook_eni(self, parsed: dict[str, Any], **_: Any) -> None:
        eni = self._estate.notebook_enis.get(str(parsed.get("NotebookInstanceName")))
        if eni and "Error" not in parsed:
            parsed["NetworkInterfaceId"] = eni

    def _fix_network_interfaces(self, parsed: dict[str, Any], **_: Any) -> None:
        for eni in parsed.get("NetworkInterfaces", []):
            eni.update(self._estate.eni_overrides.get(eni.get("NetworkInterfaceId"), {}))
            _fix_dns_names(eni)

    @staticmethod
    def _fix_nat_gateways(parsed: dict[str, Any], **_: Any) -> None:
        for nat in parsed.get("NatGateways", []):
            nat.setdefault("ConnectivityType", "public")

    def _fix_instances(self, parsed: dict[str, Any], **_: Any) -> None:
        for reservation in parsed.get("Reservations", []):
            for instance in reservation.get("Instances", []):
                _fix_dns_names(instance)
                for eni in instance.get("NetworkInterfaces", []):
                    _fix_dns_names(eni)


def _service_id(session: Any, service: str) -> str:
    """The name botocore uses in event names, which is not always the service name."""
    return str(session.client(service, region_name=REGION).meta.service_model.service_id.hyphenize())


def _ok_response(body: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    return _response(200, dict(body))


def _error_response(status: int, code: str, message: str) -> tuple[Any, dict[str, Any]]:
    return _response(status, {"Error": {"Code": code, "Message": message}})


def _response(status: int, parsed: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The (http response, parsed body) pair a before-call handler answers a call with."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    parsed["ResponseMetadata"] = {
        "RequestId": "safemaker-demo", "HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 0,
    }
    return AWSResponse("https://safemaker-demo.invalid/", status, HTTPHeaders(), None), parsed


def _with_datetimes(value: Any, shape: Any) -> Any:
    """Data-file JSON as botocore would have parsed it: timestamps become datetimes.

    Unknown members raise: a typo in a data file must fail the demo's tests, not make a field
    silently absent from the snapshot (absent means unknown to the checks).
    """
    from botocore.utils import parse_timestamp

    kind = shape.type_name if shape is not None else None
    if kind == "structure" and isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for name, member in value.items():
            if name not in shape.members:
                raise ValueError(f"demo data: {shape.name} has no member {name!r}")
            out[name] = _with_datetimes(member, shape.members[name])
        return out
    if kind == "list" and isinstance(value, list):
        return [_with_datetimes(item, shape.member) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        return {k: _with_datetimes(v, shape.value) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, str):
        return parse_timestamp(value)
    return value


_DNS_SUFFIX: Final = ".ec2.internal"


def _regional_dns(name: str, region: str = REGION) -> str:
    if region != "us-east-1" and name.endswith(_DNS_SUFFIX):
        return name[: -len(_DNS_SUFFIX)] + f".{region}.compute.internal"
    return name


def _fix_dns_names(item: dict[str, Any]) -> None:
    if isinstance(item.get("PrivateDnsName"), str):
        item["PrivateDnsName"] = _regional_dns(item["PrivateDnsName"])
    for address in item.get("PrivateIpAddresses", []):
        if isinstance(address.get("PrivateDnsName"), str):
            address["PrivateDnsName"] = _regional_dns(address["PrivateDnsName"])


# --------------------------------------------------------------------------------------------
# Data files


def _read_text(name: str) -> str:
    return resources.files(_DATA_PACKAGE).joinpath("demo_data", name).read_text("utf-8")


def _load_json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_read_text(name))
    return loaded


def _fill(text: str, values: Mapping[str, str], *, where: str) -> str:
    """Replace {{name}} placeholders; one left unfilled is a bug in the demo, not a blank."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"demo data {where}: no value for placeholder {{{{{name}}}}}")
        return values[name]
    return _PLACEHOLDER.sub(value, text)
