"""The snapshot being built from a plan, per account and region, and the gaps it must report.

Absent means unknown (contracts §1): when a value the proof needs cannot be resolved, the
operation that would carry it is left out of the snapshot (the whole list operation, or the one
entry of a per-resource operation) and `errors` names the Terraform resource and attribute, so
every check that needs it reports ERROR with that reason. A list operation is dropped whole
because a route table missing from `DescribeRouteTables` would read as "uses the main table",
and a security group rule missing from a group would read as "not allowed": partial lists lie.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from safemaker.scanner.terraform.plan import Plan, Planned
from safemaker.scanner.terraform.refs import Resolver, Target, Unresolved, unknown_at

#: The ID prefix AWS gives each resource type; placeholders keep it because the prover tells
#: route targets apart by it (`nat-`, `igw-`, `vpce-` ...).
PREFIX: Mapping[str, str] = {
    "aws_vpc": "vpc", "aws_subnet": "subnet", "aws_route_table": "rtb", "aws_internet_gateway": "igw",
    "aws_egress_only_internet_gateway": "eigw", "aws_nat_gateway": "nat", "aws_eip": "eipalloc",
    "aws_security_group": "sg", "aws_network_acl": "acl", "aws_vpc_endpoint": "vpce",
    "aws_vpc_peering_connection": "pcx", "aws_instance": "i", "aws_network_interface": "eni",
    "aws_ec2_managed_prefix_list": "pl", "aws_sagemaker_domain": "d", "aws_route_table_association": "rtbassoc",
    "aws_vpn_gateway": "vgw", "aws_ec2_transit_gateway": "tgw",
    "aws_vpc_security_group_ingress_rule": "sgr", "aws_vpc_security_group_egress_rule": "sgr",
    "aws_ec2_transit_gateway_vpc_attachment": "tgw-attach", "aws_ec2_transit_gateway_route_table": "tgw-rtb",
    "aws_vpc_block_public_access_exclusion": "vpcbpa-exclude",
}
#: Implicit objects AWS creates with a VPC; Terraform exposes their IDs as VPC attributes.
VPC_DEFAULTS: Mapping[str, str] = {
    "default_route_table_id": "rtb-main-of-", "main_route_table_id": "rtb-main-of-",
    "default_network_acl_id": "acl-default-of-", "default_security_group_id": "sg-default-of-",
}
#: A transit gateway's default route table (one table for both, as AWS creates it).
TGW_DEFAULTS = ("association_default_route_table_id", "propagation_default_route_table_id")
ERROR_UNKNOWN = "UnknownUntilApply"
ERROR_UNSUPPORTED = "UnsupportedResource"

#: Every operation the collector gathers at minimum (contracts §1), with the empty answer a
#: plan-only estate starts from: "collected, none" — the plan is the whole estate.
EMPTY: Mapping[tuple[str, str], Any] = {
    ("ec2", "DescribeVpcs"): {"Vpcs": []},
    ("ec2", "DescribeSubnets"): {"Subnets": []},
    ("ec2", "DescribeRouteTables"): {"RouteTables": []},
    ("ec2", "DescribeInternetGateways"): {"InternetGateways": []},
    ("ec2", "DescribeEgressOnlyInternetGateways"): {"EgressOnlyInternetGateways": []},
    ("ec2", "DescribeNatGateways"): {"NatGateways": []},
    ("ec2", "DescribeVpcEndpoints"): {"VpcEndpoints": []},
    ("ec2", "DescribeSecurityGroups"): {"SecurityGroups": []},
    ("ec2", "DescribeNetworkAcls"): {"NetworkAcls": []},
    ("ec2", "DescribeNetworkInterfaces"): {"NetworkInterfaces": []},
    ("ec2", "DescribeInstances"): {"Reservations": []},
    ("ec2", "DescribeVpcPeeringConnections"): {"VpcPeeringConnections": []},
    ("ec2", "DescribeTransitGateways"): {"TransitGateways": []},
    ("ec2", "DescribeTransitGatewayAttachments"): {"TransitGatewayAttachments": []},
    ("ec2", "DescribeTransitGatewayVpcAttachments"): {"TransitGatewayVpcAttachments": []},
    ("ec2", "DescribeTransitGatewayRouteTables"): {"TransitGatewayRouteTables": []},
    ("ec2", "SearchTransitGatewayRoutes"): {},
    ("ec2", "DescribeManagedPrefixLists"): {"PrefixLists": []},
    ("ec2", "GetManagedPrefixListEntries"): {},
    ("ec2", "DescribePrefixLists"): {"PrefixLists": []},
    ("network-firewall", "ListFirewalls"): {"Firewalls": []},
    ("network-firewall", "DescribeFirewall"): {},
    ("network-firewall", "DescribeFirewallPolicy"): {},
    ("network-firewall", "DescribeRuleGroup"): {},
    ("network-firewall", "DescribeLoggingConfiguration"): {},
    ("sagemaker", "ListNotebookInstances"): {"NotebookInstances": []},
    ("sagemaker", "DescribeNotebookInstance"): {},
    ("sagemaker", "DescribeNotebookInstanceLifecycleConfig"): {},
    ("sagemaker", "ListDomains"): {"Domains": []},
    ("sagemaker", "DescribeDomain"): {},
    ("sagemaker", "ListUserProfiles"): {"UserProfiles": []},
    ("sagemaker", "DescribeUserProfile"): {},
    ("sagemaker", "ListSpaces"): {"Spaces": []},
    ("sagemaker", "DescribeSpace"): {},
    ("sagemaker", "ListTrainingJobs"): {"TrainingJobSummaries": []},
    ("sagemaker", "DescribeTrainingJob"): {},
    ("sagemaker", "ListProcessingJobs"): {"ProcessingJobSummaries": []},
    ("sagemaker", "DescribeProcessingJob"): {},
    ("sagemaker", "ListModels"): {"Models": []},
    ("sagemaker", "DescribeModel"): {},
}
CREATED = "2026-01-01T00:00:00+00:00"  # a fixed time: the same plan gives byte-identical findings


class Estate:
    """Responses per (account, region), built from plan resources over an optional live base."""

    def __init__(self, plan: Plan, account: str, default_region: str | None,
                 base: Mapping[str, Any] | None = None) -> None:
        self.plan = plan
        self.account = account
        self.default_region = default_region
        self.resolver = Resolver(plan)
        self.overlay = base is not None
        self.regions: dict[str, dict[str, dict[str, Any]]] = {}
        if base is not None:
            for region, services in ((base.get("accounts") or {}).get(account) or {}).items():
                self.regions[region] = copy.deepcopy(dict(services))
        self.errors: list[dict[str, Any]] = []
        self._dropped: set[tuple[str, str, str]] = set()
        self._dropped_keys: set[tuple[str, str, str, str]] = set()
        #: AWS ID (or placeholder) -> the planned resources that created or changed it.
        self.origins: dict[str, list[str]] = {}

    # --- where ----------------------------------------------------------------------------

    def region_of(self, res: Planned) -> str:
        region = self.plan.provider_region(res.provider_key) or self.default_region
        if not region:
            raise Unresolved(res.address, "provider region", "the provider configuration names no constant region "
                                                              "(give --region)")
        return region

    def responses(self, region: str) -> dict[str, dict[str, Any]]:
        if region not in self.regions:
            self.regions[region] = {}
        services = self.regions[region]
        if not self.overlay or not services:
            for (service, op), empty in EMPTY.items():
                services.setdefault(service, {}).setdefault(op, copy.deepcopy(empty))
        return services

    def op(self, region: str, service: str, operation: str) -> Any:
        services = self.responses(region)
        return services.setdefault(service, {}).setdefault(operation, copy.deepcopy(EMPTY.get((service, operation),
                                                                                               {})))

    def items(self, region: str, service: str, operation: str, key: str) -> list[dict[str, Any]]:
        resp = self.op(region, service, operation)
        value = resp.setdefault(key, [])
        assert isinstance(value, list)
        return value

    def find(self, region: str, service: str, operation: str, key: str, id_key: str,
             id_value: str) -> dict[str, Any] | None:
        return next((i for i in self.items(region, service, operation, key) if i.get(id_key) == id_value), None)

    def upsert(self, region: str, service: str, operation: str, key: str, id_key: str, item: dict[str, Any],
               keep: Sequence[str] = ()) -> dict[str, Any]:
        """Add `item`, or lay it over the live item of that ID; `keep` fields stay as they were."""
        items = self.items(region, service, operation, key)
        for i, old in enumerate(items):
            if old.get(id_key) == item.get(id_key):
                merged = {**old, **{k: v for k, v in item.items() if k not in keep or k not in old}}
                items[i] = merged
                return merged
        items.append(item)
        return item

    def remove(self, region: str, service: str, operation: str, key: str, id_key: str, id_value: str) -> None:
        items = self.items(region, service, operation, key)
        items[:] = [i for i in items if i.get(id_key) != id_value]

    def origin(self, aws_id: str, res: Planned) -> None:
        if res.changed:
            self.origins.setdefault(aws_id, [])
            if res.address not in self.origins[aws_id]:
                self.origins[aws_id].append(res.address)

    # --- gaps -----------------------------------------------------------------------------

    def unknown(self, region: str, service: str, operation: str, problem: Unresolved,
                resource_key: str | None = None) -> None:
        """Leave the operation (or one entry of a per-resource one) out, saying why."""
        self.errors.append({"account": self.account, "region": region, "service": service, "operation": operation,
                            "resource": resource_key, "error_code": ERROR_UNKNOWN, "message": str(problem)})
        if resource_key is None:
            self._dropped.add((region, service, operation))
        else:
            self._dropped_keys.add((region, service, operation, resource_key))

    def unsupported(self, region: str, service: str, operation: str, message: str) -> None:
        self.errors.append({"account": self.account, "region": region, "service": service, "operation": operation,
                            "resource": None, "error_code": ERROR_UNSUPPORTED, "message": message})
        self._dropped.add((region, service, operation))

    def finish(self) -> dict[str, Any]:
        accounts: dict[str, Any] = {}
        for region, services in sorted(self.regions.items()):
            out: dict[str, Any] = {}
            for service, ops in services.items():
                kept = {}
                for op, value in ops.items():
                    if (region, service, op) in self._dropped:
                        continue
                    if isinstance(value, dict):
                        drop = {k for (r, s, o, k) in self._dropped_keys if (r, s, o) == (region, service, op)}
                        if drop:
                            value = {k: v for k, v in value.items() if k not in drop}
                    kept[op] = value
                out[service] = kept
            accounts[region] = out
        return {self.account: accounts} if accounts else {}

    # --- values ---------------------------------------------------------------------------

    def known(self, res: Planned, *path: str | int) -> Any:
        """The value at `path` after apply; Unresolved when only apply will know it."""
        if not res.deleted and unknown_at(res.after_unknown, path):
            raise Unresolved(res.address, _label(path), "the plan cannot resolve it")
        node: Any = res.values
        for step in path:
            if isinstance(node, Mapping) and isinstance(step, str):
                node = node.get(step)
            elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
                node = node[step]
            else:
                return None
        return node

    def is_unknown(self, res: Planned, *path: str | int) -> bool:
        return not res.deleted and unknown_at(res.after_unknown, path)

    def ref(self, res: Planned, path: Sequence[str | int], accept: Iterable[str] | None = None,
            config_path: Sequence[str] | None = None) -> str | None:
        """An ID-valued attribute: its known value, else the placeholder of its one source."""
        if not self.is_unknown(res, *path):
            value = self.known(res, *path)
            return str(value) if value not in (None, "") else None
        target = self.resolver.source(res, config_path or [p for p in path if isinstance(p, str)], accept,
                                      label=_label(path))
        return self.placeholder(target, res, _label(path))

    def ref_list(self, res: Planned, attr: str, accept: Iterable[str] | None = None) -> list[str]:
        """A list or set of IDs (security groups, subnets): known values, or, when the whole
        list is unknown, the sources of each element when the configuration names them one by one."""
        if not self.is_unknown(res, attr):
            value = self.known(res, attr) or []
            out = []
            for i, v in enumerate(value):
                if self.is_unknown(res, attr, i):
                    raise Unresolved(res.address, f"{attr}[{i}]", "the plan cannot resolve one element")
                out.append(str(v))
            return out
        from safemaker.scanner.terraform.refs import expression, references

        expr = expression(res, [attr])
        if expr is None:
            raise Unresolved(res.address, attr, "its configuration records no reference")
        found, opaque = self.resolver.targets(res.module, references(expr))
        if opaque:
            raise Unresolved(res.address, attr, opaque[0])
        targets = [t for t in found if accept is None or t.resource.type in set(accept)]
        if not targets or any(t.attribute != "id" for t in targets):
            raise Unresolved(res.address, attr, "its elements do not each name one resource's id")
        return list(dict.fromkeys(self.placeholder(t, res, attr) for t in targets))

    def placeholder(self, target: Target, res: Planned, attr: str) -> str:
        t = target.resource
        if not unknown_at(t.after_unknown, [target.attribute]):
            value = t.values.get(target.attribute)
            if isinstance(value, str) and value:
                return value
        if target.attribute in VPC_DEFAULTS and t.type == "aws_vpc":
            return VPC_DEFAULTS[target.attribute] + t.address
        if t.type == "aws_ec2_transit_gateway" and target.attribute in TGW_DEFAULTS:
            from safemaker.scanner.terraform.transit import default_table

            return default_table(t)
        if target.attribute == "id" and t.type in PREFIX:
            return f"{PREFIX[t.type]}-{t.address}"
        if t.type == "aws_eip" and target.attribute == "allocation_id":
            return f"eipalloc-{t.address}"
        if t.type == "aws_instance" and target.attribute == "primary_network_interface_id":
            return f"eni-{t.address}"
        if t.type == "aws_networkfirewall_firewall" and target.attribute == "firewall_status":
            from safemaker.scanner.terraform.firewall import route_endpoint

            return route_endpoint(self, t, res, attr)
        if target.attribute == "arn":
            arn = arn_of(self, t)
            if arn:
                return arn
        if target.attribute in ("id", "name") and t.type in NAME_IDS:
            name = t.values.get(NAME_IDS[t.type])
            if isinstance(name, str) and name and not unknown_at(t.after_unknown, [NAME_IDS[t.type]]):
                return name
        raise Unresolved(res.address, attr, f"it reads {t.address}.{target.attribute}{target.rest}, which safemaker "
                                            "cannot stand in for")

    def id_of(self, res: Planned) -> str:
        """The AWS ID this resource has (known) or will have (placeholder naming its address)."""
        if not self.is_unknown(res, "id") and isinstance(res.values.get("id"), str) and res.values.get("id"):
            return str(res.values["id"])
        prefix = PREFIX.get(res.type)
        if prefix is None:
            raise Unresolved(res.address, "id", "safemaker has no placeholder for this type")
        return f"{prefix}-{res.address}"


#: Types whose AWS identifier is their (known) name.
NAME_IDS: Mapping[str, str] = {
    "aws_sagemaker_notebook_instance": "name",
    "aws_sagemaker_notebook_instance_lifecycle_configuration": "name",
    "aws_networkfirewall_firewall": "name",
    "aws_networkfirewall_firewall_policy": "name",
    "aws_networkfirewall_rule_group": "name",
}


def arn_of(estate: Estate, res: Planned) -> str | None:
    """The ARN AWS will give a resource whose name is known (the ARN formats are fixed)."""
    if not estate.is_unknown(res, "arn") and isinstance(res.values.get("arn"), str) and res.values.get("arn"):
        return str(res.values["arn"])
    name = res.values.get("name")
    if not isinstance(name, str) or not name or estate.is_unknown(res, "name"):
        return None
    region = estate.region_of(res)
    acct = estate.account
    if res.type == "aws_networkfirewall_firewall":
        return f"arn:aws:network-firewall:{region}:{acct}:firewall/{name}"
    if res.type == "aws_networkfirewall_firewall_policy":
        return f"arn:aws:network-firewall:{region}:{acct}:firewall-policy/{name}"
    if res.type == "aws_networkfirewall_rule_group":
        kind = "stateful" if str(res.values.get("type", "")).upper() == "STATEFUL" else "stateless"
        return f"arn:aws:network-firewall:{region}:{acct}:{kind}-rulegroup/{name}"
    if res.type == "aws_sagemaker_notebook_instance":
        return f"arn:aws:sagemaker:{region}:{acct}:notebook-instance/{name.lower()}"
    if res.type == "aws_sagemaker_notebook_instance_lifecycle_configuration":
        return f"arn:aws:sagemaker:{region}:{acct}:notebook-instance-lifecycle-config/{name.lower()}"
    return None


def _label(path: Sequence[str | int]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def tags(values: Mapping[str, Any]) -> list[dict[str, str]]:
    raw = values.get("tags_all") or values.get("tags") or {}
    if not isinstance(raw, Mapping):
        return []
    return [{"Key": str(k), "Value": str(v)} for k, v in sorted(raw.items())]
