"""Write the network scenario fixtures: `fixtures/scenarios/net-*.json` and `fixtures/expected/net-*.json`.

Run by hand after changing a scenario (`.venv/bin/python tests/make_fixtures.py`);
`tests/graph/test_fixture_files.py` fails when the committed files and this script disagree.
Each scenario is built with `tests/estate.py`; its expected verdicts are written here, by hand,
from docs/forwarding-rules.md -- never computed by running the checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from estate import Estate, InternetGateway, Subnet, Vpc

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "fixtures" / "scenarios"
EXPECTED = ROOT / "fixtures" / "expected"
PROXY_SCRIPT = """#!/bin/sh
echo "#!/bin/sh" > /etc/profile.d/proxy.sh
echo "export HTTP_PROXY=http://{proxy}:3128" >> /etc/profile.d/proxy.sh
echo "export HTTPS_PROXY=http://{proxy}:3128" >> /etc/profile.d/proxy.sh
echo "export NO_PROXY=169.254.169.254" >> /etc/profile.d/proxy.sh
chmod a+rx /etc/profile.d/proxy.sh
"""

Verdicts = dict[str, dict[str, str]]


# --- seed 000: notebooks behind a squid proxy in the default VPC ---------------------------------
def _seed000(notebook: str, *, direct_internet: bool = False) -> tuple[Estate, Vpc, Subnet, Subnet, InternetGateway]:
    e = Estate()
    v = e.vpc("172.31.0.0/16", default=True)
    igw = v.igw()
    v.main_route_table.route("0.0.0.0/0", igw)  # the default VPC's public subnets use the main table
    public = v.subnet("172.31.0.0/20", az="eu-west-1a", public_ip_on_launch=True)
    private = v.subnet("172.31.48.0/20", az="eu-west-1a", name="sagemaker-private")
    private.route_table("private")  # only the local route: "perfect for a private subnet"
    proxy_sg = v.sg("squid").egress("0.0.0.0/0", proto="tcp", ports=(80, 80)).egress("0.0.0.0/0", proto="tcp",
                                                                                      ports=(443, 443))
    proxy = public.instance([v.default_sg, proxy_sg], public_ip="198.51.100.10", tags={"safemaker:role": "proxy"},
                            name="squid")
    private.notebook(notebook, lifecycle=PROXY_SCRIPT.format(proxy=proxy.eni.private_ip),
                     direct_internet=direct_internet, root_access=False)
    return e, v, public, private, igw


def seed000_proxy() -> tuple[Estate, Verdicts]:
    e, *_ = _seed000("nb-proxy")
    # No IPv6, no gateway endpoint, the only host with a way out is the sanctioned proxy, and
    # nothing (no interface endpoint, no NAT) reaches the SageMaker API: VPCE-001 FAIL.
    return e, {"NET-001": {"nb-proxy": "PASS"}, "NET-004": {"nb-proxy": "PASS"}, "NET-005": {"nb-proxy": "PASS"},
               "NET-006": {"nb-proxy": "PASS"}, "NET-007": {"nb-proxy": "PASS"}, "VPCE-001": {"nb-proxy": "FAIL"}}


def seed000_nat_added() -> tuple[Estate, Verdicts]:
    """The blog's warning: a NAT gateway 'would effectively grant full internet access'."""
    e, _, public, private, _ = _seed000("nb-nat")
    private.route_table().route("0.0.0.0/0", public.nat_gateway())
    return e, {"NET-001": {"nb-nat": "FAIL"}, "NET-004": {"nb-nat": "PASS"}}


def direct_internet() -> tuple[Estate, Verdicts]:
    e, *_ = _seed000("nb-direct", direct_internet=True)
    return e, {"NET-001": {"nb-direct": "FAIL"}, "NET-004": {"nb-direct": "PASS"}}


