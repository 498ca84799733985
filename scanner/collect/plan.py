"""The collection plan: which calls the collector makes, as data.

Keeping the plan declarative (no code per operation) is what lets one list drive three things
that must never drift apart: the calls the runner makes, the least-privilege IAM policy shipped
in ``scanner/collect/policy/safemaker-readonly.json``, and the tests that prove the collector calls
nothing outside that policy.

Steps run in the order listed, one region at a time, so a per-resource step always comes after
the step that supplies its identifiers. A step whose identifier source is absent (its call
failed) is skipped: absence already says "unknown"; the source's failure is in ``errors``, and so
is the skipped step, with error_code ``SourceFailed`` and a message naming the failed call.

STS ``GetCallerIdentity`` is called once per run to learn the account id; it needs no IAM
permission (AWS allows it even under an explicit deny), so it is not in the plan or the policy.

Steps of scope GLOBAL (IAM, Organizations: the guardrail checks, contracts §5) run once per
account, stored under the region key ``aws-global``; the rest run in every region.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

EC2 = "ec2"
NETWORK_FIREWALL = "network-firewall"
SAGEMAKER = "sagemaker"
S3 = "s3"
IAM = "iam"
ORGANIZATIONS = "organizations"

#: Step scopes: collected in each region, or once per account under the region key aws-global.
REGIONAL = "regional"
GLOBAL = "global"

# botocore service name -> IAM action prefix. They coincide today; the map exists so that a
# service whose names differ (e.g. botocore "stepfunctions" vs IAM "states") cannot slip in
# with a wrong action.
IAM_PREFIX: Mapping[str, str] = {
    EC2: "ec2",
    NETWORK_FIREWALL: "network-firewall",
    SAGEMAKER: "sagemaker",
    S3: "s3",
    IAM: "iam",
    ORGANIZATIONS: "organizations",
}

# Only the routes that can carry traffic; "deleted" routes linger for a while and would look
# like paths.
TGW_ROUTE_STATES: list[dict[str, Any]] = [{"Name": "state", "Values": ["active", "blackhole"]}]


@dataclass(frozen=True)
class Source:
    """Where the identifiers of a per-resource step come from.

    ``path`` walks the already collected response of ``service``/``operation``: a name selects
    a key, ``"*"`` fans out over every element of a list or every value of a per-resource map.
    Each item reached gives one call, with request parameter ``p`` set to ``item[fields[p]]``;
    items lacking a field (a notebook without a lifecycle configuration) give no call.
    """

    service: str
    operation: str
    path: tuple[str, ...]
    fields: Mapping[str, str]
    # Only items whose fields have these values (parents that are OUs, not the root).
    when: Mapping[str, str] = field(default_factory=dict)
    # Items that hold their identifiers in a form no field names (bucket names inside an
    # endpoint's policy document): a function from the item to the request parameters.
    derive: Callable[[Mapping[str, Any]], Iterable[Mapping[str, str]]] | None = None


@dataclass(frozen=True)
class Step:
    """One operation to collect in every region.

    A step without ``sources`` is list-style: called once, pages merged. A step with sources is
    per-resource: called once per distinct identifier, stored under a key made by joining the
    request parameters named in ``key`` with "/" (docs/snapshot-format.md).
    """

    service: str
    operation: str
    list_key: str | None
    paginated: bool
    params: Mapping[str, Any] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()
    key: tuple[str, ...] = ()
    optional: bool = False
    # A response flag that, when true after the last page, means the API silently dropped
    # results: the entry is then left out (unknown) rather than stored incomplete.
    truncated_flag: str | None = None
    # The output member every page of an answer that was really read carries (the list, or the
    # described object's identifier); None means the list key. botocore parses an HTML page or a
    # cut-off body on a 200 into `{}` or `{"message": ...}`: without this member the answer is
    # a failed call, not an empty result.
    ident: str | None = None
    scope: str = REGIONAL
    # The pagination member, in the request and the answer (IAM: Marker).
    token: str = "NextToken"
    # Error codes that are an answer, not a failure: the key is stored with an empty result
    # (s3 NoSuchBucketPolicy: the bucket has no policy, contracts §5).
    empty_on: tuple[str, ...] = ()
    # A source over this step's own results: each new identifier found there is called too,
    # until none is new (ListParents walks an account's OU path up to the root).
    follow: Source | None = None
    # Steps that must have answered before this one is worth calling (not its identifiers'
    # source): without an organization, or when the caller may not read it, ListRoots already
    # says so, and asking about every account and OU would only repeat the refusal.
    needs: tuple[tuple[str, str], ...] = ()

    @property
    def per_resource(self) -> bool:
        return bool(self.sources)

    @property
    def read_marker(self) -> str | None:
        """The member whose presence shows that a page was parsed from a real answer."""
        return self.ident or self.list_key


def _list(service: str, operation: str, list_key: str | None, *, paginated: bool = True,
          optional: bool = False, ident: str | None = None) -> Step:
    return Step(service, operation, list_key, paginated, optional=optional, ident=ident)


def _each(service: str, operation: str, sources: tuple[Source, ...], key: tuple[str, ...], *,
          list_key: str | None = None, paginated: bool = False, params: Mapping[str, Any] | None = None,
          truncated_flag: str | None = None, ident: str | None = None) -> Step:
    return Step(service, operation, list_key, paginated, params=dict(params or {}), sources=sources,
                key=key, truncated_flag=truncated_flag, ident=ident)


def _from_list(service: str, operation: str, list_key: str, **fields: str) -> Source:
    return Source(service, operation, (list_key, "*"), fields)


#: A source the collector supplies rather than collects: ``{"Accounts": [{"Id": ...}]}``, the
#: accounts whose organization path is walked (the account itself, or an organization's
#: selected accounts). Never stored in the snapshot, never called.
SAFEMAKER = "safemaker"
ACCOUNTS = "Accounts"


def _endpoint_buckets(endpoint: Mapping[str, Any]) -> list[dict[str, str]]:
    """The buckets an S3 gateway endpoint's policy names: the ones GRD-003 asks about."""
    from safemaker.scanner.aws.guardrails import endpoint_buckets

    return [{"Bucket": name} for name in endpoint_buckets(endpoint)]


