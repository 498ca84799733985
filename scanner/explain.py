"""`safemaker explain`: the proof for one workload, as text a network engineer can check."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from safemaker.scanner import termsafe
from safemaker.scanner.checking.engine import run_checks
from safemaker.scanner.checking.registry import Registry
from safemaker.scanner.checking.resources import Resource, resources_of
from safemaker.scanner.config import Config
from safemaker.scanner.describe import Describer, named_ranges, plain
from safemaker.scanner.errors import InputError, MissingData
from safemaker.scanner.graph.proof import EgressProof
from safemaker.scanner.model import Hop, HopKind, Path, ResourceType
from safemaker.scanner.snapshot.io import Snapshot

_TYPES = (ResourceType.NOTEBOOK_INSTANCE, ResourceType.DOMAIN, ResourceType.TRAINING_JOB,
          ResourceType.PROCESSING_JOB, ResourceType.MODEL)


def find_resource(snapshot: Snapshot, name: str) -> Resource:
    for view in snapshot.views():
        for rtype in _TYPES:
            try:
                candidates = resources_of(view, rtype)
            except MissingData:
                continue
            for res in candidates:
                if name in (res.id, res.ref.arn):
                    return res
    raise InputError(snapshot.source, name, "no notebook instance, domain, job or model has this name or ID")


_EXITS = (HopKind.INTERNET_GATEWAY, HopKind.EGRESS_ONLY_INTERNET_GATEWAY, HopKind.SAGEMAKER_NETWORK, HopKind.PROXY,
          HopKind.GATEWAY_ENDPOINT)
_ACL_LEAD = re.compile(r"^acl-[0-9a-f]+ ")
# where the Name tags of the things a path names are listed
_NAMED = (("DescribeVpcs", "Vpcs", "VpcId"), ("DescribeSubnets", "Subnets", "SubnetId"),
          ("DescribeRouteTables", "RouteTables", "RouteTableId"),
          ("DescribeNatGateways", "NatGateways", "NatGatewayId"),
          ("DescribeInternetGateways", "InternetGateways", "InternetGatewayId"),
          ("DescribeTransitGateways", "TransitGateways", "TransitGatewayId"))


@dataclass(frozen=True)
class Names:
    """Name tags and the VPC of route tables, so that a long proof reads as a map."""

    names: Mapping[str, str] = field(default_factory=dict)
    rtb_vpc: Mapping[str, str] = field(default_factory=dict)
    #: destination sets as a person reads them (`0.0.0.0/0 except ... (VPC) and pl-... (S3)`)
    destinations: Describer = field(default_factory=plain)

    def of(self, ident: str) -> str:
        name = self.names.get(ident)
        return f"{ident} ({name})" if name else ident


def names_of(snapshot: Snapshot) -> Names:
    names: dict[str, str] = {}
    rtb_vpc: dict[str, str] = {}

    def tagged(item: Any, key: str) -> None:
        if not isinstance(item, Mapping) or not isinstance(item.get(key), str):
            return
        for tag in item.get("Tags") or []:
            if isinstance(tag, Mapping) and tag.get("Key") == "Name" and tag.get("Value"):
                names[item[key]] = str(tag["Value"])

    for view in snapshot.views():
        for op, list_key, key in _NAMED:
            resp = view.optional("ec2", op)
            for item in (resp.get(list_key) or []) if isinstance(resp, Mapping) else []:
                tagged(item, key)
                if op == "DescribeRouteTables" and isinstance(item, Mapping) and item.get("VpcId"):
                    rtb_vpc[str(item.get("RouteTableId"))] = str(item["VpcId"])
        resp = view.optional("ec2", "DescribeInstances")
        for reservation in (resp.get("Reservations") or []) if isinstance(resp, Mapping) else []:
            for inst in reservation.get("Instances") or [] if isinstance(reservation, Mapping) else []:
                tagged(inst, "InstanceId")
                label = names.get(str(inst.get("InstanceId")), "")
                for iface in inst.get("NetworkInterfaces") or []:
                    if isinstance(iface, Mapping) and iface.get("NetworkInterfaceId"):
                        names[str(iface["NetworkInterfaceId"])] = f"{label} {inst.get('InstanceId')}".strip()
        firewalls = view.optional("network-firewall", "DescribeFirewall")
        for desc in firewalls.values() if isinstance(firewalls, Mapping) else []:
            fw_name = ((desc or {}).get("Firewall") or {}).get("FirewallName")
            for state in (((desc or {}).get("FirewallStatus") or {}).get("SyncStates") or {}).values():
                endpoint = ((state or {}).get("Attachment") or {}).get("EndpointId")
                if endpoint and fw_name:
                    names[str(endpoint)] = f"firewall {fw_name}"
    return Names(names, rtb_vpc)


def _acl_text(hops: list[Hop]) -> str:
    """Consecutive network ACL hops (leaving one subnet, entering the next) as one line."""
    ids = list(dict.fromkeys(h.id for h in hops))
    parts = list(dict.fromkeys(_ACL_LEAD.sub("", p) for h in hops for p in h.detail.split("; ") if p))
    return f"network ACL {', '.join(ids)}: " + ("; ".join(parts) or "allows")


def _summary(path: Path, names: Names) -> list[str]:
    hops = path.hops
    vpc_tables = [h for h in hops if h.kind == HopKind.ROUTE_TABLE]
    tgw_tables = [h for h in hops if h.kind == HopKind.TGW_ROUTE_TABLE]
    vpcs = list(dict.fromkeys(names.rtb_vpc.get(h.id, "?") for h in vpc_tables))
    firewalls = [h.detail.split(":", 1)[0] for h in hops if h.kind == HopKind.FIREWALL_ENDPOINT
                 and h.inspection == "firewall"]
    bypassed = [h.detail.split(":", 1)[0] for h in hops if h.kind == HopKind.FIREWALL_ENDPOINT
                and h.inspection != "firewall"]
    nats = [names.of(h.id) for h in hops if h.kind in (HopKind.NAT_GATEWAY, HopKind.NAT_INSTANCE)]
    exits = [names.of(h.id) for h in hops if h.kind in _EXITS]
    out = [f"summary: {len(vpc_tables) + len(tgw_tables)} route tables ({len(vpc_tables)} VPC, "
           f"{len(tgw_tables)} transit gateway)" + (f", across {len(vpcs)} VPCs: "
                                                   + " -> ".join(names.of(v) for v in vpcs) if len(vpcs) > 1 else "")]
    checks = [f"inspected by {', '.join(firewalls)}" if firewalls else "not inspected"]
    if bypassed:
        checks.append(f"crosses {', '.join(bypassed)} without stateful inspection")
    if nats:
        checks.append(f"forwarded/translated by {', '.join(nats)}")
    if exits:
        checks.append(f"ends at {exits[-1]}")
    out.append("         " + "; ".join(checks))
    return out


def _path_lines(path: Path, names: Names | None = None, indent: str = "    ") -> list[str]:
    names = names or Names()
    outcome, _, rest = path.outcome.partition("; destinations ")
    dests, _, traffic = rest.partition("; traffic ")
    lines = [f"{indent}{outcome}"]
    if path.destinations:
        lines.append(f"{indent}  destinations: {names.destinations.summarise(path.destinations)}")
    elif dests:
        lines.append(f"{indent}  destinations: {dests}")
    if traffic:
        lines.append(f"{indent}  traffic: {traffic}")
    lines.extend(f"{indent}  {s}" for s in _summary(path, names))
    n = 0
    tables = 0
    where = ""
    hops = list(path.hops)
    i = 0
    while i < len(hops):
        hop = hops[i]
        here = ""
        if hop.kind == HopKind.ROUTE_TABLE:
            here = f"in {names.of(names.rtb_vpc[hop.id])}" if hop.id in names.rtb_vpc else ""
        elif hop.kind in (HopKind.TRANSIT_GATEWAY, HopKind.TGW_ROUTE_TABLE):
            here = ("in transit gateway" if hop.kind == HopKind.TGW_ROUTE_TABLE
                    else f"in transit gateway {names.of(hop.id)}")
        if here and here != where and not (hop.kind == HopKind.TGW_ROUTE_TABLE and where.startswith("in transit")):
            lines.append(f"{indent}  -- {here}")
            where = here
        n += 1
        if hop.kind == HopKind.NETWORK_ACL:
            group = [hop]
            while i + 1 < len(hops) and hops[i + 1].kind == HopKind.NETWORK_ACL:
                i += 1
                group.append(hops[i])
            text = _acl_text(group)
        elif hop.kind in (HopKind.ROUTE_TABLE, HopKind.TGW_ROUTE_TABLE):
            tables += 1
            kind = "route table" if hop.kind == HopKind.ROUTE_TABLE else "TGW route table"
            if hop.route:
                rest = hop.detail.partition(f" by route {hop.route}")[2]
                text = (f"[{tables}] {kind} {names.of(hop.id)}: route {hop.route} -> {names.of(hop.target)}"
                        f"{rest}; carries {hop.destinations}")
            else:
                text = f"[{tables}] {kind} {names.of(hop.id)}: {hop.detail}"
        else:
            detail, label = hop.detail, names.of(hop.id)
            if hop.kind == HopKind.ENI and detail.startswith(hop.id):  # "eni-1 (notebook nb-1); sg-1 allows ..."
                who, _, detail = detail[len(hop.id):].lstrip().partition("; ")
                label = f"{hop.id} {who}".strip()
            elif hop.kind == HopKind.FIREWALL_ENDPOINT:
                label = hop.id
            text = f"{hop.kind} {label}" + (f": {detail}" if detail else "")
        lines.append(f"{indent}  {n:>2}. {text}")
        i += 1
    return lines


def proof_text(proof: EgressProof, names: Names | None = None) -> list[str]:
    lines = [f"Source: {proof.source}"]
    sections = (
        ("Uninspected paths to the internet", proof.uninspected),
        ("Inspected paths to the internet", proof.inspected),
        ("Latent paths (internet gateway without a public address)", proof.latent),
        ("Gateway endpoints reached", proof.gateway_endpoints),
    )
    for title, paths in sections:
        lines.append(f"{title}: {len(paths) if paths else 'none'}")
        for number, p in enumerate(paths, 1):
            body = _path_lines(p, names)
            lines.append(f"  path {number}: {body[0].strip()}")
            lines.extend(body[1:])
    if proof.interface_endpoints:
        lines.append("Interface endpoints in the VPC: " + ", ".join(proof.interface_endpoints))
    lines.append("Where every other route out ends:" if proof.blocked else "Where every other route out ends: -")
    lines.extend(f"    - {b}" for b in proof.blocked)
    if proof.unknowns:
        lines.append("Could not be decided (the verdict is ERROR unless a path above proves FAIL):")
        lines.extend(f"    - {u}" for u in proof.unknowns)
    if proof.notes:
        lines.append("Notes:")
        lines.extend(f"    - {n}" for n in proof.notes)
    return lines


def explain_resource(snapshot: Snapshot, config: Config, registry: Registry, name: str) -> str:
    from safemaker.scanner.checking.context import CheckContext

    res = find_resource(snapshot, name)
    lines = [f"{res.ref.type.value} {res.id} ({res.ref.account}/{res.ref.region})", ""]
    ctx = CheckContext(snapshot, config)
    if res.ref.type is ResourceType.NOTEBOOK_INSTANCE:
        try:
            names = dataclasses.replace(names_of(snapshot), destinations=Describer(named_ranges(res.view)))
            lines.extend(proof_text(ctx.network.notebook_proof(res), names))
        except MissingData as exc:
            lines.append(f"The proof could not be built: {exc.reason}")
        lines.append("")
    lines.append("Verdicts:")
    for f in run_checks(snapshot, registry, config):
        if f.resource.id == res.id and f.resource.type is res.ref.type:
            lines.append(f"  {f.check_id} {f.status.value:<5} {f.severity.value:<8} {f.message}")
    # Names, tags and lifecycle values come from AWS: control and bidi characters shown escaped.
    return termsafe.block("\n".join(lines))
