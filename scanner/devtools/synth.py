"""Synthetic estates: valid `safemaker.snapshot/v1` documents of any size, for benchmarks.

`synth_snapshot(vpcs, notebooks, seed)` builds one account/region that mixes the seed
architectures the checks are written for, at the density real estates have (several route
tables per VPC with 5-50 routes, security groups with dozens of rules, NACLs with several
entries, managed prefix lists, peerings, VPN gateways, transit gateways):

* ``proxy`` (seed 000): public subnets with an internet gateway and a squid instance tagged
  ``safemaker:role=proxy``; notebooks in private subnets whose route tables stay local.
* ``firewall`` (seed 001): SageMaker subnets -> NAT gateway; NAT subnet -> Network Firewall
  endpoint; firewall subnet -> internet gateway; an IGW edge route table back through the
  endpoint; a policy whose stateless default forwards to the stateful engine.
* ``isolated``: private subnets with an S3 gateway endpoint (prefix-list route) and interface
  endpoints, no way out.
* ``tgw-spoke``: spokes whose default route goes to a transit gateway and, from there, to an
  egress hub VPC (attachment subnet -> firewall endpoint -> NAT gateway -> internet gateway).

Some VPCs are deliberately broken so that FAILs occur (about 10-20% of notebooks): a NAT gateway
added to a proxy VPC (``nat-added``, or only for a few prefixes, ``nat-specific``), a more
specific route from the NAT subnet straight to the internet gateway (``nat-bypass``), a firewall
policy that passes in the stateless engine (``stateless-pass``), an egress-only internet gateway
on a dual-stack VPC (``ipv6-eigw``), an egress hub that bypasses its firewall (``hub-bypass``),
and notebooks with DirectInternetAccess Enabled (``direct-internet``). ``public-subnet`` notebooks
sit in a public subnet without a public address: NET-001 PASS, NET-004 FAIL (latent path).

Each notebook is named after its variant, ``nb-00012-nat-added``, and `EXPECTED` says which
NET-001/NET-004 status that variant must get, so tests and benchmarks can check the verdicts.

The output is a pure function of the arguments: one ``random.Random(seed)``, identifiers derived
from per-kind counters (hex like real ids), fixed timestamps, no set iteration.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import hashlib
import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

J = dict[str, Any]

SCHEMA: Final = "safemaker.snapshot/v1"
CREATED: Final = "2026-01-05T08:00:00Z"
TOOL_VERSION: Final = "0.1.0"
MAX_SUBNETS_PER_VPC: Final = 16  # /24 subnets in a /20 VPC
_EPOCH: Final = dt.datetime(2025, 3, 1, 9, 0, 0, tzinfo=dt.UTC)

#: variant -> (expected NET-001 status, expected NET-004 status); None: depends on the VPC.
EXPECTED: Final[Mapping[str, tuple[str, str | None]]] = {
    "proxy": ("PASS", "PASS"),
    "public-subnet": ("PASS", "FAIL"),
    "nat-added": ("FAIL", "PASS"),
    "nat-specific": ("FAIL", "PASS"),
    "firewall": ("PASS", "PASS"),
    "stateless-pass": ("FAIL", "PASS"),
    "nat-bypass": ("FAIL", "PASS"),
    "isolated": ("PASS", "PASS"),
    "ipv6-eigw": ("FAIL", "PASS"),
    "tgw-spoke": ("PASS", "PASS"),
    "hub-bypass": ("FAIL", "PASS"),
    "direct-internet": ("FAIL", None),
}

# Ports real security groups and NACLs name; a per-estate pool of "internal service" ports is
# added to these, so the number of distinct port ranges is bounded as in a real organisation.
_COMMON_PORTS: Final = (
    (22, 22), (80, 80), (443, 443), (3128, 3128), (8080, 8080), (8443, 8443), (5432, 5432),
    (3306, 3306), (6379, 6379), (27017, 27017), (9200, 9200), (9300, 9300), (5439, 5439),
    (1521, 1521), (1433, 1433), (2049, 2049), (53, 53), (123, 123), (389, 389), (636, 636),
    (8888, 8888), (8000, 8999), (9000, 9100), (10000, 10100), (4040, 4040), (7077, 7077),
    (8787, 8787), (50000, 50100), (1024, 65535), (6443, 6443), (2379, 2380), (9092, 9094),
    (2181, 2181), (11211, 11211), (5601, 5601), (3000, 3000), (8500, 8500), (5672, 5672),
    (15672, 15672), (4222, 4222),
)
_PUBLIC_PREFIXES: Final = ("151.101.0.0/16", "140.82.112.0/20", "52.216.0.0/15", "104.16.0.0/13",
                           "185.199.108.0/22", "199.232.0.0/16", "13.107.42.0/24")
_S3_CIDRS: Final = ("52.218.0.0/17", "52.92.0.0/17", "3.5.64.0/21", "3.5.72.0/23", "18.34.32.0/20",
                    "18.34.240.0/22", "16.12.18.0/23")
_DDB_CIDRS: Final = ("52.94.24.0/23", "52.94.26.0/23", "52.119.240.0/21", "3.218.182.0/24")
_INTERFACE_SERVICES: Final = ("sagemaker.api", "sagemaker.runtime", "sts", "logs", "ecr.api", "ecr.dkr",
                              "monitoring", "kms", "secretsmanager", "ssm")
_INSTANCE_TYPES: Final = ("ml.t3.medium", "ml.t3.large", "ml.m5.xlarge", "ml.c5.2xlarge", "ml.g4dn.xlarge")
_DOMAINS: Final = (".pypi.org", ".pythonhosted.org", ".github.com", ".kaggle.com", ".anaconda.org",
                   ".huggingface.co", ".amazonaws.com", ".conda.io", ".npmjs.org", ".cran.r-project.org")
_MULT: Final = 0x9E3779B97F4A7C15  # odd, so n -> n * _MULT is a bijection modulo 16**width


def synth_snapshot(
    vpcs: int,
    notebooks: int,
    seed: int,
    *,
    account: str = "111122223333",
    region: str = "eu-west-1",
    subnets_per_vpc: int = 10,
    port_pool: int = 80,
) -> dict[str, Any]:
    """A synthetic estate of `vpcs` VPCs and `notebooks` notebook instances, deterministic for `seed`.

    `subnets_per_vpc` is the average (at most 16); the default gives 5,000 VPCs / 50,000 subnets.
    `port_pool` is how many distinct port ranges security group rules draw from: 40 well-known
    ones first, then per-estate "internal service" ports (the default, 80, is a mid-size
    organisation; the prover's traffic classes grow with it).
    """
    if vpcs < 1:
        raise ValueError("vpcs must be at least 1")
    if vpcs > 5376:
        raise ValueError("at most 5376 VPCs fit the /20 address plan")
    if notebooks < 0:
        raise ValueError("notebooks must not be negative")
    if not 4 <= subnets_per_vpc <= MAX_SUBNETS_PER_VPC:
        raise ValueError(f"subnets_per_vpc must be between 4 and {MAX_SUBNETS_PER_VPC}")
    if not 1 <= port_pool <= 1000:
        raise ValueError("port_pool must be between 1 and 1000")
    builder = _Builder(vpcs, notebooks, seed, account, region, subnets_per_vpc, port_pool)
    collecting = gc.isenabled()
    gc.disable()  # millions of acyclic containers: collections would only rescan them
    try:
        return builder.build()
    finally:
        if collecting:
            gc.enable()


def synth_json(vpcs: int, notebooks: int, seed: int, **kwargs: Any) -> str:
    """The document as the `safemaker synth` command writes it (compact, one trailing newline)."""
    return json.dumps(synth_snapshot(vpcs, notebooks, seed, **kwargs), separators=(",", ":")) + "\n"


def variant_of(notebook_name: str) -> str | None:
    """The variant a synthetic notebook is named after (`nb-00012-nat-added` -> `nat-added`)."""
    parts = notebook_name.split("-", 2)
    if len(parts) == 3 and parts[0] == "nb" and parts[2] in EXPECTED:
        return parts[2]
    return None


# ----------------------------------------------------------------------------------------------
# small helpers


def _ip4(value: int) -> str:
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def _cidr4(value: int, length: int) -> str:
    return f"{_ip4(value)}/{length}"


def _ts(rng: random.Random, spread_days: int = 300) -> str:
    return (_EPOCH + dt.timedelta(seconds=rng.randrange(spread_days * 86400))).isoformat()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _tags(**pairs: str) -> list[J]:
    return [{"Key": k.replace("_", ":"), "Value": v} for k, v in pairs.items()]


class _Ids:
    """Identifiers from per-kind counters: `vpc-0a1b...`, unique and different for each seed."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._next: dict[str, int] = {}
        self._salt: dict[str, int] = {}

    def new(self, prefix: str, width: int = 17) -> str:
        n = self._next.get(prefix, 0) + 1
        self._next[prefix] = n
        key = f"{prefix}/{width}"
        salt = self._salt.get(key)
        if salt is None:
            salt = int(hashlib.sha256(f"{self._seed}/{key}".encode()).hexdigest(), 16)
            self._salt[key] = salt
        value = (salt + n * _MULT) % (16 ** width)
        return f"{prefix}-{value:0{width}x}"


# ----------------------------------------------------------------------------------------------
# the estate being built


@dataclass
class _Subnet:
    id: str
    az: str
    base: int
    cidr: str
    ipv6: str | None
    role: str
    next_host: int = 10

    def ip(self) -> str:
        if self.next_host > 250:
            raise ValueError(f"subnet {self.cidr} is full: use more VPCs for this many notebooks")
        self.next_host += 1
        return _ip4(self.base + self.next_host - 1)

    def ip6(self) -> str | None:
        if self.ipv6 is None:
            return None
        return self.ipv6.split("::/", 1)[0] + f"::{self.next_host:x}:{self.next_host * 7919 & 0xffff:x}"


@dataclass
class _Hub:
    tgw: str
    vpc: _Vpc
    egress_attachment: str
    spoke_rtb: str
    egress_rtb: str
    vpn_attachment: str
    bypass: bool
    spoke_routes: list[J] = field(default_factory=list)
    egress_routes: list[J] = field(default_factory=list)


@dataclass
class _Vpc:
    index: int
    id: str
    kind: str
    variant: str
    base: int
    azs: list[str]
    ipv6: str | None
    subnets: list[_Subnet] = field(default_factory=list)
    notebook_subnets: list[_Subnet] = field(default_factory=list)
    private_rts: list[J] = field(default_factory=list)
    notebook_sgs: list[str] = field(default_factory=list)
    endpoint_sg: str = ""
    vgw: str | None = None
    peers: list[_Vpc] = field(default_factory=list)
    lifecycle: str | None = None
    hub: _Hub | None = None

    @property
    def cidr(self) -> str:
        return _cidr4(self.base, 20)


_VPC_POOLS: Final = ((0x0A000000, 4096), (0xAC100000, 256), (0x64400000, 1024))  # 10/8, 172.16/12, 100.64/10


def _vpc_base(index: int) -> int:
    for start, count in _VPC_POOLS:
        if index < count:
            return start + index * 4096
        index -= count
    raise ValueError("address plan exhausted")


class _Builder:
    def __init__(self, vpcs: int, notebooks: int, seed: int, account: str, region: str,
                 subnets_per_vpc: int, port_pool: int) -> None:
        self.n_vpcs = vpcs
        self.n_notebooks = notebooks
        self.rng = random.Random(seed)
        self.ids = _Ids(seed)
        self.account = account
        self.region = region
        self.subnets_per_vpc = subnets_per_vpc
        parts = region.split("-")
        short = parts[0] + "".join(p[0] for p in parts[1:-1]) + parts[-1]
        self.azs = [f"{region}{c}" for c in "abc"]
        self.az_ids = {az: f"{short}-az{i + 1}" for i, az in enumerate(self.azs)}
        self.public_ip = 0x22F00000  # 34.240.0.0/13, eu-west-1 style public addresses
        self.ports = list(_COMMON_PORTS[:port_pool])
        internal = max(0, port_pool - len(_COMMON_PORTS))
        pool_rng = random.Random(seed ^ 0x5AFE)
        self.ports += [(p, p) for p in sorted(pool_rng.sample(range(1025, 49151), internal))]
        # responses
        self.vpcs: list[J] = []
        self.subnets: list[J] = []
        self.route_tables: list[J] = []
        self.igws: list[J] = []
        self.eigws: list[J] = []
        self.nats: list[J] = []
        self.endpoints: list[J] = []
        self.sgs: list[J] = []
        self.sg_names: dict[str, str] = {}
        self.acls: list[J] = []
        self.enis: list[J] = []
        self.reservations: list[J] = []
        self.peerings: list[J] = []
        self.vgws: list[J] = []
        self.tgws: list[J] = []
        self.tgw_attachments: list[J] = []
        self.tgw_vpc_attachments: list[J] = []
        self.tgw_rtbs: list[J] = []
        self.tgw_routes: dict[str, J] = {}
        self.firewalls: list[J] = []
        self.fw_desc: dict[str, J] = {}
        self.fw_policies: dict[str, J] = {}
        self.rule_groups: dict[str, J] = {}
        self.fw_logging: dict[str, J] = {}
        self.nb_list: list[J] = []
        self.nb_desc: dict[str, J] = {}
        self.lifecycles: dict[str, J] = {}
        self.domains: list[J] = []
        self.domain_desc: dict[str, J] = {}
        self.profiles: list[J] = []
        self.profile_desc: dict[str, J] = {}
        self.s3_pl = "pl-6da54004"
        self.ddb_pl = "pl-6fa54006"
        self.corp_pls: list[str] = []
        self.managed_pls: list[J] = []
        self.pl_entries: dict[str, J] = {}
        self.built: list[_Vpc] = []
        self.kind_count: dict[str, int] = {}
        self.stateless_group = ""
        self.fast_path_group = ""

    # --- top level ------------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        self._prefix_lists()
        self._shared_rule_groups()
        kinds, n_hubs = self._plan()
        hubs = [self._hub(i) for i in range(n_hubs)]
        spoke = 0
        for kind in kinds:
            if kind == "tgw-spoke":
                self._spoke(hubs[spoke % len(hubs)])
                spoke += 1
            elif kind == "proxy":
                self._proxy()
            elif kind == "firewall":
                self._firewall_vpc()
            else:
                self._isolated()
        for hub in hubs:
            self.tgw_routes[hub.spoke_rtb] = {"Routes": hub.spoke_routes, "AdditionalRoutesAvailable": False}
            self.tgw_routes[hub.egress_rtb] = {"Routes": hub.egress_routes, "AdditionalRoutesAvailable": False}
        self._peerings()
        self._notebooks()
        return self._document()

    def _plan(self) -> tuple[list[str], int]:
        n_tgw = round(self.n_vpcs * 0.26) if self.n_vpcs >= 6 else 0
        n_hubs = max(1, n_tgw // 11) if n_tgw >= 2 else 0
        if n_hubs == 1 and n_tgw >= 5:
            n_hubs = 2  # the second hub bypasses its firewall: small estates get that variant too
        spokes = n_tgw - n_hubs if n_hubs else 0
        rest = self.n_vpcs - n_hubs - spokes
        kinds = []
        for i in range(rest):
            if i < 3:
                kinds.append(("proxy", "firewall", "isolated")[i])
            else:
                kinds.append(self.rng.choices(("proxy", "firewall", "isolated"), weights=(38, 38, 24))[0])
        kinds += ["tgw-spoke"] * spokes
        head, tail = kinds[:3], kinds[3:]
        self.rng.shuffle(tail)
        return head + tail, n_hubs

    def _variant(self, kind: str, forced: tuple[str, ...], odds: tuple[tuple[str, float], ...]) -> str:
        n = self.kind_count.get(kind, 0)
        self.kind_count[kind] = n + 1
        if n < len(forced):
            return forced[n]
        roll = self.rng.random()
        for name, p in odds:
            if roll < p:
                return name
            roll -= p
        return forced[0]

    def _next_public_ip(self) -> str:
        self.public_ip += 1
        return _ip4(self.public_ip)

    # --- VPC skeleton ---------------------------------------------------------------------------
    def _new_vpc(self, kind: str, variant: str, *, dual: bool | None = None, azs: int | None = None) -> _Vpc:
        index = len(self.built)
        rng = self.rng
        if dual is None:
            dual = rng.random() < 0.15
        n_az = azs or rng.choice((2, 3, 3))
        vpc_id = self.ids.new("vpc")
        ipv6 = f"2a05:d018:{index >> 4 & 0xfff:x}:{(index & 15) << 8:x}::/56" if dual else None  # /56 per VPC
        vpc = _Vpc(index, vpc_id, kind, variant, _vpc_base(index), self.azs[:n_az], ipv6)
        self.built.append(vpc)
        obj: J = {
            "CidrBlock": vpc.cidr, "DhcpOptionsId": self.ids.new("dopt"), "State": "available", "VpcId": vpc_id,
            "OwnerId": self.account, "InstanceTenancy": "default",
            "CidrBlockAssociationSet": [{"AssociationId": self.ids.new("vpc-cidr-assoc"), "CidrBlock": vpc.cidr,
                                         "CidrBlockState": {"State": "associated"}}],
            "IsDefault": False, "Tags": _tags(Name=f"{kind}-{index:05d}", Environment=rng.choice(("prod", "dev")),
                                              CostCenter=f"cc-{rng.randrange(100, 999)}"),
        }
        if ipv6:
            obj["Ipv6CidrBlockAssociationSet"] = [{
                "AssociationId": self.ids.new("vpc-cidr-assoc"), "Ipv6CidrBlock": ipv6,
                "Ipv6CidrBlockState": {"State": "associated"}, "NetworkBorderGroup": self.region,
                "Ipv6Pool": "Amazon"}]
        self.vpcs.append(obj)
        # VPN gateway to on-premises for most VPCs: the usual source of many extra routes
        if kind != "egress-hub" and rng.random() < 0.7:
            vpc.vgw = self.ids.new("vgw")
            self.vgws.append({"State": "available", "Type": "ipsec.1", "VpnGatewayId": vpc.vgw,
                              "AmazonSideAsn": 64512 + index % 1000,
                              "VpcAttachments": [{"State": "attached", "VpcId": vpc_id}],
                              "Tags": _tags(Name=f"vgw-{index:05d}")})
        self._security_groups(vpc)
        return vpc

    def _subnet(self, vpc: _Vpc, az: str, role: str, *, public: bool = False) -> _Subnet:
        k = len(vpc.subnets)
        if k >= MAX_SUBNETS_PER_VPC:
            raise ValueError("too many subnets in one VPC")
        base = vpc.base + k * 256
        ipv6 = None
        if vpc.ipv6:
            head, fourth = vpc.ipv6.split("::/", 1)[0].rsplit(":", 1)
            ipv6 = f"{head}:{int(fourth, 16) + k:x}::/64"
        sub = _Subnet(self.ids.new("subnet"), az, base, _cidr4(base, 24), ipv6, role)
        vpc.subnets.append(sub)
        obj: J = {
            "AvailabilityZone": az, "AvailabilityZoneId": self.az_ids[az],
            "AvailableIpAddressCount": 251 - self.rng.randrange(0, 60), "CidrBlock": sub.cidr,
            "DefaultForAz": False, "MapPublicIpOnLaunch": public, "State": "available", "SubnetId": sub.id,
            "VpcId": vpc.id, "OwnerId": self.account, "AssignIpv6AddressOnCreation": bool(ipv6),
            "Ipv6CidrBlockAssociationSet": [], "Tags": _tags(Name=f"{role}-{az[-1]}-{vpc.index:05d}"),
            "SubnetArn": f"arn:aws:ec2:{self.region}:{self.account}:subnet/{sub.id}", "EnableDns64": False,
            "Ipv6Native": False,
            "PrivateDnsNameOptionsOnLaunch": {"HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
                                              "EnableResourceNameDnsAAAARecord": False},
        }
        if ipv6:
            obj["Ipv6CidrBlockAssociationSet"] = [{"AssociationId": self.ids.new("subnet-cidr-assoc"),
                                                   "Ipv6CidrBlock": ipv6,
                                                   "Ipv6CidrBlockState": {"State": "associated"}}]
        self.subnets.append(obj)
        return sub

    def _route_table(self, vpc: _Vpc, subnets: list[_Subnet], name: str, *, main: bool = False,
                     gateway: str | None = None, private: bool = False) -> J:
        rtb_id = self.ids.new("rtb")
        assocs: list[J] = []
        if main:
            assocs.append({"Main": True, "RouteTableAssociationId": self.ids.new("rtbassoc"), "RouteTableId": rtb_id,
                           "AssociationState": {"State": "associated"}})
        for s in subnets:
            assocs.append({"Main": False, "RouteTableAssociationId": self.ids.new("rtbassoc"), "RouteTableId": rtb_id,
                           "SubnetId": s.id, "AssociationState": {"State": "associated"}})
        if gateway:
            assocs.append({"Main": False, "RouteTableAssociationId": self.ids.new("rtbassoc"), "RouteTableId": rtb_id,
                           "GatewayId": gateway, "AssociationState": {"State": "associated"}})
        routes: list[J] = [{"DestinationCidrBlock": vpc.cidr, "GatewayId": "local", "Origin": "CreateRouteTable",
                            "State": "active"}]
        if vpc.ipv6:
            routes.append({"DestinationIpv6CidrBlock": vpc.ipv6, "GatewayId": "local", "Origin": "CreateRouteTable",
                           "State": "active"})
        rt: J = {"Associations": assocs, "PropagatingVgws": [], "RouteTableId": rtb_id, "Routes": routes,
                 "Tags": _tags(Name=f"{name}-{vpc.index:05d}"), "VpcId": vpc.id, "OwnerId": self.account}
        if vpc.vgw and private:
            rt["PropagatingVgws"] = [{"GatewayId": vpc.vgw}]
        self.route_tables.append(rt)
        if private:
            vpc.private_rts.append(rt)
        return rt

    def _extra_routes(self, vpc: _Vpc, rt: J, low: int, high: int) -> None:
        """Routes to on-premises (VPN gateway, corporate prefix lists), peers and blackholes."""
        rng = self.rng
        want = max(0, int(rng.triangular(low, high, low + (high - low) * 0.15)) - len(rt["Routes"]))
        used = {r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId") for r in rt["Routes"]}
        tries = 0
        while want > 0 and tries < want * 4:
            tries += 1
            roll = rng.random()
            if vpc.vgw and roll < 0.6:
                length = rng.choice((24, 24, 23, 22, 20, 26))
                block = rng.choice((0xC0A80000, 0xC6120000))  # 192.168/16, 198.18/15 (on-premises)
                span = 16 if block == 0xC0A80000 else 15
                value = block + (rng.getrandbits(32 - span) >> (32 - length) << (32 - length))
                dest = _cidr4(value, length)
                if dest in used:
                    continue
                origin = "EnableVgwRoutePropagation" if rng.random() < 0.5 else "CreateRoute"
                rt["Routes"].append({"DestinationCidrBlock": dest, "GatewayId": vpc.vgw, "Origin": origin,
                                     "State": "active"})
            elif vpc.vgw and roll < 0.68 and self.corp_pls:
                dest = rng.choice(self.corp_pls)
                if dest in used:
                    continue
                rt["Routes"].append({"DestinationPrefixListId": dest, "GatewayId": vpc.vgw, "Origin": "CreateRoute",
                                     "State": "active"})
            elif roll < 0.85:
                dest = _cidr4(0xC6330000 + (rng.randrange(256) << 8), 24)  # 198.51.x: a decommissioned site
                if dest in used:
                    continue
                rt["Routes"].append({"DestinationCidrBlock": dest, "NatGatewayId": self.ids.new("nat"),
                                     "Origin": "CreateRoute", "State": "blackhole"})
            else:
                dest = _cidr4(0x64000000 + (rng.randrange(1 << 14) << 8), 24)  # 100.0-63.x: partner networks
                if dest in used:
                    continue
                if vpc.vgw:
                    rt["Routes"].append({"DestinationCidrBlock": dest, "GatewayId": vpc.vgw, "Origin": "CreateRoute",
                                         "State": "active"})
                else:
                    rt["Routes"].append({"DestinationCidrBlock": dest, "NatGatewayId": self.ids.new("nat"),
                                         "Origin": "CreateRoute", "State": "blackhole"})
            used.add(dest)
            want -= 1

    # --- filters --------------------------------------------------------------------------------
    def _perm(self, proto: str, ports: tuple[int, int] | None, *, cidrs: tuple[str, ...] = (),
              v6: tuple[str, ...] = (), pls: tuple[str, ...] = (), groups: tuple[str, ...] = (),
              desc: str = "") -> J:
        perm: J = {"IpProtocol": proto}
        if ports is not None and proto != "-1":
            perm["FromPort"], perm["ToPort"] = ports
        perm["IpRanges"] = [{"CidrIp": c, "Description": desc} if desc else {"CidrIp": c} for c in cidrs]
        perm["Ipv6Ranges"] = [{"CidrIpv6": c} for c in v6]
        perm["PrefixListIds"] = [{"PrefixListId": p} for p in pls]
        perm["UserIdGroupPairs"] = [{"GroupId": g, "UserId": self.account} for g in groups]
        return perm

    def _sg(self, vpc: _Vpc, name: str, ingress: list[J], egress: list[J]) -> str:
        gid = self.ids.new("sg")
        self.sg_names[gid] = f"{name}-{vpc.index:05d}"
        self.sgs.append({
            "GroupId": gid, "IpPermissionsEgress": egress, "Tags": _tags(Name=name), "VpcId": vpc.id,
            "SecurityGroupArn": f"arn:aws:ec2:{self.region}:{self.account}:security-group/{gid}",
            "OwnerId": self.account, "GroupName": f"{name}-{vpc.index:05d}", "Description": f"{name} security group",
            "IpPermissions": ingress,
        })
        return gid

    def _security_groups(self, vpc: _Vpc) -> None:
        rng = self.rng
        everything = self._perm("-1", None, cidrs=("0.0.0.0/0",), v6=("::/0",) if vpc.ipv6 else ())
        default = self._sg(vpc, "default", [], [everything])
        self.sgs[-1]["IpPermissions"] = [self._perm("-1", None, groups=(default,))]
        vpc.endpoint_sg = self._sg(vpc, "vpc-endpoints", [self._perm("tcp", (443, 443), cidrs=(vpc.cidr,))],
                                   [everything])
        internal = ("10.0.0.0/8", "172.16.0.0/12", vpc.cidr, "192.168.0.0/16", "100.64.0.0/10")
        for name in ("sagemaker-notebooks", "data-science")[: rng.choice((1, 1, 2))]:
            egress: list[J] = [self._perm("tcp", (443, 443), cidrs=("0.0.0.0/0",),
                                          v6=("::/0",) if vpc.ipv6 else (), desc="HTTPS")]
            if rng.random() < 0.4:
                egress.append(everything)
            egress.append(self._perm("tcp", (443, 443), pls=(self.s3_pl,)))
            egress.append(self._perm("tcp", (443, 443), groups=(vpc.endpoint_sg,)))
            egress.append(self._perm("tcp", (3128, 3128), cidrs=(vpc.cidr,), desc="proxy"))
            egress.append(self._perm("udp", (53, 53), cidrs=(vpc.cidr,)))
            for _ in range(rng.randrange(8, 36)):
                lo_hi = rng.choice(self.ports)
                proto = rng.choice(("tcp", "tcp", "tcp", "udp"))
                n = rng.choice((1, 1, 2, 3))
                cidrs = tuple(dict.fromkeys(rng.choice(internal) for _ in range(n)))
                if rng.random() < 0.1 and self.corp_pls:
                    egress.append(self._perm(proto, lo_hi, pls=(rng.choice(self.corp_pls),)))
                else:
                    egress.append(self._perm(proto, lo_hi, cidrs=cidrs))
            ingress: list[J] = [self._perm("-1", None, groups=(default,))]
            for _ in range(rng.randrange(4, 19)):
                lo_hi = rng.choice(self.ports)
                ingress.append(self._perm("tcp", lo_hi, cidrs=(rng.choice(internal),), desc="internal"))
            vpc.notebook_sgs.append(self._sg(vpc, name, ingress, egress))

    def _acls(self, vpc: _Vpc, custom_for: list[_Subnet]) -> None:
        def entry(number: int, egress: bool, action: str, cidr: str, proto: str = "-1",
                  ports: tuple[int, int] | None = None) -> J:
            e: J = {"Egress": egress, "Protocol": proto, "RuleAction": action, "RuleNumber": number}
            e["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
            if ports:
                e["PortRange"] = {"From": ports[0], "To": ports[1]}
            return e

        def base(extra: list[J]) -> list[J]:
            out = list(extra)
            for egress in (True, False):
                out.append(entry(100, egress, "allow", "0.0.0.0/0"))
                if vpc.ipv6:
                    out.append(entry(101, egress, "allow", "::/0"))
                out.append(entry(32767, egress, "deny", "0.0.0.0/0"))
                if vpc.ipv6:
                    out.append(entry(32768, egress, "deny", "::/0"))
            return out

        custom_ids = {s.id for s in custom_for}
        default_id = self.ids.new("acl")
        default_assocs = [{"NetworkAclAssociationId": self.ids.new("aclassoc"), "NetworkAclId": default_id,
                           "SubnetId": s.id} for s in vpc.subnets if s.id not in custom_ids]
        self.acls.append({"Associations": default_assocs, "Entries": base([]), "IsDefault": True,
                          "NetworkAclId": default_id, "Tags": [], "VpcId": vpc.id, "OwnerId": self.account})
        if not custom_for:
            return
        acl_id = self.ids.new("acl")
        extra = [
            entry(50, True, "deny", "0.0.0.0/0", "6", (25, 25)),
            entry(60, True, "deny", "0.0.0.0/0", "17", (69, 69)),
            entry(40, False, "deny", "198.51.100.0/24"),
            entry(50, False, "deny", "0.0.0.0/0", "6", (3389, 3389)),
        ]
        if self.rng.random() < 0.5:
            extra.append(entry(70, False, "allow", vpc.cidr, "6", (22, 22)))
            extra.append(entry(80, True, "allow", "0.0.0.0/0", "6", (443, 443)))
        assocs = [{"NetworkAclAssociationId": self.ids.new("aclassoc"), "NetworkAclId": acl_id, "SubnetId": s.id}
                  for s in custom_for]
        self.acls.append({"Associations": assocs, "Entries": base(extra), "IsDefault": False,
                          "NetworkAclId": acl_id, "Tags": _tags(Name=f"sagemaker-{vpc.index:05d}"),
                          "VpcId": vpc.id, "OwnerId": self.account})

    # --- gateways -------------------------------------------------------------------------------
    def _igw(self, vpc: _Vpc) -> str:
        igw = self.ids.new("igw")
        self.igws.append({"Attachments": [{"State": "available", "VpcId": vpc.id}], "InternetGatewayId": igw,
                          "OwnerId": self.account, "Tags": _tags(Name=f"igw-{vpc.index:05d}")})
        return igw

    def _eigw(self, vpc: _Vpc) -> str:
        eigw = self.ids.new("eigw")
        self.eigws.append({"Attachments": [{"State": "attached", "VpcId": vpc.id}],
                           "EgressOnlyInternetGatewayId": eigw, "Tags": _tags(Name=f"eigw-{vpc.index:05d}")})
        return eigw

    def _eni(self, vpc: _Vpc, sub: _Subnet, description: str, groups: list[str], *, kind: str = "interface",
             public: bool = False, requester: str | None = None, instance: str | None = None,
             source_dest_check: bool = True) -> J:
        eni_id = self.ids.new("eni")
        ip = sub.ip()
        ip6 = sub.ip6() if kind == "interface" and requester in (None, "sagemaker") else None
        dns = f"ip-{ip.replace('.', '-')}.{self.region}.compute.internal"
        obj: J = {
            "AvailabilityZone": sub.az, "Description": description,
            "Groups": [{"GroupId": g, "GroupName": self.sg_names[g]} for g in groups], "InterfaceType": kind,
            "Ipv6Addresses": [{"Ipv6Address": ip6, "IsPrimaryIpv6": False}] if ip6 else [],
            "MacAddress": ":".join(f"{b:02x}" for b in hashlib.md5(eni_id.encode()).digest()[:6]),
            "NetworkInterfaceId": eni_id, "OwnerId": self.account, "PrivateDnsName": dns,
            "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": ip}],
            "RequesterManaged": requester is not None, "SourceDestCheck": source_dest_check,
            "Status": "in-use", "SubnetId": sub.id, "TagSet": [], "VpcId": vpc.id,
            "AvailabilityZoneId": self.az_ids[sub.az],
        }
        if requester:
            obj["RequesterId"] = requester
        attachment: J = {"AttachTime": _ts(self.rng), "AttachmentId": self.ids.new("eni-attach"),
                         "DeleteOnTermination": True, "DeviceIndex": 0 if instance else 1, "NetworkCardIndex": 0,
                         "InstanceOwnerId": self.account if instance else "amazon-aws", "Status": "attached"}
        if instance:
            attachment["InstanceId"] = instance
        obj["Attachment"] = attachment
        if public:
            pub = self._next_public_ip()
            assoc = {"IpOwnerId": "amazon", "PublicDnsName": f"ec2-{pub.replace('.', '-')}.{self.region}"
                     ".compute.amazonaws.com", "PublicIp": pub}
            obj["Association"] = assoc
            obj["PrivateIpAddresses"][0]["Association"] = dict(assoc)
        self.enis.append(obj)
        return obj

    def _nat(self, vpc: _Vpc, sub: _Subnet) -> str:
        nat = self.ids.new("nat")
        eni = self._eni(vpc, sub, f"Interface for NAT Gateway {nat}", [], kind="nat_gateway", public=True,
                        requester="AWS", source_dest_check=False)
        self.nats.append({
            "CreateTime": _ts(self.rng), "NatGatewayAddresses": [{
                "AllocationId": self.ids.new("eipalloc"), "NetworkInterfaceId": eni["NetworkInterfaceId"],
                "PrivateIp": eni["PrivateIpAddress"], "PublicIp": eni["Association"]["PublicIp"],
                "AssociationId": self.ids.new("eipassoc"), "IsPrimary": True, "Status": "succeeded"}],
            "NatGatewayId": nat, "State": "available", "SubnetId": sub.id, "VpcId": vpc.id,
            "Tags": _tags(Name=f"nat-{sub.az[-1]}-{vpc.index:05d}"), "ConnectivityType": "public",
        })
        return nat

    def _s3_gateway(self, vpc: _Vpc, rts: list[J]) -> str:
        vpce = self.ids.new("vpce")
        for rt in rts:
            rt["Routes"].append({"DestinationPrefixListId": self.s3_pl, "GatewayId": vpce, "Origin": "CreateRoute",
                                 "State": "active"})
        if self.rng.random() < 0.7:
            statement: J = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
        else:
            bucket = f"arn:aws:s3:::corp-data-{vpc.index:05d}"
            statement = {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"],
                         "Resource": [bucket, f"{bucket}/*"]}
        policy = json.dumps({"Version": "2008-10-17", "Statement": [statement]})
        self.endpoints.append({
            "VpcEndpointId": vpce, "VpcEndpointType": "Gateway", "VpcId": vpc.id,
            "ServiceName": f"com.amazonaws.{self.region}.s3", "State": "available", "PolicyDocument": policy,
            "RouteTableIds": [rt["RouteTableId"] for rt in rts], "SubnetIds": [], "Groups": [],
            "PrivateDnsEnabled": False, "RequesterManaged": False, "NetworkInterfaceIds": [], "DnsEntries": [],
            "CreationTimestamp": _ts(self.rng), "Tags": [], "OwnerId": self.account, "IpAddressType": "ipv4",
        })
        return vpce

    def _interface_endpoints(self, vpc: _Vpc, subnets: list[_Subnet]) -> None:
        rng = self.rng
        by_az: dict[str, _Subnet] = {}
        for s in subnets:
            by_az.setdefault(s.az, s)
        for service in rng.sample(_INTERFACE_SERVICES, rng.randrange(2, 7)):
            vpce = self.ids.new("vpce")
            name = f"com.amazonaws.{self.region}.{service}"
            enis = [self._eni(vpc, s, f"VPC Endpoint Interface {vpce}", [vpc.endpoint_sg], requester="AWS")
                    for s in by_az.values()]
            self.endpoints.append({
                "VpcEndpointId": vpce, "VpcEndpointType": "Interface", "VpcId": vpc.id, "ServiceName": name,
                "State": "available",
                "PolicyDocument": json.dumps({"Statement": [{"Action": "*", "Effect": "Allow", "Principal": "*",
                                                             "Resource": "*"}]}),
                "RouteTableIds": [], "SubnetIds": [s.id for s in by_az.values()],
                "Groups": [{"GroupId": vpc.endpoint_sg, "GroupName": f"vpc-endpoints-{vpc.index:05d}"}],
                "PrivateDnsEnabled": True, "RequesterManaged": False,
                "NetworkInterfaceIds": [e["NetworkInterfaceId"] for e in enis],
                "DnsEntries": [{"DnsName": f"{vpce}.{service}.{self.region}.vpce.amazonaws.com",
                                "HostedZoneId": "Z2PVHFKA2RFBVH"}],
                "CreationTimestamp": _ts(rng), "Tags": [], "OwnerId": self.account, "IpAddressType": "ipv4",
                "DnsOptions": {"DnsRecordIpType": "ipv4"},
            })

    def _ipv6_egress(self, vpc: _Vpc, rts: list[J], want_eigw: bool | None = None) -> bool:
        """On a dual-stack VPC, maybe route ::/0 from the notebook subnets to an egress-only IGW."""
        if not vpc.ipv6:
            return False
        if want_eigw is None:
            want_eigw = self.rng.random() < 0.35
        if not want_eigw:
            return False
        eigw = self._eigw(vpc)
        for rt in rts:
            rt["Routes"].append({"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": eigw,
                                 "Origin": "CreateRoute", "State": "active"})
        return True

    def _subnet_count(self, minimum: int) -> int:
        n = round(self.rng.gauss(self.subnets_per_vpc, 2.0))
        return max(minimum, min(MAX_SUBNETS_PER_VPC, n))

    # --- architectures --------------------------------------------------------------------------
    def _proxy(self) -> None:
        """Seed 000: squid in a public subnet, notebooks in private subnets with local-only routes."""
        rng = self.rng
        variant = self._variant("proxy", ("proxy", "nat-added", "public-subnet", "nat-specific"),
                                (("nat-added", 0.05), ("nat-specific", 0.03), ("public-subnet", 0.03)))
        vpc = self._new_vpc("proxy", variant, dual=False if variant == "public-subnet" else None)
        igw = self._igw(vpc)
        publics = [self._subnet(vpc, vpc.azs[i], "public", public=True) for i in range(2)]
        n_private = self._subnet_count(4) - 2
        privates = [self._subnet(vpc, vpc.azs[i % len(vpc.azs)], "private") for i in range(n_private)]
        self._route_table(vpc, [], "main", main=True)
        public_rt = self._route_table(vpc, publics, "public")
        public_rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "Origin": "CreateRoute",
                                    "State": "active"})
        if vpc.ipv6:
            public_rt["Routes"].append({"DestinationIpv6CidrBlock": "::/0", "GatewayId": igw,
                                        "Origin": "CreateRoute", "State": "active"})
        self._extra_routes(vpc, public_rt, 5, 12)
        private_rts = []
        for az in vpc.azs:
            members = [s for s in privates if s.az == az]
            if members:
                private_rts.append(self._route_table(vpc, members, f"private-{az[-1]}", private=True))
        if rng.random() < 0.5:
            self._s3_gateway(vpc, private_rts)
        if variant in ("nat-added", "nat-specific"):
            nat = self._nat(vpc, publics[0])
            for rt in private_rts:
                if variant == "nat-added":
                    rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat,
                                         "Origin": "CreateRoute", "State": "active"})
                else:
                    for dest in rng.sample(_PUBLIC_PREFIXES, rng.randrange(2, 5)):
                        rt["Routes"].append({"DestinationCidrBlock": dest, "NatGatewayId": nat,
                                             "Origin": "CreateRoute", "State": "active"})
        if variant == "proxy" and self._ipv6_egress(vpc, private_rts):
            vpc.variant = "ipv6-eigw"
        for rt in private_rts:
            self._extra_routes(vpc, rt, 5, 50)
        # the squid proxy (seed 000): public subnet, public IP, tagged as the sanctioned proxy
        proxy_sg = self._sg(vpc, "squid-proxy", [self._perm("tcp", (3128, 3128), cidrs=(vpc.cidr,))],
                            [self._perm("tcp", (80, 80), cidrs=("0.0.0.0/0",)),
                             self._perm("tcp", (443, 443), cidrs=("0.0.0.0/0",))])
        inst_id = self.ids.new("i")
        eni = self._eni(vpc, publics[0], "squid proxy primary interface", [proxy_sg], public=True,
                        instance=inst_id)
        self._instance(vpc, publics[0], inst_id, eni, proxy=True)
        self._acls(vpc, privates if rng.random() < 0.5 else [])
        no_proxy = "169.254.169.254" if rng.random() < 0.9 else ""
        vpc.lifecycle = self._lifecycle(f"lcc-proxy-{vpc.index:05d}", eni["PrivateDnsName"], no_proxy)
        vpc.notebook_subnets = publics[:1] if variant == "public-subnet" else privates

    def _firewall_vpc(self) -> None:
        """Seed 001: SageMaker subnets -> NAT -> firewall endpoint -> IGW, per Availability Zone."""
        rng = self.rng
        variant = self._variant("firewall", ("firewall", "stateless-pass", "nat-bypass"),
                                (("stateless-pass", 0.05), ("nat-bypass", 0.05)))
        vpc = self._new_vpc("firewall", variant)
        igw = self._igw(vpc)
        fw_subnets = [self._subnet(vpc, az, "firewall") for az in vpc.azs]
        nat_subnets = [self._subnet(vpc, az, "nat") for az in vpc.azs]
        n_sm = max(len(vpc.azs), self._subnet_count(len(vpc.azs) * 3) - 2 * len(vpc.azs))
        sm_subnets = [self._subnet(vpc, vpc.azs[i % len(vpc.azs)], "sagemaker") for i in range(n_sm)]
        endpoints = self._network_firewall(vpc, fw_subnets, broken=variant == "stateless-pass")
        self._route_table(vpc, [], "main", main=True)
        sm_rts = []
        for az, fw_sub, nat_sub in zip(vpc.azs, fw_subnets, nat_subnets, strict=True):
            nat = self._nat(vpc, nat_sub)
            sm = self._route_table(vpc, [s for s in sm_subnets if s.az == az], f"sagemaker-{az[-1]}", private=True)
            sm["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "Origin": "CreateRoute",
                                 "State": "active"})
            sm_rts.append(sm)
            nat_rt = self._route_table(vpc, [nat_sub], f"nat-{az[-1]}")
            nat_rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": endpoints[az],
                                     "Origin": "CreateRoute", "State": "active"})
            if variant == "nat-bypass":
                for dest in rng.sample(_PUBLIC_PREFIXES, rng.randrange(1, 4)):
                    nat_rt["Routes"].append({"DestinationCidrBlock": dest, "GatewayId": igw, "Origin": "CreateRoute",
                                             "State": "active"})
            self._extra_routes(vpc, nat_rt, 3, 10)
            fw_rt = self._route_table(vpc, [fw_sub], f"firewall-{az[-1]}")
            fw_rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "Origin": "CreateRoute",
                                    "State": "active"})
        edge = self._route_table(vpc, [], "igw-ingress", gateway=igw)
        for az, nat_sub in zip(vpc.azs, nat_subnets, strict=True):
            edge["Routes"].append({"DestinationCidrBlock": nat_sub.cidr, "GatewayId": endpoints[az],
                                   "Origin": "CreateRoute", "State": "active"})
        self._s3_gateway(vpc, sm_rts)
        if variant == "firewall" and self._ipv6_egress(vpc, sm_rts):
            vpc.variant = "ipv6-eigw"
        for rt in sm_rts:
            self._extra_routes(vpc, rt, 5, 50)
        self._interface_endpoints(vpc, sm_subnets)
        self._acls(vpc, sm_subnets if rng.random() < 0.5 else [])
        if rng.random() < 0.35:
            self._domain(vpc, sm_subnets)
        vpc.notebook_subnets = sm_subnets

    def _isolated(self) -> None:
        """No internet path at all: S3 gateway endpoint and interface endpoints only."""
        variant = self._variant("isolated", ("isolated", "ipv6-eigw"), ())
        vpc = self._new_vpc("isolated", variant, dual=True if variant == "ipv6-eigw" else None)
        privates = [self._subnet(vpc, vpc.azs[i % len(vpc.azs)], "private") for i in range(self._subnet_count(2))]
        self._route_table(vpc, [], "main", main=True)
        rts = [self._route_table(vpc, [s for s in privates if s.az == az], f"private-{az[-1]}", private=True)
               for az in vpc.azs]
        self._s3_gateway(vpc, rts)
        if self._ipv6_egress(vpc, rts, want_eigw=True if variant == "ipv6-eigw" else None):
            vpc.variant = "ipv6-eigw"
        for rt in rts:
            self._extra_routes(vpc, rt, 5, 50)
        self._interface_endpoints(vpc, privates)
        self._acls(vpc, privates if self.rng.random() < 0.5 else [])
        vpc.notebook_subnets = privates

    def _hub(self, n: int) -> _Hub:
        """Centralised egress: TGW attachment subnet -> firewall endpoint -> NAT -> IGW."""
        bypass = n == 1 or (n > 1 and self.rng.random() < 0.1)
        vpc = self._new_vpc("egress-hub", "hub", dual=False, azs=3)
        igw = self._igw(vpc)
        att_subnets = [self._subnet(vpc, az, "tgw-attach") for az in vpc.azs]
        fw_subnets = [self._subnet(vpc, az, "firewall") for az in vpc.azs]
        nat_subnets = [self._subnet(vpc, az, "nat") for az in vpc.azs]
        endpoints = self._network_firewall(vpc, fw_subnets, broken=False)
        self._route_table(vpc, [], "main", main=True)
        tgw = self.ids.new("tgw")
        self.tgws.append({
            "TransitGatewayId": tgw, "TransitGatewayArn": f"arn:aws:ec2:{self.region}:{self.account}:"
                                                          f"transit-gateway/{tgw}",
            "State": "available", "OwnerId": self.account, "Description": f"egress hub {n}",
            "CreationTime": _ts(self.rng),
            "Options": {"AmazonSideAsn": 64600 + n, "AutoAcceptSharedAttachments": "disable",
                        "DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable",
                        "VpnEcmpSupport": "enable", "DnsSupport": "enable", "MulticastSupport": "disable"},
            "Tags": _tags(Name=f"egress-hub-{n}"),
        })
        spoke_rtb, egress_rtb = self.ids.new("tgw-rtb"), self.ids.new("tgw-rtb")
        for rtb, name in ((spoke_rtb, "spokes"), (egress_rtb, "egress")):
            self.tgw_rtbs.append({"TransitGatewayRouteTableId": rtb, "TransitGatewayId": tgw, "State": "available",
                                  "DefaultAssociationRouteTable": False, "DefaultPropagationRouteTable": False,
                                  "CreationTime": _ts(self.rng), "Tags": _tags(Name=f"{name}-{n}")})
        egress_att = self._tgw_vpc_attachment(tgw, vpc, att_subnets, egress_rtb)
        vpn_att = self.ids.new("tgw-attach")
        self.tgw_attachments.append({
            "TransitGatewayAttachmentId": vpn_att, "TransitGatewayId": tgw, "TransitGatewayOwnerId": self.account,
            "ResourceOwnerId": self.account, "ResourceType": "vpn", "ResourceId": self.ids.new("vpn"),
            "State": "available", "Association": {"TransitGatewayRouteTableId": spoke_rtb, "State": "associated"},
            "CreationTime": _ts(self.rng), "Tags": []})
        hub = _Hub(tgw, vpc, egress_att, spoke_rtb, egress_rtb, vpn_att, bypass)
        hub.spoke_routes.append({"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayAttachments": [
            {"ResourceId": vpc.id, "TransitGatewayAttachmentId": egress_att, "ResourceType": "vpc"}],
            "Type": "static", "State": "active"})
        for dest in ("192.168.0.0/16", "198.18.0.0/15"):
            for table in (hub.spoke_routes, hub.egress_routes):
                table.append({"DestinationCidrBlock": dest, "TransitGatewayAttachments": [
                    {"ResourceId": "vpn", "TransitGatewayAttachmentId": vpn_att, "ResourceType": "vpn"}],
                    "Type": "propagated", "State": "active"})
        hub.spoke_routes.append({"DestinationCidrBlock": "10.255.0.0/16", "Type": "static", "State": "blackhole"})
        att_rt_by_az = {}
        for az, att_sub, fw_sub, nat_sub in zip(vpc.azs, att_subnets, fw_subnets, nat_subnets, strict=True):
            nat = self._nat(vpc, nat_sub)
            att_rt = self._route_table(vpc, [att_sub], f"tgw-attach-{az[-1]}")
            if bypass:
                att_rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat,
                                         "Origin": "CreateRoute", "State": "active"})
            else:
                att_rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": endpoints[az],
                                         "Origin": "CreateRoute", "State": "active"})
            att_rt_by_az[az] = att_rt
            fw_rt = self._route_table(vpc, [fw_sub], f"firewall-{az[-1]}")
            fw_rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "Origin": "CreateRoute",
                                    "State": "active"})
            fw_rt["Routes"].append({"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": tgw,
                                    "Origin": "CreateRoute", "State": "active"})
            nat_rt = self._route_table(vpc, [nat_sub], f"nat-{az[-1]}")
            nat_rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "Origin": "CreateRoute",
                                     "State": "active"})
            nat_rt["Routes"].append({"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": endpoints[az],
                                     "Origin": "CreateRoute", "State": "active"})
        self._acls(vpc, [])
        return hub

    def _tgw_vpc_attachment(self, tgw: str, vpc: _Vpc, subnets: list[_Subnet], rtb: str) -> str:
        att = self.ids.new("tgw-attach")
        created = _ts(self.rng)
        self.tgw_vpc_attachments.append({
            "TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "VpcId": vpc.id, "VpcOwnerId": self.account,
            "State": "available", "SubnetIds": [s.id for s in subnets], "CreationTime": created,
            "Options": {"DnsSupport": "enable", "Ipv6Support": "disable", "ApplianceModeSupport": "enable"
                        if vpc.kind == "egress-hub" else "disable", "SecurityGroupReferencingSupport": "enable"},
            "Tags": _tags(Name=f"attach-{vpc.index:05d}")})
        self.tgw_attachments.append({
            "TransitGatewayAttachmentId": att, "TransitGatewayId": tgw, "TransitGatewayOwnerId": self.account,
            "ResourceOwnerId": self.account, "ResourceType": "vpc", "ResourceId": vpc.id, "State": "available",
            "Association": {"TransitGatewayRouteTableId": rtb, "State": "associated"}, "CreationTime": created,
            "Tags": []})
        return att

    def _spoke(self, hub: _Hub) -> None:
        variant = "hub-bypass" if hub.bypass else "tgw-spoke"
        vpc = self._new_vpc("tgw-spoke", variant)
        vpc.hub = hub
        att_subnets = [self._subnet(vpc, az, "tgw-attach") for az in vpc.azs]
        privates = [self._subnet(vpc, vpc.azs[i % len(vpc.azs)], "private")
                    for i in range(max(2, self._subnet_count(len(vpc.azs) + 2) - len(vpc.azs)))]
        att = self._tgw_vpc_attachment(hub.tgw, vpc, att_subnets, hub.spoke_rtb)
        hub.egress_routes.append({"DestinationCidrBlock": vpc.cidr, "TransitGatewayAttachments": [
            {"ResourceId": vpc.id, "TransitGatewayAttachmentId": att, "ResourceType": "vpc"}],
            "Type": "propagated", "State": "active"})
        hub.spoke_routes.append({"DestinationCidrBlock": vpc.cidr, "TransitGatewayAttachments": [
            {"ResourceId": vpc.id, "TransitGatewayAttachmentId": att, "ResourceType": "vpc"}],
            "Type": "propagated", "State": "active"})
        self._route_table(vpc, att_subnets, "tgw-attach")
        rts = []
        for az in vpc.azs:
            members = [s for s in privates if s.az == az]
            if not members:
                continue
            rt = self._route_table(vpc, members, f"private-{az[-1]}", private=True)
            rt["Routes"].append({"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": hub.tgw,
                                 "Origin": "CreateRoute", "State": "active"})
            rts.append(rt)
        self._route_table(vpc, [], "main", main=True)
        if self.rng.random() < 0.6:
            self._s3_gateway(vpc, rts)
        if variant == "tgw-spoke" and self._ipv6_egress(vpc, rts):
            vpc.variant = "ipv6-eigw"
        for rt in rts:
            self._extra_routes(vpc, rt, 5, 50)
        if self.rng.random() < 0.5:
            self._interface_endpoints(vpc, privates)
        self._acls(vpc, privates if self.rng.random() < 0.5 else [])
        vpc.notebook_subnets = privates

    def _peerings(self) -> None:
        """About a fifth of the VPCs peer with another; routes to the peer's CIDR and parts of it."""
        rng = self.rng
        candidates = [v for v in self.built if v.kind != "egress-hub" and v.private_rts]
        for vpc in candidates:
            if rng.random() >= 0.2 or len(candidates) < 2:
                continue
            peer = rng.choice(candidates)
            if peer is vpc or peer in vpc.peers:
                continue
            pcx = self.ids.new("pcx")
            vpc.peers.append(peer)
            peer.peers.append(vpc)

            def info(v: _Vpc) -> J:
                return {"CidrBlock": v.cidr, "CidrBlockSet": [{"CidrBlock": v.cidr}], "OwnerId": self.account,
                        "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": False,
                                           "AllowEgressFromLocalClassicLinkToRemoteVpc": False,
                                           "AllowEgressFromLocalVpcToRemoteClassicLink": False},
                        "VpcId": v.id, "Region": self.region}

            self.peerings.append({"AccepterVpcInfo": info(peer), "RequesterVpcInfo": info(vpc),
                                  "Status": {"Code": "active", "Message": "Active"}, "Tags": [],
                                  "VpcPeeringConnectionId": pcx})
            for a, b in ((vpc, peer), (peer, vpc)):
                for rt in a.private_rts:
                    rt["Routes"].append({"DestinationCidrBlock": b.cidr, "VpcPeeringConnectionId": pcx,
                                         "Origin": "CreateRoute", "State": "active"})
                    if rng.random() < 0.5:  # a more specific route to part of the peer
                        part = _cidr4(b.base + rng.randrange(16) * 256, 24)
                        rt["Routes"].append({"DestinationCidrBlock": part, "VpcPeeringConnectionId": pcx,
                                             "Origin": "CreateRoute", "State": "active"})

    # --- Network Firewall -----------------------------------------------------------------------
    def _shared_rule_groups(self) -> None:
        arn = f"arn:aws:network-firewall:{self.region}:{self.account}:stateless-rulegroup/block-legacy-ports"

        def rule(priority: int, action: str, protos: list[int], ports: list[tuple[int, int]]) -> J:
            attrs: J = {"Sources": [{"AddressDefinition": "0.0.0.0/0"}],
                        "Destinations": [{"AddressDefinition": "0.0.0.0/0"}], "Protocols": protos}
            if ports:
                attrs["DestinationPorts"] = [{"FromPort": lo, "ToPort": hi} for lo, hi in ports]
            return {"RuleDefinition": {"MatchAttributes": attrs, "Actions": [action]}, "Priority": priority}

        self.stateless_group = arn
        self.rule_groups[arn] = self._rule_group(arn, "STATELESS", {"StatelessRulesAndCustomActions": {
            "StatelessRules": [rule(10, "aws:drop", [6], [(23, 23), (21, 21)]),
                               rule(20, "aws:drop", [6, 17], [(445, 445), (137, 139)]),
                               rule(30, "aws:drop", [6], [(3389, 3389)])],
            "CustomActions": []}}, "drop legacy cleartext and file-sharing ports")
        fast = f"arn:aws:network-firewall:{self.region}:{self.account}:stateless-rulegroup/web-fast-path"
        self.fast_path_group = fast
        self.rule_groups[fast] = self._rule_group(fast, "STATELESS", {"StatelessRulesAndCustomActions": {
            "StatelessRules": [rule(5, "aws:pass", [6], [(80, 80), (443, 443)])], "CustomActions": []}},
            "performance exception: web traffic skips the stateful engine")

    def _rule_group(self, arn: str, rtype: str, source: J, description: str) -> J:
        name = arn.rsplit("/", 1)[-1]
        return {
            "UpdateToken": _uuid(self.rng),
            "RuleGroup": {"RulesSource": source, **({"StatefulRuleOptions": {"RuleOrder": "STRICT_ORDER"}}
                                                    if rtype == "STATEFUL" else {})},
            "RuleGroupResponse": {"RuleGroupArn": arn, "RuleGroupName": name, "RuleGroupId": _uuid(self.rng),
                                  "Description": description, "Type": rtype, "Capacity": 100,
                                  "RuleGroupStatus": "ACTIVE", "Tags": [], "ConsumedCapacity": 10,
                                  "NumberOfAssociations": 1,
                                  "EncryptionConfiguration": {"Type": "AWS_OWNED_KMS_KEY"},
                                  "LastModifiedTime": _ts(self.rng)},
        }

    def _network_firewall(self, vpc: _Vpc, fw_subnets: list[_Subnet], *, broken: bool) -> dict[str, str]:
        rng = self.rng
        prefix = f"arn:aws:network-firewall:{self.region}:{self.account}"
        name = f"fw-{vpc.kind}-{vpc.index:05d}"
        arn = f"{prefix}:firewall/{name}"
        policy_arn = f"{prefix}:firewall-policy/{name}-policy"
        domains_arn = f"{prefix}:stateful-rulegroup/{name}-domains"
        self.rule_groups[domains_arn] = self._rule_group(domains_arn, "STATEFUL", {"RulesSourceList": {
            "Targets": rng.sample(_DOMAINS, rng.randrange(2, 7)), "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
            "GeneratedRulesType": "ALLOWLIST"}}, "domain allowlist")
        stateless_refs = [{"ResourceArn": self.stateless_group, "Priority": 10}] if rng.random() < 0.6 else []
        default = "aws:forward_to_sfe"
        if broken:
            if rng.random() < 0.5:
                default = "aws:pass"
            else:
                stateless_refs.insert(0, {"ResourceArn": self.fast_path_group, "Priority": 1})
        self.fw_policies[policy_arn] = {
            "UpdateToken": _uuid(rng),
            "FirewallPolicyResponse": {
                "FirewallPolicyName": f"{name}-policy", "FirewallPolicyArn": policy_arn,
                "FirewallPolicyId": _uuid(rng), "Description": "egress inspection", "FirewallPolicyStatus": "ACTIVE",
                "Tags": [], "ConsumedStatelessRuleCapacity": 100 if stateless_refs else 0,
                "ConsumedStatefulRuleCapacity": 100, "NumberOfAssociations": 1,
                "EncryptionConfiguration": {"Type": "AWS_OWNED_KMS_KEY"}, "LastModifiedTime": _ts(rng)},
            "FirewallPolicy": {
                "StatelessRuleGroupReferences": stateless_refs, "StatelessDefaultActions": [default],
                "StatelessFragmentDefaultActions": [default],
                "StatefulRuleGroupReferences": [{"ResourceArn": domains_arn, "Priority": 1}],
                "StatefulDefaultActions": ["aws:drop_strict", "aws:alert_strict"],
                "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER", "StreamExceptionPolicy": "DROP"}},
        }
        endpoints: dict[str, str] = {}
        sync: J = {}
        for sub in fw_subnets:
            vpce = self.ids.new("vpce")
            endpoints[sub.az] = vpce
            sync[sub.az] = {"Attachment": {"SubnetId": sub.id, "EndpointId": vpce, "Status": "READY"},
                            "Config": {policy_arn: {"SyncStatus": "IN_SYNC", "UpdateToken": _uuid(rng)}}}
        self.firewalls.append({"FirewallName": name, "FirewallArn": arn})
        self.fw_desc[arn] = {
            "UpdateToken": _uuid(rng),
            "Firewall": {"FirewallName": name, "FirewallArn": arn, "FirewallPolicyArn": policy_arn, "VpcId": vpc.id,
                         "SubnetMappings": [{"SubnetId": s.id, "IPAddressType": "IPV4"} for s in fw_subnets],
                         "DeleteProtection": True, "SubnetChangeProtection": False,
                         "FirewallPolicyChangeProtection": False, "Description": f"egress inspection for {vpc.id}",
                         "FirewallId": _uuid(rng), "Tags": [],
                         "EncryptionConfiguration": {"Type": "AWS_OWNED_KMS_KEY"}},
            "FirewallStatus": {"Status": "READY", "ConfigurationSyncStateSummary": "IN_SYNC", "SyncStates": sync},
        }
        roll = rng.random()
        logs: list[J] = []
        if roll < 0.9:
            logs.append({"LogType": "ALERT", "LogDestinationType": "CloudWatchLogs",
                         "LogDestination": {"logGroup": f"/network-firewall/{name}/alert"}})
        if roll < 0.8:
            logs.append({"LogType": "FLOW", "LogDestinationType": "S3",
                         "LogDestination": {"bucketName": f"corp-fw-logs-{self.account}", "prefix": name}})
        self.fw_logging[arn] = {"FirewallArn": arn, "LoggingConfiguration": {"LogDestinationConfigs": logs}}
        return endpoints

    # --- prefix lists ---------------------------------------------------------------------------
    def _prefix_lists(self) -> None:
        rng = self.rng
        for plid, name, cidrs in ((self.s3_pl, f"com.amazonaws.{self.region}.s3", _S3_CIDRS),
                                  (self.ddb_pl, f"com.amazonaws.{self.region}.dynamodb", _DDB_CIDRS)):
            self.managed_pls.append({"PrefixListId": plid, "AddressFamily": "IPv4", "State": "create-complete",
                                     "PrefixListArn": f"arn:aws:ec2:{self.region}:aws:prefix-list/{plid}",
                                     "PrefixListName": name, "Tags": [], "OwnerId": "AWS"})
            self.pl_entries[plid] = {"Entries": [{"Cidr": c} for c in cidrs]}
        for name in ("corp-onprem", "corp-vpn-users", "partner-sftp", "datacenter-eu"):
            plid = self.ids.new("pl")
            self.corp_pls.append(plid)
            entries = []
            seen = set()
            for _ in range(rng.randrange(3, 20)):
                cidr = _cidr4(0xC0A80000 + (rng.randrange(256) << 8), 24)
                if cidr not in seen:
                    seen.add(cidr)
                    entries.append({"Cidr": cidr, "Description": f"{name} site"})
            self.managed_pls.append({"PrefixListId": plid, "AddressFamily": "IPv4", "State": "create-complete",
                                     "PrefixListArn": f"arn:aws:ec2:{self.region}:{self.account}:prefix-list/{plid}",
                                     "PrefixListName": name, "MaxEntries": 50, "Version": rng.randrange(1, 30),
                                     "Tags": _tags(Name=name), "OwnerId": self.account})
            self.pl_entries[plid] = {"Entries": entries}

    # --- instances, notebooks, Studio ------------------------------------------------------------
    def _instance(self, vpc: _Vpc, sub: _Subnet, inst_id: str, eni: J, *, proxy: bool) -> None:
        rng = self.rng
        tags = _tags(Name=f"squid-{vpc.index:05d}") + ([{"Key": "safemaker:role", "Value": "proxy"}] if proxy else [])
        att = eni["Attachment"]
        iface: J = {
            "Attachment": {k: att[k] for k in ("AttachTime", "AttachmentId", "DeleteOnTermination", "DeviceIndex",
                                               "Status", "NetworkCardIndex")},
            "Description": eni["Description"], "Groups": eni["Groups"], "Ipv6Addresses": eni["Ipv6Addresses"],
            "MacAddress": eni["MacAddress"], "NetworkInterfaceId": eni["NetworkInterfaceId"], "OwnerId": self.account,
            "PrivateDnsName": eni["PrivateDnsName"], "PrivateIpAddress": eni["PrivateIpAddress"],
            "PrivateIpAddresses": eni["PrivateIpAddresses"], "SourceDestCheck": eni["SourceDestCheck"],
            "Status": "in-use", "SubnetId": sub.id, "VpcId": vpc.id, "InterfaceType": "interface",
        }
        if "Association" in eni:
            assoc = eni["Association"]
            iface["Association"] = {"IpOwnerId": assoc["IpOwnerId"], "PublicDnsName": assoc["PublicDnsName"],
                                    "PublicIp": assoc["PublicIp"]}
        inst: J = {
            "InstanceId": inst_id, "ImageId": self.ids.new("ami"), "InstanceType": "t4g.nano",
            "LaunchTime": _ts(rng), "Placement": {"AvailabilityZone": sub.az, "Tenancy": "default"},
            "PrivateDnsName": eni["PrivateDnsName"], "PrivateIpAddress": eni["PrivateIpAddress"],
            "State": {"Code": 16, "Name": "running"}, "SubnetId": sub.id, "VpcId": vpc.id, "Architecture": "arm64",
            "SourceDestCheck": True, "SecurityGroups": [{"GroupId": g["GroupId"], "GroupName": g["GroupName"]}
                                                        for g in eni["Groups"]],
            "Tags": tags, "NetworkInterfaces": [iface],
            "MetadataOptions": {"State": "applied", "HttpTokens": "required" if rng.random() < 0.8 else "optional",
                                "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
        }
        if "Association" in eni:
            inst["PublicIpAddress"] = eni["Association"]["PublicIp"]
            inst["PublicDnsName"] = eni["Association"]["PublicDnsName"]
        self.reservations.append({"ReservationId": self.ids.new("r"), "OwnerId": self.account, "Groups": [],
                                  "Instances": [inst]})

    def _lifecycle(self, name: str, proxy_host: str, no_proxy: str) -> str:
        lines = ['echo "#!/bin/sh" > /etc/profile.d/proxy.sh',
                 f'echo "export HTTP_PROXY=http://{proxy_host}:3128" >> /etc/profile.d/proxy.sh',
                 f'echo "export HTTPS_PROXY=http://{proxy_host}:3128" >> /etc/profile.d/proxy.sh']
        if no_proxy:
            lines.append(f'echo "export NO_PROXY={no_proxy}" >> /etc/profile.d/proxy.sh')
        lines += ['echo "export http_proxy=\\$HTTP_PROXY" >> /etc/profile.d/proxy.sh',
                  'echo "export https_proxy=\\$HTTPS_PROXY" >> /etc/profile.d/proxy.sh',
                  "chmod a+rx /etc/profile.d/proxy.sh"]
        script = "\n".join(["#!/bin/bash", "set -e", *lines]) + "\n"
        created = _ts(self.rng)
        self.lifecycles[name] = {
            "NotebookInstanceLifecycleConfigArn": f"arn:aws:sagemaker:{self.region}:{self.account}:"
                                                  f"notebook-instance-lifecycle-config/{name}",
            "NotebookInstanceLifecycleConfigName": name, "OnCreate": [],
            "OnStart": [{"Content": base64.b64encode(script.encode()).decode("ascii")}],
            "LastModifiedTime": created, "CreationTime": created}
        return name

    def _notebooks(self) -> None:
        rng = self.rng
        hosts = [v for v in self.built if v.notebook_subnets]
        if not hosts and self.n_notebooks:
            raise ValueError("no VPC can host notebooks")
        role = f"arn:aws:iam::{self.account}:role/service-role/AmazonSageMaker-ExecutionRole"
        for i in range(self.n_notebooks):
            vpc = hosts[i % len(hosts)]
            sub = rng.choice(vpc.notebook_subnets)
            variant = vpc.variant
            direct = "Disabled"
            if i == 5 or (i > 5 and rng.random() < 0.02):
                variant, direct = "direct-internet", "Enabled"
            name = f"nb-{i:05d}-{variant}"
            sgs = vpc.notebook_sgs[: rng.choice((1, 2))]
            eni = self._eni(vpc, sub, f"[do not delete] Network Interface created to access SageMaker Notebook "
                                      f"Instance {name}", sgs, requester="sagemaker")
            arn = f"arn:aws:sagemaker:{self.region}:{self.account}:notebook-instance/{name}"
            created = _ts(rng)
            itype = rng.choice(_INSTANCE_TYPES)
            url = f"{name}.notebook.{self.region}.sagemaker.aws"
            lifecycle = vpc.lifecycle
            summary: J = {"NotebookInstanceName": name, "NotebookInstanceArn": arn, "NotebookInstanceStatus":
                          "InService", "Url": url, "InstanceType": itype, "CreationTime": created,
                          "LastModifiedTime": created}
            detail: J = {"NotebookInstanceArn": arn, "NotebookInstanceName": name, "NotebookInstanceStatus":
                         "InService", "Url": url, "InstanceType": itype, "SubnetId": sub.id, "SecurityGroups": sgs,
                         "RoleArn": role, "NetworkInterfaceId": eni["NetworkInterfaceId"],
                         "LastModifiedTime": created, "CreationTime": created, "DirectInternetAccess": direct,
                         "VolumeSizeInGB": rng.choice((5, 20, 50, 100)),
                         "RootAccess": "Enabled" if rng.random() < 0.4 else "Disabled",
                         "PlatformIdentifier": "notebook-al2-v2",
                         "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"}}
            if rng.random() < 0.6:
                detail["KmsKeyId"] = f"arn:aws:kms:{self.region}:{self.account}:key/{_uuid(rng)}"
            if lifecycle:
                summary["NotebookInstanceLifecycleConfigName"] = lifecycle
                detail["NotebookInstanceLifecycleConfigName"] = lifecycle
            self.nb_list.append(summary)
            self.nb_desc[name] = detail

    def _domain(self, vpc: _Vpc, subnets: list[_Subnet]) -> None:
        rng = self.rng
        domain_id = self.ids.new("d", 12)
        arn = f"arn:aws:sagemaker:{self.region}:{self.account}:domain/{domain_id}"
        created = _ts(rng)
        role = f"arn:aws:iam::{self.account}:role/studio-execution-{vpc.index:05d}"
        name = f"studio-{vpc.index:05d}"
        self.domains.append({"DomainArn": arn, "DomainId": domain_id, "DomainName": name, "Status": "InService",
                             "CreationTime": created, "LastModifiedTime": created,
                             "Url": f"https://{domain_id}.studio.{self.region}.sagemaker.aws"})
        self.domain_desc[domain_id] = {
            "DomainArn": arn, "DomainId": domain_id, "DomainName": name, "HomeEfsFileSystemId": self.ids.new("fs"),
            "Status": "InService", "CreationTime": created, "LastModifiedTime": created, "AuthMode": "IAM",
            "DefaultUserSettings": {"ExecutionRole": role, "SecurityGroups": vpc.notebook_sgs[:1]},
            "AppNetworkAccessType": "VpcOnly", "SubnetIds": [s.id for s in subnets[:3]],
            "Url": f"https://{domain_id}.studio.{self.region}.sagemaker.aws", "VpcId": vpc.id,
        }
        for k in range(rng.randrange(1, 4)):
            user = f"user-{vpc.index:05d}-{k}"
            self.profiles.append({"DomainId": domain_id, "UserProfileName": user, "Status": "InService",
                                  "CreationTime": created, "LastModifiedTime": created})
            self.profile_desc[f"{domain_id}/{user}"] = {
                "DomainId": domain_id, "UserProfileArn": f"arn:aws:sagemaker:{self.region}:{self.account}:"
                                                         f"user-profile/{domain_id}/{user}",
                "UserProfileName": user, "Status": "InService", "CreationTime": created,
                "LastModifiedTime": created, "UserSettings": {"ExecutionRole": role}}

    # --- the document ---------------------------------------------------------------------------
    def _document(self) -> dict[str, Any]:
        ec2: J = {
            "DescribeEgressOnlyInternetGateways": {"EgressOnlyInternetGateways": self.eigws},
            "DescribeInstances": {"Reservations": self.reservations},
            "DescribeInternetGateways": {"InternetGateways": self.igws},
            "DescribeManagedPrefixLists": {"PrefixLists": self.managed_pls},
            "DescribeNatGateways": {"NatGateways": self.nats},
            "DescribeNetworkAcls": {"NetworkAcls": self.acls},
            "DescribeNetworkInterfaces": {"NetworkInterfaces": self.enis},
            "DescribePrefixLists": {"PrefixLists": [
                {"PrefixListId": self.s3_pl, "PrefixListName": f"com.amazonaws.{self.region}.s3",
                 "Cidrs": list(_S3_CIDRS)},
                {"PrefixListId": self.ddb_pl, "PrefixListName": f"com.amazonaws.{self.region}.dynamodb",
                 "Cidrs": list(_DDB_CIDRS)}]},
            "DescribeRouteTables": {"RouteTables": self.route_tables},
            "DescribeSecurityGroups": {"SecurityGroups": self.sgs},
            "DescribeSubnets": {"Subnets": self.subnets},
            "DescribeTransitGatewayAttachments": {"TransitGatewayAttachments": self.tgw_attachments},
            "DescribeTransitGatewayRouteTables": {"TransitGatewayRouteTables": self.tgw_rtbs},
            "DescribeTransitGatewayVpcAttachments": {"TransitGatewayVpcAttachments": self.tgw_vpc_attachments},
            "DescribeTransitGateways": {"TransitGateways": self.tgws},
            "DescribeVpcEndpoints": {"VpcEndpoints": self.endpoints},
            "DescribeVpcPeeringConnections": {"VpcPeeringConnections": self.peerings},
            "DescribeVpcs": {"Vpcs": self.vpcs},
            "DescribeVpnGateways": {"VpnGateways": self.vgws},
            "GetManagedPrefixListEntries": self.pl_entries,
            "SearchTransitGatewayRoutes": self.tgw_routes,
        }
        nfw: J = {
            "DescribeFirewall": self.fw_desc,
            "DescribeFirewallPolicy": self.fw_policies,
            "DescribeLoggingConfiguration": self.fw_logging,
            "DescribeRuleGroup": self.rule_groups,
            "ListFirewalls": {"Firewalls": self.firewalls},
        }
        sagemaker: J = {
            "DescribeDomain": self.domain_desc,
            "DescribeModel": {},
            "DescribeNotebookInstance": self.nb_desc,
            "DescribeNotebookInstanceLifecycleConfig": {k: self.lifecycles[k] for k in sorted(self.lifecycles)},
            "DescribeProcessingJob": {},
            "DescribeSpace": {},
            "DescribeTrainingJob": {},
            "DescribeUserProfile": self.profile_desc,
            "ListDomains": {"Domains": self.domains},
            "ListModels": {"Models": []},
            "ListNotebookInstances": {"NotebookInstances": self.nb_list},
            "ListProcessingJobs": {"ProcessingJobSummaries": []},
            "ListSpaces": {"Spaces": []},
            "ListTrainingJobs": {"TrainingJobSummaries": []},
            "ListUserProfiles": {"UserProfiles": self.profiles},
        }
        return {
            "schema": SCHEMA,
            "created": CREATED,
            "tool_version": TOOL_VERSION,
            "accounts": {self.account: {self.region: {"ec2": ec2, "network-firewall": nfw, "sagemaker": sagemaker}}},
            "errors": [],
        }
