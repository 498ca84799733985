"""A brute-force reference for NET-001: single concrete packets walked hop by hop.

Independent of `safemaker.scanner.graph` on purpose (it shares no code with it): the engine reasons
over whole address sets and traffic classes; this oracle picks concrete packets and forwards each
one like AWS would. The probe set is complete, not a sample: every CIDR and port range in the estate
is cut into elementary intervals and each interval is probed at its first value (plus the values just
before and after every boundary, for good measure), so two packets inside one interval cannot behave
differently. Protocols: tcp/udp at every port boundary, every protocol number any rule names, and 47 /
253 for "a protocol no rule names"; ICMP (1) and ICMPv6 (58) in both families.

Verdict: FAIL if DirectInternetAccess is not Disabled, or some probe reaches the internet without a
firewall that forwarded it to the stateful engine and without ending at a sanctioned proxy; else
UNKNOWN if some probe met something unresolvable; else PASS.

Conventions (the same the engine documents, so that a disagreement is a bug, not a taste):
- Security groups: stateful, so only the source ENI's egress rules are checked (union of groups).
- NACLs at every subnet crossing, both directions. Leaving subnet S for destination D: S outbound
  must allow D, and S inbound must allow the reply from D to SOME destination port in 1024-65535
  (tcp/udp; other protocols: the same protocol). Entering subnet T from source address A: T inbound
  must allow A, and T outbound must allow the reply to A on some port in 1024-65535. Staying in the
  same subnet crosses nothing. A NAT gateway, firewall endpoint or NAT instance in another subnet is
  entered this way with the packet's source at that point (the notebook's private IP for a NAT
  gateway). Reaching an IGW/EIGW checks the exit of the current subnet.
- Transit gateway, per the AWS page "Network ACLs for transit gateways": entering the source VPC's
  attachment subnet is an ordinary crossing; traffic *from* the TGW into the destination VPC's
  attachment subnet is not evaluated by that subnet's inbound rules (its outbound rules are, when the
  packet leaves it for the next hop, as an ordinary crossing/exit).
- IGW: forwards only for a source the IGW can map to a public address: an ENI with a public IPv4, a
  public NAT gateway or a NAT instance with a public IPv4 - in the IGW's own VPC (an IGW cannot map an
  address that lives in another VPC). IPv6 sources are always public, wherever they come from (the
  engine's convention too; whether AWS forwards another VPC's IPv6 source is not asserted here).
  EIGW: IPv6 only, not checked for attachment.
- IGW/EIGW deliver only globally routable destinations (NOT_INTERNET_V4 / GLOBAL_V6 below, the
  engine's list): a packet to 10.1.2.3 that meets an IGW goes nowhere.
- Block Public Access (rule 11): absent = off. `block-bidirectional` drops everything at an IGW/EIGW;
  `block-ingress` drops IGW traffic except NAT gateway traffic (EIGW traffic passes). An exclusion in
  state create-complete/update-complete (and not `ExclusionsAllowed: not-allowed`) on the subnet, or its
  VPC, whose address faces the internet lifts the block: the NAT gateway's subnet for NAT gateway
  traffic, a forwarder's exit ENI's subnet, else the workload's own subnet. allow-bidirectional lifts
  both modes, allow-egress only block-bidirectional. Traffic that passed a Gateway Load Balancer
  endpoint stays blocked under either mode. Exclusions unreadable while a mode is on = unknown.
- Gateway Load Balancer endpoint (rule 32): no sanctioned appliances (no safemaker.toml here), so the
  packet goes on uninspected by the endpoint subnet's route table.
- Longest prefix match on the concrete address; prefix lists expand to entries; on equal length a
  static route beats a prefix-list route, which beats a VGW-propagated route; equal-length prefix
  lists are all followed (ambiguous). Transit gateway tables use the same match (static, prefix
  list, propagated).
  Blackhole drops, no fallback. An unresolvable prefix list in a route table makes that table unknown.
- NAT gateway: not `available` = drops; private connectivity never gives a public address. Source
  becomes the NAT's private IP; its subnet's table decides. NAT64 (rule 8b): an IPv6 packet to
  64:ff9b::/96 becomes an IPv4 packet to the embedded address (then as rule 8); other IPv6 is dropped.
- Firewall endpoint: vpce id found in DescribeFirewall SyncStates; stateless rule groups by reference
  priority, rules by priority, first standard action (custom actions ignored), then the standard
  StatelessDefaultActions. forward_to_sfe = inspected, pass = not inspected, drop = dropped. The
  packet then follows the endpoint subnet's route table.
- ENI/instance target: a sanctioned proxy (instance tag safemaker:role=proxy, or named by the
  HTTP(S)_PROXY host of any notebook lifecycle configuration in the region) ends inspected; the
  ENI the route names decides SourceDestCheck (true drops). A forwarder leaves by ANY of its ENIs
  (rule 9b), each by its own subnet's route table: IPv4 source becomes that ENI's private IP, public
  if that ENI has a public IPv4 on its primary or on any secondary private address (Elastic IP);
  IPv6 keeps its (global) source. Peering, VGW, gateway endpoints, local: end, not the internet.
- Transit gateway delivery (rule 23): with `ApplianceModeSupport: enable` on the destination VPC
  attachment every attachment subnet is a possible next hop; without it the subnet in the AZ the
  packet entered the TGW from, else any attachment subnet.
- A routing loop drops the packet (the state repeats, so it never leaves).
- The notebook's source: its NetworkInterfaceId (missing from the snapshot = unknown), else the ENI
  whose description names it, else its subnet's first usable address (network + 4). An ENI record
  without Groups = unknown.

`quirks` lets a test emulate a known, already-reported engine deviation (see test_property.py) so that
the property keeps hunting for new bugs while the old ones wait for a fix:
- "public-any-vpc": an IGW gives internet access to any source that was public anywhere.
- "numbered-protocols-ignored": a rule naming a protocol other than tcp/udp/icmp/icmpv6 (e.g. 50,
  ESP) never matches; only all-protocol rules match such packets (the engine until bc2673b).
- "dia-needs-source": with DirectInternetAccess not Disabled, an unresolvable notebook ENI/subnet
  gives unknown instead of FAIL.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

FAIL, PASS, UNKNOWN = "FAIL", "PASS", "unknown"
INTERNET, INSPECTED, DROPPED, UNRESOLVED = "internet", "inspected", "dropped", "unresolved"
TCP, UDP = 6, 17
PROTO_NAMES = {"tcp": TCP, "udp": UDP, "icmp": 1, "icmpv6": 58, "-1": -1, "all": -1}
FIXED_V4 = ("8.8.8.8", "52.95.110.1", "1.1.1.1", "0.0.0.0", "255.255.255.255")
FIXED_V6 = ("2600::1", "2001:4860:4860::8888", "::", "64:ff9b::808:808")
FIXED_PORTS = (0, 53, 80, 443, 1023, 1024, 3128, 65535)
OTHER_PROTOS = (1, 58, 50, 47, 253)  # 253: named by no rule
# Not deliverable on the internet (the engine's list: RFC 6890 private, CGNAT, loopback, link-local,
# "this network", multicast/reserved; IPv6 outside global unicast 2000::/3).
NOT_INTERNET_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                   "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3")
GLOBAL_V6 = "2000::/3"
NAT64 = "64:ff9b::/96"
EPHEMERAL = (1024, 65535)
PROXY_SETTING = re.compile(r"(?i)\bhttps?_proxy\s*=\s*[\"']?(?:[a-z]+://)?(?:[^@/\s\"']*@)?([^:/\s\"']+)")
Obj = Mapping[str, Any]
Addr = ipaddress.IPv4Address | ipaddress.IPv6Address


class Unknown(Exception):
    """Something the walk needs is not in the snapshot."""


@dataclass(frozen=True)
class Pkt:
    family: int
    dst: Addr
    proto: int
    port: int | None
    subnet: str
    src: str
    public_in: str | None  # VPC whose IGW maps the source to a public address; "*" = IPv6
    inspected: bool
    origin: str = ""  # subnet whose BPA exclusion counts (where the internet-facing address lives)
    natgw: bool = False  # translated by a NAT gateway (BPA block-ingress lets its traffic out)
    gwlbe: bool = False  # passed a Gateway Load Balancer endpoint (BPA blocks it whatever the exclusions)


def net(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)


def contains(cidr: str, addr: Addr | str) -> bool:
    n = net(cidr)
    a = ipaddress.ip_address(addr) if isinstance(addr, str) else addr
    return n.version == a.version and a in n


class Region:
    """One account/region of the snapshot, with the lookups the walk needs."""

    def __init__(self, data: Obj, quirks: frozenset[str]) -> None:
        self.data = data
        self.quirks = quirks
        self._index: dict[tuple[str, str, str], dict[str, Obj]] = {}
        self._cache: dict[str, Any] = {}

    def op(self, service: str, operation: str) -> Any:
        svc = self.data.get(service) or {}
        if operation not in svc:
            raise Unknown(f"{service} {operation} not collected")
        return svc[operation]

    def has(self, service: str, operation: str) -> bool:
        return operation in (self.data.get(service) or {})

    def items(self, operation: str, key: str, service: str = "ec2") -> list[Any]:
        return list(self.op(service, operation).get(key) or [])

    def find(self, operation: str, key: str, id_key: str, ident: str) -> Obj:
        index = self._index.get((operation, key, id_key))
        if index is None:
            index = {str(i.get(id_key)): i for i in self.items(operation, key)}
            self._index[(operation, key, id_key)] = index
        if ident not in index:
            raise Unknown(f"{ident} not in {operation}")
        return index[ident]

    def detail(self, service: str, operation: str, key: str) -> Obj:
        resp = self.op(service, operation)
        if key not in resp:
            raise Unknown(f"{service} {operation}[{key}] not collected")
        return resp[key]  # type: ignore[no-any-return]

    # --- lookups ---------------------------------------------------------------------------
    def subnet(self, sid: str) -> Obj:
        return self.find("DescribeSubnets", "Subnets", "SubnetId", sid)

    def route_table(self, sid: str) -> Obj:
        vpc = self.subnet(sid).get("VpcId")
        main = None
        for rtb in self.items("DescribeRouteTables", "RouteTables"):
            for a in rtb.get("Associations") or []:
                if (a.get("AssociationState") or {}).get("State", "associated") not in ("associated", "associating"):
                    continue
                if a.get("SubnetId") == sid:
                    return rtb  # type: ignore[no-any-return]
                if a.get("Main") and rtb.get("VpcId") == vpc:
                    main = rtb
        if main is None:
            raise Unknown(f"no route table for {sid}")
        return main

    def nacl(self, sid: str) -> Obj:
        vpc = self.subnet(sid).get("VpcId")
        default = None
        for acl in self.items("DescribeNetworkAcls", "NetworkAcls"):
            if any(a.get("SubnetId") == sid for a in acl.get("Associations") or []):
                return acl  # type: ignore[no-any-return]
            if acl.get("IsDefault") and acl.get("VpcId") == vpc:
                default = acl
        if default is None:
            raise Unknown(f"no network ACL for {sid}")
        return default

    def prefix_list(self, plid: str) -> list[str]:
        if self.has("ec2", "GetManagedPrefixListEntries"):
            entries = self.op("ec2", "GetManagedPrefixListEntries")
            if plid in entries:
                return [e["Cidr"] for e in entries[plid].get("Entries") or [] if e.get("Cidr")]
        if self.has("ec2", "DescribePrefixLists"):
            for pl in self.items("DescribePrefixLists", "PrefixLists"):
                if pl.get("PrefixListId") == plid:
                    return list(pl.get("Cidrs") or [])
        raise Unknown(f"prefix list {plid} unresolved")

    def enis(self) -> dict[str, Obj]:
        if "enis" not in self._cache:
            items = self.items("DescribeNetworkInterfaces", "NetworkInterfaces")
            self._cache["enis"] = {e["NetworkInterfaceId"]: e for e in items}
        return self._cache["enis"]  # type: ignore[no-any-return]

    def instances(self) -> dict[str, Obj]:
        if "instances" not in self._cache:
            out = {}
            for res in self.items("DescribeInstances", "Reservations"):
                for inst in res.get("Instances") or []:
                    out[inst["InstanceId"]] = inst
            self._cache["instances"] = out
        return self._cache["instances"]  # type: ignore[no-any-return]

    def proxies(self) -> set[str]:
        """Sanctioned proxy instances: tag safemaker:role=proxy, or the host of an HTTP(S)_PROXY
        setting in any notebook lifecycle configuration (IP or ip-a-b-c-d DNS name) (contracts §4)."""
        if "proxies" not in self._cache:
            out = {iid for iid, inst in self.instances().items()
                   if any(t.get("Key") == "safemaker:role" and str(t.get("Value")).strip().lower() == "proxy"
                          for t in inst.get("Tags") or [])}
            configs = (self.data.get("sagemaker") or {}).get("DescribeNotebookInstanceLifecycleConfig") or {}
            for config in configs.values():
                for hook in (config.get("OnCreate") or []) + (config.get("OnStart") or []):
                    text = base64.b64decode(hook.get("Content", "")).decode("utf-8", "replace")
                    for host in PROXY_SETTING.findall(text):
                        dns = re.match(r"ip-(\d+)-(\d+)-(\d+)-(\d+)", host)
                        ip = ".".join(dns.groups()) if dns else host
                        out |= {owner for owner, addrs in self.instance_addresses().items() if ip in addrs}
            self._cache["proxies"] = out
        return self._cache["proxies"]  # type: ignore[no-any-return]

    def instance_addresses(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for iid, inst in self.instances().items():
            for iface in inst.get("NetworkInterfaces") or []:
                eni = self.enis().get(iface.get("NetworkInterfaceId", ""), iface)
                out.setdefault(iid, set()).update(
                    [eni.get("PrivateIpAddress", "")] + [a.get("PrivateIpAddress", "") for a in
                                                         eni.get("PrivateIpAddresses") or []])
            out.setdefault(iid, set()).add(inst.get("PrivateIpAddress", ""))
        return out

    def instance_enis(self, iid: str) -> list[Obj]:
        """Every ENI attached to the instance (DescribeNetworkInterfaces, then DescribeInstances)."""
        out = {e["NetworkInterfaceId"]: e for e in self.enis().values()
               if (e.get("Attachment") or {}).get("InstanceId") == iid}
        for iface in (self.instances().get(iid) or {}).get("NetworkInterfaces") or []:
            ident = iface.get("NetworkInterfaceId", "")
            if ident and ident not in out:
                out[ident] = self.enis().get(ident, iface)
        return [out[k] for k in sorted(out)]

    def bpa(self) -> tuple[str, bool]:
        """(InternetGatewayBlockMode, exclusions allowed); absent options = off."""
        if not self.has("ec2", "DescribeVpcBlockPublicAccessOptions"):
            return "off", True
        opts = self.op("ec2", "DescribeVpcBlockPublicAccessOptions").get("VpcBlockPublicAccessOptions") or {}
        return str(opts.get("InternetGatewayBlockMode") or "off"), opts.get("ExclusionsAllowed") != "not-allowed"

    def exclusion_modes(self, sid: str) -> set[str]:
        """Modes of the active exclusions covering the subnet or its VPC."""
        vpc = self.subnet(sid).get("VpcId")
        out = set()
        for ex in self.items("DescribeVpcBlockPublicAccessExclusions", "VpcBlockPublicAccessExclusions"):
            if ex.get("State") not in ("create-complete", "update-complete"):
                continue
            arn = str(ex.get("ResourceArn", ""))
            if arn.endswith((f":subnet/{sid}", f":vpc/{vpc}")):
                out.add(str(ex.get("InternetGatewayExclusionMode")))
        return out

    def group_members(self) -> dict[str, list[str]]:
        """Addresses of the ENIs in each security group (for egress rules naming a group)."""
        if "members" not in self._cache:
            members: dict[str, list[str]] = {}
            for eni in self.enis().values():
                ips = [a["PrivateIpAddress"] for a in eni.get("PrivateIpAddresses") or [] if a.get("PrivateIpAddress")]
                ips += [a["Ipv6Address"] for a in eni.get("Ipv6Addresses") or [] if a.get("Ipv6Address")]
                for g in eni.get("Groups") or []:
                    members.setdefault(g.get("GroupId", ""), []).extend(ips)
            self._cache["members"] = members
        return self._cache["members"]  # type: ignore[no-any-return]


# --- filters ------------------------------------------------------------------------------------
def proto_of(value: Any) -> int:
    text = str(value).lower()
    return PROTO_NAMES[text] if text in PROTO_NAMES else int(text)


def proto_matches(rule_proto: int, p: Pkt, quirks: frozenset[str]) -> bool:
    if rule_proto == -1:
        return True
    if "numbered-protocols-ignored" in quirks and p.proto not in (TCP, UDP, 1, 58):
        return False  # the engine's "other protocols" class: only all-protocol rules match it
    return rule_proto == p.proto


def acl_allows(acl: Obj, egress: bool, p: Pkt, port: int | None, addr: Addr | str,
               quirks: frozenset[str] = frozenset()) -> bool:
    """First matching entry in rule-number order decides; no match denies."""
    field = "CidrBlock" if p.family == 4 else "Ipv6CidrBlock"
    entries = [e for e in acl.get("Entries") or [] if bool(e.get("Egress")) == egress and e.get(field)]
    for e in sorted(entries, key=lambda e: int(e.get("RuleNumber", 32767))):
        proto = proto_of(e.get("Protocol", "-1"))
        if not proto_matches(proto, p, quirks):
            continue
        rng = e.get("PortRange")
        if p.proto in (TCP, UDP) and proto != -1 and rng and port is not None \
                and not (rng.get("From", 0) <= port <= rng.get("To", 65535)):
            continue
        if contains(e[field], addr):
            return str(e.get("RuleAction")).lower() == "allow"
    return False


def reply_allowed(acl: Obj, egress: bool, p: Pkt, addr: Addr | str, quirks: frozenset[str]) -> bool:
    """The reply (to some ephemeral port for tcp/udp) passes this NACL direction."""
    if p.proto not in (TCP, UDP):
        return acl_allows(acl, egress, p, None, addr, quirks)
    ports = {EPHEMERAL[0], EPHEMERAL[1]}
    for e in acl.get("Entries") or []:
        rng = e.get("PortRange") or {}
        for q in (rng.get("From"), rng.get("To")):
            if isinstance(q, int):
                ports.update({q - 1, q, q + 1})
    return any(acl_allows(acl, egress, p, q, addr, quirks) for q in sorted(ports) if EPHEMERAL[0] <= q <= EPHEMERAL[1])


def sg_allows(region: Region, groups: list[str], p: Pkt, ingress: bool = False,
              source_groups: tuple[str, ...] = ()) -> bool:
    """Egress: the rules admit p.dst. Ingress: they admit p.src (CIDR, IPv6 CIDR, prefix list, or a
    referenced group of which the source address's ENI is a member, or which the sender itself
    belongs to: `source_groups`, for a workload placed without a known ENI address)."""
    unresolved = False
    members = region.group_members()
    peer = p.src if ingress else p.dst
    for gid in groups:
        sg = region.find("DescribeSecurityGroups", "SecurityGroups", "GroupId", gid)
        for perm in sg.get("IpPermissions" if ingress else "IpPermissionsEgress") or []:
            proto = proto_of(perm.get("IpProtocol", "-1"))
            if not proto_matches(proto, p, region.quirks):
                continue
            lo, hi = perm.get("FromPort"), perm.get("ToPort")
            if p.proto in (TCP, UDP) and proto != -1 and lo not in (None, -1) and hi is not None \
                    and not (lo <= (p.port or 0) <= hi):
                continue
            cidrs = [r["CidrIp"] for r in perm.get("IpRanges") or [] if r.get("CidrIp")]
            cidrs += [r["CidrIpv6"] for r in perm.get("Ipv6Ranges") or [] if r.get("CidrIpv6")]
            for pair in perm.get("UserIdGroupPairs") or []:
                if ingress and pair.get("GroupId") in source_groups:
                    return True
                cidrs += members.get(pair.get("GroupId", ""), [])
            for pl in perm.get("PrefixListIds") or []:
                try:
                    cidrs += region.prefix_list(pl.get("PrefixListId", ""))
                except Unknown:
                    unresolved = True
            if any(contains(c, peer) for c in cidrs):
                return True
    if unresolved:
        raise Unknown("security group prefix list unresolved")
    return False


# --- the walk -----------------------------------------------------------------------------------
TARGET_KEYS = ("GatewayId", "NatGatewayId", "TransitGatewayId", "VpcPeeringConnectionId",
               "EgressOnlyInternetGatewayId", "InstanceId", "NetworkInterfaceId")


class Walk:
    def __init__(self, region: Region) -> None:
        self.r = region

    def outcomes(self, p: Pkt) -> Iterator[str]:
        try:
            yield from self.route(p, frozenset())
        except Unknown:
            yield UNRESOLVED

    def route(self, p: Pkt, seen: frozenset[Any]) -> Iterator[str]:
        state = ("rtb", p.subnet, p.family, p.src, p.public_in, p.inspected, p.origin, p.natgw, p.gwlbe)
        if state in seen:
            yield DROPPED  # routing loop
            return
        seen = seen | {state}
        rtb = self.r.route_table(p.subnet)
        for route in self.lpm(rtb.get("Routes") or [], p):
            try:
                yield from self.target(p, route, seen)
            except Unknown:
                yield UNRESOLVED

    def lpm(self, routes: list[Obj], p: Pkt) -> list[Obj]:
        """Routes chosen for p.dst: longest match; on a tie static CIDR, then prefix list (all of
        them: ambiguous), then propagated (all of them)."""
        best: list[tuple[int, int, Obj]] = []  # (length, rank, route)
        for route in routes:
            cidr = route.get("DestinationCidrBlock" if p.family == 4 else "DestinationIpv6CidrBlock")
            lengths: list[int] = []
            rank = 0
            if cidr:
                lengths = [net(cidr).prefixlen] if contains(cidr, p.dst) else []
                if route.get("Origin") == "EnableVgwRoutePropagation" or route.get("Type") == "propagated":
                    rank = 2
            elif route.get("DestinationPrefixListId"):
                lengths = [net(c).prefixlen for c in self.r.prefix_list(route["DestinationPrefixListId"])
                           if contains(c, p.dst)]
                rank = 1
            if lengths:
                best.append((max(lengths), rank, route))
        if not best:
            return []
        top = max(b[0] for b in best)
        rank = min(b[1] for b in best if b[0] == top)
        chosen = [b[2] for b in best if b[0] == top and b[1] == rank]
        return chosen[:1] if rank == 0 else chosen

    def target(self, p: Pkt, route: Obj, seen: frozenset[Any]) -> Iterator[str]:
        if route.get("State") == "blackhole":
            yield DROPPED
            return
        tid = next((str(route[k]) for k in TARGET_KEYS if route.get(k)), "")
        if tid == "local" or tid.startswith(("pcx-", "vgw-")):
            yield DROPPED  # stays in the VPC / ends in the peer / leaves to on-premises
        elif tid.startswith("igw-"):
            yield self.igw(p, tid)
        elif tid.startswith("eigw-"):
            yield self.eigw(p, tid)
        elif tid.startswith("nat-"):
            yield from self.nat(p, tid, seen)
        elif tid.startswith("vpce-"):
            yield from self.vpce(p, tid, seen)
        elif tid.startswith("tgw-"):
            yield from self.tgw(p, tid, seen)
        elif tid.startswith(("eni-", "i-")):
            yield from self.eni_target(p, route, seen)
        else:
            raise Unknown(f"target {tid!r} not modelled")

    # --- crossings ---------------------------------------------------------------------------
    def exit_ok(self, p: Pkt) -> bool:
        acl, q = self.r.nacl(p.subnet), self.r.quirks
        return acl_allows(acl, True, p, p.port, p.dst, q) and reply_allowed(acl, False, p, p.dst, q)

    def enter(self, p: Pkt, subnet: str) -> Pkt | None:
        if subnet == p.subnet:
            return p
        if not self.exit_ok(p):
            return None
        acl, q = self.r.nacl(subnet), self.r.quirks
        if not (acl_allows(acl, False, p, p.port, p.src, q) and reply_allowed(acl, True, p, p.src, q)):
            return None
        return replace(p, subnet=subnet)

    def leave(self, p: Pkt) -> str:
        return INSPECTED if p.inspected else INTERNET

    def routable(self, p: Pkt) -> bool:
        if p.family == 6:
            return contains(GLOBAL_V6, p.dst)
        return not any(contains(c, p.dst) for c in NOT_INTERNET_V4)

    # --- targets -----------------------------------------------------------------------------
    def igw(self, p: Pkt, igw_id: str) -> str:
        igw = self.r.find("DescribeInternetGateways", "InternetGateways", "InternetGatewayId", igw_id)
        vpc = self.r.subnet(p.subnet).get("VpcId")
        if not any(a.get("VpcId") == vpc and a.get("State") in ("available", "attached")
                   for a in igw.get("Attachments") or []):
            return DROPPED
        if not self.routable(p) or not self.exit_ok(p):
            return DROPPED
        public = p.public_in == "*" or (p.public_in is not None
                                        and ("public-any-vpc" in self.r.quirks or p.public_in == vpc))
        if not public or self.bpa_blocks(p, egress_only=False):
            return DROPPED
        return self.leave(p)

    def eigw(self, p: Pkt, eigw_id: str) -> str:
        if p.family != 6:
            return DROPPED
        self.r.find("DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways",
                    "EgressOnlyInternetGatewayId", eigw_id)
        if not self.routable(p) or not self.exit_ok(p) or self.bpa_blocks(p, egress_only=True):
            return DROPPED
        return self.leave(p)

    def bpa_blocks(self, p: Pkt, egress_only: bool) -> bool:
        """Rule 11: does VPC Block Public Access stop this packet at the IGW / EIGW?"""
        mode, exclusions_allowed = self.r.bpa()
        if mode == "off":
            return False
        if mode not in ("block-bidirectional", "block-ingress"):
            raise Unknown(f"Block Public Access mode {mode!r} not modelled")
        if p.gwlbe:
            return True
        if mode == "block-ingress" and (egress_only or p.natgw):
            return False  # replies to NAT gateway / EIGW connections are let in
        modes = self.r.exclusion_modes(p.origin or p.subnet) if exclusions_allowed else set()
        if "allow-bidirectional" in modes:
            return False
        return not (mode == "block-bidirectional" and "allow-egress" in modes)

    def nat(self, p: Pkt, nat_id: str, seen: frozenset[Any]) -> Iterator[str]:
        nat = self.r.find("DescribeNatGateways", "NatGateways", "NatGatewayId", nat_id)
        if nat.get("State") != "available":
            yield DROPPED
            return
        if p.family == 6 and not contains(NAT64, p.dst):
            yield DROPPED  # a NAT gateway translates IPv6 only to 64:ff9b::/96 (rule 8b)
            return
        entered = self.enter(p, nat.get("SubnetId", ""))
        if entered is None:
            yield DROPPED
            return
        private_ip = next((a["PrivateIp"] for a in nat.get("NatGatewayAddresses") or [] if a.get("PrivateIp")),
                          p.src if p.family == 4 else None)
        if private_ip is None:
            raise Unknown("NAT gateway without a private IPv4 address for NAT64")
        public = None if nat.get("ConnectivityType", "public") == "private" else self.r.subnet(nat["SubnetId"])["VpcId"]
        if p.family == 6:  # NAT64: the IPv4 destination is the low 32 bits
            entered = replace(entered, family=4, dst=ipaddress.IPv4Address(int(p.dst) & 0xFFFFFFFF))
        yield from self.route(replace(entered, src=private_ip, public_in=public, origin=nat["SubnetId"], natgw=True),
                              seen)

    def vpce(self, p: Pkt, vpce_id: str, seen: frozenset[Any]) -> Iterator[str]:
        if self.r.has("network-firewall", "ListFirewalls"):
            for fw in self.r.items("ListFirewalls", "Firewalls", "network-firewall"):
                desc = self.r.detail("network-firewall", "DescribeFirewall", fw.get("FirewallArn", ""))
                for sync in ((desc.get("FirewallStatus") or {}).get("SyncStates") or {}).values():
                    att = sync.get("Attachment") or {}
                    if att.get("EndpointId") == vpce_id and att.get("SubnetId"):
                        yield from self.firewall(p, desc, att["SubnetId"], seen)
                        return
        endpoint = self.r.find("DescribeVpcEndpoints", "VpcEndpoints", "VpcEndpointId", vpce_id)
        if endpoint.get("VpcEndpointType") == "GatewayLoadBalancer":
            if str(endpoint.get("State", "")).lower() != "available":
                yield DROPPED
                return
            for sid in endpoint.get("SubnetIds") or []:  # one in practice
                entered = self.enter(p, sid)
                if entered is None:
                    yield DROPPED
                    continue
                yield from self.route(replace(entered, gwlbe=True), seen)
            return
        if endpoint.get("VpcEndpointType") != "Gateway":
            raise Unknown(f"{vpce_id} endpoint type not modelled")
        yield DROPPED  # gateway endpoint: an AWS service, not the internet

    def firewall(self, p: Pkt, desc: Obj, subnet: str, seen: frozenset[Any]) -> Iterator[str]:
        policy_arn = (desc.get("Firewall") or {}).get("FirewallPolicyArn", "")
        policy = self.r.detail("network-firewall", "DescribeFirewallPolicy", policy_arn).get("FirewallPolicy") or {}
        entered = self.enter(p, subnet)
        if entered is None:
            yield DROPPED
            return
        action = self.stateless(policy, entered)
        if action == "aws:drop":
            yield DROPPED
            return
        inspected = entered.inspected or action == "aws:forward_to_sfe"
        yield from self.route(replace(entered, inspected=inspected), seen)

    def stateless(self, policy: Obj, p: Pkt) -> str:
        refs = sorted(policy.get("StatelessRuleGroupReferences") or [], key=lambda r: r.get("Priority", 0))
        for ref in refs:
            group = self.r.detail("network-firewall", "DescribeRuleGroup", ref.get("ResourceArn", ""))
            source = ((group.get("RuleGroup") or {}).get("RulesSource") or {})
            rules = (source.get("StatelessRulesAndCustomActions") or {}).get("StatelessRules") or []
            for rule in sorted(rules, key=lambda r: r.get("Priority", 0)):
                definition = rule.get("RuleDefinition") or {}
                action = standard_action(definition.get("Actions") or [])
                if action and self.rule_matches(definition.get("MatchAttributes") or {}, p):
                    return action
        action = standard_action(policy.get("StatelessDefaultActions") or [])
        if action is None:
            raise Unknown("no standard stateless default action")
        return action

    def rule_matches(self, attrs: Obj, p: Pkt) -> bool:
        protos = attrs.get("Protocols") or []
        if protos and not any(proto_matches(int(x), p, self.r.quirks) for x in protos):
            return False
        sources = [a["AddressDefinition"] for a in attrs.get("Sources") or [] if a.get("AddressDefinition")]
        if sources and not any(contains(c, p.src) for c in sources):
            return False
        dests = [a["AddressDefinition"] for a in attrs.get("Destinations") or [] if a.get("AddressDefinition")]
        if dests and not any(contains(c, p.dst) for c in dests):
            return False
        ports = attrs.get("DestinationPorts") or []
        if ports and p.proto in (TCP, UDP) and not any(r["FromPort"] <= (p.port or 0) <= r["ToPort"] for r in ports):
            return False
        if attrs.get("SourcePorts") or attrs.get("TCPFlags"):
            raise Unknown("source ports / TCP flags not modelled by the oracle")
        return True

    def eni_target(self, p: Pkt, route: Obj, seen: frozenset[Any]) -> Iterator[str]:
        enis, instances = self.r.enis(), self.r.instances()
        eni = enis.get(route.get("NetworkInterfaceId") or "")
        if eni is None and route.get("InstanceId"):
            inst = instances.get(route["InstanceId"])
            if inst is None:
                raise Unknown("instance not collected")
            primary = next((i for i in inst.get("NetworkInterfaces") or []
                            if (i.get("Attachment") or {}).get("DeviceIndex") == 0), None)
            if primary is None:
                raise Unknown("instance has no primary interface")
            eni = enis.get(primary["NetworkInterfaceId"], primary)
        if eni is None:
            raise Unknown("ENI not collected")
        owner = (eni.get("Attachment") or {}).get("InstanceId") or route.get("InstanceId")
        if owner in self.r.proxies():
            yield INSPECTED  # terminates at a sanctioned proxy
            return
        sdc = eni.get("SourceDestCheck")
        if sdc is None and owner in instances:
            sdc = instances[owner].get("SourceDestCheck")
        if sdc is None:
            raise Unknown("SourceDestCheck unknown")
        if sdc:
            yield DROPPED
            return
        entered = self.enter(p, eni.get("SubnetId", ""))
        if entered is None:
            yield DROPPED
            return
        exits = self.r.instance_enis(owner) if owner else []
        for out in exits or [eni]:  # rule 9b: the OS picks the exit; every ENI is possible
            sid = out.get("SubnetId")
            if not sid:
                raise Unknown("forwarder ENI without a subnet")
            if p.family == 6:
                moved = replace(entered, subnet=sid, public_in="*", origin=sid, natgw=False)
            else:
                if not out.get("PrivateIpAddress"):
                    raise Unknown("forwarder ENI without a private address")
                vpc = out.get("VpcId") or self.r.subnet(sid).get("VpcId")
                moved = replace(entered, subnet=sid, src=out["PrivateIpAddress"],
                                public_in=vpc if public_ipv4(out) else None, origin=sid, natgw=False)
            yield from self.route(moved, seen)

    def tgw(self, p: Pkt, tgw_id: str, seen: frozenset[Any]) -> Iterator[str]:
        subnet = self.r.subnet(p.subnet)
        vpc, az = subnet.get("VpcId"), subnet.get("AvailabilityZone")
        vpc_atts = self.r.items("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments")
        att = next((a for a in vpc_atts if a.get("TransitGatewayId") == tgw_id and a.get("VpcId") == vpc
                    and a.get("State") == "available"), None)
        if att is None:
            yield DROPPED
            return
        subnets = {s["SubnetId"]: s for s in self.r.items("DescribeSubnets", "Subnets")}
        local = [s for s in att.get("SubnetIds") or [] if (subnets.get(s) or {}).get("AvailabilityZone") == az]
        if not local:
            yield DROPPED  # no attachment subnet in this AZ
            return
        entered = self.enter(p, local[0])
        if entered is None:
            yield DROPPED
            return
        rtb_id = None
        for a in self.r.items("DescribeTransitGatewayAttachments", "TransitGatewayAttachments"):
            assoc = a.get("Association") or {}
            if a.get("TransitGatewayAttachmentId") == att["TransitGatewayAttachmentId"] \
                    and assoc.get("State") == "associated":
                rtb_id = assoc.get("TransitGatewayRouteTableId")
        if rtb_id is None:
            yield DROPPED
            return
        state = ("tgw", rtb_id, p.family, p.src, p.public_in, p.inspected, p.origin, p.natgw, p.gwlbe)
        if state in seen:
            yield DROPPED
            return
        seen = seen | {state}
        routes = [tgw_route_as_vpc_route(r) for r in
                  self.r.detail("ec2", "SearchTransitGatewayRoutes", rtb_id).get("Routes") or []]
        chosen = self.lpm(routes, entered)
        if not chosen:
            yield DROPPED  # no route
        for route in chosen:
            if route.get("State") == "blackhole":
                yield DROPPED
                continue
            for target in route.get("TransitGatewayAttachments") or []:
                try:
                    yield from self.tgw_deliver(entered, target, az or "", seen)
                except Unknown:
                    yield UNRESOLVED

    def tgw_deliver(self, p: Pkt, target: Obj, az: str, seen: frozenset[Any]) -> Iterator[str]:
        kind, att_id = target.get("ResourceType"), target.get("TransitGatewayAttachmentId")
        if kind in ("vpn", "direct-connect-gateway"):
            yield DROPPED
            return
        if kind != "vpc":
            raise Unknown(f"attachment type {kind} not modelled")
        att = next((a for a in self.r.items("DescribeTransitGatewayVpcAttachments", "TransitGatewayVpcAttachments")
                    if a.get("TransitGatewayAttachmentId") == att_id), None)
        if att is None:
            raise Unknown(f"attachment {att_id} not collected")
        subnets = {s["SubnetId"]: s for s in self.r.items("DescribeSubnets", "Subnets")}
        ids = att.get("SubnetIds") or []
        same_az = [s for s in ids if (subnets.get(s) or {}).get("AvailabilityZone") == az]
        appliance = (att.get("Options") or {}).get("ApplianceModeSupport") == "enable"
        for sid in ids if appliance else (same_az[:1] or ids):
            yield from self.route(replace(p, subnet=sid), seen)


def public_ipv4(eni: Obj) -> bool:
    """A public IPv4 on the primary address or on any secondary private address (Elastic IP)."""
    if (eni.get("Association") or {}).get("PublicIp"):
        return True
    return any((a.get("Association") or {}).get("PublicIp") for a in eni.get("PrivateIpAddresses") or [])


def tgw_route_as_vpc_route(route: Obj) -> dict[str, Any]:
    """A TGW route keyed like a VPC route, so one longest-prefix match serves both."""
    out = {k: v for k, v in route.items() if k not in ("DestinationCidrBlock", "PrefixListId")}
    cidr = route.get("DestinationCidrBlock")
    if cidr:
        out["DestinationIpv6CidrBlock" if ":" in cidr else "DestinationCidrBlock"] = cidr
    elif route.get("PrefixListId"):
        out["DestinationPrefixListId"] = route["PrefixListId"]
    return out


def standard_action(actions: list[Any]) -> str | None:
    return next((str(a) for a in actions if a in ("aws:pass", "aws:drop", "aws:forward_to_sfe")), None)


# --- probes and the verdict ---------------------------------------------------------------------
def all_cidrs(node: Any) -> Iterator[str]:
    """Every CIDR-looking string anywhere in the region's data."""
    if isinstance(node, Mapping):
        for v in node.values():
            yield from all_cidrs(v)
    elif isinstance(node, list):
        for v in node:
            yield from all_cidrs(v)
    elif isinstance(node, str) and "/" in node and not node.startswith(("arn:", "http")):
        try:
            yield str(net(node))
        except ValueError:
            return