def blackhole() -> tuple[Estate, Verdicts]:
    """The NAT gateway was deleted: its route stays as a blackhole and drops everything."""
    e, _, _, private, _ = _seed000("nb-blackhole")
    private.route_table().blackhole("0.0.0.0/0", "nat-0a1b2c3d4e5f60718")
    return e, {"NET-001": {"nb-blackhole": "PASS"}, "NET-004": {"nb-blackhole": "PASS"}}


def latent_igw() -> tuple[Estate, Verdicts]:
    """The 'private' subnet routes to the IGW; the notebook only lacks a public address."""
    e, _, _, private, igw = _seed000("nb-latent")
    private.route_table().route("0.0.0.0/0", igw)
    return e, {"NET-001": {"nb-latent": "PASS"}, "NET-004": {"nb-latent": "FAIL"}}


# --- seed 001: NAT gateway behind AWS Network Firewall -------------------------------------------
def _seed001(notebook: str, *, stateless_default: str = "aws:forward_to_sfe",
             ipv6: bool = False) -> tuple[Estate, Vpc, dict[str, Subnet], InternetGateway]:
    e = Estate()
    v = e.vpc("10.2.0.0/16", ipv6="2600:1f18:2f:5a00::/56" if ipv6 else None)
    igw = v.igw()
    subnets = {
        "firewall": v.subnet("10.2.1.0/24", name="firewall"),
        "nat": v.subnet("10.2.2.0/24", name="nat"),
        "sagemaker": v.subnet("10.2.3.0/24", name="sagemaker", ipv6="2600:1f18:2f:5a03::/64" if ipv6 else None),
    }
    policy = e.firewall_policy("network-firewall-policy-sagemaker-studio-vpc-firewall",
                               stateless_default=stateless_default,
                               stateful=[e.domain_allowlist([".kaggle.com"], "domain-allow-sagemaker-studio")])
    fw = v.firewall([subnets["firewall"]], policy, "network-firewall-sagemaker-studio-vpc-firewall").logging("ALERT")
    nat = subnets["nat"].nat_gateway()
    subnets["firewall"].route_table("firewall").route("0.0.0.0/0", igw)
    subnets["nat"].route_table("nat").route("0.0.0.0/0", fw.endpoint())
    v.route_table("igw-edge").edge(igw).route(subnets["nat"].cidr, fw.endpoint())
    sagemaker_rt = subnets["sagemaker"].route_table("sagemaker").route("0.0.0.0/0", nat)
    v.gateway_endpoint("s3", route_tables=[sagemaker_rt])
    endpoint_sg = v.sg("vpc-endpoints")
    for service in ("sagemaker.api", "sagemaker.runtime", "sts"):
        v.interface_endpoint(service, [subnets["sagemaker"]])
    sagemaker_sg = v.sg("sagemaker", egress_all=True)
    endpoint_sg.egress("10.2.0.0/16")
    subnets["sagemaker"].notebook(notebook, sg=sagemaker_sg, ipv6=ipv6, root_access=False)
    return e, v, subnets, igw


def seed001_firewall() -> tuple[Estate, Verdicts]:
    e, *_ = _seed001("nb-firewall")
    # The S3 gateway endpoint keeps AWS's default full-access policy (NET-006 FAIL); the
    # sagemaker.api and sagemaker.runtime interface endpoints exist (VPCE-001 PASS); the IGW
    # edge route table sends the NAT subnet back through the endpoint (NET-008 PASS).
    return e, {"NET-001": {"nb-firewall": "PASS"}, "NET-004": {"nb-firewall": "PASS"},
               "NET-008": {"network-firewall-sagemaker-studio-vpc-firewall": "PASS"},
               "NET-005": {"nb-firewall": "PASS"}, "NET-006": {"nb-firewall": "FAIL"},
               "VPCE-001": {"nb-firewall": "PASS"}}


def stateless_pass() -> tuple[Estate, Verdicts]:
    """Stateless default aws:pass: the traffic crosses the endpoint but is never inspected."""
    e, *_ = _seed001("nb-stateless-pass", stateless_default="aws:pass")
    return e, {"NET-001": {"nb-stateless-pass": "FAIL"}, "NET-004": {"nb-stateless-pass": "PASS"}}


