"""The estate's topology as a networkx graph: which VPCs, gateways and hosts connect to which.

The prover decides reachability from route tables; this graph answers the coarser question
people ask first — "what is connected to what?" — and exports it for graph tools (Gephi, yEd,
Neo4j importers, d3) via `safemaker graph SNAPSHOT --format graphml|json`. It is built from the
snapshot alone, so it can be drawn for an estate nobody can log in to.

Nodes are keyed by the AWS identifier (VPC, subnet, gateway, endpoint, peering connection,
transit gateway, attachment, instance); a transit gateway shared across accounts appears in
each account's answers and becomes one node, which is what links the accounts. SageMaker
notebook instances have no global identifier and are keyed `notebook/ACCOUNT/REGION/NAME`.
Every node carries `kind`, `account`, `region` and `label` (the Name tag, or the name) as
strings, because GraphML accepts only scalar attributes. Edges carry `relation`.

Data that was not collected is left out (a graph is a picture, not a verdict); the operations
that were missing are listed in the graph's `missing` attribute so that the picture says it is
incomplete.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import networkx as nx

from safemaker.scanner.errors import MissingData
from safemaker.scanner.snapshot.io import RegionView, Snapshot

GRAPH_FORMATS = ("graphml", "json")


def _name(tags: Any, default: str) -> str:
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, Mapping) and tag.get("Key") == "Name" and isinstance(tag.get("Value"), str):
                return str(tag["Value"])
    return default


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class _Builder:
    def __init__(self) -> None:
        self.graph = nx.Graph()
        self.missing: list[str] = []

    def node(self, key: str, kind: str, view: RegionView, label: str = "", **attrs: str) -> None:
        if not key:
            return
        if key in self.graph:  # seen from another account (a shared transit gateway): keep the first
            return
        self.graph.add_node(key, kind=kind, account=view.account, region=view.region, label=label or key,
                            **{k: v for k, v in attrs.items() if v})

    def edge(self, a: str, b: str, relation: str, **attrs: str) -> None:
        if a and b and a in self.graph and b in self.graph:
            self.graph.add_edge(a, b, relation=relation, **{k: v for k, v in attrs.items() if v})

    def items(self, view: RegionView, service: str, operation: str, key: str) -> list[Mapping[str, Any]]:
        try:
            return [item for item in view.items(service, operation, key) if isinstance(item, Mapping)]
        except MissingData:
            self.missing.append(f"{view.where} {service} {operation}")
            return []


def build_estate_graph(snapshot: Snapshot) -> Any:
    """The topology of every account and region in the snapshot (an undirected networkx Graph)."""
    b = _Builder()
    for view in snapshot.views():
        _network(b, view)
    for view in snapshot.views():
        _links(b, view)
        _hosts(b, view)
    b.graph.graph["missing"] = "; ".join(b.missing)
    return b.graph


def _network(b: _Builder, view: RegionView) -> None:
    """VPCs and subnets first, so that every later edge finds both its ends."""
    for vpc in b.items(view, "ec2", "DescribeVpcs", "Vpcs"):
        vid = _text(vpc.get("VpcId"))
        b.node(vid, "vpc", view, _name(vpc.get("Tags"), vid), cidr=_text(vpc.get("CidrBlock")))
    for subnet in b.items(view, "ec2", "DescribeSubnets", "Subnets"):
        sid = _text(subnet.get("SubnetId"))
        b.node(sid, "subnet", view, _name(subnet.get("Tags"), sid), cidr=_text(subnet.get("CidrBlock")),
               availability_zone=_text(subnet.get("AvailabilityZone")))
        b.edge(sid, _text(subnet.get("VpcId")), "in-vpc")
    for tgw in b.items(view, "ec2", "DescribeTransitGateways", "TransitGateways"):
        tid = _text(tgw.get("TransitGatewayId"))
        b.node(tid, "transit-gateway", view, _name(tgw.get("Tags"), tid), owner=_text(tgw.get("OwnerId")))


def _links(b: _Builder, view: RegionView) -> None:
    """Gateways, endpoints, peering and transit gateway attachments: how VPCs reach beyond themselves."""
    for igw in b.items(view, "ec2", "DescribeInternetGateways", "InternetGateways"):
        gid = _text(igw.get("InternetGatewayId"))
        b.node(gid, "internet-gateway", view, _name(igw.get("Tags"), gid))
        for att in igw.get("Attachments") or []:
            if isinstance(att, Mapping):
                b.edge(gid, _text(att.get("VpcId")), "attached", state=_text(att.get("State")))
    for eigw in b.items(view, "ec2", "DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways"):
        gid = _text(eigw.get("EgressOnlyInternetGatewayId"))
        b.node(gid, "egress-only-internet-gateway", view, _name(eigw.get("Tags"), gid))
        for att in eigw.get("Attachments") or []:
            if isinstance(att, Mapping):
                b.edge(gid, _text(att.get("VpcId")), "attached", state=_text(att.get("State")))
    for nat in b.items(view, "ec2", "DescribeNatGateways", "NatGateways"):
        nid = _text(nat.get("NatGatewayId"))
        b.node(nid, "nat-gateway", view, _name(nat.get("Tags"), nid),
               connectivity=_text(nat.get("ConnectivityType")) or "public", state=_text(nat.get("State")))
        b.edge(nid, _text(nat.get("SubnetId")), "in-subnet")
    for vpce in b.items(view, "ec2", "DescribeVpcEndpoints", "VpcEndpoints"):
        eid = _text(vpce.get("VpcEndpointId"))
        b.node(eid, "vpc-endpoint", view, _name(vpce.get("Tags"), eid), service=_text(vpce.get("ServiceName")),
               endpoint_type=_text(vpce.get("VpcEndpointType")))
        b.edge(eid, _text(vpce.get("VpcId")), "in-vpc")
        for sid in vpce.get("SubnetIds") or []:
            b.edge(eid, _text(sid), "in-subnet")
    for pcx in b.items(view, "ec2", "DescribeVpcPeeringConnections", "VpcPeeringConnections"):
        pid = _text(pcx.get("VpcPeeringConnectionId"))
        status = pcx.get("Status")
        b.node(pid, "vpc-peering", view, _name(pcx.get("Tags"), pid),
               status=_text(status.get("Code")) if isinstance(status, Mapping) else "")
        for side in ("RequesterVpcInfo", "AccepterVpcInfo"):
            info = pcx.get(side)
            if isinstance(info, Mapping):
                b.edge(pid, _text(info.get("VpcId")), "peers", side=side.removesuffix("VpcInfo").lower())
    for att in b.items(view, "ec2", "DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments"):
        aid = _text(att.get("TransitGatewayAttachmentId"))
        b.node(aid, "transit-gateway-attachment", view, _name(att.get("Tags"), aid), state=_text(att.get("State")))
        b.edge(aid, _text(att.get("TransitGatewayId")), "attaches")
        b.edge(aid, _text(att.get("VpcId")), "attaches")
        for sid in att.get("SubnetIds") or []:
            b.edge(aid, _text(sid), "in-subnet")


def _hosts(b: _Builder, view: RegionView) -> None:
    """EC2 instances (proxies, forwarders) and SageMaker notebook instances, placed in their subnets."""
    for reservation in b.items(view, "ec2", "DescribeInstances", "Reservations"):
        for inst in reservation.get("Instances") or []:
            if not isinstance(inst, Mapping):
                continue
            iid = _text(inst.get("InstanceId"))
            state = inst.get("State")
            b.node(iid, "instance", view, _name(inst.get("Tags"), iid),
                   private_ip=_text(inst.get("PrivateIpAddress")),
                   state=_text(state.get("Name")) if isinstance(state, Mapping) else "")
            b.edge(iid, _text(inst.get("SubnetId")), "in-subnet")
    try:
        details = view.response("sagemaker", "DescribeNotebookInstance")
    except MissingData:
        b.missing.append(f"{view.where} sagemaker DescribeNotebookInstance")
        return
    if not isinstance(details, Mapping):
        return
    for name, nb in sorted(details.items()):
        if not isinstance(nb, Mapping):
            continue
        key = f"notebook/{view.account}/{view.region}/{name}"
        b.node(key, "notebook-instance", view, name,
               direct_internet_access=_text(nb.get("DirectInternetAccess")))
        b.edge(key, _text(nb.get("SubnetId")), "in-subnet")


def connected_vpcs(graph: Any, vpc_id: str) -> set[str]:
    """The VPCs linked to `vpc_id` through peering or transit gateways (itself included).

    An upper bound on where traffic from the VPC may be delivered: routes can only narrow it.
    Gateways to the internet do not link VPCs, so they are not crossed.
    """
    if vpc_id not in graph:
        return set()
    bridges = {"vpc", "vpc-peering", "transit-gateway", "transit-gateway-attachment"}
    view = graph.subgraph(n for n, kind in graph.nodes(data="kind") if kind in bridges)
    return {n for n in nx.node_connected_component(view, vpc_id) if graph.nodes[n]["kind"] == "vpc"}


def _sorted_copy(graph: Any) -> Any:
    """The same graph with nodes and edges in sorted order, so that exports are byte-stable."""
    out = nx.Graph()
    out.graph.update(graph.graph)
    out.add_nodes_from(sorted(graph.nodes(data=True)))
    out.add_edges_from(sorted((min(a, b), max(a, b), d) for a, b, d in graph.edges(data=True)))
    return out


def render_graph(graph: Any, fmt: str) -> str:
    """GraphML (for Gephi, yEd, Cytoscape) or node-link JSON (for d3, networkx, Neo4j importers)."""
    stable = _sorted_copy(graph)
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(stable)) + "\n"
    if fmt == "json":
        doc = nx.node_link_data(stable, edges="edges")
        return json.dumps(doc, indent=1, sort_keys=True) + "\n"
    raise ValueError(f"unknown graph format {fmt!r} (known: {', '.join(GRAPH_FORMATS)})")


def kinds(graph: Any) -> dict[str, int]:
    """How many nodes of each kind, for the command's one-line summary."""
    counts: dict[str, int] = {}
    for _, kind in graph.nodes(data="kind"):
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


__all__ = ["GRAPH_FORMATS", "build_estate_graph", "connected_vpcs", "kinds", "render_graph"]