def probe_addresses(data: Obj) -> dict[int, list[Addr]]:
    out: dict[int, set[int]] = {4: set(), 6: set()}
    top = {4: (1 << 32) - 1, 6: (1 << 128) - 1}
    for cidr in {*all_cidrs(data), *NOT_INTERNET_V4, GLOBAL_V6}:
        n = net(cidr)
        lo, hi = int(n.network_address), int(n.broadcast_address)
        out[n.version].update(v for v in (lo - 1, lo, hi, hi + 1) if 0 <= v <= top[n.version])
    for fam, fixed in ((4, FIXED_V4), (6, FIXED_V6)):
        out[fam].update(int(ipaddress.ip_address(a)) for a in fixed)
    # NAT64: every IPv4 probe embedded in 64:ff9b::/96, so translated packets cover every interval
    base = int(net(NAT64).network_address)
    out[6].update(base + v for v in list(out[4]))
    cls = {4: ipaddress.IPv4Address, 6: ipaddress.IPv6Address}
    return {fam: [cls[fam](v) for v in sorted(vals)] for fam, vals in out.items()}


def probe_ports(data: Obj) -> list[tuple[int, int | None]]:
    """(protocol, destination port) probes: tcp/udp at every port boundary, every named protocol."""
    ports = set(FIXED_PORTS)
    protos: set[int] = set(OTHER_PROTOS)

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for a, b in (("FromPort", "ToPort"), ("From", "To")):
                if isinstance(node.get(a), int) and isinstance(node.get(b), int) and node[a] >= 0:
                    ports.update(q for q in (node[a] - 1, node[a], node[b], node[b] + 1) if 0 <= q <= 65535)
            for key in ("Protocol", "IpProtocol"):
                value = node.get(key)
                if isinstance(value, str) and (value.lower() in PROTO_NAMES or value.lstrip("-").isdigit()):
                    protos.add(proto_of(value))
            protos.update(x for x in node.get("Protocols") or [] if isinstance(x, int))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    protos -= {-1, TCP, UDP}
    return [(pr, q) for pr in (TCP, UDP) for q in sorted(ports)] + [(pr, None) for pr in sorted(protos)]