def more_specific_route() -> tuple[Estate, Verdicts]:
    """The NAT subnet sends 52.0.0.0/8 straight to the IGW: longest prefix beats the firewall."""
    e, _, subnets, igw = _seed001("nb-more-specific")
    subnets["nat"].route_table().route("52.0.0.0/8", igw)
    return e, {"NET-001": {"nb-more-specific": "FAIL"}, "NET-004": {"nb-more-specific": "PASS"}}


def ipv6_eigw() -> tuple[Estate, Verdicts]:
    """Dual stack: IPv4 is inspected, IPv6 leaves through an egress-only IGW."""
    e, v, subnets, _ = _seed001("nb-ipv6", ipv6=True)
    subnets["sagemaker"].route_table().route("::/0", v.eigw())
    return e, {"NET-001": {"nb-ipv6": "FAIL"}, "NET-004": {"nb-ipv6": "PASS"}, "NET-005": {"nb-ipv6": "FAIL"}}


# --- centralised egress through a transit gateway ------------------------------------------------
def tgw_egress() -> tuple[Estate, Verdicts]:
    """Spoke VPC -> TGW -> egress VPC with a NAT gateway and no firewall."""
    e = Estate()
    spoke = e.vpc("10.10.0.0/16", name="spoke")
    spoke_subnet = spoke.subnet("10.10.1.0/24", name="spoke-sagemaker")
    egress = e.vpc("10.99.0.0/16", name="egress")
    igw = egress.igw()
    public = egress.subnet("10.99.1.0/24", name="egress-public")
    nat = public.nat_gateway()
    tgw_subnet = egress.subnet("10.99.2.0/28", name="egress-tgw")
    tgw = e.tgw("hub")
    spoke_rt, egress_rt = tgw.route_table(), tgw.route_table()
    spoke_att = tgw.attach(spoke, [spoke_subnet], route_table=spoke_rt)
    egress_att = tgw.attach(egress, [tgw_subnet], route_table=egress_rt)
    spoke_rt.route("0.0.0.0/0", egress_att)
    egress_rt.route(spoke.cidr, spoke_att, kind="propagated")
    spoke_subnet.route_table().route("0.0.0.0/0", tgw)
    tgw_subnet.route_table().route("0.0.0.0/0", nat)
    public.route_table().route("0.0.0.0/0", igw).route(spoke.cidr, tgw)
    spoke_subnet.notebook("nb-spoke", sg=spoke.sg("sagemaker", egress_all=True))
    return e, {"NET-001": {"nb-spoke": "FAIL"}, "NET-004": {"nb-spoke": "PASS"}}


