"""A small fluent builder of `safemaker.snapshot/v1` documents for tests.

Every response it writes has botocore's output shape (the field names boto3 returns), so the
documents pass `validate_snapshot` and read like real collections. Defaults make the common case
short; every AWS object is a Python object whose `.id` is what routes and assertions use:

    e = Estate()
    v = e.vpc("10.0.0.0/16")
    pub = v.subnet("10.0.1.0/24")
    pub.route_table().route("0.0.0.0/0", v.igw())
    nat = pub.nat_gateway()
    priv = v.subnet("10.0.2.0/24")
    priv.route_table().route("0.0.0.0/0", nat)
    nb = priv.notebook("nb-x", sg=v.sg(egress_all=True))
    doc = e.build()

What is deliberately simple: one account and one region per estate; identifiers are sequential
(`subnet-00000000000000003`), so documents are byte-for-byte reproducible.
"""

from __future__ import annotations

import base64
import ipaddress
import itertools
import json
from typing import Any, Literal

ACCOUNT = "111122223333"
REGION = "eu-west-1"
WHEN = "2026-11-01T09:00:00+00:00"
SCHEMA = "safemaker.snapshot/v1"

Json = dict[str, Any]

# Every operation docs/snapshot-format.md lists as collected at minimum; missing ones are written empty.
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

# The list key of each list-style operation (per-resource operations are objects keyed by id).
_LIST_KEYS = {
    "ListDomains": "Domains", "ListUserProfiles": "UserProfiles", "ListSpaces": "Spaces",
    "ListTrainingJobs": "TrainingJobSummaries", "ListProcessingJobs": "ProcessingJobSummaries",
    "ListModels": "Models",
}

# Which route member names a target, by identifier prefix (for targets given as plain strings).
_TARGET_FIELD_BY_PREFIX = {
    "igw-": "GatewayId", "vgw-": "GatewayId", "vpce-": "GatewayId", "local": "GatewayId",
    "eigw-": "EgressOnlyInternetGatewayId", "nat-": "NatGatewayId", "tgw-": "TransitGatewayId",
    "pcx-": "VpcPeeringConnectionId", "eni-": "NetworkInterfaceId", "i-": "InstanceId", "lgw-": "LocalGatewayId",
    "cagw-": "CarrierGatewayId",
}


def _tags(name: str | None) -> list[Json]:
    return [{"Key": "Name", "Value": name}] if name else []


