"""Transit gateways across every account and region of the snapshot (rule 23): attachments by
id and by VPC, their route table associations, and the routes of each table. A transit gateway is
shared, so its attachments and tables may be described in another account than the spoke's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph.addrs import AddrSet
from safemaker.scanner.graph.topology import Topology
from safemaker.scanner.snapshot.io import RegionView, Snapshot

# VPC attachment states in which the attachment carries traffic ("modifying": subnets being
# added or removed; botocore's enum omits it, the EC2 API returns it).
TGW_ATTACHMENT_FORWARDS = frozenset({"available", "modifying"})


class TransitGateways:
    """Lookups over every transit gateway attachment and route table in the snapshot."""

    def __init__(self, snapshot: Snapshot, topology: Callable[[RegionView], Topology],
                 view_of_vpc: Callable[[str], RegionView | None], not_internet: AddrSet) -> None:
        self.snapshot = snapshot
        self.topology = topology
        self.view_of_vpc = view_of_vpc
        self.not_internet = not_internet
        self.tgw_indexes: dict[str, dict[Any, list[tuple[RegionView, Mapping[str, Any]]]]] = {}
        self._spokes: dict[tuple[str, str], AddrSet | None] = {}
        self._by_subnet: dict[tuple[str, str], list[Mapping[str, Any]]] | None = None
        self._by_tgw: dict[Any, list[Mapping[str, Any]]] = {}

    def index(self, operation: str, member: str) -> dict[Any, list[tuple[RegionView, Mapping[str, Any]]]]:
        """Attachments of every account/region by id and by (TGW, VPC), in snapshot order."""
        index = self.tgw_indexes.get(operation)
        if index is None:
            index = {}
            for view in self.snapshot.views():
                if not view.has("ec2", operation):
                    continue
                for att in view.items("ec2", operation, member):
                    index.setdefault(att.get("TransitGatewayAttachmentId"), []).append((view, att))
                    index.setdefault((att.get("TransitGatewayId"), att.get("VpcId")), []).append((view, att))
            self.tgw_indexes[operation] = index
        return index

    def spoke_ranges(self, view: RegionView, subnet_id: str) -> AddrSet | None:
        """The IPv4 ranges of the spoke VPCs whose transit gateway route tables send internet
        traffic to the attachment that uses `subnet_id`; None when no attachment uses it."""
        if not any(v.has("ec2", "DescribeTransitGatewayVpcAttachments") for v in self.snapshot.views()):
            # without the attachments any subnet may be one, protecting spokes the data cannot name
            raise MissingData("ec2 DescribeTransitGatewayVpcAttachments was not collected: whether "
                              f"{subnet_id} is a transit gateway attachment subnet is unknown")
        key = (view.where, subnet_id)
        if key not in self._spokes:
            self._spokes[key] = self._spoke_ranges(view, subnet_id)
        return self._spokes[key]

    def _attachment_lists(self) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
        """VPC attachments by (where, subnet) and by transit gateway, each attachment once (the
        last description of an ID wins, at the place of its first), in snapshot order: built
        once, not per firewall subnet (that was quadratic in the attachments)."""
        if self._by_subnet is None:
            index = self.index("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments")
            attachments = {str(att.get("TransitGatewayAttachmentId")): (v, att)
                           for key, found in index.items() if isinstance(key, str) for v, att in found}
            self._by_subnet = {}
            for v, att in attachments.values():
                self._by_tgw.setdefault(att.get("TransitGatewayId"), []).append(att)
                for subnet in dict.fromkeys(att.get("SubnetIds") or []):
                    self._by_subnet.setdefault((v.where, str(subnet)), []).append(att)
        return self._by_subnet

    def _spoke_ranges(self, view: RegionView, subnet_id: str) -> AddrSet | None:
        mine = [att for att in self._attachment_lists().get((view.where, subnet_id), [])
                if att.get("State") in TGW_ATTACHMENT_FORWARDS]
        if not mine:
            return None
        out = AddrSet.empty(4)
        internet = AddrSet.everything(4).subtract(self.not_internet)
        for hub in mine:
            hub_id = hub.get("TransitGatewayAttachmentId")
            for spoke in self._by_tgw.get(hub.get("TransitGatewayId"), []):
                if spoke is hub or spoke.get("TransitGatewayId") != hub.get("TransitGatewayId") \
                        or spoke.get("State") not in TGW_ATTACHMENT_FORWARDS:
                    continue
                rtb_id = self.association(str(spoke.get("TransitGatewayAttachmentId")))
                if rtb_id is None:
                    continue
                if not any(r.get("State") != "blackhole"
                           and any(t.get("TransitGatewayAttachmentId") == hub_id
                                   for t in r.get("TransitGatewayAttachments", []) or [])
                           and self._route_destinations(view, r).overlaps(internet)
                           for r in self.routes(rtb_id)):
                    continue
                vpc_id = str(spoke.get("VpcId", ""))
                where = self.view_of_vpc(vpc_id)
                if where is None:
                    raise MissingData(f"spoke VPC {vpc_id} (attachment {spoke.get('TransitGatewayAttachmentId')}) "
                                      "is not in the snapshot: the ranges the firewall protects are unknown")
                out = out.union(AddrSet.from_cidrs(4, self.topology(where).vpc_cidrs(vpc_id)))
        return out

    def _route_destinations(self, view: RegionView, route: Mapping[str, Any]) -> AddrSet:
        """A transit gateway route's IPv4 destinations: its CIDR, or its prefix list's entries
        (read in the firewall's region; MissingData when they cannot be read there)."""
        cidr = route.get("DestinationCidrBlock")
        if cidr:
            return AddrSet.from_cidrs_by_family([str(cidr)])[0]
        plid = route.get("PrefixListId")
        if not plid:
            return AddrSet.empty(4)
        cidrs, problem = self.topology(view).prefix_list(str(plid))
        if problem:
            raise MissingData(f"transit gateway route to {plid}: {problem}")
        return AddrSet.from_cidrs_by_family(list(cidrs))[0]

    def vpc_attachment(self, tgw_id: str, vpc_id: str) -> tuple[RegionView, Mapping[str, Any]] | None:
        index = self.index("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments")
        for view, att in index.get((tgw_id, vpc_id), []):
            if att.get("State") in TGW_ATTACHMENT_FORWARDS:
                return view, att
        own = self.snapshot.views()
        if not any(v.has("ec2", "DescribeTransitGatewayVpcAttachments") for v in own):
            raise MissingData("ec2 DescribeTransitGatewayVpcAttachments was not collected")
        return None

    def attachment_by_id(self, att_id: str) -> tuple[RegionView, Mapping[str, Any]] | None:
        index = self.index("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments")
        found = index.get(att_id)
        return found[0] if found else None

    def association(self, att_id: str) -> str | None:
        """The attachment's TGW route table; None only when the data shows it has none.

        An attachment without an `Association` member is "not associated" only in the TGW
        owner's account: a spoke account sharing someone else's TGW may not see it, and an
        attachment that is in no DescribeTransitGatewayAttachments at all is simply unknown.
        Either would otherwise read as "dropped", a PASS from missing data.
        """
        collected = any(v.has("ec2", "DescribeTransitGatewayAttachments") for v in self.snapshot.views())
        unassociated = False
        owner = None
        if collected:
            for view, att in self.index("DescribeTransitGatewayAttachments",
                                             "TransitGatewayAttachments").get(att_id, []):
                assoc = att.get("Association")
                owner = att.get("TransitGatewayOwnerId")
                if isinstance(assoc, Mapping):
                    # associating/disassociating may carry traffic: count them as associated
                    if assoc.get("State") in ("associated", "associating", "disassociating") \
                            and assoc.get("TransitGatewayRouteTableId"):
                        return str(assoc["TransitGatewayRouteTableId"])
                    unassociated = True
                elif owner == view.account:
                    unassociated = True
        if not collected:
            raise MissingData("ec2 DescribeTransitGatewayAttachments was not collected")
        if unassociated:
            return None
        if owner:
            raise MissingData(f"the route table association of {att_id} is visible only to the transit gateway "
                              f"owner {owner}, whose DescribeTransitGatewayAttachments is not in the snapshot")
        raise MissingData(f"transit gateway attachment {att_id} is not in ec2 DescribeTransitGatewayAttachments")

    def routes(self, rtb_id: str) -> list[Mapping[str, Any]]:
        for view in self.snapshot.views():
            if view.has("ec2", "SearchTransitGatewayRoutes"):
                found = view.response("ec2", "SearchTransitGatewayRoutes")
                if isinstance(found, Mapping) and rtb_id in found:
                    return list(found[rtb_id].get("Routes", []) or [])
        for view in self.snapshot.views():  # name the failed call, when the collector recorded one
            if any((f.account, f.region, f.operation) == (view.account, view.region, "SearchTransitGatewayRoutes")
                   and f.resource in (None, rtb_id) for f in self.snapshot.failures):
                raise MissingData(view.missing_reason("ec2", "SearchTransitGatewayRoutes", rtb_id))
        raise MissingData(f"ec2 SearchTransitGatewayRoutes for {rtb_id} was not collected")
