"""Transit gateways -> the `ec2` DescribeTransitGateway* and SearchTransitGatewayRoutes answers.

The prover follows a packet into a transit gateway through the VPC attachment of its VPC, the
attachment's association (DescribeTransitGatewayAttachments) and that route table's routes
(SearchTransitGatewayRoutes, keyed by route table). Terraform spreads these over six resource
types, and AWS adds two things no resource lists:

* a gateway with default association or propagation enabled gets a default route table
  (`tgw-rtb-default-of-<address>`, the placeholder of `association_default_route_table_id`);
* an attachment whose `transit_gateway_default_route_table_association` / `_propagation` is true
  (the provider's default when unset, which the plan shows as unknown) is associated with that
  table / propagates its VPC's CIDRs into it.

Propagated routes are the attachment VPC's CIDR blocks (IPv6 ones when the attachment supports
IPv6), as AWS propagates them. Whatever cannot be resolved leaves the operation out (ERROR).
"""

from __future__ import annotations

from typing import Any

from safemaker.scanner.terraform.estate import CREATED, Estate, tags
from safemaker.scanner.terraform.plan import Planned
from safemaker.scanner.terraform.refs import Unresolved

EC2 = "ec2"
TGWS = ("DescribeTransitGateways", "TransitGateways", "TransitGatewayId")
ATTACHMENTS = ("DescribeTransitGatewayAttachments", "TransitGatewayAttachments", "TransitGatewayAttachmentId")
VPC_ATTACHMENTS = ("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments",
                   "TransitGatewayAttachmentId")
TABLES = ("DescribeTransitGatewayRouteTables", "TransitGatewayRouteTables", "TransitGatewayRouteTableId")
SEARCH = "SearchTransitGatewayRoutes"
#: What a route, association or propagation can name as its attachment. Only VPC attachments are
#: translated; a reference to another kind finds no placeholder and is ERROR.
ATTACHMENT_TYPES = ("aws_ec2_transit_gateway_vpc_attachment",)
TABLE_TYPES = ("aws_ec2_transit_gateway_route_table", "aws_ec2_transit_gateway")


def default_table(tgw: Planned) -> str:
    """The placeholder ID of the default route table AWS creates with a transit gateway."""
    return f"tgw-rtb-default-of-{tgw.address}"


def _find(est: Estate, region: str, kind: tuple[str, str, str], key: str) -> dict[str, Any] | None:
    return est.find(region, EC2, kind[0], kind[1], kind[2], key)


def _enabled(est: Estate, res: Planned, attr: str) -> bool:
    """An "enable"/"disable" or boolean option; unknown because left unset means AWS's default (on)."""
    if est.is_unknown(res, attr):
        if not est.resolver.left_null(res, [attr]):
            raise Unresolved(res.address, attr, "the plan cannot resolve it")
        return True
    value = est.known(res, attr)
    return value not in (False, "disable")


def _search(est: Estate, region: str, rtb: str, res: Planned, attr: str) -> dict[str, Any]:
    table = est.op(region, EC2, SEARCH).get(rtb)
    if not isinstance(table, dict):
        raise Unresolved(res.address, attr, f"transit gateway route table {rtb} is neither planned nor in the live "
                                            "snapshot")
    table.setdefault("Routes", [])
    return table


def _new_table(est: Estate, region: str, rtb: str, tgw_id: str, assoc: bool, prop: bool,
               tag_list: list[dict[str, str]]) -> None:
    est.upsert(region, EC2, TABLES[0], TABLES[1], TABLES[2], {
        "TransitGatewayRouteTableId": rtb, "TransitGatewayId": tgw_id, "State": "available",
        "DefaultAssociationRouteTable": assoc, "DefaultPropagationRouteTable": prop, "CreationTime": CREATED,
        "Tags": tag_list})
    est.op(region, EC2, SEARCH).setdefault(rtb, {"Routes": [], "AdditionalRoutesAvailable": False})


def _drop_table(est: Estate, region: str, rtb: str) -> None:
    est.remove(region, EC2, TABLES[0], TABLES[1], TABLES[2], rtb)
    est.op(region, EC2, SEARCH).pop(rtb, None)
    for att in est.items(region, EC2, ATTACHMENTS[0], ATTACHMENTS[1]):
        if (att.get("Association") or {}).get("TransitGatewayRouteTableId") == rtb:
            att.pop("Association", None)


