"""The network pictures of the HTML report: one per VPC, or per group of VPCs joined by peering or
a transit gateway, laid out the same way every time.

A reviewer asked "where does this notebook's traffic leave?" needs the network, not only a chain
of IDs: which subnets in which Availability Zones, where the NAT gateways, firewall endpoints,
proxies and endpoints sit. The layout is arithmetic on sorted keys (AZ columns, subnet rows by
tier: public, firewall, private, isolated), so the same snapshot always gives the same picture
and a reviewer who knows one report finds things in the same place in the next.

Every node carries the AWS ID it stands for (`data-node`); the page's script highlights a
finding's path by matching those IDs against the path's hop IDs, so the picture is drawn once
and shared by every finding in the VPC. Labels are plain strings: the template escapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Geometry in SVG user units.
ITEM_H = 18
SUB_W = 200
SUB_HEAD = 20
GAP = 10
TOP_ROW = 30
TIERS = ("public", "firewall", "private", "isolated")
LABEL_CHARS = 30
#: A group with more VPCs than this is drawn one VPC per picture (joined VPCs named in the caption).
MAX_GROUP = 6


@dataclass(frozen=True)
class Node:
    x: int
    y: int
    w: int
    h: int
    ident: str  # the AWS ID a path hop names
    kind: str  # css class: workload, nat, firewall, endpoint, proxy, instance, igw, tgw, peering, internet
    label: str
    title: str


@dataclass(frozen=True)
class Frame:
    """A VPC or subnet outline with its caption."""

    x: int
    y: int
    w: int
    h: int
    kind: str  # vpc, subnet-<tier>
    label: str
    ident: str


@dataclass(frozen=True)
class Picture:
    anchor: str
    title: str
    account: str
    region: str
    width: int
    height: int
    frames: tuple[Frame, ...]
    nodes: tuple[Node, ...]
    joined: str  # what joins the VPCs, or the VPCs this one is joined to when drawn alone


def pictures(snapshot: Any) -> list[Picture]:
    """Every VPC that holds a workload, grouped with the VPCs it is joined to."""
    out: list[Picture] = []
    for view in snapshot.views():
        out.extend(_region_pictures(view, start=len(out)))
    return out


def _items(view: Any, op: str, key: str, service: str = "ec2") -> list[Mapping[str, Any]]:
    answer = view.optional(service, op)
    items = answer.get(key) if isinstance(answer, Mapping) else None
    return [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []


def _name(item: Mapping[str, Any]) -> str:
    for tag in item.get("Tags") or []:
        if isinstance(tag, Mapping) and tag.get("Key") == "Name" and isinstance(tag.get("Value"), str):
            return str(tag["Value"])
    return ""


def _label(ident: str, name: str) -> str:
    text = f"{ident} {name}" if name else ident
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "\u2026"


class _Region:
    """What one account/region holds, indexed by subnet and VPC."""

    def __init__(self, view: Any) -> None:
        self.vpcs = {str(v["VpcId"]): v for v in _items(view, "DescribeVpcs", "Vpcs") if v.get("VpcId")}
        self.subnets = {str(s["SubnetId"]): s for s in _items(view, "DescribeSubnets", "Subnets") if s.get("SubnetId")}
        # Each VPC's subnets, found once: a picture per VPC scanning every subnet of the region
        # took most of a 10,000-notebook report's rendering (5,000 VPCs x 50,000 subnets).
        self.vpc_subnets: dict[str, list[str]] = {}
        for sid, subnet in self.subnets.items():
            self.vpc_subnets.setdefault(str(subnet.get("VpcId")), []).append(sid)
        self.in_subnet: dict[str, list[tuple[str, str, str, str]]] = {}  # subnet -> (kind, id, label, title)
        self.in_vpc: dict[str, list[tuple[str, str, str, str]]] = {}
        self.edges: list[tuple[str, str, str]] = []  # (vpc, vpc, via)
        self.tier: dict[str, str] = {}
        self.workload_vpcs: set[str] = set()
        self._routes(view)
        self._things(view)

    def put(self, subnet: str, kind: str, ident: str, name: str, title: str) -> None:
        if subnet in self.subnets:
            self.in_subnet.setdefault(subnet, []).append((kind, ident, _label(ident, name), title))

    def _routes(self, view: Any) -> None:
        main: dict[str, Mapping[str, Any]] = {}
        by_subnet: dict[str, Mapping[str, Any]] = {}
        for table in _items(view, "DescribeRouteTables", "RouteTables"):
            for assoc in table.get("Associations") or []:
                if isinstance(assoc, Mapping) and assoc.get("Main") and table.get("VpcId"):
                    main[str(table["VpcId"])] = table
                elif isinstance(assoc, Mapping) and assoc.get("SubnetId"):
                    by_subnet[str(assoc["SubnetId"])] = table
        for sid, subnet in self.subnets.items():
            table = by_subnet.get(sid) or main.get(str(subnet.get("VpcId")), {})
            targets = " ".join(str(r.get(k, "")) for r in table.get("Routes") or [] if isinstance(r, Mapping)
                               for k in ("GatewayId", "NatGatewayId", "TransitGatewayId", "NetworkInterfaceId",
                                         "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId"))
            if "igw-" in targets:
                self.tier[sid] = "public"
            elif any(t in targets for t in ("nat-", "tgw-", "vpce-", "eni-", "pcx-", "eigw-")):
                self.tier[sid] = "private"
            else:
                self.tier[sid] = "isolated"

    def _things(self, view: Any) -> None:
        for nat in _items(view, "DescribeNatGateways", "NatGateways"):
            self.put(str(nat.get("SubnetId")), "nat", str(nat.get("NatGatewayId")), _name(nat), "NAT gateway")
        firewalls = view.optional("network-firewall", "DescribeFirewall")
        fw_endpoints: set[str] = set()
        for desc in firewalls.values() if isinstance(firewalls, Mapping) else []:
            fw = (desc or {}).get("Firewall") or {}
            for state in (((desc or {}).get("FirewallStatus") or {}).get("SyncStates") or {}).values():
                att = (state or {}).get("Attachment") or {}
                if att.get("EndpointId") and att.get("SubnetId"):
                    fw_endpoints.add(str(att["EndpointId"]))
                    self.tier[str(att["SubnetId"])] = "firewall"
                    self.put(str(att["SubnetId"]), "firewall", str(att["EndpointId"]),
                             str(fw.get("FirewallName", "")), "Network Firewall endpoint")
        for ep in _items(view, "DescribeVpcEndpoints", "VpcEndpoints"):
            ident, etype = str(ep.get("VpcEndpointId")), str(ep.get("VpcEndpointType", ""))
            service = str(ep.get("ServiceName", "")).rsplit(".", 1)[-1]
            if ident in fw_endpoints:
                continue
            if etype == "Gateway":
                self.in_vpc.setdefault(str(ep.get("VpcId")), []).append(
                    ("endpoint", ident, _label(ident, service), f"gateway endpoint {ep.get('ServiceName', '')}"))
                continue
            kind = "firewall" if etype == "GatewayLoadBalancer" else "endpoint"
            for sid in ep.get("SubnetIds") or []:
                if kind == "firewall":
                    self.tier[str(sid)] = "firewall"
                self.put(str(sid), kind, ident, service, f"{etype} endpoint {ep.get('ServiceName', '')}")
        for res in _items(view, "DescribeInstances", "Reservations"):
            for inst in res.get("Instances") or []:
                if isinstance(inst, Mapping) and inst.get("SubnetId"):
                    tags = {t.get("Key"): t.get("Value") for t in inst.get("Tags") or [] if isinstance(t, Mapping)}
                    kind = "proxy" if tags.get("safemaker:role") == "proxy" else "instance"
                    self.put(str(inst["SubnetId"]), kind, str(inst.get("InstanceId")), _name(inst), "EC2 instance")
        notebooks = view.optional("sagemaker", "DescribeNotebookInstance")
        for name, nb in sorted(notebooks.items()) if isinstance(notebooks, Mapping) else []:
            if isinstance(nb, Mapping) and nb.get("SubnetId"):
                sid = str(nb["SubnetId"])
                ident = str(nb.get("NetworkInterfaceId") or name)
                self.put(sid, "workload", ident, str(name), f"notebook {name}")
                self.workload_vpcs.add(str(self.subnets.get(sid, {}).get("VpcId", "")))
        for igw in _items(view, "DescribeInternetGateways", "InternetGateways"):
            for att in igw.get("Attachments") or []:
                if isinstance(att, Mapping) and att.get("VpcId"):
                    self.in_vpc.setdefault(str(att["VpcId"]), []).append(
                        ("igw", str(igw.get("InternetGatewayId")),
                         _label(str(igw.get("InternetGatewayId")), _name(igw)), "internet gateway"))
        for eigw in _items(view, "DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways"):
            ident = str(eigw.get("EgressOnlyInternetGatewayId"))
            for att in eigw.get("Attachments") or []:
                if isinstance(att, Mapping) and att.get("VpcId"):
                    self.in_vpc.setdefault(str(att["VpcId"]), []).append(
                        ("igw", ident, _label(ident, _name(eigw)), "egress-only internet gateway"))
        by_tgw: dict[str, list[str]] = {}
        for att in _items(view, "DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments"):
            vpc, tgw, ident = str(att.get("VpcId")), str(att.get("TransitGatewayId")), \
                str(att.get("TransitGatewayAttachmentId"))
            self.in_vpc.setdefault(vpc, []).append(("tgw", ident, _label(ident, _name(att)), f"attachment to {tgw}"))
            self.in_vpc[vpc].append(("tgw", tgw, _label(tgw, ""), "transit gateway"))
            by_tgw.setdefault(tgw, []).append(vpc)
        for tgw, vpcs in sorted(by_tgw.items()):
            self.edges.extend((vpcs[0], other, tgw) for other in vpcs[1:])
        for pcx in _items(view, "DescribeVpcPeeringConnections", "VpcPeeringConnections"):
            a = str((pcx.get("RequesterVpcInfo") or {}).get("VpcId"))
            b = str((pcx.get("AccepterVpcInfo") or {}).get("VpcId"))
            ident = str(pcx.get("VpcPeeringConnectionId"))
            for vpc in (a, b):
                self.in_vpc.setdefault(vpc, []).append(("peering", ident, _label(ident, _name(pcx)), "peering"))
            self.edges.append((a, b, ident))


def _groups(region: _Region) -> list[tuple[list[str], str]]:
    """Connected VPCs (union-find over peering and TGW edges) that hold a workload."""
    parent = {v: v for v in region.vpcs}

    def find(v: str) -> str:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    via: dict[str, set[str]] = {}
    for a, b, _how in region.edges:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    for a, _, how in region.edges:
        if a in parent:
            via.setdefault(find(a), set()).add(how)
    members: dict[str, list[str]] = {}
    for v in sorted(region.vpcs):
        members.setdefault(find(v), []).append(v)
    out = []
    for root, vpcs in sorted(members.items()):
        joins = ", ".join(sorted(via.get(root, ())))
        if not any(v in region.workload_vpcs for v in vpcs):
            continue
        if len(vpcs) <= MAX_GROUP:
            out.append((vpcs, f"joined by {joins}" if len(vpcs) > 1 else ""))
        else:  # too many to draw together: each VPC with a workload alone, the group named
            out.extend(([v], f"one of {len(vpcs)} VPCs joined by {_short(joins)}")
                       for v in vpcs if v in region.workload_vpcs)
    return out


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _region_pictures(view: Any, start: int) -> list[Picture]:
    region = _Region(view)
    out = []
    for n, (vpcs, joined) in enumerate(_groups(region), start + 1):
        frames: list[Frame] = []
        nodes: list[Node] = [Node(GAP, 4, 120, ITEM_H, "internet", "internet", "internet", "the internet")]
        x = GAP
        height = 0
        for vpc in vpcs:
            w, h = _draw_vpc(region, vpc, x, TOP_ROW + GAP, frames, nodes)
            x += w + GAP
            height = max(height, TOP_ROW + GAP + h)
        names = [f"{v} {_name(region.vpcs[v])}".strip() for v in vpcs]
        out.append(Picture(f"net{n}", ", ".join(names), str(view.account), str(view.region),
                           x, height + GAP, tuple(frames), tuple(nodes), joined))
    return out


def _draw_vpc(region: _Region, vpc: str, x0: int, y0: int, frames: list[Frame], nodes: list[Node]) -> tuple[int, int]:
    subnets = sorted(region.vpc_subnets.get(vpc, []),
                     key=lambda s: (str(region.subnets[s].get("AvailabilityZone", "")), s))
    zones = sorted({str(region.subnets[s].get("AvailabilityZone", "?")) for s in subnets}) or ["?"]
    # VPC-level things (gateways, gateway endpoints, attachments) in a row under the VPC caption
    top = list(dict.fromkeys(region.in_vpc.get(vpc, [])))
    per_row = max(1, (len(zones) * (SUB_W + GAP) - GAP) // (SUB_W // 1 + GAP)) if zones else 1
    y = y0 + SUB_HEAD + GAP
    for i, (kind, ident, label, title) in enumerate(top):
        row, col = divmod(i, per_row)
        nodes.append(Node(x0 + GAP + col * (SUB_W + GAP), y + row * (ITEM_H + 4), SUB_W, ITEM_H, ident, kind,
                          label, title))
    y += ((len(top) + per_row - 1) // per_row) * (ITEM_H + 4) + (GAP if top else 0)
    col_x = {z: x0 + GAP + i * (SUB_W + GAP) for i, z in enumerate(zones)}
    bottom = {z: y for z in zones}
    for tier in TIERS:
        row_top = max(bottom.values())
        for sid in subnets:
            if region.tier.get(sid, "isolated") != tier:
                continue
            zone = str(region.subnets[sid].get("AvailabilityZone", "?"))
            sy = max(bottom[zone], row_top)
            inside = region.in_subnet.get(sid, [])
            h = SUB_HEAD + len(inside) * (ITEM_H + 3) + 6
            d = region.subnets[sid]
            frames.append(Frame(col_x[zone], sy, SUB_W, h, f"subnet-{tier}",
                                _label(f"{tier} {sid}", _name(d)), sid))
            for k, (kind, ident, label, title) in enumerate(inside):
                nodes.append(Node(col_x[zone] + 6, sy + SUB_HEAD + k * (ITEM_H + 3), SUB_W - 12, ITEM_H,
                                  ident, kind, label, f"{title} {ident}"))
            bottom[zone] = sy + h + GAP
    width = len(zones) * (SUB_W + GAP) + GAP
    height = max(bottom.values()) - y0
    d = region.vpcs[vpc]
    frames.insert(0, Frame(x0, y0, width, height, "vpc", _label(f"{vpc} {d.get('CidrBlock', '')}", _name(d)), vpc))
    for zone, zx in col_x.items():
        frames.append(Frame(zx, y0 + height - 14, SUB_W, 0, "az", zone, ""))
    return width, height + 4


def node_groups(pics: Iterable[Picture]) -> dict[str, str]:
    """AWS ID -> the anchor of the first picture that draws it (a path is shown there)."""
    out: dict[str, str] = {}
    for pic in pics:
        for node in pic.nodes:
            if node.ident != "internet":
                out.setdefault(node.ident, pic.anchor)
    return out