PLAN: tuple[Step, ...] = (
    # --- ec2: the network the workloads sit in -------------------------------------------
    _list(EC2, "DescribeAvailabilityZones", "AvailabilityZones", paginated=False, optional=True),
    _list(EC2, "DescribeVpcs", "Vpcs"),
    _list(EC2, "DescribeSubnets", "Subnets"),
    _list(EC2, "DescribeRouteTables", "RouteTables"),
    _list(EC2, "DescribeInternetGateways", "InternetGateways"),
    _list(EC2, "DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways"),
    _list(EC2, "DescribeNatGateways", "NatGateways"),
    _list(EC2, "DescribeVpcEndpoints", "VpcEndpoints"),
    _list(EC2, "DescribeSecurityGroups", "SecurityGroups"),
    _list(EC2, "DescribeNetworkAcls", "NetworkAcls"),
    _list(EC2, "DescribeNetworkInterfaces", "NetworkInterfaces"),
    _list(EC2, "DescribeInstances", "Reservations"),
    _list(EC2, "DescribeVpcPeeringConnections", "VpcPeeringConnections"),
    _list(EC2, "DescribeTransitGateways", "TransitGateways"),
    _list(EC2, "DescribeTransitGatewayAttachments", "TransitGatewayAttachments"),
    _list(EC2, "DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments"),
    _list(EC2, "DescribeTransitGatewayRouteTables", "TransitGatewayRouteTables"),
    # MaxResults is left at the API default (1000, the maximum): moto rejects an explicit one.
    _each(EC2, "SearchTransitGatewayRoutes",
          (_from_list(EC2, "DescribeTransitGatewayRouteTables", "TransitGatewayRouteTables",
                      TransitGatewayRouteTableId="TransitGatewayRouteTableId"),),
          ("TransitGatewayRouteTableId",), list_key="Routes", paginated=True,
          params={"Filters": TGW_ROUTE_STATES}, truncated_flag="AdditionalRoutesAvailable"),
    _list(EC2, "DescribeManagedPrefixLists", "PrefixLists"),
    _each(EC2, "GetManagedPrefixListEntries",
          (_from_list(EC2, "DescribeManagedPrefixLists", "PrefixLists", PrefixListId="PrefixListId"),),
          ("PrefixListId",), list_key="Entries", paginated=True),
    _list(EC2, "DescribePrefixLists", "PrefixLists"),
    _list(EC2, "DescribeVpcBlockPublicAccessOptions", None, paginated=False, optional=True,
          ident="VpcBlockPublicAccessOptions"),
    # Has a NextToken but no botocore paginator; the runner's own loop follows it anyway.
    _list(EC2, "DescribeVpcBlockPublicAccessExclusions", "VpcBlockPublicAccessExclusions", optional=True),
    _list(EC2, "DescribeAddresses", "Addresses", paginated=False, optional=True),
    _list(EC2, "DescribeVpnGateways", "VpnGateways", paginated=False, optional=True),
    # --- network-firewall: what inspects the traffic ---------------------------------------
    _list(NETWORK_FIREWALL, "ListFirewalls", "Firewalls"),
    _each(NETWORK_FIREWALL, "DescribeFirewall",
          (_from_list(NETWORK_FIREWALL, "ListFirewalls", "Firewalls", FirewallArn="FirewallArn"),),
          ("FirewallArn",), ident="Firewall"),
    _each(NETWORK_FIREWALL, "DescribeLoggingConfiguration",
          (_from_list(NETWORK_FIREWALL, "ListFirewalls", "Firewalls", FirewallArn="FirewallArn"),),
          ("FirewallArn",), ident="FirewallArn"),
    _each(NETWORK_FIREWALL, "DescribeFirewallPolicy",
          (Source(NETWORK_FIREWALL, "DescribeFirewall", ("*", "Firewall"),
                  {"FirewallPolicyArn": "FirewallPolicyArn"}),),
          ("FirewallPolicyArn",), ident="FirewallPolicyResponse"),
    _each(NETWORK_FIREWALL, "DescribeRuleGroup",
          (Source(NETWORK_FIREWALL, "DescribeFirewallPolicy",
                  ("*", "FirewallPolicy", "StatelessRuleGroupReferences", "*"),
                  {"RuleGroupArn": "ResourceArn"}),
           Source(NETWORK_FIREWALL, "DescribeFirewallPolicy",
                  ("*", "FirewallPolicy", "StatefulRuleGroupReferences", "*"),
                  {"RuleGroupArn": "ResourceArn"})),
          ("RuleGroupArn",), ident="RuleGroupResponse"),
    # --- sagemaker: the workloads ------------------------------------------------------------
    _list(SAGEMAKER, "ListNotebookInstances", "NotebookInstances"),
    _each(SAGEMAKER, "DescribeNotebookInstance",
          (_from_list(SAGEMAKER, "ListNotebookInstances", "NotebookInstances",
                      NotebookInstanceName="NotebookInstanceName"),),
          ("NotebookInstanceName",), ident="NotebookInstanceName"),
    # Only the configurations notebooks actually use: an unused one cannot set a proxy.
    _each(SAGEMAKER, "DescribeNotebookInstanceLifecycleConfig",
          (Source(SAGEMAKER, "DescribeNotebookInstance", ("*",),
                  {"NotebookInstanceLifecycleConfigName": "NotebookInstanceLifecycleConfigName"}),),
          ("NotebookInstanceLifecycleConfigName",), ident="NotebookInstanceLifecycleConfigName"),
    _list(SAGEMAKER, "ListDomains", "Domains"),
    _each(SAGEMAKER, "DescribeDomain",
          (_from_list(SAGEMAKER, "ListDomains", "Domains", DomainId="DomainId"),), ("DomainId",), ident="DomainId"),
    _list(SAGEMAKER, "ListUserProfiles", "UserProfiles"),
    _each(SAGEMAKER, "DescribeUserProfile",
          (_from_list(SAGEMAKER, "ListUserProfiles", "UserProfiles",
                      DomainId="DomainId", UserProfileName="UserProfileName"),),
          ("DomainId", "UserProfileName"), ident="UserProfileName"),
    _list(SAGEMAKER, "ListSpaces", "Spaces"),
    _each(SAGEMAKER, "DescribeSpace",
          (_from_list(SAGEMAKER, "ListSpaces", "Spaces", DomainId="DomainId", SpaceName="SpaceName"),),
          ("DomainId", "SpaceName"), ident="SpaceName"),
    _list(SAGEMAKER, "ListTrainingJobs", "TrainingJobSummaries"),
    _each(SAGEMAKER, "DescribeTrainingJob",
          (_from_list(SAGEMAKER, "ListTrainingJobs", "TrainingJobSummaries",
                      TrainingJobName="TrainingJobName"),),
          ("TrainingJobName",), ident="TrainingJobName"),
    _list(SAGEMAKER, "ListProcessingJobs", "ProcessingJobSummaries"),
    _each(SAGEMAKER, "DescribeProcessingJob",
          (_from_list(SAGEMAKER, "ListProcessingJobs", "ProcessingJobSummaries",
                      ProcessingJobName="ProcessingJobName"),),
          ("ProcessingJobName",), ident="ProcessingJobName"),
    _list(SAGEMAKER, "ListModels", "Models"),
    _each(SAGEMAKER, "DescribeModel",
          (_from_list(SAGEMAKER, "ListModels", "Models", ModelName="ModelName"),), ("ModelName",), ident="ModelName"),
    # Optional: tags route findings to owners (the Describe calls do not return them); without
    # them a finding only lacks resource.tags, so a failed call never turns into an ERROR.
    Step(SAGEMAKER, "ListTags", "Tags", True, optional=True, key=("ResourceArn",), sources=(
        _from_list(SAGEMAKER, "ListNotebookInstances", "NotebookInstances", ResourceArn="NotebookInstanceArn"),
        _from_list(SAGEMAKER, "ListDomains", "Domains", ResourceArn="DomainArn"),
        _from_list(SAGEMAKER, "ListTrainingJobs", "TrainingJobSummaries", ResourceArn="TrainingJobArn"),
        _from_list(SAGEMAKER, "ListProcessingJobs", "ProcessingJobSummaries", ResourceArn="ProcessingJobArn"),
        _from_list(SAGEMAKER, "ListModels", "Models", ResourceArn="ModelArn"))),
    # --- s3: the data fence of the buckets the S3 gateway endpoints name (GRD-003) ---------
    Step(S3, "GetBucketPolicy", None, False, optional=True, key=("Bucket",), ident="Policy",
         empty_on=("NoSuchBucketPolicy",), sources=(
             Source(EC2, "DescribeVpcEndpoints", ("VpcEndpoints", "*"), {"Bucket": "Bucket"},
                    derive=_endpoint_buckets),)),
    # --- global: who may create open resources, and the SCPs above them (GRD-001/002) ------
    # From the account itself in a single-account run (a member account is usually refused:
    # the SCP layer is then unknown); in an organization's run from the caller (org.py).
    Step(ORGANIZATIONS, "ListRoots", "Roots", True, optional=True, scope=GLOBAL),
    Step(ORGANIZATIONS, "ListParents", "Parents", True, optional=True, scope=GLOBAL, key=("ChildId",),
         needs=((ORGANIZATIONS, "ListRoots"),),
         sources=(Source(SAFEMAKER, ACCOUNTS, (ACCOUNTS, "*"), {"ChildId": "Id"}),),
         follow=Source(ORGANIZATIONS, "ListParents", ("*", "Parents", "*"), {"ChildId": "Id"},
                       when={"Type": "ORGANIZATIONAL_UNIT"})),
    Step(ORGANIZATIONS, "ListPoliciesForTarget", "Policies", True, optional=True, scope=GLOBAL,
         key=("TargetId",), params={"Filter": "SERVICE_CONTROL_POLICY"}, needs=((ORGANIZATIONS, "ListRoots"),),
         sources=(Source(SAFEMAKER, ACCOUNTS, (ACCOUNTS, "*"), {"TargetId": "Id"}),
                  Source(ORGANIZATIONS, "ListParents", ("*", "Parents", "*"), {"TargetId": "Id"}))),
    Step(ORGANIZATIONS, "DescribePolicy", None, False, optional=True, scope=GLOBAL, key=("PolicyId",),
         ident="Policy", sources=(
             Source(ORGANIZATIONS, "ListPoliciesForTarget", ("*", "Policies", "*"), {"PolicyId": "Id"}),)),
    # Every page carries IsTruncated; a page of a small account may lack the lists themselves.
    Step(IAM, "GetAccountAuthorizationDetails", "RoleDetailList", True, optional=True, scope=GLOBAL,
         token="Marker", ident="IsTruncated", truncated_flag="IsTruncated"),
)