def notebook_source(region: Region, name: str) -> tuple[str, list[str], str, str | None, list[str]]:
    """(subnet, groups, private IP, public IP, IPv6 addresses) of the notebook's ENI."""
    nb = region.detail("sagemaker", "DescribeNotebookInstance", name)
    sid = nb.get("SubnetId")
    if not sid:
        raise Unknown("notebook without subnet")
    enis = region.enis()
    eni = enis.get(nb.get("NetworkInterfaceId") or "")
    if eni is None and nb.get("NetworkInterfaceId"):
        raise Unknown("notebook ENI not collected")
    if eni is None:
        suffix = f"SageMaker Notebook Instance {name}"
        eni = next((e for e in enis.values() if str(e.get("Description", "")).endswith(suffix)
                    and e.get("SubnetId") == sid), None)
    if eni is None:  # placed by subnet: first usable host, public/IPv6 as the subnet assigns them
        subnet = region.subnet(sid)
        first = str(net(subnet["CidrBlock"]).network_address + 4)
        v6 = [str(net(a["Ipv6CidrBlock"]).network_address + 4)
              for a in subnet.get("Ipv6CidrBlockAssociationSet") or []][:1] \
            if subnet.get("AssignIpv6AddressOnCreation") else []
        return sid, list(nb.get("SecurityGroups") or []), first, \
            "auto" if subnet.get("MapPublicIpOnLaunch") else None, v6
    if not isinstance(eni.get("Groups"), list):
        raise Unknown("the ENI's security groups are not in the snapshot")
    groups = [g["GroupId"] for g in eni["Groups"] if g.get("GroupId")]
    v6 = [a["Ipv6Address"] for a in eni.get("Ipv6Addresses") or [] if a.get("Ipv6Address")]
    return eni.get("SubnetId", ""), groups, eni.get("PrivateIpAddress", ""), \
        (eni.get("Association") or {}).get("PublicIp"), v6