# --- Studio domains, jobs and models (rules 26, 27) -----------------------------------------------
def workloads() -> tuple[Estate, Verdicts]:
    """One private VPC (local routes only) and one whose subnet has a NAT route, with domains,
    jobs and models placed in each, plus workloads outside any VPC."""
    e = Estate()
    closed = e.vpc("10.10.0.0/16", name="closed")
    closed_subnet = closed.subnet("10.10.1.0/24", name="closed-private")
    closed_sg = closed.sg("closed-apps", egress_all=True)
    opened = e.vpc("10.20.0.0/16", name="opened")
    public = opened.subnet("10.20.1.0/24", name="opened-public")
    public.route_table().route("0.0.0.0/0", opened.igw())
    apps = opened.subnet("10.20.2.0/24", name="opened-apps")
    apps.route_table().route("0.0.0.0/0", public.nat_gateway())
    narrow = opened.sg("narrow").egress("10.20.0.0/16")
    wide = opened.sg("wide-profile", egress_all=True)
    e.domain("d-public-internet-fail", mode="PublicInternetOnly")
    e.domain("d-vpconly-closed-pass", subnets=[closed_subnet], sgs=[closed_sg],
             profiles={"analyst": [closed_sg]})
    e.domain("d-vpconly-nat-fail", subnets=[apps], sgs=[opened.default_sg])
    # The domain default only reaches the VPC; one user profile adds egress everywhere.
    e.domain("d-profile-opens-fail", subnets=[apps], sgs=[narrow], profiles={"bob": [wide], "amy": []})
    e.domain("d-narrow-sg-pass", subnets=[apps], sgs=[narrow], profiles={"amy": []})
    e.training_job("train-no-vpc-fail", encrypted=False)
    e.training_job("train-isolated-pass", isolated=True)
    e.training_job("train-closed-vpc-pass", subnets=[closed_subnet], sgs=[closed_sg])
    e.training_job("train-nat-vpc-fail", subnets=[apps], sgs=[opened.default_sg])
    e.model("model-no-vpc-fail")
    e.model("model-isolated-pass", isolated=True)
    e.model("model-nat-vpc-fail", subnets=[apps], sgs=[wide])
    return e, {
        "NET-002": {"d-public-internet-fail": "FAIL", "d-vpconly-closed-pass": "PASS", "d-vpconly-nat-fail": "FAIL",
                    "d-profile-opens-fail": "FAIL", "d-narrow-sg-pass": "PASS"},
        "NET-003": {"train-no-vpc-fail": "FAIL", "train-isolated-pass": "PASS", "train-closed-vpc-pass": "PASS",
                    "train-nat-vpc-fail": "FAIL", "model-no-vpc-fail": "FAIL", "model-isolated-pass": "PASS",
                    "model-nat-vpc-fail": "FAIL"},
        # closed VPC: no interface endpoints and no internet path; the NAT VPC reaches the API by NAT.
        "VPCE-001": {"d-vpconly-closed-pass": "FAIL", "d-vpconly-nat-fail": "PASS",
                     "d-public-internet-fail": "PASS"},
    }


def workloads_unknown_profiles() -> tuple[Estate, Verdicts]:
    """User profiles were not readable: a VpcOnly domain with no path found cannot PASS."""
    e = Estate()
    v = e.vpc("10.30.0.0/16")
    private = v.subnet("10.30.1.0/24")
    e.domain("d-profiles-unknown-error", subnets=[private], sgs=[v.sg("apps", egress_all=True)])
    e.omit("sagemaker", "ListUserProfiles", error_code="AccessDeniedException")
    return e, {"NET-002": {"d-profiles-unknown-error": "ERROR"}}


# --- unsanctioned relays (NET-007) -------------------------------------------------------------
def relay() -> tuple[Estate, Verdicts]:
    """A build box with a public IP in the notebook's VPC, reachable on SSH: a relay. The
    notebook in the other VPC reaches no such host."""
    e = Estate()
    v = e.vpc("10.40.0.0/16")
    public = v.subnet("10.40.1.0/24", name="public")
    public.route_table().route("0.0.0.0/0", v.igw())
    private = v.subnet("10.40.2.0/24", name="private")
    nb_sg = v.sg("notebook", egress_all=True)
    box_sg = v.sg("build-box", egress_all=True)
    box_sg.ingress_rules.append({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [],
                                 "Ipv6Ranges": [], "PrefixListIds": [],
                                 "UserIdGroupPairs": [{"GroupId": nb_sg.id, "UserId": e.account}]})
    public.instance(box_sg, public_ip="198.51.100.20", name="build-box")
    private.notebook("nb-relay-fail", sg=nb_sg)
    lonely = e.vpc("10.41.0.0/16")
    lonely.subnet("10.41.1.0/24").notebook("nb-no-relay-pass", sg=lonely.sg("nb", egress_all=True))
    return e, {"NET-007": {"nb-relay-fail": "FAIL", "nb-no-relay-pass": "PASS"},
               "NET-001": {"nb-relay-fail": "PASS", "nb-no-relay-pass": "PASS"}}