class Estate:
    """One account and region of AWS resources; `build()` writes the snapshot document."""

    def __init__(self, account: str = ACCOUNT, region: str = REGION) -> None:
        self.account = account
        self.region = region
        self._ids = itertools.count(1)
        self.vpcs: list[Vpc] = []
        self.subnets: list[Subnet] = []
        self.route_tables: list[RouteTable] = []
        self.igws: list[InternetGateway] = []
        self.eigws: list[EgressOnlyInternetGateway] = []
        self.nat_gateways: list[NatGateway] = []
        self.vpc_endpoints: list[VpcEndpoint] = []
        self.security_groups: list[SecurityGroup] = []
        self.nacls: list[NetworkAcl] = []
        self.enis: list[NetworkInterface] = []
        self.instances: list[Instance] = []
        self.peerings: list[Peering] = []
        self.vgws: list[VpnGateway] = []
        self.tgws: list[TransitGateway] = []
        self.prefix_lists: list[PrefixList] = []
        self.firewalls: list[Firewall] = []
        self.policies: list[FirewallPolicy] = []
        self.rule_groups: list[RuleGroup] = []
        self.notebooks: list[Notebook] = []
        self.bpa_mode: str | None = None
        self.bpa_exclusions: list[Json] = []
        self._omitted: list[tuple[str, str]] = []
        self._listed: dict[tuple[str, str, str], list[Json]] = {}
        self._detailed: dict[tuple[str, str], dict[str, Json]] = {}
        self._errors: list[Json] = []

    # --- identifiers -------------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        """`<prefix>-` and 17 hex digits, like AWS; sequential so documents are reproducible."""
        return f"{prefix}-{next(self._ids):017x}"

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    # --- top-level resources -----------------------------------------------------------------
    def vpc(self, cidr: str = "10.0.0.0/16", *, ipv6: str | None = None, default: bool = False,
            name: str | None = None) -> Vpc:
        vpc = Vpc(self, cidr, ipv6, default, name)
        self.vpcs.append(vpc)
        return vpc

    def prefix_list(self, cidrs: list[str], *, name: str = "corp-ranges", entries_collected: bool = True) -> PrefixList:
        """A customer-managed prefix list (DescribeManagedPrefixLists + GetManagedPrefixListEntries)."""
        pl = PrefixList(self, name, cidrs, aws_managed=False, entries_collected=entries_collected)
        self.prefix_lists.append(pl)
        return pl

    def aws_prefix_list(self, service: str = "s3", cidrs: list[str] | None = None) -> PrefixList:
        """An AWS-managed prefix list of a gateway endpoint service; its CIDRs come from DescribePrefixLists."""
        name = f"com.amazonaws.{self.region}.{service}"
        for pl in self.prefix_lists:
            if pl.name == name:
                return pl
        default = ["52.218.0.0/17", "3.5.64.0/21"] if service == "s3" else ["52.94.24.0/23"]
        pl = PrefixList(self, name, cidrs or default, aws_managed=True, entries_collected=False)
        self.prefix_lists.append(pl)
        return pl

    def peering(self, requester: Vpc, accepter: Vpc, *, status: str = "active") -> Peering:
        pcx = Peering(self, requester, accepter, status)
        self.peerings.append(pcx)
        return pcx

    def tgw(self, name: str | None = None, *, owner: str | None = None) -> TransitGateway:
        """A transit gateway; with another `owner` account it is shared with this one (RAM), and
        like AWS the snapshot then shows neither its route tables nor its attachments' associations."""
        tgw = TransitGateway(self, name, owner or self.account)
        self.tgws.append(tgw)
        return tgw

    def stateless_rule_group(self, name: str = "stateless") -> RuleGroup:
        group = RuleGroup(self, name, "STATELESS")
        self.rule_groups.append(group)
        return group

    def domain_allowlist(self, domains: list[str], name: str = "allowed-domains", *,
                         home_net: list[str] | None = None, strict: bool = False) -> RuleGroup:
        """A domain ALLOWLIST (rule 17); `home_net` sets the group's HOME_NET IP set (rule 18) and
        `strict` its StatefulRuleOptions to STRICT_ORDER (for policies in strict order)."""
        group = RuleGroup(self, name, "STATEFUL", domains=domains)
        group.home_net = home_net
        group.rule_order = "STRICT_ORDER" if strict else "DEFAULT_ACTION_ORDER"
        self.rule_groups.append(group)
        return group

    def suricata_rule_group(self, name: str, rules: str, *, home_net: list[str] | None = None,
                            strict: bool = False) -> RuleGroup:
        """A stateful rule group of Suricata rules (RulesString)."""
        group = RuleGroup(self, name, "STATEFUL")
        group.rules_string = rules
        group.home_net = home_net
        group.rule_order = "STRICT_ORDER" if strict else "DEFAULT_ACTION_ORDER"
        self.rule_groups.append(group)
        return group

    def firewall_policy(self, name: str = "policy", *, stateless_default: str = "aws:forward_to_sfe",
                        fragment_default: str | None = None, stateless: list[RuleGroup] | None = None,
                        stateful: list[RuleGroup] | None = None,
                        stateful_default: list[str] | None = None,
                        home_net: list[str] | None = None) -> FirewallPolicy:
        """`home_net`: the policy's PolicyVariables.RuleVariables.HOME_NET (rule 18)."""
        policy = FirewallPolicy(self, name, stateless_default, fragment_default or stateless_default,
                                stateless or [], stateful or [], stateful_default)
        policy.home_net = home_net
        self.policies.append(policy)
        return policy

    def notebook(self, name: str, *, direct_internet: bool = True, root_access: bool = True) -> Notebook:
        """A notebook instance with no VPC (SageMaker's own network only)."""
        nb = Notebook(self, name, None, [], direct_internet, root_access, None, None)
        self.notebooks.append(nb)
        return nb

    # --- SageMaker workloads known by placement (Studio, jobs, models) -----------------------
    def _add(self, service: str, list_op: str, key: str, summary: Json, detail_op: str, ident: str,
             detail: Json) -> None:
        self._listed.setdefault((service, list_op, key), []).append(summary)
        self._detailed.setdefault((service, detail_op), {})[ident] = detail

    def domain(self, domain_id: str, *, mode: str = "VpcOnly", subnets: list[Subnet] | None = None,
               sgs: list[SecurityGroup] | None = None, profiles: dict[str, list[SecurityGroup]] | None = None) -> str:
        """A Studio domain (rule 26) with user profiles, each adding its own security groups."""
        arn = self.arn("sagemaker", f"domain/{domain_id}")
        summary = {"DomainArn": arn, "DomainId": domain_id, "DomainName": domain_id, "Status": "InService",
                   "CreationTime": WHEN, "LastModifiedTime": WHEN, "Url": f"https://{domain_id}.studio.example"}
        detail: Json = {**summary, "AuthMode": "IAM", "AppNetworkAccessType": mode,
                        "DefaultUserSettings": {"ExecutionRole": f"arn:aws:iam::{self.account}:role/studio",
                                                "SecurityGroups": [g.id for g in sgs or []]},
                        "SubnetIds": [s.id for s in subnets or []]}
        if subnets:
            detail["VpcId"] = subnets[0].vpc.id
        self._add("sagemaker", "ListDomains", "Domains", summary, "DescribeDomain", domain_id, detail)
        for name, groups in (profiles or {}).items():
            p_summary = {"DomainId": domain_id, "UserProfileName": name, "Status": "InService",
                         "CreationTime": WHEN, "LastModifiedTime": WHEN}
            p_detail = {**p_summary, "UserProfileArn": self.arn("sagemaker", f"user-profile/{domain_id}/{name}"),
                        "UserSettings": {"SecurityGroups": [g.id for g in groups]}}
            self._add("sagemaker", "ListUserProfiles", "UserProfiles", p_summary, "DescribeUserProfile",
                      f"{domain_id}/{name}", p_detail)
        return domain_id

    def training_job(self, name: str, *, isolated: bool = False, encrypted: bool = True,
                     subnets: list[Subnet] | None = None, sgs: list[SecurityGroup] | None = None) -> str:
        """A training job (rule 27): SageMaker's network unless isolated or given a VpcConfig."""
        arn = self.arn("sagemaker", f"training-job/{name}")
        summary = {"TrainingJobName": name, "TrainingJobArn": arn, "CreationTime": WHEN,
                   "TrainingJobStatus": "Completed"}
        detail: Json = {**summary, "ModelArtifacts": {"S3ModelArtifacts": f"s3://models/{name}"},
                        "SecondaryStatus": "Completed", "AlgorithmSpecification": {"TrainingInputMode": "File"},
                        "RoleArn": f"arn:aws:iam::{self.account}:role/train",
                        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
                        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
                        "EnableNetworkIsolation": isolated, "EnableInterContainerTrafficEncryption": encrypted}
        if subnets:
            detail["VpcConfig"] = {"SecurityGroupIds": [g.id for g in sgs or []], "Subnets": [s.id for s in subnets]}
        self._add("sagemaker", "ListTrainingJobs", "TrainingJobSummaries", summary, "DescribeTrainingJob", name,
                  detail)
        return name

    def model(self, name: str, *, isolated: bool = False, subnets: list[Subnet] | None = None,
              sgs: list[SecurityGroup] | None = None) -> str:
        arn = self.arn("sagemaker", f"model/{name}")
        summary = {"ModelName": name, "ModelArn": arn, "CreationTime": WHEN}
        detail: Json = {**summary, "ExecutionRoleArn": f"arn:aws:iam::{self.account}:role/model",
                        "EnableNetworkIsolation": isolated}
        if subnets:
            detail["VpcConfig"] = {"SecurityGroupIds": [g.id for g in sgs or []], "Subnets": [s.id for s in subnets]}
        self._add("sagemaker", "ListModels", "Models", summary, "DescribeModel", name, detail)
        return name

    # --- VPC Block Public Access -------------------------------------------------------------
    def block_public_access(self, mode: Literal["off", "block-bidirectional", "block-ingress"]) -> Estate:
        self.bpa_mode = mode
        return self

    def bpa_exclusion(self, resource: Subnet | Vpc, mode: str = "allow-bidirectional",
                      state: str = "create-complete") -> Estate:
        kind = "subnet" if isinstance(resource, Subnet) else "vpc"
        self.bpa_exclusions.append({
            "ExclusionId": self.new_id("vpcbpa-exclude"), "InternetGatewayExclusionMode": mode,
            "ResourceArn": self.arn("ec2", f"{kind}/{resource.id}"), "State": state,
            "CreationTimestamp": WHEN, "LastUpdateTimestamp": WHEN, "Tags": [],
        })
        return self

    # --- gaps on purpose ---------------------------------------------------------------------
    def omit(self, service: str, operation: str, error_code: str | None = None) -> Estate:
        """Leave an operation out of the snapshot (unknown); with `error_code`, record the failure too."""
        self._omitted.append((service, operation))
        if error_code:
            self._errors.append({"account": self.account, "region": self.region, "service": service,
                                 "operation": operation, "resource": None, "error_code": error_code,
                                 "message": f"User is not authorized to perform: {service}:{operation}"})
        return self

    # --- output ------------------------------------------------------------------------------
    def build(self) -> Json:
        services: dict[str, Json] = {"ec2": self._ec2(), "network-firewall": self._nfw(), "sagemaker": self._sm()}
        for service, operations in MINIMUM_OPERATIONS.items():
            for op in operations:
                if op not in services[service]:
                    key = _LIST_KEYS.get(op)
                    services[service][op] = {key: []} if key else {}
        for (service, op, key), items in sorted(self._listed.items()):
            services[service].setdefault(op, {key: []})[key].extend(items)
        for (service, op), entries in sorted(self._detailed.items()):
            services[service].setdefault(op, {}).update(entries)
        for service, op in self._omitted:
            services[service].pop(op, None)
        return {
            "schema": SCHEMA,
            "created": "2026-11-23T10:00:00Z",
            "tool_version": "0.1.0",
            "accounts": {self.account: {self.region: services}},
            "errors": list(self._errors),
        }

    def _ec2(self) -> Json:
        own_tgws = [t for t in self.tgws if t.owner == self.account]
        tgw_routes = {rt.id: {"Routes": list(rt.routes), "AdditionalRoutesAvailable": False}
                      for tgw in own_tgws for rt in tgw.route_tables}
        out: Json = {
            "DescribeVpcs": {"Vpcs": [v.describe() for v in self.vpcs]},
            "DescribeSubnets": {"Subnets": [s.describe() for s in self.subnets]},
            "DescribeRouteTables": {"RouteTables": [r.describe() for r in self.route_tables]},
            "DescribeInternetGateways": {"InternetGateways": [g.describe() for g in self.igws]},
            "DescribeEgressOnlyInternetGateways": {"EgressOnlyInternetGateways": [g.describe() for g in self.eigws]},
            "DescribeNatGateways": {"NatGateways": [n.describe() for n in self.nat_gateways]},
            "DescribeVpcEndpoints": {"VpcEndpoints": [e.describe() for e in self.vpc_endpoints]},
            "DescribeSecurityGroups": {"SecurityGroups": [g.describe() for g in self.security_groups]},
            "DescribeNetworkAcls": {"NetworkAcls": [a.describe() for a in self.nacls]},
            "DescribeNetworkInterfaces": {"NetworkInterfaces": [n.describe() for n in self.enis if n.listed]},
            "DescribeInstances": {"Reservations": [i.reservation() for i in self.instances]},
            "DescribeVpcPeeringConnections": {"VpcPeeringConnections": [p.describe() for p in self.peerings]},
            "DescribeTransitGateways": {"TransitGateways": [t.describe() for t in self.tgws]},
            "DescribeTransitGatewayAttachments": {
                "TransitGatewayAttachments": [a.describe() for t in self.tgws for a in t.attachments]},
            "DescribeTransitGatewayVpcAttachments": {
                "TransitGatewayVpcAttachments": [a.describe_vpc() for t in self.tgws for a in t.attachments]},
            "DescribeTransitGatewayRouteTables": {
                "TransitGatewayRouteTables": [rt.describe() for t in own_tgws for rt in t.route_tables]},
            "SearchTransitGatewayRoutes": tgw_routes,
            "DescribeManagedPrefixLists": {"PrefixLists": [p.describe_managed() for p in self.prefix_lists]},
            "GetManagedPrefixListEntries": {p.id: {"Entries": [{"Cidr": c} for c in p.cidrs]}
                                            for p in self.prefix_lists if p.entries_collected},
            "DescribePrefixLists": {"PrefixLists": [{"PrefixListId": p.id, "PrefixListName": p.name,
                                                     "Cidrs": list(p.cidrs)}
                                                    for p in self.prefix_lists if p.aws_managed]},
        }
        if self.vgws:
            out["DescribeVpnGateways"] = {"VpnGateways": [g.describe() for g in self.vgws]}
        if self.bpa_mode is not None:
            out["DescribeVpcBlockPublicAccessOptions"] = {"VpcBlockPublicAccessOptions": {
                "AwsAccountId": self.account, "AwsRegion": self.region,
                "State": "default-state" if self.bpa_mode == "off" else "update-complete",
                "InternetGatewayBlockMode": self.bpa_mode, "LastUpdateTimestamp": WHEN,
                "ManagedBy": "account", "ExclusionsAllowed": "allowed"}}
            exclusions = list(self.bpa_exclusions)
            out["DescribeVpcBlockPublicAccessExclusions"] = {"VpcBlockPublicAccessExclusions": exclusions}
        return out

    def _nfw(self) -> Json:
        return {
            "ListFirewalls": {"Firewalls": [{"FirewallName": f.name, "FirewallArn": f.arn} for f in self.firewalls]},
            "DescribeFirewall": {f.arn: f.describe() for f in self.firewalls},
            "DescribeFirewallPolicy": {p.arn: p.describe() for p in self.policies},
            "DescribeRuleGroup": {g.arn: g.describe() for g in self.rule_groups},
            "DescribeLoggingConfiguration": {f.arn: f.describe_logging() for f in self.firewalls},
        }

    def _sm(self) -> Json:
        configs = {nb.lifecycle_name: nb.describe_lifecycle() for nb in self.notebooks if nb.lifecycle_name}
        return {
            "ListNotebookInstances": {"NotebookInstances": [nb.summary() for nb in self.notebooks]},
            "DescribeNotebookInstance": {nb.name: nb.describe() for nb in self.notebooks},
            "DescribeNotebookInstanceLifecycleConfig": configs,
        }