def decide(doc: Obj, notebook: str, quirks: frozenset[str] = frozenset()) -> str:
    """NET-001 for the notebook (searched in every account/region): FAIL, PASS or unknown."""
    for regions in (doc.get("accounts") or {}).values():
        for data in regions.values():
            listed = ((data.get("sagemaker") or {}).get("ListNotebookInstances") or {}).get("NotebookInstances") or []
            if any(n.get("NotebookInstanceName") == notebook for n in listed):
                return decide_region(Region(data, quirks), notebook)
    raise KeyError(notebook)


def decide_region(region: Region, name: str) -> str:
    try:
        nb = region.detail("sagemaker", "DescribeNotebookInstance", name)
    except Unknown:
        return UNKNOWN
    direct = nb.get("DirectInternetAccess") != "Disabled"
    if direct and "dia-needs-source" not in region.quirks:
        return FAIL  # SageMaker's own network has internet access (rule 24)
    try:
        sid, groups, private, public, v6 = notebook_source(region, name)
        vpc = region.subnet(sid).get("VpcId")
    except Unknown:
        return UNKNOWN
    if direct:
        return FAIL
    walk = Walk(region)
    addresses = probe_addresses(region.data)
    probes = probe_ports(region.data)
    unknown = False
    for family in (4, 6) if v6 else (4,):
        src = private if family == 4 else v6[0]
        public_in = (vpc if public else None) if family == 4 else "*"
        for dst in addresses[family]:
            for proto, port in probes:
                p = Pkt(family, dst, proto, port, sid, src, public_in, False, origin=sid)
                try:
                    if not sg_allows(region, groups, p):
                        continue
                except Unknown:
                    unknown = True
                    continue
                for outcome in walk.outcomes(p):
                    if outcome == INTERNET:
                        return FAIL
                    unknown = unknown or outcome == UNRESOLVED
    return UNKNOWN if unknown else PASS


