"""The egress prover: every way a packet from a workload can leave, over all destinations.

For each address family the prover starts with everything the workload's security groups
allow, over all traffic classes (protocol/port classes, see flows.py) at once, and walks the
network as AWS forwards: longest-prefix match splits the destination set at each route table,
each part follows its target (NAT gateway, firewall endpoint, transit gateway, ...) and NACLs
cut it at every subnet boundary, in both directions. A packet carries a set of classes and
splits it only where a rule treats them differently; outcomes are credited back to the groups of
classes the security groups allowed together (`Start`), so the result is the per-class answer.
Each part ends somewhere: the internet (inspected or not), a latent internet path, a gateway
endpoint, or a stated reason it goes no further. Anything that cannot be resolved is an
unknown, never a silent drop.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.config import Config
from safemaker.scanner.errors import MissingData
from safemaker.scanner.graph import flows as F
from safemaker.scanner.graph.addrs import NAT64_PREFIX, AddrSet, nat64_to_ipv4
from safemaker.scanner.graph.filters import Filters
from safemaker.scanner.graph.packets import (
    Collector,
    Delivery,
    LazyHop,
    Packet,
    PartsMissing,
    Source,
    Start,
    merge_packets,
    missing_items,
    union_masks,
    written,
)
from safemaker.scanner.graph.proof import EgressProof, managed_network_path
from safemaker.scanner.graph.routes import OVERLAP, RouteTables, route_detail, tgw_targets
from safemaker.scanner.graph.stateless import MissingAt, stateless_actions
from safemaker.scanner.graph.topology import (
    Topology,
    eni_addresses,
    eni_public_ips,
    first_host,
    route_destination,
    route_target,
)
from safemaker.scanner.graph.transit import TransitGateways
from safemaker.scanner.model import Hop, HopKind
from safemaker.scanner.snapshot.io import RegionView, Snapshot

__all__ = ["Delivery", "Network", "Packet", "Source"]

MAX_DEPTH = 40
_T = TypeVar("_T")
# Block Public Access exclusion states in which the exclusion is in force (rule 11: only active
# exclusions count; one being created, deleted or disabled does not lift the block).
_BPA_EXCLUSION_ACTIVE = frozenset({"create-complete", "update-in-progress", "update-complete", "update-failed"})


class Network:
    """Built once per snapshot; proves sources on demand."""

    def __init__(self, snapshot: Snapshot, config: Config, memo_store: dict[Hashable, Any] | None = None) -> None:
        self.snapshot = snapshot
        self.config = config
        self._topos: dict[tuple[str, str], Topology] = {}
        self._proxy_cache: dict[tuple[str, str], dict[str, str]] = {}
        self._proofs: dict[tuple[str, ...], EgressProof] = {}
        self._flow_texts: dict[int, str] = {}  # flows_text per mask, shared by every proof
        self._vpc_views: dict[str, RegionView] | None = None
        self._memo: dict[Hashable, Any] = {} if memo_store is None else memo_store
        self._local_reasons: dict[Any, str] = {}
        self._route_names: dict[int, tuple[str, str]] = {}  # id(route) -> (target, destination)
        self.filters = Filters(snapshot, self.topology)
        self.routes = RouteTables()
        self.transit = TransitGateways(snapshot, self.topology, self.view_of_vpc, NOT_INTERNET[4])

    # --- the lookups checks and relays share ---------------------------------------------------
    def flow_classes(self) -> list[F.Flow]:
        return self.filters.flow_classes()

    def sg_egress_rules(self, view: RegionView, group_id: str) -> tuple[list[F.SgRule], list[str]]:
        return self.filters.sg_egress_rules(view, group_id)

    def sg_admitted(self, view: RegionView, groups: tuple[str, ...], src_ip: str, family: int,
                    src_groups: tuple[str, ...] = ()) -> tuple[int, list[str]]:
        return self.filters.sg_admitted(view, groups, src_ip, family, src_groups)

    def tgw_spoke_ranges(self, view: RegionView, subnet_id: str) -> AddrSet | None:
        return self.transit.spoke_ranges(view, subnet_id)

    def topology(self, view: RegionView) -> Topology:
        key = (view.account, view.region)
        if key not in self._topos:
            self._topos[key] = Topology(view)
        return self._topos[key]

    # --- sources ---------------------------------------------------------------------------
    def notebook_source(self, resource: Resource) -> Source | None:
        """The notebook's ENI; None when the notebook is not in a VPC at all."""
        nb = resource.detail()
        subnet_id = nb.get("SubnetId")
        if not subnet_id:
            return None
        topo = self.topology(resource.view)
        sgs = tuple(nb.get("SecurityGroups", []) or [])
        eni_id = nb.get("NetworkInterfaceId")
        label = f"notebook {resource.id}"
        if eni_id:
            eni = topo.enis.get(eni_id)
            if eni is None:
                raise MissingData(f"notebook ENI {eni_id} is not in ec2 DescribeNetworkInterfaces")
            return self._eni_source(resource.view, eni, label)
        suffix = f"SageMaker Notebook Instance {resource.id}"
        for eni in topo.enis.values():
            if str(eni.get("Description", "")).endswith(suffix) and eni.get("SubnetId") == subnet_id:
                return self._eni_source(resource.view, eni, label)
        return self.placement_source(resource.view, subnet_id, sgs, label,
                                     note="the notebook's ENI is not in the snapshot; placed by its "
                                          "SubnetId and SecurityGroups")

    def _eni_source(self, view: RegionView, eni: Mapping[str, Any], label: str) -> Source:
        public = (eni.get("Association") or {}).get("PublicIp")
        v6 = tuple(a["Ipv6Address"] for a in eni.get("Ipv6Addresses", []) or [] if a.get("Ipv6Address"))
        eid = eni["NetworkInterfaceId"]
        if not isinstance(eni.get("Groups"), list):
            # Without `Groups` the ENI's security groups are unknown; read as "none", nothing
            # would be allowed out and every path would vanish.
            raise MissingData(f"{eid} has no Groups in ec2 DescribeNetworkInterfaces: its security groups are unknown")
        if not eni.get("PrivateIpAddress") and not v6:  # the source address of every flow (NACLs, firewall rules)
            # an ENI of an IPv6-only subnet has no IPv4 address at all; one with neither was trimmed
            raise MissingData(f"{eid} has no PrivateIpAddress in ec2 DescribeNetworkInterfaces")
        return Source(
            label=f"{eid} ({label})",
            view=view,
            subnet_id=eni.get("SubnetId", ""),
            security_groups=tuple(g["GroupId"] for g in eni.get("Groups", []) or [] if g.get("GroupId")),
            private_ip=eni.get("PrivateIpAddress", ""),
            public_ip=public,
            ipv6=v6,
            eni_id=eid,
        )

    def placement_source(self, view: RegionView, subnet_id: str, security_groups: Sequence[str], label: str,
                         note: str = "") -> Source:
        """A workload known only by subnet and security groups (Studio apps, jobs)."""
        subnet = self.topology(view).subnet(subnet_id)
        notes = [note] if note else []
        public = None
        if subnet.get("MapPublicIpOnLaunch"):
            public = "(auto-assigned)"
            notes.append(f"{subnet_id} auto-assigns public IPv4 addresses: assumed the workload has one")
        v6: tuple[str, ...] = ()
        if subnet.get("AssignIpv6AddressOnCreation") and subnet.get("Ipv6CidrBlockAssociationSet"):
            v6 = (first_host(subnet["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]),)
            notes.append(f"{subnet_id} assigns IPv6 addresses: assumed the workload has one")
        return Source(label=f"{label} in {subnet_id}", view=view, subnet_id=subnet_id,
                      security_groups=tuple(security_groups),
                      private_ip=first_host(subnet["CidrBlock"]) if subnet.get("CidrBlock") else "",
                      public_ip=public, ipv6=v6, notes=tuple(notes))

    # --- proxies ---------------------------------------------------------------------------
    def proxies(self, view: RegionView) -> dict[str, str]:
        """Sanctioned proxy instance id -> why (docs/how-the-proof-works.md)."""
        key = (view.account, view.region)
        if key not in self._proxy_cache:
            from safemaker.scanner.aws.proxies import designated_proxies

            self._proxy_cache[key] = designated_proxies(view, self.config, self.memo)
        return self._proxy_cache[key]

    # --- per-workload proofs (cached: several checks read the same one) -------------------
    def notebook_proof(self, resource: Resource) -> EgressProof:
        """Egress of a notebook instance, including SageMaker's own network when
        DirectInternetAccess is Enabled (rule 24)."""
        key = ("notebook", resource.ref.account, resource.ref.region, resource.id)
        if key not in self._proofs:
            self._proofs[key] = self._notebook_proof(resource)
        return self._proofs[key]

    def _notebook_proof(self, resource: Resource) -> EgressProof:
        nb = resource.detail()
        direct = nb.get("DirectInternetAccess")
        try:
            source = self.notebook_source(resource)
        except MissingData as exc:
            if direct == "Disabled":
                raise
            # SageMaker's own network gives internet access whatever the VPC data says (rule 24):
            # the FAIL stands even though the VPC side could not be read.
            why = "DirectInternetAccess is Enabled" if direct == "Enabled" else \
                "DirectInternetAccess is not set (AWS default: Enabled)"
            path = managed_network_path(f"notebook {resource.id}", why)
            return EgressProof(source=f"notebook {resource.id}", uninspected=(path,), unknowns=(exc.reason,))
        if source is None:
            if direct == "Disabled":
                raise MissingData(f"notebook {resource.id} has DirectInternetAccess Disabled but no SubnetId")
            path = managed_network_path(f"notebook {resource.id}", "DirectInternetAccess is Enabled and no VPC is set")
            return EgressProof(source=f"notebook {resource.id}", uninspected=(path,))
        if direct == "Disabled":
            return self.prove(source)
        why = ("DirectInternetAccess is Enabled" if direct == "Enabled"
               else "DirectInternetAccess is not set (AWS default: Enabled)")
        try:
            proof = self.prove(source)
        except MissingData as exc:
            # the managed network's path is proven from the notebook alone (rule 24)
            proof = EgressProof(source=source.label, unknowns=(exc.reason,))
        return replace(proof, uninspected=(managed_network_path(source.label, why), *proof.uninspected))

    def placement_proof(self, view: RegionView, subnet_id: str, security_groups: Sequence[str],
                        label: str) -> EgressProof:
        """Egress of a workload known by subnet and security groups (Studio, jobs)."""
        # The label is part of the key: the proof's source and first hop name the workload.
        key = ("placement", view.account, view.region, label, subnet_id, *sorted(security_groups))
        if key not in self._proofs:
            source = self.placement_source(view, subnet_id, security_groups, label)
            self._proofs[key] = self.prove(source)
        return self._proofs[key]

    # --- proving ---------------------------------------------------------------------------


    # --- traffic classes as bit masks ----------------------------------------------------
    # A packet carries a set of traffic classes at once. Wherever a decision depends on the
    # class (network ACLs, stateless firewall rules), the set is split by how the rules there
    # treat each class, and one representative class decides for its part: inside a part every
    # rule matches all classes or none, so the walk is the one each class would take alone.


    def prove(self, source: Source) -> EgressProof:
        topo = self.topology(source.view)
        subnet = topo.subnet(source.subnet_id)  # a missing subnet makes the whole proof unknown
        classes = self.filters.flow_classes()
        col = Collector(flows=classes, texts=self._flow_texts)
        col.notes.update(source.notes)
        sg_rules: list[F.SgRule] = []
        for gid in source.security_groups:
            rules, unknown = self.filters.sg_egress_rules(source.view, gid)
            sg_rules.extend(rules)
            col.unknowns.update(unknown)
        if not source.security_groups:
            col.notes.add("no security groups given: nothing is allowed out")
        start = Hop(HopKind.ENI, source.eni_id or source.subnet_id, source.label)
        # an IPv6-only workload (no IPv4 address) sends only IPv6: NAT64 is its way to IPv4 (rule 8b)
        families = ([4] if source.private_ip else []) + ([6] if source.ipv6 else [])
        for family in families:
            starts: dict[tuple[Any, ...], tuple[AddrSet, list[tuple[int, str]]]] = {}
            for part, allowed, used in self.filters.sg_parts(source.view, source.security_groups, sg_rules, family):
                detail = f"{source.label}; {used[0]}" + (f" (+{len(used) - 1} more rules)" if len(used) > 1 else "")
                starts.setdefault(allowed.spans, (allowed, []))[1].append((part, detail))
            if not starts:
                continue
            col.starts[family] = [Start(union_masks(m for m, _ in details), allowed, tuple(details))
                                  for allowed, details in starts.values()]
            mask = union_masks(st.flows for st in col.starts[family])
            everywhere = AddrSet.union_all(family, (st.dests for st in col.starts[family]))
            src_ip = source.private_ip if family == 4 else source.ipv6[0]
            pkt = Packet(view=source.view, subnet=source.subnet_id, family=family, dests=everywhere,
                         flow=classes[(mask & -mask).bit_length() - 1], flows=mask, src_ip=src_ip,
                         public=bool(source.public_ip) if family == 4 else True,
                         untranslated_private=family == 4 and not source.public_ip,
                         inspected=None, nat=None, hops=(start,), seen=(),
                         mapped_vpc=str(subnet.get("VpcId", "")))
            self._route(pkt, col, depth=0)
        ep_problems: list[str] = []
        ep_unknowns: list[str] = []
        return EgressProof(
            source=source.label,
            uninspected=col.build("internet"),
            uninspected_ipv6=col.build("internet", family=6),
            latent=col.build("latent"),
            inspected=col.build("inspected"),
            gateway_endpoints=col.build("gateway-endpoint"),
            interface_endpoints=tuple(sorted(self._interface_services(source, col.deliveries, ep_problems,
                                                                      ep_unknowns))),
            interface_endpoint_problems=tuple(ep_problems),
            interface_endpoint_unknowns=tuple(ep_unknowns),
            blocked=tuple(f"{reason} ({col.flows_text(fl)})" for reason, fl in sorted(col.blocked.items())),
            unknowns=tuple(sorted(col.unknowns)),
            notes=tuple(sorted(col.notes)),
            deliveries=tuple(col.deliveries),
        )

    # --- routing ---------------------------------------------------------------------------
    def _route(self, pkt: Packet, col: Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        try:
            rtb, is_main = topo.route_table_for(pkt.subnet)
        except MissingData as exc:
            col.unknown(exc.reason, pkt)
            return
        rtb_id = rtb["RouteTableId"]
        key = (pkt.view.account, rtb_id, pkt.subnet, pkt.inspected, pkt.nat)
        if key in pkt.seen or depth > MAX_DEPTH:
            col.block(f"routing loop at {rtb_id}", pkt)
            return
        pkt = pkt._replace(seen=(*pkt.seen, key))
        try:
            parts = self.routes.lpm(topo, rtb, pkt.family, pkt.dests)
        except MissingData as exc:
            col.unknown(f"{rtb_id}: {exc.reason}", pkt)
            return
        # A route whose prefix list is unreadable may take any of these destinations: no PASS
        # can rest on this table, but a path proven through its readable routes stands.
        for gap in self.routes.route_gaps.get(("rtb", id(rtb), pkt.family), ()):
            col.unknown(f"{rtb_id} {gap}", pkt)
        # Routes whose target ends the walk with a fixed reason (local, VPN, peering) are blocked
        # together: only which classes reach the reason matters, not which route took them.
        ends: dict[str, AddrSet] = {}
        for route, dests, overlap in parts:
            names = self._route_names.get(id(route))
            if names is None:
                names = self._route_names[id(route)] = (route_target(route) or "?", route_destination(route))
            target, destination = names
            sub = pkt._replace(dests=dests)
            if overlap:
                col.note(f"{rtb_id}: {OVERLAP}", sub, overlap)
            if route.get("State") == "blackhole":
                col.block(f"{rtb_id} route {destination} -> {target} is a blackhole (no fallback)", sub)
                continue
            try:
                if target == "local" or target.startswith("pcx-"):
                    self._deliver(sub, target, col)
                reason = self._terminal(pkt, target)
                if reason is not None:
                    ends[reason] = ends[reason].union(dests) if reason in ends else dests
                    continue
                where = " (main route table)" if is_main else ""
                hop = LazyHop(HopKind.ROUTE_TABLE, rtb_id, dests, route_detail,
                              (f" -> {target} by route {destination}{where}", overlap), destination, target)
                self._target(sub._replace(hops=(*pkt.hops, hop)), route, target, col, depth)
            except MissingData as exc:
                for reason, flows, at in missing_items(exc):
                    col.unknown(f"{rtb_id} route {destination} -> {target}: {reason}",
                                sub if flows is None else sub._replace(flows=flows), at)
        for reason, dests in ends.items():
            col.block(reason, pkt._replace(dests=dests))
        rest = pkt.dests.intersect(self.routes.regions[("rtb", id(rtb), pkt.family)][1])
        if rest:
            col.block(lambda d: f"{rtb_id} has no route for {self.words(pkt.view, d)}", pkt._replace(dests=rest))


    def _deliver(self, pkt: Packet, target: str, col: Collector) -> None:
        """Record where local and peering routes deliver (the hosts a workload can reach)."""
        topo = self.topology(pkt.view)
        vpc_id = str(topo.subnet(pkt.subnet).get("VpcId", ""))
        if target == "local":
            col.deliver(pkt, pkt.view, vpc_id)
            return
        peer = topo.peerings.get(target) or {}
        if (peer.get("Status") or {}).get("Code") != "active":
            return
        other = str((peer.get("AccepterVpcInfo") or {}).get("VpcId") or "")
        if other == vpc_id:
            other = str((peer.get("RequesterVpcInfo") or {}).get("VpcId") or "")
        if other:
            col.deliver(pkt, self.view_of_vpc(other), other, (Hop(HopKind.PEERING, target, f"into {other}"),))

    def words(self, view: RegionView, dests: AddrSet) -> str:
        """A blocked destination set as a person reads it (`0.0.0.0/0 except 10.0.0.0/16 (VPC
        vpc-1) and pl-1 (S3)`), worded as `explain` and the report word sets (scanner/describe.py);
        the exact sets stay in the evidence of the paths."""
        from safemaker.scanner.describe import Describer, named_ranges

        describer = self.memo(("describer", view.account, view.region), lambda: Describer(named_ranges(view)))
        return describer.summarise_set(dests)

    def memo(self, key: Hashable, build: Callable[[], _T]) -> _T:
        """A value computed once per snapshot (indexes and proofs that several checks share)."""
        if key not in self._memo:
            self._memo[key] = build()
        value: _T = self._memo[key]
        return value

    def is_sanctioned_address(self, addresses: Iterable[str]) -> bool:
        """Whether any of these addresses is a proxy named in safemaker.toml."""
        return bool(set(addresses) & set(self.config.proxies))

    def cross_into(self, delivery: Delivery, view: RegionView, subnet_id: str, target: AddrSet,
                   only: int = -1) -> int:
        """The traffic classes of a delivery (those in `only`) that the network ACLs let from its
        subnet into `subnet_id` and back (rule 21), towards `target`."""
        flows = delivery.flows & only
        if not flows:
            return 0
        if view.where == delivery.from_view.where and subnet_id == delivery.from_subnet:
            return flows
        classes = self.filters.flow_classes()
        pkt = Packet(view=delivery.from_view, subnet=delivery.from_subnet, family=delivery.family, dests=target,
                     flow=classes[(flows & -flows).bit_length() - 1], flows=flows,
                     src_ip=delivery.src_ip, public=False, untranslated_private=False, inspected=None, nat=None,
                     hops=(), seen=())
        scratch = Collector(flows=classes, texts=self._flow_texts)
        acl = self.topology(view).nacl_for(subnet_id)
        mask = 0
        for leaving in self._exit_filters(pkt, scratch, subnet_id):
            moved = leaving._replace(view=view)
            for part in self.filters.split(moved, self.filters.acl_treatment(view, acl)):
                entered = self._enter_filter(part, acl, subnet_id, scratch, subnet_id)
                if entered is not None:
                    mask |= entered.flows
        return mask

    def view_of_vpc(self, vpc_id: str) -> RegionView | None:
        """The account/region whose snapshot describes this VPC, if any."""
        if self._vpc_views is None:
            self._vpc_views = {}
            for view in self.snapshot.views():
                if view.has("ec2", "DescribeVpcs"):
                    for vpc in view.items("ec2", "DescribeVpcs", "Vpcs"):
                        if isinstance(vpc, Mapping) and isinstance(vpc.get("VpcId"), str):
                            self._vpc_views.setdefault(vpc["VpcId"], view)
        return self._vpc_views.get(vpc_id)

    def _terminal(self, pkt: Packet, target: str) -> str | None:
        """Why the walk ends at `target`, for targets that end it whatever the traffic is."""
        if target == "local":
            vpc = self.topology(pkt.view).subnet(pkt.subnet).get("VpcId", "")
            reason = self._local_reasons.get(vpc)
            if reason is None:
                reason = self._local_reasons[vpc] = f"stays inside {vpc} (local route)"
            return reason
        if target.startswith("pcx-"):
            topo = self.topology(pkt.view)
            vpc_id = topo.subnet(pkt.subnet).get("VpcId", "")
            peer = topo.peerings.get(target, {})
            other = (peer.get("AccepterVpcInfo") or {}).get("VpcId")
            if other == vpc_id:
                other = (peer.get("RequesterVpcInfo") or {}).get("VpcId")
            return (f"peering {target} to {other or 'another VPC'} ends in that VPC "
                    "(peering is not transitive: its gateways are not usable)")
        if target.startswith("vgw-"):
            return f"leaves to on-premises networks through {target} (outside the snapshot)"
        return None

    def _target(self, pkt: Packet, route: Mapping[str, Any], target: str, col: Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        topo.subnet(pkt.subnet)  # the packet's subnet must be known, whatever the target
        if target.startswith("igw-"):
            self._igw(pkt, target, col)
        elif target.startswith("eigw-"):
            self._eigw(pkt, target, col)
        elif target.startswith("nat-"):
            self._nat(pkt, target, col, depth)
        elif target.startswith("vpce-"):
            self._vpce(pkt, target, col, depth)
        elif target.startswith("tgw-"):
            self._tgw(pkt, target, col, depth)
        elif target.startswith(("eni-", "i-")):
            self._eni_target(pkt, route, col, depth)
        else:
            raise MissingData(f"route target {target} is not modelled")


    def _exit_filters(self, pkt: Packet, col: Collector, via: str) -> list[Packet]:
        """NACL of the subnet the packet leaves by, outbound and for the replies inbound."""
        acl = self.topology(pkt.view).nacl_for(pkt.subnet)
        out = []
        for part in self.filters.split(pkt, self.filters.acl_treatment(pkt.view, acl)):
            left = self._exit_filter(part, acl, col, via)
            if left is not None:
                out.append(left)
        return merge_packets(out)

    def _exit_filter(self, pkt: Packet, acl: Mapping[str, Any], col: Collector, via: str) -> Packet | None:
        out = self.filters.acl_filter(pkt.view, acl, True, pkt.flow, pkt.dests)[0]
        back = AddrSet.empty(pkt.family)
        for reply in self.filters.replies(pkt.view, acl, pkt.flow):
            back = back.union(self.filters.acl_filter(pkt.view, acl, False, reply, out)[0])
        dropped = pkt.dests.subtract(back)
        acl_id = str(acl.get("NetworkAclId"))
        if dropped:
            col.block(lambda d: f"{acl_id} of {pkt.subnet} blocks {self.words(pkt.view, d)} towards {via} "
                                "(outbound or replies)",
                      pkt._replace(dests=dropped))
        if not back:
            return None
        hop = LazyHop(HopKind.NETWORK_ACL, acl_id, pkt.dests, self._exit_detail, (pkt.view, pkt.subnet, pkt.flow))
        return pkt._replace(dests=back, hops=(*pkt.hops, hop))

    def _exit_detail(self, dests: AddrSet, view: RegionView, subnet: str, flow: F.Flow) -> str:
        """The first outbound rule and the first reply rule that let these destinations through."""
        acl = self.topology(view).nacl_for(subnet)
        out, out_used = self.filters.acl_filter(view, acl, True, flow, dests)
        back_used: list[str] = []
        for reply in self.filters.replies(view, acl, flow):
            back_used = self.filters.acl_filter(view, acl, False, reply, out)[1]
            if back_used:
                break
        return "; ".join(dict.fromkeys([*out_used[:1], *back_used[:1]]))

    def _enter(self, pkt: Packet, subnet_id: str, col: Collector, via: str) -> list[Packet]:
        """Cross from the packet's subnet into another one: NACLs of both, both directions."""
        if subnet_id == pkt.subnet:
            return [pkt]
        out = []
        acl = None
        for leaving in self._exit_filters(pkt, col, via):
            if acl is None:
                acl = self.topology(pkt.view).nacl_for(subnet_id)
            for part in self.filters.split(leaving, self.filters.acl_treatment(pkt.view, acl)):
                entered = self._enter_filter(part, acl, subnet_id, col, via)
                if entered is not None:
                    out.append(entered)
        return merge_packets(out)

    def _enter_filter(self, leaving: Packet, acl: Mapping[str, Any], subnet_id: str, col: Collector,
                      via: str) -> Packet | None:
        src = AddrSet.from_cidrs(leaving.family, [leaving.src_ip])
        allowed, used = self.filters.acl_filter(leaving.view, acl, False, leaving.flow, src)
        ok_back = False
        for reply in self.filters.replies(leaving.view, acl, leaving.flow):
            if self.filters.acl_filter(leaving.view, acl, True, reply, src)[0]:
                ok_back = True
                break
        if not allowed or not ok_back:
            col.block(f"{acl.get('NetworkAclId')} of {subnet_id} blocks traffic from {leaving.src_ip} to {via}",
                      leaving)
            return None
        hop = Hop(HopKind.NETWORK_ACL, str(acl.get("NetworkAclId")), used[0] if used else "")
        return leaving._replace(subnet=subnet_id, hops=(*leaving.hops, hop))

    # --- targets -----------------------------------------------------------------------------
    def _bpa_blocks(self, pkt: Packet, gateway: str) -> str | None:
        """Rule 11: VPC Block Public Access, its modes and its exclusions."""
        view = pkt.view
        opts = view.optional("ec2", "DescribeVpcBlockPublicAccessOptions")
        if not isinstance(opts, Mapping):
            return None
        mode = (opts.get("VpcBlockPublicAccessOptions") or {}).get("InternetGatewayBlockMode", "off")
        if mode in ("off", None):
            return None
        if mode == "block-ingress" and (gateway.startswith("eigw-") or (pkt.nat or "").startswith("nat-")):
            return None  # connections made through NAT gateways and egress-only gateways still work
        # Exclusions lift the block for the subnet whose address the gateway sees (the NAT
        # gateway's for translated traffic), or its VPC; allow-egress only under
        # block-bidirectional; never for traffic that passed a Gateway Load Balancer endpoint.
        lifting = ("allow-bidirectional", "allow-egress") if mode == "block-bidirectional" else ("allow-bidirectional",)
        through_gwlb = any(h.kind == HopKind.GWLB_ENDPOINT for h in pkt.hops)
        excl = view.optional("ec2", "DescribeVpcBlockPublicAccessExclusions") or {}
        exclusions = excl.get("VpcBlockPublicAccessExclusions", []) or []
        if (opts.get("VpcBlockPublicAccessOptions") or {}).get("ExclusionsAllowed") == "not-allowed":
            exclusions = []  # an organization policy turned exclusions off: none of them lifts the block
        if exclusions and not through_gwlb:
            resources = self._bpa_resources(pkt)
            for ex in exclusions:
                if ex.get("State") not in _BPA_EXCLUSION_ACTIVE:
                    continue
                arn = str(ex.get("ResourceArn", ""))
                if any(arn.endswith(f"/{r}") for r in resources) and ex.get("InternetGatewayExclusionMode") in lifting:
                    return None
        where = pkt.nat_subnet or self._source_subnet(pkt)
        why = " (a Gateway Load Balancer endpoint's traffic is not excluded)" if through_gwlb and exclusions else ""
        return f"VPC Block Public Access ({mode}) blocks {gateway} for {where}{why}"

    def _source_subnet(self, pkt: Packet) -> str:
        if pkt.hops and pkt.hops[0].kind == HopKind.ENI:
            eni = self.topology(pkt.view).enis.get(pkt.hops[0].id)
            return str((eni or {}).get("SubnetId") or pkt.hops[0].id)
        return pkt.subnet

    def _bpa_resources(self, pkt: Packet) -> set[str]:
        """The subnet (and its VPC) that owns the address the internet gateway translates."""
        subnet = pkt.nat_subnet or self._source_subnet(pkt)
        vpc = str(self.topology(pkt.view).subnets.get(subnet, {}).get("VpcId", ""))
        return {subnet, vpc} - {""}

    def _internet(self, pkt: Packet, gateway: str, hop: Hop, col: Collector) -> None:
        blocked = self._bpa_blocks(pkt, gateway)
        if blocked:
            col.block(blocked, pkt)
            return
        if pkt.view.optional("ec2", "DescribeVpcBlockPublicAccessOptions") is None:
            col.note("VPC Block Public Access options were not collected: taken as off", pkt)
        final = (hop, Hop(HopKind.INTERNET, "internet", ""))
        if pkt.inspected:
            col.path("inspected", pkt, final, f"reaches the internet after inspection by {pkt.inspected}")
        else:
            col.path("internet", pkt, final, f"reaches the internet through {gateway} without inspection")

    def _igw(self, pkt: Packet, igw_id: str, col: Collector) -> None:
        topo = self.topology(pkt.view)
        igw = topo.igws.get(igw_id)
        vpc_id = topo.subnet(pkt.subnet).get("VpcId")
        if igw is None:
            raise MissingData(f"internet gateway {igw_id} is not in ec2 DescribeInternetGateways")
        attached = any(a.get("VpcId") == vpc_id and a.get("State") in ("available", "attached")
                       for a in igw.get("Attachments", []) or [])
        if not attached:
            col.block(f"{igw_id} is not attached to {vpc_id}", pkt)
            return
        routable = _internet_routable(pkt, igw_id, col, lambda d: self.words(pkt.view, d))
        if routable is None:
            return
        for out in self._exit_filters(routable, col, igw_id):
            self._igw_exit(out, igw_id, vpc_id, col)

    def _igw_exit(self, out: Packet, igw_id: str, vpc_id: Any, col: Collector) -> None:
        foreign = out.family == 4 and bool(out.mapped_vpc) and out.mapped_vpc != vpc_id
        if foreign and (out.public or out.untranslated_private):
            col.block(f"{igw_id} cannot translate {out.src_ip}: its address belongs to {out.mapped_vpc}, "
                      f"not {vpc_id}", out)
        elif out.public:
            how = f"source NAT by {out.nat}" if out.nat else ("IPv6 address" if out.family == 6 else "public IPv4")
            self._internet(out, igw_id, Hop(HopKind.INTERNET_GATEWAY, igw_id, how), col)
        elif out.untranslated_private:
            final = (Hop(HopKind.INTERNET_GATEWAY, igw_id, f"drops {out.src_ip}: no public IPv4 address"),)
            col.path("latent", out, final, f"routed to {igw_id} but the source has no public address")
        else:
            col.block(f"{igw_id} drops traffic from private address {out.src_ip} ({out.nat or 'no NAT'})", out)

    def _eigw(self, pkt: Packet, eigw_id: str, col: Collector) -> None:
        if pkt.family != 6:
            col.block(f"{eigw_id} carries IPv6 only", pkt)
            return
        topo = self.topology(pkt.view)
        if eigw_id not in topo.eigws:
            raise MissingData(f"egress-only internet gateway {eigw_id} is not in the snapshot")
        routable = _internet_routable(pkt, eigw_id, col, lambda d: self.words(pkt.view, d))
        if routable is None:
            return
        for out in self._exit_filters(routable, col, eigw_id):
            self._internet(out, eigw_id, Hop(HopKind.EGRESS_ONLY_INTERNET_GATEWAY, eigw_id, "IPv6 egress"), col)

    def _nat(self, pkt: Packet, nat_id: str, col: Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        nat = topo.nat_gateways.get(nat_id)
        if nat is None:
            raise MissingData(f"NAT gateway {nat_id} is not in ec2 DescribeNatGateways")
        state = nat.get("State")
        if state is None:  # unknown state must not read as "not available, forwards nothing"
            raise MissingData(f"NAT gateway {nat_id} has no State in ec2 DescribeNatGateways")
        if state != "available":
            col.block(f"{nat_id} is {state}: it forwards nothing", pkt)
            return
        private = nat.get("ConnectivityType", "public") == "private"
        addrs = nat.get("NatGatewayAddresses", []) or []
        nat_ip = next((a["PrivateIp"] for a in addrs if a.get("PrivateIp")), pkt.src_ip)
        public_ip = next((a["PublicIp"] for a in addrs if a.get("PublicIp")), None)
        kind = "private" if private else f"public {public_ip or ''}".strip()
        vpc_id = str(nat.get("VpcId") or topo.subnet(str(nat.get("SubnetId", ""))).get("VpcId", ""))
        if pkt.family == 6:
            self._nat64(pkt, nat_id, str(nat.get("SubnetId", "")), kind, nat_ip, not private, vpc_id, col, depth)
            return
        hop = Hop(HopKind.NAT_GATEWAY, nat_id, f"{kind}, {nat.get('SubnetId')}")
        for entered in self._enter(pkt, nat.get("SubnetId", ""), col, nat_id):
            nxt = entered._replace(src_ip=nat_ip, public=not private, mapped_vpc=vpc_id, nat_subnet=entered.subnet,
                                   untranslated_private=False, nat=nat_id, hops=(*entered.hops, hop))
            self._route(nxt, col, depth + 1)

    def _nat64(self, pkt: Packet, nat_id: str, subnet_id: str, kind: str, nat_ip: str, public: bool, vpc_id: str,
               col: Collector, depth: int) -> None:
        """Rule 8b: IPv6 to 64:ff9b::/96 leaves the NAT gateway as IPv4 and is judged as rule 8.

        The translated traffic is walked with its own collector whose starts are the IPv4 images
        of the workload's IPv6 starts, so crediting stays exact; what it finds is written back
        under the IPv6 destinations the workload used."""
        outside = pkt.dests.subtract(NAT64_PREFIX)
        if outside:
            col.block(lambda d: f"{nat_id} translates only 64:ff9b::/96 (NAT64): it drops IPv6 to "
                                f"{self.words(pkt.view, d)}",
                      pkt._replace(dests=outside))
        inside = pkt.dests.intersect(NAT64_PREFIX)
        if not inside:
            return
        hop = Hop(HopKind.NAT_GATEWAY, nat_id, f"{kind}, {subnet_id}; NAT64: IPv6 64:ff9b::/96 translated to IPv4")
        for entered in self._enter(pkt._replace(dests=inside), subnet_id, col, nat_id):
            sub = Collector(flows=col.flows, texts=col.texts)
            sub.starts[4] = [Start(st.flows, v4, st.parts) for st in col.starts.get(6, ())
                             if (v4 := nat64_to_ipv4(st.dests))]
            hops = (*(written(h, None) for h in entered.hops), hop)
            nxt = entered._replace(family=4, dests=nat64_to_ipv4(entered.dests), src_ip=nat_ip, public=public,
                                   mapped_vpc=vpc_id, untranslated_private=False, nat=nat_id, hops=hops,
                                   nat_subnet=entered.subnet)
            self._route(nxt, sub, depth + 1)
            col.absorb_nat64(sub)

    def _vpce(self, pkt: Packet, vpce_id: str, col: Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        fw = None
        if pkt.view.has("network-firewall", "ListFirewalls"):
            fw = topo.firewall_endpoints.get(vpce_id)
        if fw is not None:
            self._firewall(pkt, vpce_id, fw[0], fw[1], col, depth)
            return
        endpoint = topo.vpc_endpoints.get(vpce_id)
        if endpoint is None:
            if not pkt.view.has("network-firewall", "ListFirewalls"):
                raise MissingData(f"{vpce_id} is not a VPC endpoint in the snapshot and network-firewall "
                                  "ListFirewalls was not collected")
            raise MissingData(f"{vpce_id} is neither a firewall endpoint nor a VPC endpoint in the snapshot")
        etype = endpoint.get("VpcEndpointType")
        service = endpoint.get("ServiceName", "")
        if etype == "Gateway":
            hop = Hop(HopKind.GATEWAY_ENDPOINT, vpce_id, service)
            col.path("gateway-endpoint", pkt, (hop,), f"reaches {service} through gateway endpoint {vpce_id}")
            return
        if etype == "GatewayLoadBalancer":
            if not pkt.view.has("network-firewall", "ListFirewalls"):
                # Network Firewall endpoints are Gateway Load Balancer endpoints: without the
                # firewalls, this one may be one; counting it as uninspected would be a false FAIL.
                raise MissingData(f"{vpce_id} is a Gateway Load Balancer endpoint, possibly of a firewall: "
                                  + pkt.view.missing_reason("network-firewall", "ListFirewalls"))
            subnets = endpoint.get("SubnetIds", []) or []
            if not subnets:
                raise MissingData(f"{vpce_id} has no subnet")
            # Rule 32: the appliances behind it are invisible; they inspect only when declared.
            # Either way the packet continues by the route table of the endpoint's subnet.
            sanctioned = service in self.config.appliances or vpce_id in self.config.appliances
            if sanctioned:
                hop = Hop(HopKind.GWLB_ENDPOINT, vpce_id,
                          f"{service}: sanctioned inspection appliance (safemaker.toml)", inspection="appliance")
            else:
                col.note(f"{vpce_id} is a Gateway Load Balancer endpoint of {service}: not declared as an inspection "
                         f"point, so it is not counted as inspection (to sanction it, add [inspection] appliances = "
                         f"[\"{service}\"] to safemaker.toml)", pkt)
                hop = Hop(HopKind.GWLB_ENDPOINT, vpce_id, f"{service} (not a declared inspection appliance)")
            for entered in self._enter(pkt, subnets[0], col, vpce_id):
                nxt = entered._replace(hops=(*entered.hops, hop))
                if sanctioned:
                    nxt = nxt._replace(inspected=f"appliance {service}")
                self._route(nxt, col, depth + 1)
            return
        raise MissingData(f"{vpce_id} is a {etype} endpoint and cannot be a route target")

    def _firewall(self, pkt: Packet, vpce_id: str, fw: Mapping[str, Any], fw_subnet: str, col: Collector,
                  depth: int) -> None:
        firewall = fw.get("Firewall") or {}
        name = firewall.get("FirewallName", vpce_id)
        policy_arn = firewall.get("FirewallPolicyArn", "")
        policy = pkt.view.detail("network-firewall", "DescribeFirewallPolicy", policy_arn)
        rules = policy.get("FirewallPolicy") or {}
        missing: list[tuple[str, int | None, AddrSet | None]] = []
        for entered in self._enter(pkt, fw_subnet, col, vpce_id):
            for part in self.filters.split(entered, self.filters.stateless_treatment(pkt.view, rules)):
                # Parts can meet missing data at different rules: each part goes as far as it
                # can, as it would alone, and every reason is reported.
                try:
                    self._firewall_part(part, vpce_id, name, rules, col, depth)
                except MissingData as exc:
                    at = exc.dests if isinstance(exc, MissingAt) else part.dests
                    missing.extend((reason, part.flows, at) for reason, _, _ in missing_items(exc))
        if missing:
            raise PartsMissing(missing)

    def _firewall_part(self, entered: Packet, vpce_id: str, name: str, rules: Mapping[str, Any],
                       col: Collector, depth: int) -> None:
        for action, dests, why in stateless_actions(entered.view, rules, entered):
            sub = entered._replace(dests=dests)
            if action == "aws:drop":
                col.block(f"firewall {name} drops it ({why})", sub)
                continue
            if action == "aws:forward_to_sfe":
                hop = Hop(HopKind.FIREWALL_ENDPOINT, vpce_id, f"firewall {name}: {why} -> stateful engine",
                          inspection="firewall")
                nxt = sub._replace(inspected=f"firewall {name}", hops=(*sub.hops, hop))
            else:
                hop = Hop(HopKind.FIREWALL_ENDPOINT, vpce_id, f"firewall {name}: {why} -> aws:pass, NOT inspected")
                nxt = sub._replace(hops=(*sub.hops, hop))
            self._route(nxt, col, depth + 1)


    def _tgw(self, pkt: Packet, tgw_id: str, col: Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        subnet = topo.subnet(pkt.subnet)
        vpc_id, az = str(subnet.get("VpcId", "")), str(subnet.get("AvailabilityZone", ""))
        att = self.transit.vpc_attachment(tgw_id, vpc_id)
        if att is None:
            col.block(f"{vpc_id} has no available attachment to {tgw_id}", pkt)
            return
        _, attachment = att
        att_id = attachment["TransitGatewayAttachmentId"]
        att_subnets = attachment.get("SubnetIds", []) or []
        # An attachment subnet missing from DescribeSubnets has an unknown AZ; reading that as
        # "no attachment subnet in this AZ" would drop the traffic on no evidence.
        unknown = [s for s in att_subnets if s not in topo.subnets]
        if unknown:
            raise MissingData(f"{att_id} subnet {', '.join(unknown)} is not in ec2 DescribeSubnets")
        local = [s for s in att_subnets if topo.subnets[s].get("AvailabilityZone") == az]
        if not local:
            col.block(f"{att_id} has no subnet in {az}: resources there cannot reach {tgw_id}", pkt)
            return
        for entered in self._enter(pkt, local[0], col, tgw_id):
            self._tgw_route(entered, tgw_id, att_id, az, col, depth)

    def _tgw_route(self, entered: Packet, tgw_id: str, att_id: str, az: str, col: Collector, depth: int) -> None:
        topo = self.topology(entered.view)
        rtb_id = self.transit.association(att_id)
        if rtb_id is None:
            col.block(f"{att_id} is not associated with a transit gateway route table: dropped", entered)
            return
        routes = self.transit.routes(rtb_id)
        hop = Hop(HopKind.TRANSIT_GATEWAY, tgw_id, f"{att_id} associated with {rtb_id}")
        entered = entered._replace(hops=(*entered.hops, hop))
        key = ("tgw", rtb_id, entered.inspected, entered.nat)
        if key in entered.seen:
            col.block(f"routing loop through {rtb_id}", entered)
            return
        entered = entered._replace(seen=(*entered.seen, key))
        # prefix lists resolve in the packet's account/region: part of the key
        table = ("tgw", rtb_id, entered.family, entered.view.account, entered.view.region)
        entries = self.routes.route_entries.get(table)
        if entries is None:
            entries = self.routes.tgw_entries(topo, routes, entered.family, table)
            self.routes.route_entries[table] = entries
        for gap in self.routes.route_gaps.get(table, ()):
            col.unknown(f"{rtb_id} {gap}", entered)
        for r, hit, overlap in self.routes.split_by_routes(table, entries, entered.family, entered.dests):
            cidr = r.get("DestinationCidrBlock") or r.get("PrefixListId")
            lazy = LazyHop(HopKind.TGW_ROUTE_TABLE, rtb_id, hit, route_detail,
                           (f" -> {tgw_targets(r)} by route {cidr} ({r.get('Type')})", overlap),
                           str(cidr), tgw_targets(r))
            sub = entered._replace(dests=hit, hops=(*entered.hops, lazy))
            if overlap:
                col.note(f"{rtb_id}: {OVERLAP}", sub, overlap)
            if r.get("State") == "blackhole":
                col.block(f"{rtb_id} route {cidr} is a blackhole", sub)
                continue
            for target in r.get("TransitGatewayAttachments", []) or []:
                self._tgw_deliver(sub, target, az, col, depth)
        remaining = entered.dests.intersect(self.routes.regions[table][1])
        if remaining:
            col.block(lambda d: f"{rtb_id} has no route for {self.words(entered.view, d)}",
                      entered._replace(dests=remaining))


    def _tgw_deliver(self, pkt: Packet, target: Mapping[str, Any], az: str, col: Collector, depth: int) -> None:
        rtype = target.get("ResourceType")
        att_id = target.get("TransitGatewayAttachmentId", "")
        if rtype in ("vpn", "direct-connect-gateway"):
            col.block(f"leaves to on-premises networks through {att_id} ({rtype})", pkt)
            return
        if rtype != "vpc":
            col.unknown(f"transit gateway attachment {att_id} of type {rtype} is not modelled", pkt)
            return
        found = self.transit.attachment_by_id(att_id)
        if found is None:
            col.unknown(f"transit gateway VPC attachment {att_id} is not in the snapshot", pkt)
            return
        view, attachment = found
        topo = self.topology(view)
        subnets = attachment.get("SubnetIds", []) or []
        # Rule 23: with appliance mode the TGW picks an attachment subnet per flow by a hash, in
        # any AZ; without it, the source's AZ when the attachment has a subnet there.
        appliance = (attachment.get("Options") or {}).get("ApplianceModeSupport") == "enable"
        same_az = [s for s in subnets if topo.subnets.get(s, {}).get("AvailabilityZone") == az]
        how = " (appliance mode: any attachment subnet, chosen per flow)" if appliance else ""
        for sid in subnets if appliance else (same_az[:1] or subnets):
            # No network ACL check here: for traffic *from* the transit gateway, the attachment
            # subnet's inbound rules are not evaluated ("Network ACLs for transit gateways",
            # Transit Gateway guide); its outbound rules are, when the packet leaves the subnet
            # for its next hop (_enter / _exit_filters).
            hop = Hop(HopKind.TGW_ATTACHMENT, att_id, f"enters {attachment.get('VpcId')} through {sid}{how}")
            nxt = pkt._replace(view=view, subnet=sid, hops=(*pkt.hops, hop))
            self._route(nxt, col, depth + 1)

    def _eni_target(self, pkt: Packet, route: Mapping[str, Any], col: Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        eni_id = route.get("NetworkInterfaceId")
        instance_id = route.get("InstanceId")
        eni = topo.enis.get(eni_id) if eni_id else None
        if eni is None and instance_id:
            inst = topo.instances.get(instance_id)
            if inst is None:
                raise MissingData(f"instance {instance_id} is not in ec2 DescribeInstances")
            ifaces = [*(inst.get("NetworkInterfaces", []) or []), *self.enis_of_instance(pkt.view, instance_id)]
            primary = next((i for i in ifaces if (i.get("Attachment") or {}).get("DeviceIndex") == 0), None)
            if primary is None:
                raise MissingData(f"instance {instance_id} has no primary network interface")
            eni = topo.enis.get(primary.get("NetworkInterfaceId", ""), primary)
        if eni is None:
            raise MissingData(f"network interface {eni_id} is not in ec2 DescribeNetworkInterfaces")
        owner = (eni.get("Attachment") or {}).get("InstanceId") or instance_id
        if self._is_proxy(pkt.view, owner, eni):
            name = owner or eni["NetworkInterfaceId"]
            hop = Hop(HopKind.PROXY, name, self.proxies(pkt.view).get(owner or "", "named in safemaker.toml"),
                      inspection="proxy")
            col.path("inspected", pkt, (hop,), f"terminates at sanctioned proxy {name}")
            return
        sdc = eni.get("SourceDestCheck")
        if sdc is None and owner in topo.instances:
            sdc = topo.instances[owner].get("SourceDestCheck")
        if sdc is None:
            raise MissingData(f"SourceDestCheck of {eni.get('NetworkInterfaceId')} is unknown")
        if sdc:
            col.block(f"{owner or eni.get('NetworkInterfaceId')} has source/destination check on: "
                      "it does not forward", pkt)
            return
        name = owner or str(eni.get("NetworkInterfaceId"))
        # Security groups on the forwarder are not applied: rules 9 and 9b let a forwarding
        # instance carry what is routed to it, and reading its groups as a filter would turn an
        # unproven assumption about them into a PASS.
        for entered in self._enter(pkt, eni.get("SubnetId", ""), col, str(eni.get("NetworkInterfaceId"))):
            # Rule 9b: which ENI the instance sends a forwarded packet from is the operating
            # system's choice: every ENI is a possible exit, by its own subnet's route table,
            # with its own addresses.
            for exit_eni in self.instance_enis(pkt.view, owner, eni):
                self._forward_from(entered, name, eni, exit_eni, col, depth)

    def _is_proxy(self, view: RegionView, owner: str | None, eni: Mapping[str, Any]) -> bool:
        """A sanctioned proxy: by designation of its instance, or by an address in safemaker.toml."""
        if owner and owner in self.proxies(view):
            return True
        return bool(set(eni_addresses(eni)) & set(self.config.proxies))

    def instance_enis(self, view: RegionView, owner: str | None, eni: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Every ENI of the instance that owns `eni` (just `eni` when there is no such instance)."""
        found = self.enis_of_instance(view, owner) if owner else []
        return [e for e in found if e.get("SubnetId")] or [eni]

    def enis_of_instance(self, view: RegionView, instance_id: str) -> list[Mapping[str, Any]]:
        """The instance's ENIs, from DescribeInstances and from the attachments that
        DescribeNetworkInterfaces reports (either may list one the other leaves out), with the
        fuller DescribeNetworkInterfaces record where there is one, by device index."""
        def index() -> dict[str, list[Mapping[str, Any]]]:
            topo = self.topology(view)
            out: dict[str, dict[str, Mapping[str, Any]]] = {}
            enis = topo.enis if view.has("ec2", "DescribeNetworkInterfaces") else {}
            for iid, inst in (topo.instances.items() if view.has("ec2", "DescribeInstances") else ()):
                for iface in inst.get("NetworkInterfaces", []) or []:
                    eid = str(iface.get("NetworkInterfaceId", ""))
                    out.setdefault(iid, {})[eid] = enis.get(eid, iface)
            for eid, eni in enis.items():
                owner = (eni.get("Attachment") or {}).get("InstanceId")
                if isinstance(owner, str):
                    out.setdefault(owner, {})[eid] = eni
            return {iid: sorted(found.values(), key=lambda e: ((e.get("Attachment") or {}).get("DeviceIndex") or 0,
                                                               str(e.get("NetworkInterfaceId"))))
                    for iid, found in out.items()}

        return self.memo(("instance-enis", view.account, view.region), index).get(instance_id, [])

    def _forward_from(self, pkt: Packet, name: str, entry: Mapping[str, Any], exit_eni: Mapping[str, Any],
                      col: Collector, depth: int) -> None:
        topo = self.topology(pkt.view)
        subnet_id = str(exit_eni.get("SubnetId", ""))
        public = eni_public_ips(exit_eni)
        via = "" if exit_eni.get("NetworkInterfaceId") == entry.get("NetworkInterfaceId") else \
            f"; leaves by {exit_eni.get('NetworkInterfaceId')}"
        hop = Hop(HopKind.NAT_INSTANCE, name, f"forwards (source/destination check off){via}, {subnet_id}"
                  + (f", public {public[0]}" if public and pkt.family == 4 else ""))
        # IPv6 is forwarded, not translated: the source keeps its address
        src = str(exit_eni.get("PrivateIpAddress") or pkt.src_ip) if pkt.family == 4 else pkt.src_ip
        out = pkt._replace(subnet=subnet_id, src_ip=src, public=bool(public) if pkt.family == 4 else True,
                           mapped_vpc=str(topo.subnet(subnet_id).get("VpcId", "")), untranslated_private=False,
                           nat=name, nat_subnet=subnet_id, hops=(*pkt.hops, hop))
        self._route(out, col, depth + 1)


    # --- transit gateway lookups (across every account/region: TGWs are shared) -------------


    # --- interface endpoints (VPCE-001) -----------------------------------------------------
    def _interface_services(self, source: Source, deliveries: Sequence[Delivery],
                            problems: list[str], unknowns: list[str]) -> set[str]:
        """Services of the interface endpoints in the workload's VPC that it can use (rule 28):
        available, private DNS on, and one of its ENIs reachable on tcp/443 -- the workload's
        groups let it out, the NACLs pass it both ways, the endpoint's groups admit it."""
        topo = self.topology(source.view)
        vpc_id = topo.subnet(source.subnet_id).get("VpcId")
        def by_vpc() -> dict[Any, list[Mapping[str, Any]]]:
            out: dict[Any, list[Mapping[str, Any]]] = {}
            for ep in topo.vpc_endpoints.values():
                if ep.get("VpcEndpointType") == "Interface" and str(ep.get("State", "")).lower() == "available":
                    out.setdefault(ep.get("VpcId"), []).append(ep)
            return out

        try:
            endpoints = self.memo(("interface-endpoints", source.view.account, source.view.region), by_vpc) \
                .get(vpc_id, [])
        except MissingData as exc:
            unknowns.append(exc.reason)  # endpoints unknown: "none usable" would be a FAIL from nothing
            return set()
        https = self.filters.rule_mask(F.TCP, 443, 443)
        usable: set[str] = set()
        for ep in sorted(endpoints, key=lambda e: str(e.get("VpcEndpointId"))):
            service = str(ep.get("ServiceName", ""))
            if service in usable:
                continue
            name = f"{ep.get('VpcEndpointId')} ({service})"
            if ep.get("PrivateDnsEnabled") is not True:
                problems.append(f"{name} has private DNS off: the service's own names do not reach it")
                continue
            try:
                if self._endpoint_reachable(source, ep, deliveries, https):
                    usable.add(service)
                else:
                    problems.append(f"{name}: no endpoint ENI is reachable from {source.private_ip} on tcp/443 "
                                    "(security groups or network ACLs)")
            except MissingData as exc:
                unknowns.append(f"{name}: {exc.reason}")
        return usable

    def _endpoint_reachable(self, source: Source, ep: Mapping[str, Any], deliveries: Sequence[Delivery],
                            https: int) -> bool:
        groups = ep.get("Groups")
        if not isinstance(groups, list) or not groups:
            raise MissingData("its security groups are not in ec2 DescribeVpcEndpoints")
        group_ids = tuple(str(g.get("GroupId")) for g in groups if isinstance(g, Mapping) and g.get("GroupId"))
        if not source.private_ip:
            return False  # the SageMaker API endpoints are reached over IPv4 here
        admitted, unknown = self.filters.sg_admitted(source.view, group_ids, source.private_ip, 4,
                                                     source.security_groups)
        if not admitted & https:
            if unknown:
                raise MissingData("; ".join(unknown))
            return False
        topo = self.topology(source.view)
        places: list[tuple[str, AddrSet]] = []  # (subnet, the endpoint's address there)
        for eni_id in ep.get("NetworkInterfaceIds", []) or []:
            eni = topo.enis.get(eni_id)
            if eni and eni.get("PrivateIpAddress") and eni.get("SubnetId"):
                places.append((str(eni["SubnetId"]), AddrSet.from_cidrs(4, [str(eni["PrivateIpAddress"])])))
        if not places:  # ENIs not listed: any address of the endpoint's subnets
            for sid in ep.get("SubnetIds", []) or []:
                block = topo.subnet(str(sid)).get("CidrBlock")
                if block:  # an IPv6-only subnet gives the endpoint no IPv4 address to reach
                    places.append((str(sid), AddrSet.from_cidrs(4, [str(block)])))
        for delivery in deliveries:
            if delivery.family != 4 or delivery.from_view.where != source.view.where or not delivery.flows & https:
                continue
            for subnet_id, where in places:
                target = delivery.dests.intersect(where)
                if target and self.cross_into(delivery, source.view, subnet_id, target, https):
                    return True
        return False


# Destinations an internet gateway can reach: everything but the special-purpose ranges that are
# not globally routable (RFC 6890: private, shared CGNAT, loopback, link-local, "this network",
# multicast and reserved; for IPv6 everything outside global unicast 2000::/3). Without this, an
# estate whose security groups allow only 10.0.0.0/8 while a NAT route exists would FAIL for
# "10.1.0.0/16 reaches the internet", which no packet can.
NOT_INTERNET = {
    4: AddrSet.from_cidrs(4, ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                              "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3"]),
    6: AddrSet.everything(6).subtract(AddrSet.from_cidr("2000::/3")),
}


def _internet_routable(pkt: Packet, gateway: str, col: Collector, words: Callable[[AddrSet], str]) -> Packet | None:
    """The part of the packet's destinations the internet can deliver; the rest is blocked here."""
    unroutable = pkt.dests.intersect(NOT_INTERNET[pkt.family])
    if unroutable:
        col.block(lambda d: f"{gateway} cannot deliver {words(d)}: not routable on the internet",
                  pkt._replace(dests=unroutable))
    rest = pkt.dests.subtract(unroutable)
    return pkt._replace(dests=rest) if rest else None