# --- VPC structure ------------------------------------------------------------------------------
class Vpc:
    def __init__(self, estate: Estate, cidr: str, ipv6: str | None, default: bool, name: str | None) -> None:
        self.estate = estate
        self.id = estate.new_id("vpc")
        self.cidr = cidr
        self.ipv6 = ipv6
        self.default = default
        self.name = name
        self.cidr_assoc = estate.new_id("vpc-cidr-assoc")
        self.ipv6_assoc = estate.new_id("vpc-cidr-assoc") if ipv6 else None
        self.main_route_table = RouteTable(self, main=True)
        self.default_nacl = NetworkAcl(self, default=True)
        self.default_sg = SecurityGroup(self, "default", egress_all=True, default=True)
        estate.route_tables.append(self.main_route_table)
        estate.nacls.append(self.default_nacl)
        estate.security_groups.append(self.default_sg)

    def subnet(self, cidr: str, az: str | None = None, *, ipv6: str | None = None, public_ip_on_launch: bool = False,
               name: str | None = None) -> Subnet:
        subnet = Subnet(self, cidr, az or f"{self.estate.region}a", ipv6, public_ip_on_launch, name)
        self.estate.subnets.append(subnet)
        return subnet

    def route_table(self, name: str | None = None) -> RouteTable:
        """A new route table of this VPC with its local routes, associated with nothing yet."""
        rt = RouteTable(self, name=name)
        self.estate.route_tables.append(rt)
        return rt

    def igw(self, *, attached: bool = True) -> InternetGateway:
        igw = InternetGateway(self, attached)
        self.estate.igws.append(igw)
        return igw

    def eigw(self) -> EgressOnlyInternetGateway:
        eigw = EgressOnlyInternetGateway(self)
        self.estate.eigws.append(eigw)
        return eigw

    def vgw(self) -> VpnGateway:
        vgw = VpnGateway(self)
        self.estate.vgws.append(vgw)
        return vgw

    def sg(self, name: str | None = None, *, egress_all: bool = False) -> SecurityGroup:
        """A security group; `egress_all` gives the AWS default egress (all traffic to 0.0.0.0/0 and ::/0)."""
        group = SecurityGroup(self, name or f"group-{len(self.estate.security_groups)}", egress_all=egress_all)
        self.estate.security_groups.append(group)
        return group

    def nacl(self) -> NetworkAcl:
        """A custom network ACL: like AWS, it starts with only the `*` deny rules."""
        acl = NetworkAcl(self, default=False)
        self.estate.nacls.append(acl)
        return acl

    def gateway_endpoint(self, service: str = "s3", *, route_tables: list[RouteTable] | None = None,
                         policy: Json | None = None) -> VpcEndpoint:
        """An S3/DynamoDB gateway endpoint; adds the prefix-list route to each route table, as AWS does."""
        pl = self.estate.aws_prefix_list(service)
        ep = VpcEndpoint(self, "Gateway", f"com.amazonaws.{self.estate.region}.{service}", policy=policy)
        for rt in route_tables or []:
            rt.route(pl, ep)
            ep.route_tables.append(rt)
        self.estate.vpc_endpoints.append(ep)
        return ep

    def interface_endpoint(self, service: str, subnets: list[Subnet], *, sgs: list[SecurityGroup] | None = None,
                           private_dns: bool = True) -> VpcEndpoint:
        """An interface endpoint with one ENI per subnet; by default its group admits the VPC on
        tcp/443, as the PrivateLink design does (rule 28)."""
        ep = VpcEndpoint(self, "Interface", f"com.amazonaws.{self.estate.region}.{service}", subnets=subnets)
        ep.sgs = sgs if sgs is not None else [self.sg(f"endpoint-{service}").ingress(self.cidr, proto="tcp",
                                                                                     ports=443)]
        ep.private_dns = private_dns
        ep.enis = [s.eni(ep.sgs, description=f"VPC Endpoint Interface {ep.id}", interface_type="vpc_endpoint",
                         requester_managed=True) for s in subnets]
        self.estate.vpc_endpoints.append(ep)
        return ep

    def gwlb_endpoint(self, subnet: Subnet) -> VpcEndpoint:
        """A Gateway Load Balancer endpoint of a third-party appliance (not a Network Firewall endpoint)."""
        ep = VpcEndpoint(self, "GatewayLoadBalancer", f"com.amazonaws.vpce.{self.estate.region}.vpce-svc-0abc",
                         subnets=[subnet])
        self.estate.vpc_endpoints.append(ep)
        return ep

    def firewall(self, subnets: list[Subnet], policy: FirewallPolicy, name: str = "fw") -> Firewall:
        fw = Firewall(self, name, subnets, policy)
        self.estate.firewalls.append(fw)
        return fw

    def describe(self) -> Json:
        out: Json = {
            "CidrBlock": self.cidr,
            "CidrBlockAssociationSet": [{"AssociationId": self.cidr_assoc, "CidrBlock": self.cidr,
                                         "CidrBlockState": {"State": "associated"}}],
            "DhcpOptionsId": "dopt-00000000000000001", "InstanceTenancy": "default", "IsDefault": self.default,
            "OwnerId": self.estate.account, "State": "available", "Tags": _tags(self.name), "VpcId": self.id,
        }
        if self.ipv6:
            out["Ipv6CidrBlockAssociationSet"] = [{
                "AssociationId": self.ipv6_assoc, "Ipv6CidrBlock": self.ipv6,
                "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": self.estate.region,
                "Ipv6Pool": "Amazon"}]
        return out

    def local_cidrs(self) -> list[str]:
        return [self.cidr] + ([self.ipv6] if self.ipv6 else [])