# --- NET-007: relays (rule 31) ------------------------------------------------------------------
REACHED = "reached"


class Reach(Walk):
    """Walks a packet towards one host ENI: the local route delivers inside the current VPC, an
    active peering delivers inside the peer VPC (no edge-to-edge: only addresses of the peer VPC),
    anything else (NAT, firewall, forwarders, transit gateways) is forwarded as for NET-001. The
    packet is admitted when the host's subnet NACL passes it both ways (a crossing) and the host
    ENI's security groups admit its source as it arrives. A packet that passed an inspecting
    firewall on its way is inspected, not a relay path (contracts §4)."""

    def __init__(self, region: Region, host_eni: Obj, sender: tuple[str, tuple[str, ...]] = ("", ())) -> None:
        super().__init__(region)
        self.host = host_eni
        self.sender = sender  # (the workload's own address, its security groups)

    def target(self, p: Pkt, route: Obj, seen: frozenset[Any]) -> Iterator[str]:
        tid = next((str(route[k]) for k in TARGET_KEYS if route.get(k)), "")
        if route.get("State") == "blackhole" or not (tid == "local" or tid.startswith("pcx-")):
            yield from super().target(p, route, seen)
            return
        vpc = self.r.subnet(p.subnet).get("VpcId")
        if tid.startswith("pcx-"):
            pcx = self.r.find("DescribeVpcPeeringConnections", "VpcPeeringConnections", "VpcPeeringConnectionId", tid)
            if (pcx.get("Status") or {}).get("Code") != "active":
                yield DROPPED
                return
            sides = [(pcx.get(k) or {}).get("VpcId") for k in ("AccepterVpcInfo", "RequesterVpcInfo")]
            if vpc not in sides:
                yield DROPPED
                return
            vpc = next((v for v in sides if v != vpc), vpc)
        yield self.deliver(p, vpc)

    def deliver(self, p: Pkt, vpc: str | None) -> str:
        host = self.host
        if (host.get("VpcId") or self.r.subnet(host["SubnetId"]).get("VpcId")) != vpc:
            return DROPPED
        if str(p.dst) not in eni_addresses(host):
            return DROPPED
        entered = self.enter(p, host["SubnetId"])
        if entered is None:
            return DROPPED
        if not isinstance(host.get("Groups"), list):
            raise Unknown("host ENI's security groups are not in the snapshot")
        groups = [g["GroupId"] for g in host["Groups"] if g.get("GroupId")]
        own = self.sender[1] if str(entered.src) == self.sender[0] else ()
        if not sg_allows(self.r, groups, entered, ingress=True, source_groups=own):
            return DROPPED
        return INSPECTED if entered.inspected else REACHED