# --- return-path symmetry (NET-008) ------------------------------------------------------------
def firewall_return_missing() -> tuple[Estate, Verdicts]:
    """Seed 001 without the IGW edge route table: replies to the NAT subnet bypass the firewall."""
    e, _, _, igw = _seed001("nb-asymmetric")
    for rt in e.route_tables:
        rt.edge_gateways = [(g, a) for g, a in rt.edge_gateways if g is not igw]
    return e, {"NET-008": {"network-firewall-sagemaker-studio-vpc-firewall": "FAIL"},
               "NET-001": {"nb-asymmetric": "PASS"}}


# --- centralised inspection through a transit gateway (rules 15, 18, 23) ------------------------
HOME_NET_DROP = "drop ip $HOME_NET any -> $EXTERNAL_NET any (msg:\"not on the allowlist\"; sid:1000001;)"


def centralised_inspection(*, home_net: list[str] | None = None, group_home_net: list[str] | None = None,
                           drop_rules: str = HOME_NET_DROP) -> Estate:
    """Spoke VPC -> TGW -> inspection VPC (TGW subnet -> firewall endpoint -> NAT -> IGW), and a
    notebook in the inspection VPC itself. The firewall sees the spoke's own addresses (the NAT
    comes after it): outside the default HOME_NET, the inspection VPC's CIDR (rule 18)."""
    e = Estate()
    spoke = e.vpc("10.10.0.0/16", name="spoke")
    spoke_apps = spoke.subnet("10.10.1.0/24", name="spoke-apps")
    spoke_tgw = spoke.subnet("10.10.9.0/28", name="spoke-tgw")
    hub = e.vpc("10.50.0.0/16", name="inspection")
    igw = hub.igw()
    hub_tgw = hub.subnet("10.50.0.0/28", name="inspection-tgw")
    fw_subnet = hub.subnet("10.50.1.0/28", name="inspection-firewall")
    nat_subnet = hub.subnet("10.50.2.0/24", name="inspection-nat")
    hub_apps = hub.subnet("10.50.3.0/24", name="inspection-apps")
    allow = e.domain_allowlist([".kaggle.com", ".pypi.org"], "sagemaker-domains", home_net=group_home_net)
    drops = e.suricata_rule_group("drop-the-rest", drop_rules)
    fw = hub.firewall([fw_subnet], e.firewall_policy("central-policy", stateful=[allow, drops], home_net=home_net),
                      "central-fw").logging("ALERT", "FLOW")
    nat = nat_subnet.nat_gateway()
    tgw = e.tgw("hub")
    spoke_rt, hub_rt = tgw.route_table(), tgw.route_table()
    spoke_att = tgw.attach(spoke, [spoke_tgw], route_table=spoke_rt)
    hub_att = tgw.attach(hub, [hub_tgw], route_table=hub_rt, appliance_mode=True)
    spoke_rt.route("0.0.0.0/0", hub_att)
    hub_rt.route(spoke.cidr, spoke_att, kind="propagated")
    spoke_apps.route_table("spoke-apps").route("0.0.0.0/0", tgw)
    hub_tgw.route_table("inspection-tgw").route("0.0.0.0/0", fw.endpoint())
    fw_subnet.route_table("inspection-firewall").route("0.0.0.0/0", nat).route(spoke.cidr, tgw)
    nat_subnet.route_table("inspection-nat").route("0.0.0.0/0", igw).route(spoke.cidr, fw.endpoint()) \
        .route(hub_apps.cidr, fw.endpoint())
    hub_apps.route_table("inspection-apps").route("0.0.0.0/0", fw.endpoint())
    spoke_apps.notebook("nb-spoke", sg=spoke.sg("spoke-notebooks", egress_all=True), root_access=False)
    hub_apps.notebook("nb-hub", sg=hub.sg("hub-notebooks", egress_all=True), root_access=False)
    return e


def home_net_spoke_outside() -> tuple[Estate, Verdicts]:
    """Rule 18: both notebooks are inspected (NET-001 PASS), but the spoke's addresses are not in
    HOME_NET, so the domain allowlist and the `$HOME_NET` drop rule never match its traffic
    (FW-002 FAIL for central-policy; asserted in tests/graph/test_semantics_more.py, the
    fixture-file test runs the network checks only)."""
    return centralised_inspection(), {"NET-001": {"nb-spoke": "PASS", "nb-hub": "PASS"},
                                      "NET-004": {"nb-spoke": "PASS", "nb-hub": "PASS"}}