class Subnet:
    def __init__(self, vpc: Vpc, cidr: str, az: str, ipv6: str | None, public_ip_on_launch: bool,
                 name: str | None) -> None:
        self.vpc = vpc
        self.estate = vpc.estate
        self.id = self.estate.new_id("subnet")
        self.cidr = cidr
        self.az = az
        self.ipv6 = ipv6
        self.public_ip_on_launch = public_ip_on_launch
        self.name = name
        self.explicit_route_table: RouteTable | None = None
        self.acl: NetworkAcl = vpc.default_nacl
        self.acl_assoc = self.estate.new_id("aclassoc")
        self.ipv6_assoc = self.estate.new_id("subnet-cidr-assoc") if ipv6 else None
        self._hosts = itertools.count(10)
        self._hosts6 = itertools.count(0x10)

    def next_ip(self) -> str:
        return str(ipaddress.ip_network(self.cidr).network_address + next(self._hosts))

    def next_ipv6(self) -> str:
        if not self.ipv6:
            raise ValueError(f"subnet {self.cidr} has no IPv6 CIDR")
        return str(ipaddress.ip_network(self.ipv6).network_address + next(self._hosts6))

    def route_table(self, name: str | None = None) -> RouteTable:
        """This subnet's own route table, created and associated on first use."""
        if self.explicit_route_table is None:
            self.associate(self.vpc.route_table(name))
        assert self.explicit_route_table is not None
        return self.explicit_route_table

    def associate(self, rt: RouteTable) -> Subnet:
        self.disassociate()
        self.explicit_route_table = rt
        rt.subnets.append((self, self.estate.new_id("rtbassoc")))
        return self

    def disassociate(self) -> Subnet:
        """Drop the explicit association: the subnet falls back to the VPC's main route table."""
        if self.explicit_route_table is not None:
            self.explicit_route_table.subnets = [a for a in self.explicit_route_table.subnets if a[0] is not self]
        self.explicit_route_table = None
        return self

    def use_nacl(self, acl: NetworkAcl) -> Subnet:
        self.acl = acl
        return self

    def nat_gateway(self, *, private: bool = False, state: str = "available") -> NatGateway:
        nat = NatGateway(self, private, state)
        self.estate.nat_gateways.append(nat)
        return nat

    def eni(self, sgs: list[SecurityGroup] | None = None, *, public_ip: str | None = None, ipv6: bool = False,
            source_dest_check: bool = True, description: str = "", interface_type: str = "interface",
            requester_managed: bool = False) -> NetworkInterface:
        eni = NetworkInterface(self, sgs or [], public_ip, ipv6, source_dest_check, description, interface_type,
                               requester_managed)
        self.estate.enis.append(eni)
        return eni

    def instance(self, sg: SecurityGroup | list[SecurityGroup] | None = None, *, public_ip: str | None = None,
                 source_dest_check: bool = True, tags: dict[str, str] | None = None,
                 name: str | None = None) -> Instance:
        sgs = sg if isinstance(sg, list) else [sg] if sg else [self.vpc.default_sg]
        inst = Instance(self, sgs, public_ip, source_dest_check, tags or {}, name)
        self.estate.instances.append(inst)
        return inst

    def notebook(self, name: str, sg: SecurityGroup | list[SecurityGroup] | None = None, *,
                 direct_internet: bool = False, public_ip: str | None = None, ipv6: bool = False,
                 eni_listed: bool = True, root_access: bool = True, lifecycle: str | None = None) -> Notebook:
        """A notebook instance in this subnet with its SageMaker-managed ENI (as AWS creates it)."""
        sgs = sg if isinstance(sg, list) else [sg] if sg else [self.vpc.default_sg]
        eni = self.eni(sgs, public_ip=public_ip, ipv6=ipv6, requester_managed=True,
                       description="[Do not delete] Network Interface created to access resources in your VPC "
                                   f"for SageMaker Notebook Instance {name}")
        eni.listed = eni_listed
        nb = Notebook(self.estate, name, self, sgs, direct_internet, root_access, eni, lifecycle)
        self.estate.notebooks.append(nb)
        return nb

    def describe(self) -> Json:
        return {
            "AvailabilityZone": self.az, "AvailabilityZoneId": f"euw1-az{ord(self.az[-1]) - ord('a') + 1}",
            "AvailableIpAddressCount": 250, "CidrBlock": self.cidr, "DefaultForAz": self.vpc.default,
            "MapPublicIpOnLaunch": self.public_ip_on_launch, "State": "available", "SubnetId": self.id,
            "VpcId": self.vpc.id, "OwnerId": self.estate.account, "AssignIpv6AddressOnCreation": bool(self.ipv6),
            "Ipv6CidrBlockAssociationSet": ([{"AssociationId": self.ipv6_assoc,
                                              "Ipv6CidrBlock": self.ipv6,
                                              "Ipv6CidrBlockState": {"State": "associated"}}]
                                            if self.ipv6 else []),
            "Tags": _tags(self.name),
            "SubnetArn": self.estate.arn("ec2", f"subnet/{self.id}"),
        }


class RouteTable:
    def __init__(self, vpc: Vpc, *, main: bool = False, name: str | None = None) -> None:
        self.vpc = vpc
        self.estate = vpc.estate
        self.id = self.estate.new_id("rtb")
        self.main = main
        self.name = name
        self.main_assoc = self.estate.new_id("rtbassoc") if main else None
        self.subnets: list[tuple[Subnet, str]] = []  # (subnet, association id)
        self.edge_gateways: list[tuple[InternetGateway | VpnGateway, str]] = []
        self.routes: list[Json] = [{"DestinationCidrBlock": vpc.cidr, "GatewayId": "local",
                                    "Origin": "CreateRouteTable", "State": "active"}]
        if vpc.ipv6:
            self.routes.append({"DestinationIpv6CidrBlock": vpc.ipv6, "GatewayId": "local",
                                "Origin": "CreateRouteTable", "State": "active"})

    def route(self, dest: str | PrefixList, target: Any, *, state: str = "active",
              origin: str = "CreateRoute") -> RouteTable:
        """Add a route; `dest` is an IPv4/IPv6 CIDR or a prefix list, `target` any builder object or id."""
        route: Json = {}
        if isinstance(dest, PrefixList):
            route["DestinationPrefixListId"] = dest.id
        elif dest.startswith("pl-"):
            route["DestinationPrefixListId"] = dest
        elif ":" in dest:
            route["DestinationIpv6CidrBlock"] = dest
        else:
            route["DestinationCidrBlock"] = dest
        route.update(_target_fields(target))
        route["Origin"] = origin
        route["State"] = state
        self.routes.append(route)
        return self

    def remove(self, dest: str | PrefixList) -> RouteTable:
        """Delete the route(s) for `dest` (a CIDR or a prefix list)."""
        name = dest.id if isinstance(dest, PrefixList) else dest
        keys = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
        self.routes = [r for r in self.routes if name not in (r.get(k) for k in keys)]
        return self

    def blackhole(self, dest: str | PrefixList, target: Any) -> RouteTable:
        """A route whose target is gone (AWS keeps it, `State: blackhole`)."""
        return self.route(dest, target, state="blackhole")

    def edge(self, gateway: InternetGateway | VpnGateway) -> RouteTable:
        """Associate with a gateway (an edge route table, for ingress routing)."""
        self.edge_gateways.append((gateway, self.estate.new_id("rtbassoc")))
        return self

    def describe(self) -> Json:
        assoc = []
        if self.main:
            assoc.append({"Main": True, "RouteTableAssociationId": self.main_assoc,
                          "RouteTableId": self.id, "AssociationState": {"State": "associated"}})
        for subnet, assoc_id in self.subnets:
            assoc.append({"Main": False, "RouteTableAssociationId": assoc_id,
                          "RouteTableId": self.id, "SubnetId": subnet.id, "AssociationState": {"State": "associated"}})
        for gateway, assoc_id in self.edge_gateways:
            assoc.append({"Main": False, "RouteTableAssociationId": assoc_id, "RouteTableId": self.id,
                          "GatewayId": gateway.id, "AssociationState": {"State": "associated"}})
        return {"Associations": assoc, "PropagatingVgws": [], "RouteTableId": self.id, "Routes": list(self.routes),
                "Tags": _tags(self.name), "VpcId": self.vpc.id, "OwnerId": self.estate.account}