def eni_addresses(eni: Obj) -> list[str]:
    """The ENI's private IPv4 addresses (primary first) and IPv6 addresses."""
    out = [eni.get("PrivateIpAddress", "")]
    out += [a.get("PrivateIpAddress", "") for a in eni.get("PrivateIpAddresses") or []]
    out += [a.get("Ipv6Address", "") for a in eni.get("Ipv6Addresses") or []]
    return list(dict.fromkeys(str(ipaddress.ip_address(a)) for a in out if a))


def host_internet(region: Region, iid: str) -> str:
    """FAIL when the instance has an uninspected live internet path of its own from any ENI and
    address (rule 31): the NET-001 walk with the host as source. PASS, or unknown."""
    cache = region._cache.setdefault("host_internet", {})
    if iid not in cache:
        cache[iid] = _host_internet(region, iid)
    return cache[iid]  # type: ignore[no-any-return]


def _host_internet(region: Region, iid: str) -> str:
    walk, addresses, probes = Walk(region), probe_addresses(region.data), probe_ports(region.data)
    unknown = False
    try:
        enis = region.instance_enis(iid)
    except Unknown:
        return UNKNOWN
    if not enis:
        return UNKNOWN
    for eni in enis:
        sid = eni.get("SubnetId")
        if not sid or not isinstance(eni.get("Groups"), list):
            unknown = True
            continue
        groups = [g["GroupId"] for g in eni["Groups"] if g.get("GroupId")]
        vpc = eni.get("VpcId")
        sources: list[tuple[int, str, str | None]] = []
        v4 = [eni] if eni.get("PrivateIpAddress") else []
        primary_public = (eni.get("Association") or {}).get("PublicIp")
        for a in eni.get("PrivateIpAddresses") or v4:
            if not a.get("PrivateIpAddress"):
                continue
            public = (a.get("Association") or {}).get("PublicIp") or (
                a["PrivateIpAddress"] == eni.get("PrivateIpAddress") and primary_public)
            sources.append((4, a["PrivateIpAddress"], vpc if public else None))
        sources += [(6, a["Ipv6Address"], "*") for a in eni.get("Ipv6Addresses") or [] if a.get("Ipv6Address")]
        for family, src, public_in in dict.fromkeys(sources):
            for dst in addresses[family]:
                for proto, port in probes:
                    p = Pkt(family, dst, proto, port, sid, src, public_in, False, origin=sid)
                    try:
                        if not sg_allows(region, groups, p):
                            continue
                    except Unknown:
                        unknown = True
                        continue
                    for outcome in walk.outcomes(p):
                        if outcome == INTERNET:
                            return FAIL
                        unknown = unknown or outcome == UNRESOLVED
    return UNKNOWN if unknown else PASS