def tgw_inspection_chain() -> Estate:
    """The `safemaker explain` readability scenario: ten route tables between the notebook and
    the internet. spoke-apps -> appliance (spoke) -> TGW -> inspection VPC: TGW subnet ->
    packet broker appliance -> firewall endpoint -> TGW -> egress VPC: TGW subnet -> private NAT
    gateway -> public NAT gateway -> IGW."""
    e = Estate()
    spoke = e.vpc("10.10.0.0/16", name="spoke")
    spoke_apps = spoke.subnet("10.10.1.0/24", name="spoke-apps")
    spoke_appliances = spoke.subnet("10.10.2.0/24", name="spoke-appliances")
    spoke_tgw = spoke.subnet("10.10.9.0/28", name="spoke-tgw")
    insp = e.vpc("10.50.0.0/16", name="inspection")
    insp_tgw = insp.subnet("10.50.0.0/28", name="inspection-tgw")
    broker_subnet = insp.subnet("10.50.1.0/24", name="inspection-broker")
    fw_subnet = insp.subnet("10.50.2.0/28", name="inspection-firewall")
    egress = e.vpc("10.99.0.0/16", name="egress")
    igw = egress.igw()
    egress_tgw = egress.subnet("10.99.0.0/28", name="egress-tgw")
    private_nat_subnet = egress.subnet("10.99.1.0/24", name="egress-private-nat")
    public_subnet = egress.subnet("10.99.2.0/24", name="egress-public")
    policy = e.firewall_policy("inspection-policy", stateful=[e.domain_allowlist([".kaggle.com"], "ml-domains"),
                                                             e.suricata_rule_group("drop-rest", HOME_NET_DROP)])
    fw = insp.firewall([fw_subnet], policy, "inspection-fw").logging("ALERT")
    spoke_box = spoke_appliances.instance(source_dest_check=False, name="spoke-sdwan")
    broker = broker_subnet.instance(source_dest_check=False, name="packet-broker")
    private_nat = private_nat_subnet.nat_gateway(private=True)
    public_nat = public_subnet.nat_gateway()
    tgw = e.tgw("core")
    spoke_rt, insp_rt, egress_rt = tgw.route_table(), tgw.route_table(), tgw.route_table()
    spoke_att = tgw.attach(spoke, [spoke_tgw], route_table=spoke_rt)
    insp_att = tgw.attach(insp, [insp_tgw], route_table=insp_rt, appliance_mode=True)
    egress_att = tgw.attach(egress, [egress_tgw], route_table=egress_rt)
    spoke_rt.route("0.0.0.0/0", insp_att)
    insp_rt.route("0.0.0.0/0", egress_att).route(spoke.cidr, spoke_att, kind="propagated")
    egress_rt.route(spoke.cidr, insp_att)
    spoke_apps.route_table("spoke-apps").route("0.0.0.0/0", spoke_box)
    spoke_appliances.route_table("spoke-appliances").route("0.0.0.0/0", tgw)
    insp_tgw.route_table("inspection-tgw").route("0.0.0.0/0", broker)
    broker_subnet.route_table("inspection-broker").route("0.0.0.0/0", fw.endpoint())
    fw_subnet.route_table("inspection-firewall").route("0.0.0.0/0", tgw)
    egress_tgw.route_table("egress-tgw").route("0.0.0.0/0", private_nat)
    private_nat_subnet.route_table("egress-private-nat").route("0.0.0.0/0", public_nat)
    public_subnet.route_table("egress-public").route("0.0.0.0/0", igw).route("10.0.0.0/8", tgw)
    spoke_apps.notebook("nb-chain", sg=spoke.sg("chain-notebooks", egress_all=True), root_access=False)
    return e


