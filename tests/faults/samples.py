"""Valid snapshots for the fuzz and hardening tests, built with tests/estate.py.

Small on purpose (each analysis must take milliseconds: the fuzz runs hundreds), and together
touching every kind of data the checks read: a proxy with a lifecycle configuration, a firewall
with its policy and rule groups, IPv6 with an egress-only gateway, a transit gateway, prefix lists,
peering, Studio domains with profiles, jobs and models.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from estate import Estate

PROXY_SCRIPT = """#!/bin/sh
echo "export HTTP_PROXY=http://{ip}:3128" >> /etc/profile.d/proxy.sh
echo "export HTTPS_PROXY=http://{ip}:3128" >> /etc/profile.d/proxy.sh
echo "export NO_PROXY=169.254.169.254" >> /etc/profile.d/proxy.sh
"""


def proxy_estate() -> dict[str, Any]:
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    igw = v.igw()
    public = v.subnet("10.0.1.0/24")
    public.route_table().route("0.0.0.0/0", igw)
    proxy = public.instance(public_ip="203.0.113.10", tags={"safemaker:role": "proxy"}, name="squid")
    private = v.subnet("10.0.2.0/24")
    private.route_table()
    private.notebook("nb-proxy", lifecycle=PROXY_SCRIPT.format(ip=proxy.eni.private_ip), root_access=False)
    nat_subnet = v.subnet("10.0.3.0/24")
    nat_subnet.route_table().route("0.0.0.0/0", public.nat_gateway())
    nat_subnet.notebook("nb-nat", sg=v.sg("wide", egress_all=True))
    e.notebook("nb-no-vpc")
    return e.build()


def firewall_estate() -> dict[str, Any]:
    e = Estate()
    v = e.vpc("10.2.0.0/16", ipv6="2600:1f18:2f:5a00::/56")
    igw = v.igw()
    fw_subnet = v.subnet("10.2.1.0/24", name="firewall")
    nat_subnet = v.subnet("10.2.2.0/24", name="nat")
    apps = v.subnet("10.2.3.0/24", name="apps", ipv6="2600:1f18:2f:5a03::/64")
    stateless = e.stateless_rule_group().rule(10, "aws:forward_to_sfe", src=["10.2.0.0/16"]) \
        .rule(20, "aws:pass", src=["10.2.9.0/24"], dst=["198.51.100.0/24"], protocols=[6], dst_ports=(443, 443))
    policy = e.firewall_policy("policy", stateless=[stateless],
                               stateful=[e.domain_allowlist([".example.com"])])
    fw = v.firewall([fw_subnet], policy, "fw").logging("ALERT", "FLOW")
    nat = nat_subnet.nat_gateway()
    fw_subnet.route_table().route("0.0.0.0/0", igw)
    nat_subnet.route_table().route("0.0.0.0/0", fw.endpoint())
    v.route_table("edge").edge(igw).route(nat_subnet.cidr, fw.endpoint())
    apps_rt = apps.route_table().route("0.0.0.0/0", nat).route("::/0", v.eigw())
    v.gateway_endpoint("s3", route_tables=[apps_rt])
    v.interface_endpoint("sagemaker.api", [apps])
    sg = v.sg("apps", egress_all=True)
    apps.notebook("nb-fw", sg=sg, ipv6=True, root_access=False)
    e.domain("d-apps", subnets=[apps], sgs=[sg], profiles={"ana": [sg]})
    e.training_job("train-apps", subnets=[apps], sgs=[sg])
    e.model("model-isolated", isolated=True)
    return e.build()


def tgw_estate() -> dict[str, Any]:
    e = Estate()
    spoke = e.vpc("10.10.0.0/16", name="spoke")
    spoke_subnet = spoke.subnet("10.10.1.0/24")
    hub = e.vpc("10.99.0.0/16", name="hub")
    public = hub.subnet("10.99.1.0/24")
    public.route_table().route("0.0.0.0/0", hub.igw()).route(spoke.cidr, tgw := e.tgw("hub"))
    attach_subnet = hub.subnet("10.99.2.0/28")
    spoke_rt, hub_rt = tgw.route_table(), tgw.route_table()
    spoke_att = tgw.attach(spoke, [spoke_subnet], route_table=spoke_rt)
    hub_att = tgw.attach(hub, [attach_subnet], route_table=hub_rt)
    corp = e.prefix_list(["192.168.0.0/16", "172.16.0.0/12"])
    spoke_rt.route("0.0.0.0/0", hub_att).route(corp, hub_att)
    hub_rt.route(spoke.cidr, spoke_att, kind="propagated")
    spoke_subnet.route_table().route("0.0.0.0/0", tgw).route(corp, tgw)
    attach_subnet.route_table().route("0.0.0.0/0", public.nat_gateway())
    other = e.vpc("10.50.0.0/16", name="peer")
    e.peering(spoke, other)
    spoke_subnet.notebook("nb-spoke", sg=spoke.sg("apps", egress_all=True))
    return e.build()


def guardrail_estate() -> dict[str, Any]:
    """IAM, Organizations and bucket policies under aws-global (GRD-001..003): the seed-002
    fixture, whose accounts, SCPs and principals cover PASS, FAIL and ERROR."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "grd-seed002-guardrails.json"
    doc: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return doc


@cache
def samples() -> dict[str, str]:
    """name -> snapshot JSON text."""
    import json

    return {name: json.dumps(build(), indent=1) for name, build in
            (("proxy", proxy_estate), ("firewall", firewall_estate), ("tgw", tgw_estate),
             ("guardrails", guardrail_estate))}
