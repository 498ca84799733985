"""The estate builder writes documents that validate against botocore's output shapes, whatever
combination of resources a scenario uses, and holds every minimum operation of docs/snapshot-format.md."""

from __future__ import annotations

import pytest
from estate import MINIMUM_OPERATIONS, Estate

validate = pytest.importorskip("safemaker.scanner.snapshot.validate")


def kitchen_sink() -> Estate:
    e = Estate()
    v = e.vpc("10.0.0.0/16", ipv6="2600:1f18:abcd:1200::/56", name="main")
    pub = v.subnet("10.0.1.0/24", ipv6="2600:1f18:abcd:1201::/64", public_ip_on_launch=True)
    igw = v.igw()
    pub.route_table().route("0.0.0.0/0", igw).route("::/0", v.eigw())
    v.route_table("edge").edge(igw)
    nat = pub.nat_gateway()
    priv = v.subnet("10.0.2.0/24", az="eu-west-1b")
    rt = priv.route_table().route("0.0.0.0/0", nat).blackhole("10.50.0.0/16", "nat-0000000000000dead")
    proxy = pub.instance(public_ip="198.51.100.7", source_dest_check=False, tags={"safemaker:role": "proxy"})
    pl = e.prefix_list(["52.0.0.0/8"])
    rt.route(pl, proxy).route("192.168.0.0/16", v.vgw(), origin="EnableVgwRoutePropagation")
    v.gateway_endpoint("s3", route_tables=[rt])
    v.interface_endpoint("sagemaker.api", [priv])
    v.gwlb_endpoint(pub)
    group = e.stateless_rule_group().rule(1, "aws:pass", dst=["52.0.0.0/8"], protocols=[6], dst_ports=(443, 443))
    policy = e.firewall_policy(stateless=[group], stateful=[e.domain_allowlist([".kaggle.com"])],
                               stateful_default=["aws:drop_established"])
    fw = v.firewall([pub], policy).logging("ALERT", "FLOW")
    rt.route("52.1.0.0/16", fw.endpoint())
    tgw = e.tgw()
    tgw_rt = tgw.route_table()
    att = tgw.attach(v, [priv], route_table=tgw_rt)
    tgw_rt.route("0.0.0.0/0", att).route("10.9.0.0/16").route(pl, "tgw-attach-0000000000000beef", kind="propagated")
    other = e.vpc("10.1.0.0/16")
    rt.route("10.1.0.0/16", e.peering(v, other))
    acl = v.nacl().outbound(100, "allow", "0.0.0.0/0", proto="6", ports=443).inbound(100, "allow", "::/0")
    pub.use_nacl(acl)
    sg = v.sg("notebook").egress("10.0.0.0/8", pl, v.default_sg, proto="tcp", ports=(443, 443))
    priv.notebook("nb-full", sg=sg, ipv6=False, lifecycle="export HTTPS_PROXY=http://10.0.1.10:3128")
    e.notebook("nb-novpc")
    e.block_public_access("block-bidirectional").bpa_exclusion(pub).bpa_exclusion(v, mode="allow-egress")
    e.tgw(owner="444455556666").attach(other, [other.subnet("10.1.1.0/24")])
    return e


def test_every_builder_shape_validates() -> None:
    validate.validate_snapshot(kitchen_sink().build(), "kitchen-sink")


def test_minimum_operations_are_present_and_omit_removes_them() -> None:
    e = kitchen_sink()
    region = e.build()["accounts"][e.account][e.region]
    for service, operations in MINIMUM_OPERATIONS.items():
        assert set(operations) <= set(region[service])
    e.omit("ec2", "DescribeRouteTables", error_code="UnauthorizedOperation")
    doc = e.build()
    assert "DescribeRouteTables" not in doc["accounts"][e.account][e.region]["ec2"]
    assert doc["errors"][0]["operation"] == "DescribeRouteTables"
    validate.validate_snapshot(doc, "omitted")


def test_build_is_repeatable() -> None:
    e = kitchen_sink()
    assert e.build() == e.build()