def _target_fields(target: Any) -> Json:
    if isinstance(target, Instance):
        return {"InstanceId": target.id, "InstanceOwnerId": target.estate.account,
                "NetworkInterfaceId": target.eni.id}
    if hasattr(target, "route_field"):
        return {target.route_field: target.id}
    if isinstance(target, str):
        for prefix, name in _TARGET_FIELD_BY_PREFIX.items():
            if target.startswith(prefix):
                return {name: target}
        raise ValueError(f"cannot tell which route member names target {target!r}")
    raise TypeError(f"{target!r} cannot be a route target")


# --- gateways -----------------------------------------------------------------------------------
class InternetGateway:
    route_field = "GatewayId"

    def __init__(self, vpc: Vpc, attached: bool) -> None:
        self.vpc = vpc
        self.id = vpc.estate.new_id("igw")
        self.attached = attached

    def describe(self) -> Json:
        atts = [{"State": "available", "VpcId": self.vpc.id}] if self.attached else []
        return {"Attachments": atts, "InternetGatewayId": self.id, "OwnerId": self.vpc.estate.account, "Tags": []}


class EgressOnlyInternetGateway:
    route_field = "EgressOnlyInternetGatewayId"

    def __init__(self, vpc: Vpc) -> None:
        self.vpc = vpc
        self.id = vpc.estate.new_id("eigw")

    def describe(self) -> Json:
        return {"Attachments": [{"State": "attached", "VpcId": self.vpc.id}], "EgressOnlyInternetGatewayId": self.id,
                "Tags": []}


class VpnGateway:
    route_field = "GatewayId"

    def __init__(self, vpc: Vpc) -> None:
        self.vpc = vpc
        self.id = vpc.estate.new_id("vgw")

    def describe(self) -> Json:
        return {"AmazonSideAsn": 64512, "State": "available", "Type": "ipsec.1", "VpnGatewayId": self.id,
                "VpcAttachments": [{"State": "attached", "VpcId": self.vpc.id}], "Tags": []}


class NatGateway:
    route_field = "NatGatewayId"

    def __init__(self, subnet: Subnet, private: bool, state: str) -> None:
        self.subnet = subnet
        self.estate = subnet.estate
        self.id = self.estate.new_id("nat")
        self.private = private
        self.state = state
        self.public_ip = None if private else f"203.0.113.{len(self.estate.nat_gateways) + 10}"
        self.eni = subnet.eni(public_ip=self.public_ip, source_dest_check=False, interface_type="nat_gateway",
                              requester_managed=True, description=f"Interface for NAT Gateway {self.id}")
        self.allocation = None if private else self.estate.new_id("eipalloc")
        self.eip_assoc = None if private else self.estate.new_id("eipassoc")

    def describe(self) -> Json:
        address: Json = {"NetworkInterfaceId": self.eni.id, "PrivateIp": self.eni.private_ip, "IsPrimary": True,
                         "Status": "succeeded"}
        if not self.private:
            address.update({"AllocationId": self.allocation, "PublicIp": self.public_ip,
                            "AssociationId": self.eip_assoc})
        return {"CreateTime": WHEN, "NatGatewayAddresses": [address], "NatGatewayId": self.id, "State": self.state,
                "SubnetId": self.subnet.id, "VpcId": self.subnet.vpc.id,
                "ConnectivityType": "private" if self.private else "public", "Tags": []}


