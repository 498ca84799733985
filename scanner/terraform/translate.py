"""A plan -> a `safemaker.snapshot/v1` document (optionally laid over a live one).

Resources are translated family by family in dependency order (VPCs before the route tables
that need their CIDRs for local routes, tables before routes and associations, groups before
rules), so that each translator can look up what it builds on in the estate being built.

Types the translator does not know are listed once on stderr. When such a type could carry
traffic (a load balancer, a VPN, a transit gateway peering attachment, a third-party appliance), a
path through it cannot be proven either way: forwarding in its region is then reported as not
collected (`DescribeRouteTables` left out, the resources named in `errors`), so every path
verdict there is ERROR rather than a PASS that ignores it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from safemaker import __version__
from safemaker.scanner.terraform import addresses, firewall, network, sagemaker, transit
from safemaker.scanner.terraform.estate import Estate
from safemaker.scanner.terraform.plan import Plan, Planned
from safemaker.scanner.terraform.refs import Unresolved

Handler = Callable[[Estate, Planned], None]
KeyOf = Callable[[Estate, Planned], str]


@dataclass(frozen=True)
class Family:
    types: tuple[str, ...]
    service: str
    operation: str
    handler: Handler
    key_of: KeyOf | None = None  # per-resource operations: only this entry is left out when unknown


FAMILIES: tuple[Family, ...] = (
    Family(("aws_vpc",), "ec2", "DescribeVpcs", network.vpc),
    Family(("aws_subnet",), "ec2", "DescribeSubnets", network.subnet),
    Family(("aws_internet_gateway",), "ec2", "DescribeInternetGateways", network.internet_gateway),
    Family(("aws_internet_gateway_attachment",), "ec2", "DescribeInternetGateways",
           network.internet_gateway_attachment),
    Family(("aws_egress_only_internet_gateway",), "ec2", "DescribeEgressOnlyInternetGateways",
           network.egress_only_gateway),
    Family(("aws_eip",), "ec2", "DescribeNatGateways", network.nothing),
    Family(("aws_nat_gateway",), "ec2", "DescribeNatGateways", network.nat_gateway),
    Family(("aws_security_group",), "ec2", "DescribeSecurityGroups", network.security_group),
    Family(("aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"), "ec2",
           "DescribeSecurityGroups", network.vpc_security_group_rule),
    Family(("aws_security_group_rule",), "ec2", "DescribeSecurityGroups", network.security_group_rule),
    Family(("aws_network_acl",), "ec2", "DescribeNetworkAcls", network.network_acl),
    Family(("aws_network_acl_rule",), "ec2", "DescribeNetworkAcls", network.network_acl_rule),
    Family(("aws_network_acl_association",), "ec2", "DescribeNetworkAcls", network.network_acl_association),
    Family(("aws_instance",), "ec2", "DescribeInstances", network.instance),
    Family(("aws_network_interface",), "ec2", "DescribeNetworkInterfaces", network.network_interface),
    Family(("aws_vpc_peering_connection",), "ec2", "DescribeVpcPeeringConnections", network.peering),
    Family(("aws_ec2_managed_prefix_list",), "ec2", "GetManagedPrefixListEntries", addresses.managed_prefix_list,
           addresses.prefix_list_key),
    Family(("aws_ec2_managed_prefix_list_entry",), "ec2", "GetManagedPrefixListEntries", addresses.prefix_list_entry,
           addresses.prefix_list_entry_key),
    # An exclusion that cannot be resolved leaves the options out (taken as off), never only itself.
    Family(("aws_vpc_block_public_access_options",), "ec2", "DescribeVpcBlockPublicAccessOptions",
           addresses.block_public_access_options),
    Family(("aws_vpc_block_public_access_exclusion",), "ec2", "DescribeVpcBlockPublicAccessOptions",
           addresses.block_public_access_exclusion),
    Family(("aws_ec2_transit_gateway",), "ec2", "DescribeTransitGateways", transit.transit_gateway),
    Family(("aws_ec2_transit_gateway_route_table",), "ec2", "DescribeTransitGatewayRouteTables", transit.route_table),
    Family(("aws_ec2_transit_gateway_vpc_attachment",), "ec2", "DescribeTransitGatewayVpcAttachments",
           transit.vpc_attachment),
    Family(("aws_ec2_transit_gateway_route_table_association",), "ec2", "DescribeTransitGatewayAttachments",
           transit.association),
    Family(("aws_ec2_transit_gateway_route_table_propagation",), "ec2", "SearchTransitGatewayRoutes",
           transit.propagation),
    Family(("aws_ec2_transit_gateway_route",), "ec2", "SearchTransitGatewayRoutes", transit.route),
    Family(("aws_route_table",), "ec2", "DescribeRouteTables", network.route_table),
    Family(("aws_vpc_endpoint",), "ec2", "DescribeVpcEndpoints", network.vpc_endpoint),
    Family(("aws_networkfirewall_rule_group",), "network-firewall", "DescribeRuleGroup", firewall.rule_group),
    Family(("aws_networkfirewall_firewall_policy",), "network-firewall", "DescribeFirewallPolicy",
           firewall.firewall_policy),
    Family(("aws_networkfirewall_firewall",), "network-firewall", "DescribeFirewall", firewall.firewall),
    Family(("aws_networkfirewall_logging_configuration",), "network-firewall", "DescribeLoggingConfiguration",
           firewall.logging_configuration),
    Family(("aws_route",), "ec2", "DescribeRouteTables", network.route),
    Family(("aws_route_table_association",), "ec2", "DescribeRouteTables", network.route_table_association),
    Family(("aws_main_route_table_association",), "ec2", "DescribeRouteTables",
           network.main_route_table_association),
    Family(("aws_sagemaker_notebook_instance_lifecycle_configuration",), "sagemaker",
           "DescribeNotebookInstanceLifecycleConfig", sagemaker.lifecycle_config, sagemaker.lifecycle_config_key),
    Family(("aws_sagemaker_notebook_instance",), "sagemaker", "DescribeNotebookInstance", sagemaker.notebook,
           sagemaker.notebook_key),
    Family(("aws_sagemaker_domain",), "sagemaker", "DescribeDomain", sagemaker.domain, sagemaker.domain_key),
    Family(("aws_sagemaker_user_profile",), "sagemaker", "DescribeUserProfile", sagemaker.user_profile,
           sagemaker.user_profile_key),
    Family(("aws_sagemaker_space",), "sagemaker", "DescribeSpace", sagemaker.space, sagemaker.space_key),
)
_BY_TYPE: Mapping[str, Family] = {t: f for f in FAMILIES for t in f.types}

#: Type prefixes of resources that can forward, filter or terminate traffic. An unknown type with
#: one of them (or from a provider other than aws and the utility ones) makes path verdicts ERROR.
TRAFFIC_PREFIXES = ("aws_vpc", "aws_ec2_", "aws_default_", "aws_lb", "aws_alb", "aws_vpn", "aws_dx_", "aws_route",
                    "aws_network", "aws_subnet", "aws_eip", "aws_nat", "aws_customer_gateway", "aws_globalaccelerator",
                    "aws_networkfirewall", "aws_networkmanager", "aws_instance", "aws_launch_template",
                    "aws_autoscaling", "aws_sagemaker", "aws_ram_", "aws_internet_gateway", "aws_egress_only",
                    "aws_verifiedaccess", "aws_ec2", "aws_security_group", "aws_prefix_list")
_PASSIVE_PROVIDERS = ("random_", "null_", "local_", "tls_", "time_", "archive_", "template_", "terraform_data")


def carries_traffic(type_: str) -> bool:
    if type_.startswith("aws_"):
        return type_.startswith(TRAFFIC_PREFIXES)
    return not type_.startswith(_PASSIVE_PROVIDERS)


@dataclass
class Translation:
    doc: dict[str, Any]
    unsupported: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    origins: dict[str, list[str]] = field(default_factory=dict)


def translate(plan: Plan, account: str, region: str | None, base: Mapping[str, Any] | None = None,
              created: str = "2026-01-01T00:00:00Z") -> Translation:
    """The planned estate as a snapshot document (over `base`, a live snapshot, when given).

    Without a base every planned resource is the estate; with one, only resources the plan
    creates, updates or deletes change it (unchanged ones are already live)."""
    est = Estate(plan, account, region, base)
    chosen = [r for r in plan.resources if (r.changed if base is not None else not r.deleted)]
    unsupported: dict[str, list[str]] = {}
    for r in chosen:
        if r.type not in _BY_TYPE:
            unsupported.setdefault(r.type, []).append(r.address)
    regions = set()
    for r in chosen:
        with contextlib.suppress(Unresolved):
            regions.add(est.region_of(r))
    for reg in sorted(regions or ({region} if region else set())):
        est.responses(reg)
    for family in FAMILIES:
        for r in chosen:
            if r.type not in family.types:
                continue
            try:
                reg = est.region_of(r)
            except Unresolved as exc:
                est.errors.append({"account": account, "region": region or "", "service": family.service,
                                   "operation": family.operation, "resource": None,
                                   "error_code": "UnknownUntilApply", "message": str(exc)})
                continue
            try:
                family.handler(est, r)
            except Unresolved as exc:
                key = None
                if family.key_of is not None:
                    try:
                        key = family.key_of(est, r)
                    except Unresolved:
                        key = None
                est.unknown(reg, family.service, family.operation, exc, key)
    for reg in list(est.regions):
        network.default_acl_for_new_subnets(est, reg)
    for type_, listed in sorted(unsupported.items()):
        if not carries_traffic(type_):
            continue
        for r in chosen:
            if r.address in listed:
                try:
                    reg = est.region_of(r)
                except Unresolved:
                    reg = region or ""
                est.unsupported(reg, "ec2", "DescribeRouteTables",
                                f"{r.address}: safemaker cannot model {type_}, which can carry traffic: paths in "
                                "this region cannot be proven")
    doc: dict[str, Any] = {"schema": "safemaker.snapshot/v1", "created": created, "tool_version": __version__,
                           "accounts": est.finish(), "errors": list((base or {}).get("errors") or []) + est.errors}
    return Translation(doc=doc, unsupported=[f"{t} ({', '.join(a)})" for t, a in sorted(unsupported.items())],
                       unresolved=[e["message"] for e in est.errors], origins=est.origins)