def decide_relays(doc: Obj, notebook: str, quirks: frozenset[str] = frozenset()) -> str:
    """NET-007 for the notebook: FAIL when some EC2 instance that is not a sanctioned proxy is
    reachable from it and has its own uninspected internet path; PASS, or unknown."""
    for regions in (doc.get("accounts") or {}).values():
        for data in regions.values():
            listed = ((data.get("sagemaker") or {}).get("ListNotebookInstances") or {}).get("NotebookInstances") or []
            if any(n.get("NotebookInstanceName") == notebook for n in listed):
                return relays_region(Region(data, quirks), notebook)
    raise KeyError(notebook)


def relays_region(region: Region, name: str) -> str:
    try:
        sid, groups, private, public, v6 = notebook_source(region, name)
        vpc = region.subnet(sid).get("VpcId")
        instances = region.instances()
        proxies = region.proxies()
    except Unknown:
        return UNKNOWN
    probes = probe_ports(region.data)
    unknown = False
    for iid in sorted(instances):
        if iid in proxies:
            continue  # a sanctioned proxy is not a relay
        try:
            enis = region.instance_enis(iid)
        except Unknown:
            unknown = True
            continue
        reached = False
        for eni in enis:
            if not eni.get("SubnetId"):
                unknown = True
                continue
            for addr in eni_addresses(eni):
                dst = ipaddress.ip_address(addr)
                if dst.version == 6 and not v6:
                    continue
                src = private if dst.version == 4 else v6[0]
                walk = Reach(region, eni, (str(src), tuple(groups)))
                public_in = (vpc if public else None) if dst.version == 4 else "*"
                for proto, port in probes:
                    p = Pkt(dst.version, dst, proto, port, sid, src, public_in, False, origin=sid)
                    try:
                        if not sg_allows(region, groups, p):
                            continue
                    except Unknown:
                        unknown = True
                        continue
                    for outcome in walk.outcomes(p):
                        reached = reached or outcome == REACHED
                        unknown = unknown or outcome == UNRESOLVED
                    if reached:
                        break
                if reached:
                    break
            if reached:
                break
        if reached:
            verdict = host_internet(region, iid)
            if verdict == FAIL:
                return FAIL
            unknown = unknown or verdict == UNKNOWN
    return UNKNOWN if unknown else PASS