def transit_gateway(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    tid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, TGWS[0], TGWS[1], TGWS[2], tid)
        _drop_table(est, region, str(res.values.get("association_default_route_table_id") or ""))
        return
    assoc = _enabled(est, res, "default_route_table_association")
    prop = _enabled(est, res, "default_route_table_propagation")
    options: dict[str, Any] = {
        "AmazonSideAsn": int(est.known(res, "amazon_side_asn") or 64512),
        "AutoAcceptSharedAttachments": est.known(res, "auto_accept_shared_attachments") or "disable",
        "DefaultRouteTableAssociation": "enable" if assoc else "disable",
        "DefaultRouteTablePropagation": "enable" if prop else "disable",
        "VpnEcmpSupport": est.known(res, "vpn_ecmp_support") or "enable",
        "DnsSupport": est.known(res, "dns_support") or "enable"}
    if assoc or prop:
        known = None if est.is_unknown(res, "association_default_route_table_id") \
            else res.values.get("association_default_route_table_id")
        rtb = str(known or default_table(res))
        if assoc:
            options["AssociationDefaultRouteTableId"] = rtb
        if prop:
            options["PropagationDefaultRouteTableId"] = rtb
        if _find(est, region, TABLES, rtb) is None:
            _new_table(est, region, rtb, tid, assoc, prop, [])
        est.origin(rtb, res)
    arn = (None if est.is_unknown(res, "arn") else res.values.get("arn")) \
        or f"arn:aws:ec2:{region}:{est.account}:transit-gateway/{tid}"
    est.upsert(region, EC2, TGWS[0], TGWS[1], TGWS[2], {
        "TransitGatewayId": tid, "TransitGatewayArn": arn,
        "State": "available", "OwnerId": est.account, "Description": str(est.known(res, "description") or ""),
        "CreationTime": CREATED, "Options": options, "Tags": tags(res.values)})
    est.origin(tid, res)