def tgw_inspection_chain_fixture() -> tuple[Estate, Verdicts]:
    return tgw_inspection_chain(), {"NET-001": {"nb-chain": "PASS"}, "NET-004": {"nb-chain": "PASS"},
                                    "NET-005": {"nb-chain": "PASS"}, "VPCE-001": {"nb-chain": "PASS"}}


def firewall_front_nat() -> Estate:
    """Rule 15, firewall in front of the NAT gateway: protected subnet -> firewall endpoint ->
    firewall subnet -> NAT (another subnet) -> IGW, in two VPCs. In `return` the NAT subnet routes
    the protected CIDR back to the endpoint; in `asymmetric` it does not (replies go straight to
    the protected subnet by the local route and the firewall sees one direction only)."""
    e = Estate()
    for name, cidr, back in (("return", "10.60.0.0/16", True), ("asymmetric", "10.61.0.0/16", False)):
        v = e.vpc(cidr, name=name)
        base = cidr.split(".0.0/")[0]
        public = v.subnet(f"{base}.1.0/24", name=f"{name}-nat")
        fw_subnet = v.subnet(f"{base}.2.0/28", name=f"{name}-firewall")
        protected = v.subnet(f"{base}.3.0/24", name=f"{name}-protected")
        nat = public.nat_gateway()
        fw = v.firewall([fw_subnet], e.firewall_policy(f"{name}-policy"), f"fw-front-nat-{name}")
        nat_rt = public.route_table(f"{name}-nat").route("0.0.0.0/0", v.igw())
        if back:
            nat_rt.route(protected.cidr, fw.endpoint())
        fw_subnet.route_table(f"{name}-firewall").route("0.0.0.0/0", nat)
        protected.route_table(f"{name}-protected").route("0.0.0.0/0", fw.endpoint())
        protected.notebook(f"nb-{name}", sg=v.sg(f"{name}-notebooks", egress_all=True), root_access=False)
    return e


def firewall_front_nat_fixture() -> tuple[Estate, Verdicts]:
    return firewall_front_nat(), {"NET-008": {"fw-front-nat-return": "PASS", "fw-front-nat-asymmetric": "FAIL"},
                                  "NET-001": {"nb-return": "PASS", "nb-asymmetric": "PASS"}}


BUILDERS: dict[str, Callable[[], tuple[Estate, Verdicts]]] = {
    "home-net-spoke-outside": home_net_spoke_outside,
    "tgw-inspection-chain": tgw_inspection_chain_fixture,
    "firewall-front-nat": firewall_front_nat_fixture,
    "workloads": workloads,
    "workloads-unknown-profiles": workloads_unknown_profiles,
    "relay": relay,
    "firewall-return-missing": firewall_return_missing,
    "seed000-proxy": seed000_proxy,
    "seed000-nat-added": seed000_nat_added,
    "direct-internet": direct_internet,
    "seed001-firewall": seed001_firewall,
    "stateless-pass": stateless_pass,
    "more-specific-route": more_specific_route,
    "ipv6-eigw": ipv6_eigw,
    "tgw-egress": tgw_egress,
    "blackhole": blackhole,
    "latent-igw": latent_igw,
}


def _text(value: object) -> str:
    return json.dumps(value, indent=1) + "\n"


def generate() -> dict[Path, str]:
    """Every fixture file this script owns, path -> exact text."""
    out: dict[Path, str] = {}
    for name, build in BUILDERS.items():
        estate, expected = build()
        out[SCENARIOS / f"net-{name}.json"] = _text(estate.build())
        out[EXPECTED / f"net-{name}.json"] = _text(expected)
    return out


def main() -> None:
    from safemaker.scanner.snapshot.validate import validate_snapshot

    files = generate()
    for path, text in files.items():
        if path.parent == SCENARIOS:
            validate_snapshot(json.loads(text), str(path))
    for folder in (SCENARIOS, EXPECTED):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("net-*.json"):
            if stale not in files:
                stale.unlink()
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