#: The steps run in each region, and once per account under aws-global, in plan order.
REGIONAL_STEPS: tuple[Step, ...] = tuple(s for s in PLAN if s.scope == REGIONAL)
GLOBAL_STEPS: tuple[Step, ...] = tuple(s for s in PLAN if s.scope == GLOBAL)


def planned_operations() -> list[tuple[str, str]]:
    """Every (botocore service, operation) the collector may call, in plan order."""
    return [(step.service, step.operation) for step in PLAN]


def iam_actions() -> list[str]:
    """The IAM actions the plan needs, sorted; the shipped policy must list exactly these."""
    return sorted({f"{IAM_PREFIX[step.service]}:{step.operation}" for step in PLAN})


def iam_policy() -> dict[str, Any]:
    """The least-privilege policy document that ``scanner/collect/policy/safemaker-readonly.json`` holds.

    ``Resource`` is "*" because most of these Describe/List/Get calls support no resource-level
    permissions, and the buckets s3:GetBucketPolicy reads are only known from the endpoint
    policies it finds; the actions themselves carry no wildcard so that a future write or data-plane
    action can never be granted by accident.
    """
    statements = []
    for service in sorted({step.service for step in PLAN}):
        prefix = IAM_PREFIX[service]
        actions = sorted({f"{prefix}:{s.operation}" for s in PLAN if s.service == service})
        sid = "SafemakerRead" + "".join(part.capitalize() for part in prefix.split("-"))
        statements.append({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}