def route_table(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    rid = est.id_of(res)
    if res.deleted:
        _drop_table(est, region, rid)
        return
    tgw_id = est.ref(res, ["transit_gateway_id"], ["aws_ec2_transit_gateway"]) or ""
    if _find(est, region, TGWS, tgw_id) is None:
        raise Unresolved(res.address, "transit_gateway_id", f"{tgw_id} is neither planned nor in the live snapshot")
    existing = _find(est, region, TABLES, rid)
    _new_table(est, region, rid, tgw_id, bool((existing or {}).get("DefaultAssociationRouteTable")),
               bool((existing or {}).get("DefaultPropagationRouteTable")), tags(res.values))
    est.origin(rid, res)


def _propagated(vpc: dict[str, Any], att_id: str, vpc_id: str, ipv6: bool) -> list[dict[str, Any]]:
    cidrs = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet") or []
             if a.get("CidrBlock") and (a.get("CidrBlockState") or {}).get("State") == "associated"]
    if ipv6:
        cidrs += [a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet") or [] if a.get("Ipv6CidrBlock")]
    target = [{"ResourceId": vpc_id, "ResourceType": "vpc", "TransitGatewayAttachmentId": att_id}]
    return [{"DestinationCidrBlock": c, "TransitGatewayAttachments": target, "Type": "propagated", "State": "active"}
            for c in cidrs]


def _unpropagate(table: dict[str, Any], att_id: str) -> None:
    table["Routes"] = [r for r in table.get("Routes", []) if not (
        r.get("Type") == "propagated" and any(t.get("TransitGatewayAttachmentId") == att_id
                                              for t in r.get("TransitGatewayAttachments") or []))]


def _propagate(est: Estate, res: Planned, region: str, rtb: str, att_id: str, attr: str) -> None:
    att = _find(est, region, VPC_ATTACHMENTS, att_id)
    if att is None:
        raise Unresolved(res.address, attr, f"VPC attachment {att_id} is neither planned nor in the live snapshot")
    vpc_id = str(att.get("VpcId") or "")
    vpc = est.find(region, EC2, "DescribeVpcs", "Vpcs", "VpcId", vpc_id)
    if vpc is None:
        raise Unresolved(res.address, attr, f"the CIDRs of {vpc_id}, which {att_id} propagates, are neither planned "
                                            "nor in the live snapshot")
    table = _search(est, region, rtb, res, attr)
    _unpropagate(table, att_id)
    ipv6 = (att.get("Options") or {}).get("Ipv6Support") == "enable"
    table["Routes"] += _propagated(vpc, att_id, vpc_id, ipv6)
    est.origin(rtb, res)


def vpc_attachment(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    aid = est.id_of(res)
    if res.deleted:
        est.remove(region, EC2, ATTACHMENTS[0], ATTACHMENTS[1], ATTACHMENTS[2], aid)
        est.remove(region, EC2, VPC_ATTACHMENTS[0], VPC_ATTACHMENTS[1], VPC_ATTACHMENTS[2], aid)
        for table in est.op(region, EC2, SEARCH).values():
            _unpropagate(table, aid)
            for r in table.get("Routes", []):
                if any(t.get("TransitGatewayAttachmentId") == aid for t in r.get("TransitGatewayAttachments") or []):
                    r["State"] = "blackhole"  # a static route to a deleted attachment
        return
    tgw_id = est.ref(res, ["transit_gateway_id"], ["aws_ec2_transit_gateway"]) or ""
    tgw = _find(est, region, TGWS, tgw_id)
    if tgw is None:
        raise Unresolved(res.address, "transit_gateway_id", f"{tgw_id} is neither planned nor in the live snapshot")
    vpc_id = est.ref(res, ["vpc_id"], ["aws_vpc"]) or ""
    subnets = est.ref_list(res, "subnet_ids", ["aws_subnet"])
    options = {"DnsSupport": est.known(res, "dns_support") or "enable",
               "Ipv6Support": est.known(res, "ipv6_support") or "disable",
               "ApplianceModeSupport": est.known(res, "appliance_mode_support") or "disable"}
    est.upsert(region, EC2, VPC_ATTACHMENTS[0], VPC_ATTACHMENTS[1], VPC_ATTACHMENTS[2], {
        "TransitGatewayAttachmentId": aid, "TransitGatewayId": tgw_id, "VpcId": vpc_id, "VpcOwnerId": est.account,
        "State": "available", "SubnetIds": subnets, "CreationTime": CREATED, "Options": options,
        "Tags": tags(res.values)})
    att = est.upsert(region, EC2, ATTACHMENTS[0], ATTACHMENTS[1], ATTACHMENTS[2], {
        "TransitGatewayAttachmentId": aid, "TransitGatewayId": tgw_id,
        "TransitGatewayOwnerId": str(tgw.get("OwnerId") or est.account), "ResourceOwnerId": est.account,
        "ResourceType": "vpc", "ResourceId": vpc_id, "State": "available", "CreationTime": CREATED,
        "Tags": tags(res.values)}, keep=("Association",))
    est.origin(aid, res)
    tgw_options = tgw.get("Options") or {}
    for flag, option, table_key in (
            ("transit_gateway_default_route_table_association", "DefaultRouteTableAssociation",
             "AssociationDefaultRouteTableId"),
            ("transit_gateway_default_route_table_propagation", "DefaultRouteTablePropagation",
             "PropagationDefaultRouteTableId")):
        if tgw_options.get(option) != "enable":
            continue
        rtb = tgw_options.get(table_key)
        if not rtb:
            raise Unresolved(res.address, flag, f"the default route table of {tgw_id} is not in the live snapshot")
        wanted = _enabled(est, res, flag)
        if option == "DefaultRouteTableAssociation":
            if wanted:
                att["Association"] = {"TransitGatewayRouteTableId": rtb, "State": "associated"}
                est.origin(str(rtb), res)
            elif (att.get("Association") or {}).get("TransitGatewayRouteTableId") == rtb:
                att.pop("Association", None)
        elif wanted:
            _propagate(est, res, region, str(rtb), aid, flag)
        else:
            _unpropagate(_search(est, region, str(rtb), res, flag), aid)


def _attachment(est: Estate, res: Planned, region: str) -> tuple[str, dict[str, Any]]:
    att_id = est.ref(res, ["transit_gateway_attachment_id"], ATTACHMENT_TYPES) or ""
    att = _find(est, region, ATTACHMENTS, att_id)
    if att is None:
        raise Unresolved(res.address, "transit_gateway_attachment_id",
                         f"attachment {att_id} is neither planned nor in the live snapshot")
    return att_id, att


def _table_id(est: Estate, res: Planned) -> str:
    return est.ref(res, ["transit_gateway_route_table_id"], TABLE_TYPES) or ""


def association(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    att_id, att = _attachment(est, res, region)
    rtb = _table_id(est, res)
    if res.deleted:
        if (att.get("Association") or {}).get("TransitGatewayRouteTableId") == rtb:
            att.pop("Association", None)
        return
    if _find(est, region, TABLES, rtb) is None:
        raise Unresolved(res.address, "transit_gateway_route_table_id",
                         f"{rtb} is neither planned nor in the live snapshot")
    att["Association"] = {"TransitGatewayRouteTableId": rtb, "State": "associated"}
    est.origin(rtb, res)
    est.origin(att_id, res)


def propagation(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    att_id, _ = _attachment(est, res, region)
    rtb = _table_id(est, res)
    if res.deleted:
        _unpropagate(_search(est, region, rtb, res, "transit_gateway_route_table_id"), att_id)
        return
    _propagate(est, res, region, rtb, att_id, "transit_gateway_attachment_id")


def route(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    rtb = _table_id(est, res)
    table = _search(est, region, rtb, res, "transit_gateway_route_table_id")
    dest = est.known(res, "destination_cidr_block")
    if not dest:
        raise Unresolved(res.address, "destination_cidr_block", "the plan cannot resolve it")
    routes = [r for r in table["Routes"] if not (r.get("DestinationCidrBlock") == dest and r.get("Type") == "static")]
    if not res.deleted:
        if est.known(res, "blackhole"):
            routes.append({"DestinationCidrBlock": dest, "TransitGatewayAttachments": [], "Type": "static",
                           "State": "blackhole"})
        else:
            att_id, att = _attachment(est, res, region)
            routes.append({"DestinationCidrBlock": dest, "TransitGatewayAttachments": [{
                "ResourceId": att.get("ResourceId"), "ResourceType": att.get("ResourceType"),
                "TransitGatewayAttachmentId": att_id}], "Type": "static", "State": "active"})
    table["Routes"] = routes
    est.origin(rtb, res)