class VpcEndpoint:
    route_field = "GatewayId"

    def __init__(self, vpc: Vpc, kind: str, service: str, *, subnets: list[Subnet] | None = None,
                 policy: Json | None = None) -> None:
        self.vpc = vpc
        self.estate = vpc.estate
        self.id = self.estate.new_id("vpce")
        self.kind = kind
        self.service = service
        self.subnets = subnets or []
        self.route_tables: list[RouteTable] = []
        self.policy = policy
        self.sgs: list[SecurityGroup] = []
        self.enis: list[NetworkInterface] = []
        self.private_dns = kind == "Interface"

    def describe(self) -> Json:
        policy = self.policy or {"Version": "2008-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}
        out: Json = {"VpcEndpointId": self.id, "VpcEndpointType": self.kind, "VpcId": self.vpc.id,
                     "ServiceName": self.service, "State": "available",
                     "RouteTableIds": [r.id for r in self.route_tables], "SubnetIds": [s.id for s in self.subnets],
                     "Groups": [{"GroupId": g.id, "GroupName": g.name} for g in self.sgs],
                     "PrivateDnsEnabled": self.private_dns, "RequesterManaged": False,
                     "NetworkInterfaceIds": [e.id for e in self.enis], "DnsEntries": [],
                     "CreationTimestamp": WHEN, "Tags": [], "OwnerId": self.estate.account}
        if self.kind == "Gateway":
            out["PolicyDocument"] = json.dumps(policy)
        return out


class Peering:
    route_field = "VpcPeeringConnectionId"

    def __init__(self, estate: Estate, requester: Vpc, accepter: Vpc, status: str) -> None:
        self.estate = estate
        self.id = estate.new_id("pcx")
        self.requester = requester
        self.accepter = accepter
        self.status = status

    def describe(self) -> Json:
        def info(vpc: Vpc) -> Json:
            return {"CidrBlock": vpc.cidr, "CidrBlockSet": [{"CidrBlock": vpc.cidr}], "OwnerId": self.estate.account,
                    "VpcId": vpc.id, "Region": self.estate.region}

        return {"AccepterVpcInfo": info(self.accepter), "RequesterVpcInfo": info(self.requester),
                "Status": {"Code": self.status, "Message": self.status.capitalize()},
                "VpcPeeringConnectionId": self.id, "Tags": []}


# --- filters ------------------------------------------------------------------------------------
class SecurityGroup:
    def __init__(self, vpc: Vpc, name: str, *, egress_all: bool, default: bool = False) -> None:
        self.vpc = vpc
        self.estate = vpc.estate
        self.id = self.estate.new_id("sg")
        self.name = name
        self.egress_rules: list[Json] = []
        self.ingress_rules: list[Json] = []
        if default:
            self.ingress_rules.append({"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                                       "UserIdGroupPairs": [{"GroupId": self.id, "UserId": self.estate.account}]})
        if egress_all:
            self.egress("0.0.0.0/0", "::/0")

    def egress(self, *to: str | PrefixList | SecurityGroup, proto: str = "-1",
               ports: tuple[int, int] | int | None = None) -> SecurityGroup:
        """Allow egress to CIDRs, prefix lists or (members of) other groups, for a protocol and port range."""
        self.egress_rules.append(self._permission(to, proto, ports))
        return self

    def ingress(self, *sources: str | PrefixList | SecurityGroup, proto: str = "-1",
                ports: tuple[int, int] | int | None = None) -> SecurityGroup:
        """Admit traffic from CIDRs, prefix lists or (members of) other groups."""
        self.ingress_rules.append(self._permission(sources, proto, ports))
        return self

    def _permission(self, peers: tuple[str | PrefixList | SecurityGroup, ...], proto: str,
                    ports: tuple[int, int] | int | None) -> Json:
        """One IpPermission naming `peers` (the shape is the same for ingress and egress)."""
        rule: Json = {"IpProtocol": proto, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                      "UserIdGroupPairs": []}
        if ports is not None:
            lo, hi = (ports, ports) if isinstance(ports, int) else ports
            rule["FromPort"], rule["ToPort"] = lo, hi
        for item in peers:
            if isinstance(item, PrefixList):
                rule["PrefixListIds"].append({"PrefixListId": item.id})
            elif isinstance(item, SecurityGroup):
                rule["UserIdGroupPairs"].append({"GroupId": item.id, "UserId": self.estate.account})
            elif item.startswith("pl-"):
                rule["PrefixListIds"].append({"PrefixListId": item})
            elif ":" in item:
                rule["Ipv6Ranges"].append({"CidrIpv6": item})
            else:
                rule["IpRanges"].append({"CidrIp": item})
        return rule

    def no_egress(self) -> SecurityGroup:
        self.egress_rules.clear()
        return self

    def describe(self) -> Json:
        return {"Description": f"{self.name} security group", "GroupName": self.name,
                "IpPermissions": self.ingress_rules, "OwnerId": self.estate.account, "GroupId": self.id,
                "IpPermissionsEgress": self.egress_rules, "Tags": [], "VpcId": self.vpc.id,
                "SecurityGroupArn": self.estate.arn("ec2", f"security-group/{self.id}")}


class NetworkAcl:
    def __init__(self, vpc: Vpc, *, default: bool) -> None:
        self.vpc = vpc
        self.estate = vpc.estate
        self.id = self.estate.new_id("acl")
        self.default = default
        self.entries: list[Json] = []
        for egress in (True, False):
            if default:
                self.rule(100, "allow", "0.0.0.0/0", egress=egress)
                if vpc.ipv6:
                    self.rule(101, "allow", "::/0", egress=egress)
            self.rule(32767, "deny", "0.0.0.0/0", egress=egress)
            if vpc.ipv6:
                self.rule(32768, "deny", "::/0", egress=egress)

    def rule(self, number: int, action: Literal["allow", "deny"], cidr: str, *, egress: bool, proto: str = "-1",
             ports: tuple[int, int] | int | None = None) -> NetworkAcl:
        entry: Json = {"Egress": egress, "Protocol": proto, "RuleAction": action, "RuleNumber": number}
        entry["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
        if ports is not None:
            lo, hi = (ports, ports) if isinstance(ports, int) else ports
            entry["PortRange"] = {"From": lo, "To": hi}
        self.entries.append(entry)
        return self

    def outbound(self, number: int, action: Literal["allow", "deny"], cidr: str, *, proto: str = "-1",
                 ports: tuple[int, int] | int | None = None) -> NetworkAcl:
        return self.rule(number, action, cidr, egress=True, proto=proto, ports=ports)

    def inbound(self, number: int, action: Literal["allow", "deny"], cidr: str, *, proto: str = "-1",
                ports: tuple[int, int] | int | None = None) -> NetworkAcl:
        return self.rule(number, action, cidr, egress=False, proto=proto, ports=ports)

    def describe(self) -> Json:
        subnets = [s for s in self.estate.subnets if s.acl is self]
        assoc = [{"NetworkAclAssociationId": s.acl_assoc, "NetworkAclId": self.id, "SubnetId": s.id}
                 for s in subnets]
        entries = sorted(self.entries, key=lambda e: (not e["Egress"], e["RuleNumber"]))
        return {"Associations": assoc, "Entries": entries, "IsDefault": self.default, "NetworkAclId": self.id,
                "Tags": [], "VpcId": self.vpc.id, "OwnerId": self.estate.account}


# --- interfaces and instances -------------------------------------------------------------------
class NetworkInterface:
    route_field = "NetworkInterfaceId"

    def __init__(self, subnet: Subnet, sgs: list[SecurityGroup], public_ip: str | None, ipv6: bool,
                 source_dest_check: bool, description: str, interface_type: str, requester_managed: bool) -> None:
        self.subnet = subnet
        self.estate = subnet.estate
        self.id = self.estate.new_id("eni")
        self.sgs = sgs
        self.public_ip = public_ip
        self.private_ip = subnet.next_ip()
        self.ipv6 = [subnet.next_ipv6()] if ipv6 else []
        self.source_dest_check = source_dest_check
        self.description = description
        self.interface_type = interface_type
        self.requester_managed = requester_managed
        self.instance: Instance | None = None
        self.device_index = 0
        self.secondary: list[tuple[str, str | None]] = []  # (private IPv4, Elastic IP or None)
        self.listed = True  # False: left out of DescribeNetworkInterfaces (unknown-data tests)

    def add_secondary(self, elastic_ip: str | None = None) -> NetworkInterface:
        """A secondary private IPv4 address, with an Elastic IP associated when given (rule 9b)."""
        self.secondary.append((self.subnet.next_ip(), elastic_ip))
        return self

    def private_ip_entries(self) -> list[Json]:
        entries: list[Json] = [{"Primary": True, "PrivateIpAddress": self.private_ip}]
        for ip, eip in self.secondary:
            entry: Json = {"Primary": False, "PrivateIpAddress": ip}
            if eip:
                entry["Association"] = {"IpOwnerId": self.estate.account, "PublicIp": eip}
            entries.append(entry)
        return entries

    def describe(self) -> Json:
        out: Json = {
            "AvailabilityZone": self.subnet.az, "Description": self.description,
            "Groups": [{"GroupId": g.id, "GroupName": g.name} for g in self.sgs], "InterfaceType": self.interface_type,
            "Ipv6Addresses": [{"Ipv6Address": a, "IsPrimaryIpv6": False} for a in self.ipv6],
            "MacAddress": "02:00:00:00:00:01", "NetworkInterfaceId": self.id, "OwnerId": self.estate.account,
            "PrivateIpAddress": self.private_ip,
            "PrivateIpAddresses": self.private_ip_entries(),
            "RequesterManaged": self.requester_managed, "SourceDestCheck": self.source_dest_check,
            "Status": "in-use", "SubnetId": self.subnet.id, "TagSet": [], "VpcId": self.subnet.vpc.id,
        }
        if self.public_ip:
            association = {"IpOwnerId": "amazon", "PublicIp": self.public_ip,
                           "PublicDnsName": f"ec2-{self.public_ip.replace('.', '-')}.{self.estate.region}"
                                            ".compute.amazonaws.com"}
            out["Association"] = association
            out["PrivateIpAddresses"][0]["Association"] = dict(association)
        if self.instance is not None:
            out["Attachment"] = self.attachment()
        return out

    def attachment(self) -> Json:
        assert self.instance is not None
        return {"AttachTime": WHEN, "AttachmentId": f"eni-attach-{self.id[4:]}", "DeleteOnTermination": True,
                "DeviceIndex": self.device_index, "InstanceId": self.instance.id,
                "InstanceOwnerId": self.estate.account,
                "Status": "attached"}


class Instance:
    def __init__(self, subnet: Subnet, sgs: list[SecurityGroup], public_ip: str | None, source_dest_check: bool,
                 tags: dict[str, str], name: str | None) -> None:
        self.subnet = subnet
        self.estate = subnet.estate
        self.id = self.estate.new_id("i")
        self.eni = subnet.eni(sgs, public_ip=public_ip, source_dest_check=source_dest_check)
        self.eni.instance = self
        self.enis = [self.eni]
        self.tags = dict(tags)
        if name:
            self.tags["Name"] = name

    def attach(self, subnet: Subnet, sgs: list[SecurityGroup] | None = None, *, public_ip: str | None = None,
               ipv6: bool = False, source_dest_check: bool | None = None) -> NetworkInterface:
        """Another ENI of this instance, in `subnet` (same AZ as AWS requires; rule 9b)."""
        sdc = self.eni.source_dest_check if source_dest_check is None else source_dest_check
        eni = subnet.eni(sgs or list(self.eni.sgs), public_ip=public_ip, ipv6=ipv6, source_dest_check=sdc)
        eni.instance = self
        eni.device_index = len(self.enis)
        self.enis.append(eni)
        return eni

    def _iface(self, eni: NetworkInterface) -> Json:
        groups = [{"GroupId": g.id, "GroupName": g.name} for g in eni.sgs]
        iface: Json = {"Attachment": {k: v for k, v in eni.attachment().items() if k != "InstanceId" and
                                      k != "InstanceOwnerId"},
                       "Description": "", "Groups": groups,
                       "Ipv6Addresses": [{"Ipv6Address": a} for a in eni.ipv6], "MacAddress": "02:00:00:00:00:02",
                       "NetworkInterfaceId": eni.id, "OwnerId": self.estate.account, "PrivateIpAddress": eni.private_ip,
                       "PrivateIpAddresses": eni.private_ip_entries(),
                       "SourceDestCheck": eni.source_dest_check, "Status": "in-use", "SubnetId": eni.subnet.id,
                       "VpcId": eni.subnet.vpc.id, "InterfaceType": "interface"}
        if eni.public_ip:
            iface["Association"] = {"IpOwnerId": "amazon", "PublicIp": eni.public_ip}
        return iface

    def reservation(self) -> Json:
        eni = self.eni
        groups = [{"GroupId": g.id, "GroupName": g.name} for g in eni.sgs]
        iface = self._iface(eni)
        inst: Json = {
            "AmiLaunchIndex": 0, "ImageId": "ami-0123456789abcdef0", "InstanceId": self.id, "InstanceType": "t4g.nano",
            "LaunchTime": WHEN, "Placement": {"AvailabilityZone": self.subnet.az, "Tenancy": "default"},
            "PrivateIpAddress": eni.private_ip, "State": {"Code": 16, "Name": "running"}, "SubnetId": self.subnet.id,
            "VpcId": self.subnet.vpc.id, "NetworkInterfaces": [iface, *(self._iface(e) for e in self.enis[1:])],
            "SecurityGroups": groups,
            "SourceDestCheck": eni.source_dest_check,
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(self.tags.items())],
            "MetadataOptions": {"State": "applied", "HttpTokens": "required", "HttpPutResponseHopLimit": 1,
                                "HttpEndpoint": "enabled"},
        }
        if eni.public_ip:
            inst["PublicIpAddress"] = eni.public_ip
        return {"Groups": [], "Instances": [inst], "OwnerId": self.estate.account,
                "ReservationId": f"r-{self.id[2:]}"}


# --- transit gateways ---------------------------------------------------------------------------
class TransitGateway:
    route_field = "TransitGatewayId"

    def __init__(self, estate: Estate, name: str | None, owner: str) -> None:
        self.estate = estate
        self.id = estate.new_id("tgw")
        self.name = name
        self.owner = owner
        self.route_tables: list[TgwRouteTable] = []
        self.attachments: list[TgwAttachment] = []

    def route_table(self) -> TgwRouteTable:
        rt = TgwRouteTable(self)
        self.route_tables.append(rt)
        return rt

    def attach(self, vpc: Vpc, subnets: list[Subnet], *, route_table: TgwRouteTable | None = None,
               state: str = "available", appliance_mode: bool = False) -> TgwAttachment:
        """A VPC attachment; associated with `route_table` when one is given (none: not associated)."""
        att = TgwAttachment(self, vpc, subnets, route_table, state, appliance_mode)
        self.attachments.append(att)
        return att

    def describe(self) -> Json:
        return {"TransitGatewayId": self.id, "TransitGatewayArn": self.estate.arn("ec2", f"transit-gateway/{self.id}"),
                "State": "available", "OwnerId": self.owner, "CreationTime": WHEN, "Tags": _tags(self.name),
                "Options": {"AmazonSideAsn": 64512, "AutoAcceptSharedAttachments": "disable",
                            "DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable",
                            "VpnEcmpSupport": "enable", "DnsSupport": "enable"}}


class TgwRouteTable:
    def __init__(self, tgw: TransitGateway) -> None:
        self.tgw = tgw
        self.id = tgw.estate.new_id("tgw-rtb")
        self.routes: list[Json] = []

    def route(self, cidr: str | PrefixList, attachment: TgwAttachment | str | None = None, *, kind: str = "static",
              state: str | None = None, resource_type: str = "vpn") -> TgwRouteTable:
        """A TGW route; with no attachment it is a blackhole route. An attachment given as a plain
        id is of `resource_type` (a VPN or Direct Connect attachment, outside the snapshot)."""
        route: Json = {}
        if isinstance(cidr, PrefixList):
            route["PrefixListId"] = cidr.id
        else:
            route["DestinationCidrBlock"] = cidr
        if isinstance(attachment, TgwAttachment):
            targets = [{"ResourceId": attachment.vpc.id, "ResourceType": "vpc",
                        "TransitGatewayAttachmentId": attachment.id}]
        elif attachment:
            targets = [{"ResourceId": f"{resource_type}-{attachment.split('-')[-1]}", "ResourceType": resource_type,
                        "TransitGatewayAttachmentId": attachment}]
        else:
            targets = []
        route["TransitGatewayAttachments"] = targets
        route["Type"] = kind
        route["State"] = state or ("active" if attachment is not None else "blackhole")
        self.routes.append(route)
        return self

    def describe(self) -> Json:
        return {"TransitGatewayRouteTableId": self.id, "TransitGatewayId": self.tgw.id, "State": "available",
                "DefaultAssociationRouteTable": False, "DefaultPropagationRouteTable": False,
                "CreationTime": WHEN, "Tags": []}


class TgwAttachment:
    def __init__(self, tgw: TransitGateway, vpc: Vpc, subnets: list[Subnet], route_table: TgwRouteTable | None,
                 state: str, appliance_mode: bool) -> None:
        self.tgw = tgw
        self.estate = tgw.estate
        self.id = self.estate.new_id("tgw-attach")
        self.vpc = vpc
        self.subnets = subnets
        self.route_table = route_table
        self.state = state
        self.appliance_mode = appliance_mode

    def describe(self) -> Json:
        out: Json = {"TransitGatewayAttachmentId": self.id, "TransitGatewayId": self.tgw.id,
                     "TransitGatewayOwnerId": self.tgw.owner, "ResourceOwnerId": self.estate.account,
                     "ResourceType": "vpc", "ResourceId": self.vpc.id, "State": self.state, "CreationTime": WHEN,
                     "Tags": []}
        if self.route_table is not None and self.tgw.owner == self.estate.account:
            out["Association"] = {"TransitGatewayRouteTableId": self.route_table.id, "State": "associated"}
        return out

    def describe_vpc(self) -> Json:
        return {"TransitGatewayAttachmentId": self.id, "TransitGatewayId": self.tgw.id, "VpcId": self.vpc.id,
                "VpcOwnerId": self.estate.account, "State": self.state, "SubnetIds": [s.id for s in self.subnets],
                "CreationTime": WHEN, "Tags": [],
                "Options": {"DnsSupport": "enable", "Ipv6Support": "disable",
                            "ApplianceModeSupport": "enable" if self.appliance_mode else "disable"}}


# --- prefix lists -------------------------------------------------------------------------------
class PrefixList:
    def __init__(self, estate: Estate, name: str, cidrs: list[str], *, aws_managed: bool,
                 entries_collected: bool) -> None:
        self.estate = estate
        self.id = estate.new_id("pl")
        self.name = name
        self.cidrs = list(cidrs)
        self.aws_managed = aws_managed
        self.entries_collected = entries_collected

    def describe_managed(self) -> Json:
        owner = "AWS" if self.aws_managed else self.estate.account
        family = "IPv6" if self.cidrs and ":" in self.cidrs[0] else "IPv4"
        return {"PrefixListId": self.id, "AddressFamily": family, "State": "create-complete",
                "PrefixListArn": self.estate.arn("ec2", f"prefix-list/{self.id}"), "PrefixListName": self.name,
                "MaxEntries": max(len(self.cidrs), 10), "Version": 1, "Tags": [], "OwnerId": owner}


# --- Network Firewall ---------------------------------------------------------------------------
class RuleGroup:
    def __init__(self, estate: Estate, name: str, kind: str, domains: list[str] | None = None) -> None:
        self.estate = estate
        self.name = name
        self.kind = kind
        self.arn = estate.arn("network-firewall", f"{kind.lower()}-rulegroup/{name}")
        self.rules: list[Json] = []
        self.domains = domains or []
        self.home_net: list[str] | None = None  # RuleVariables.IPSets.HOME_NET
        self.rule_order = "DEFAULT_ACTION_ORDER"
        self.rules_string: str | None = None  # Suricata rules instead of a domain list

    def rule(self, priority: int, action: str, *, src: list[str] | None = None, dst: list[str] | None = None,
             protocols: list[int] | None = None, dst_ports: tuple[int, int] | None = None) -> RuleGroup:
        """A stateless rule; addresses default to 0.0.0.0/0 like the console's "any"."""
        attrs: Json = {"Sources": [{"AddressDefinition": a} for a in (src or ["0.0.0.0/0"])],
                       "Destinations": [{"AddressDefinition": a} for a in (dst or ["0.0.0.0/0"])]}
        if protocols:
            attrs["Protocols"] = protocols
        if dst_ports:
            attrs["DestinationPorts"] = [{"FromPort": dst_ports[0], "ToPort": dst_ports[1]}]
        self.rules.append({"Priority": priority, "RuleDefinition": {"MatchAttributes": attrs, "Actions": [action]}})
        return self

    def describe(self) -> Json:
        if self.kind == "STATELESS":
            source: Json = {"StatelessRulesAndCustomActions": {"StatelessRules": list(self.rules), "CustomActions": []}}
            options: Json = {}
        elif self.rules_string is not None:
            source = {"RulesString": self.rules_string}
            options = {"StatefulRuleOptions": {"RuleOrder": self.rule_order}}
        else:
            source = {"RulesSourceList": {"Targets": list(self.domains), "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
                                          "GeneratedRulesType": "ALLOWLIST"}}
            options = {"StatefulRuleOptions": {"RuleOrder": self.rule_order}}
        if self.home_net is not None:
            options["RuleVariables"] = {"IPSets": {"HOME_NET": {"Definition": list(self.home_net)}}}
        return {
            "UpdateToken": "token-1",
            "RuleGroup": {"RulesSource": source, **options},
            "RuleGroupResponse": {"RuleGroupArn": self.arn, "RuleGroupName": self.name,
                                  "RuleGroupId": f"id-{self.name}", "Type": self.kind, "Capacity": 100,
                                  "RuleGroupStatus": "ACTIVE", "NumberOfAssociations": 1, "LastModifiedTime": WHEN},
        }


class FirewallPolicy:
    def __init__(self, estate: Estate, name: str, default: str, fragment_default: str, stateless: list[RuleGroup],
                 stateful: list[RuleGroup], stateful_default: list[str] | None) -> None:
        self.estate = estate
        self.name = name
        self.arn = estate.arn("network-firewall", f"firewall-policy/{name}")
        self.default = default
        self.fragment_default = fragment_default
        self.stateless = stateless
        self.stateful = stateful
        self.stateful_default = stateful_default
        self.home_net: list[str] | None = None  # PolicyVariables.RuleVariables.HOME_NET

    def describe(self) -> Json:
        policy: Json = {
            "StatelessRuleGroupReferences": [{"ResourceArn": g.arn, "Priority": (i + 1) * 10}
                                             for i, g in enumerate(self.stateless)],
            "StatelessDefaultActions": [self.default],
            "StatelessFragmentDefaultActions": [self.fragment_default],
            "StatefulRuleGroupReferences": [{"ResourceArn": g.arn, "Priority": (i + 1) * 10}
                                            if g.rule_order == "STRICT_ORDER" else {"ResourceArn": g.arn}
                                            for i, g in enumerate(self.stateful)],
        }
        if self.home_net is not None:
            policy["PolicyVariables"] = {"RuleVariables": {"HOME_NET": {"Definition": list(self.home_net)}}}
        if self.stateful_default is not None:
            policy["StatefulDefaultActions"] = list(self.stateful_default)
            policy["StatefulEngineOptions"] = {"RuleOrder": "STRICT_ORDER"}
        return {
            "UpdateToken": "token-1",
            "FirewallPolicyResponse": {"FirewallPolicyName": self.name, "FirewallPolicyArn": self.arn,
                                       "FirewallPolicyId": f"id-{self.name}", "FirewallPolicyStatus": "ACTIVE",
                                       "NumberOfAssociations": 1, "LastModifiedTime": WHEN},
            "FirewallPolicy": policy,
        }


class FirewallEndpoint:
    """A firewall's endpoint in one subnet: routes name it as `GatewayId: vpce-…` (rule 14)."""

    route_field = "GatewayId"

    def __init__(self, firewall: Firewall, subnet: Subnet) -> None:
        self.firewall = firewall
        self.subnet = subnet
        self.id = subnet.estate.new_id("vpce")


class Firewall:
    def __init__(self, vpc: Vpc, name: str, subnets: list[Subnet], policy: FirewallPolicy) -> None:
        self.vpc = vpc
        self.estate = vpc.estate
        self.name = name
        self.arn = self.estate.arn("network-firewall", f"firewall/{name}")
        self.policy = policy
        self.endpoints = [FirewallEndpoint(self, s) for s in subnets]
        self.log_types: list[str] = []

    def add_subnet(self, subnet: Subnet) -> FirewallEndpoint:
        """Map the firewall into one more subnet (one endpoint per AZ)."""
        ep = FirewallEndpoint(self, subnet)
        self.endpoints.append(ep)
        return ep

    def endpoint(self, az: str | None = None) -> FirewallEndpoint:
        for ep in self.endpoints:
            if az is None or ep.subnet.az == az:
                return ep
        raise KeyError(f"firewall {self.name} has no endpoint in {az}")

    def logging(self, *log_types: str) -> Firewall:
        self.log_types = list(log_types)
        return self

    def describe(self) -> Json:
        return {
            "UpdateToken": "token-1",
            "Firewall": {"FirewallName": self.name, "FirewallArn": self.arn, "FirewallId": f"id-{self.name}",
                         "FirewallPolicyArn": self.policy.arn, "VpcId": self.vpc.id,
                         "SubnetMappings": [{"SubnetId": ep.subnet.id, "IPAddressType": "IPV4"}
                                            for ep in self.endpoints],
                         "DeleteProtection": False, "SubnetChangeProtection": False,
                         "FirewallPolicyChangeProtection": False, "Tags": []},
            "FirewallStatus": {
                "Status": "READY", "ConfigurationSyncStateSummary": "IN_SYNC",
                "SyncStates": {ep.subnet.az: {"Attachment": {"SubnetId": ep.subnet.id, "EndpointId": ep.id,
                                                             "Status": "READY"},
                                              "Config": {self.policy.arn: {"SyncStatus": "IN_SYNC",
                                                                           "UpdateToken": "token-1"}}}
                               for ep in self.endpoints},
            },
        }

    def describe_logging(self) -> Json:
        configs = [{"LogType": t, "LogDestinationType": "CloudWatchLogs",
                    "LogDestination": {"logGroup": f"/aws/network-firewall/{self.name}/{t.lower()}"}}
                   for t in self.log_types]
        return {"FirewallArn": self.arn, "LoggingConfiguration": {"LogDestinationConfigs": configs}}


# --- SageMaker ----------------------------------------------------------------------------------
class Notebook:
    def __init__(self, estate: Estate, name: str, subnet: Subnet | None, sgs: list[SecurityGroup],
                 direct_internet: bool, root_access: bool, eni: NetworkInterface | None, lifecycle: str | None) -> None:
        self.estate = estate
        self.name = name
        self.id = name  # what findings name the resource by
        self.subnet = subnet
        self.sgs = sgs
        self.direct_internet = direct_internet
        self.root_access = root_access
        self.eni = eni
        self.lifecycle = lifecycle
        self.lifecycle_name = f"{name}-lifecycle" if lifecycle else None
        self.arn = estate.arn("sagemaker", f"notebook-instance/{name}")

    def summary(self) -> Json:
        out: Json = {"NotebookInstanceName": self.name, "NotebookInstanceArn": self.arn,
                     "NotebookInstanceStatus": "InService", "Url": f"{self.name}.notebook.{self.estate.region}"
                                                                   ".sagemaker.aws",
                     "InstanceType": "ml.t3.medium", "CreationTime": WHEN, "LastModifiedTime": WHEN}
        if self.lifecycle_name:
            out["NotebookInstanceLifecycleConfigName"] = self.lifecycle_name
        return out

    def describe(self) -> Json:
        out = self.summary()
        out.update({"RoleArn": f"arn:aws:iam::{self.estate.account}:role/service-role/AmazonSageMaker-ExecutionRole",
                    "DirectInternetAccess": "Enabled" if self.direct_internet else "Disabled",
                    "VolumeSizeInGB": 5, "RootAccess": "Enabled" if self.root_access else "Disabled",
                    "PlatformIdentifier": "notebook-al2-v3",
                    "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"}})
        if self.subnet is not None:
            out["SubnetId"] = self.subnet.id
            out["SecurityGroups"] = [g.id for g in self.sgs]
        if self.eni is not None:
            out["NetworkInterfaceId"] = self.eni.id
        return out

    def describe_lifecycle(self) -> Json:
        content = base64.b64encode((self.lifecycle or "").encode()).decode()
        return {"NotebookInstanceLifecycleConfigArn": self.estate.arn(
                    "sagemaker", f"notebook-instance-lifecycle-config/{self.lifecycle_name}"),
                "NotebookInstanceLifecycleConfigName": self.lifecycle_name, "OnCreate": [],
                "OnStart": [{"Content": content}], "LastModifiedTime": WHEN, "CreationTime": WHEN}
