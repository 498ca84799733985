"""Writes the oracle regression fixtures: fixtures/scenarios/oracle-*.json + fixtures/expected/oracle-*.json.

Each scenario is the hand-minimised form of a disagreement the property test found between the
engine and the oracle (tests/oracle/walker.py), rebuilt with the shared estate builder so that it
reads like a real estate. The expected verdicts are what AWS does (docs/forwarding-rules.md), which is also
what the oracle says; test_regressions.py checks both, and marks the engine's open bugs xfail.

Regenerate from tests/ (where `estate` is importable): ../.venv/bin/python -m oracle.make_fixtures
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from estate import Estate

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent

Doc = dict[str, Any]
Expected = dict[str, dict[str, str]]


def esp_protocol() -> tuple[Doc, Expected]:
    """ESP (IP protocol 50) named explicitly by a security group, a NACL or a stateless rule.

    Found as: NACL outbound allows only protocol 50, route 8.0.0.0/8 -> IGW, ENI with a public IP;
    the engine said PASS because its traffic classes folded every protocol no rule names into one
    "other" class that only all-protocol rules match, so a rule naming 50 matched nothing.
    """
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    igw = v.igw()
    # an SG that allows nothing but ESP
    s1 = v.subnet("10.0.1.0/24", "eu-west-1a")
    s1.route_table().route("0.0.0.0/0", igw)
    s1.notebook("nb-esp-sg", v.sg("esp-only").egress("0.0.0.0/0", proto="50"), public_ip="54.1.1.1")
    # a NACL whose only outbound allow is ESP (the minimised counterexample)
    s2 = v.subnet("10.0.2.0/24", "eu-west-1a")
    s2.route_table().route("8.0.0.0/8", igw)
    acl = v.nacl()
    acl.outbound(200, "allow", "0.0.0.0/0", proto="50")
    acl.inbound(300, "allow", "0.0.0.0/0")
    s2.use_nacl(acl)
    s2.notebook("nb-esp-nacl", v.sg("all-out", egress_all=True), public_ip="54.1.1.2")
    # a firewall that inspects everything except ESP, which a stateless rule passes
    s3 = v.subnet("10.0.3.0/24", "eu-west-1a")
    fw_subnet = v.subnet("10.0.4.0/24", "eu-west-1a")
    nat_subnet = v.subnet("10.0.5.0/24", "eu-west-1a")
    nat_subnet.route_table().route("0.0.0.0/0", igw)
    nat = nat_subnet.nat_gateway()
    group = e.stateless_rule_group("esp-pass").rule(10, "aws:pass", protocols=[50])
    fw = v.firewall([fw_subnet], e.firewall_policy("inspect-all", stateless=[group]))
    fw_subnet.route_table().route("0.0.0.0/0", nat)
    s3.route_table().route("0.0.0.0/0", fw.endpoint())
    s3.notebook("nb-esp-stateless-pass", v.sg("all-out-3", egress_all=True))
    return e.build(), {"NET-001": {"nb-esp-sg": "FAIL", "nb-esp-nacl": "FAIL", "nb-esp-stateless-pass": "FAIL"}}


def public_across_tgw() -> tuple[Doc, Expected]:
    """A public address is only usable at the internet gateway of its own VPC (rule 7).

    Spoke VPC -> transit gateway -> hub VPC. In AZ a the hub's attachment subnet routes 0.0.0.0/0
    straight to the hub's IGW. The IGW translates only addresses of ENIs in its own VPC: the spoke
    ENI's public IP (nb-public-via-tgw) and the spoke NAT gateway's Elastic IP (nb-nat-then-tgw)
    belong to the spoke, so the hub IGW drops both. The engine carries a "public" flag across the
    TGW and reports a live path. In AZ b the hub's attachment subnet sends traffic through the
    hub's own NAT gateway (centralised egress done right): nb-hub-nat is a real path, FAIL.
    """
    e = Estate()
    spoke, hub = e.vpc("10.0.0.0/16"), e.vpc("10.1.0.0/16")
    tgw = e.tgw()
    rt = tgw.route_table()
    spoke_att_a = spoke.subnet("10.0.0.0/24", "eu-west-1a")
    spoke_att_b = spoke.subnet("10.0.10.0/24", "eu-west-1b")
    hub_att_a = hub.subnet("10.1.0.0/24", "eu-west-1a")
    hub_att_b = hub.subnet("10.1.10.0/24", "eu-west-1b")
    hub_nat_subnet = hub.subnet("10.1.1.0/24", "eu-west-1b")
    tgw.attach(spoke, [spoke_att_a, spoke_att_b], route_table=rt)
    hub_att = tgw.attach(hub, [hub_att_a, hub_att_b], route_table=rt)
    rt.route("0.0.0.0/0", hub_att)
    hub_igw = hub.igw()
    hub_nat_subnet.route_table().route("0.0.0.0/0", hub_igw)
    hub_att_a.route_table().route("0.0.0.0/0", hub_igw)
    hub_att_b.route_table().route("0.0.0.0/0", hub_nat_subnet.nat_gateway())
    sg = spoke.sg("all-out", egress_all=True)
    # AZ a, spoke ENI with a public IP, straight to the TGW
    s1 = spoke.subnet("10.0.1.0/24", "eu-west-1a")
    s1.route_table().route("0.0.0.0/0", tgw)
    s1.notebook("nb-public-via-tgw", sg, public_ip="54.1.1.1")
    # AZ a, spoke NAT gateway (public, the spoke has an IGW), whose subnet routes to the TGW
    spoke.igw()
    nat_subnet = spoke.subnet("10.0.2.0/24", "eu-west-1a")
    nat_subnet.route_table().route("0.0.0.0/0", tgw)
    s2 = spoke.subnet("10.0.3.0/24", "eu-west-1a")
    s2.route_table().route("0.0.0.0/0", nat_subnet.nat_gateway())
    s2.notebook("nb-nat-then-tgw", sg)
    # AZ b, control: through the hub's own NAT gateway
    s3 = spoke.subnet("10.0.11.0/24", "eu-west-1b")
    s3.route_table().route("0.0.0.0/0", tgw)
    s3.notebook("nb-hub-nat", sg)
    return e.build(), {"NET-001": {"nb-public-via-tgw": "PASS", "nb-nat-then-tgw": "PASS", "nb-hub-nat": "FAIL"}}


def dia_eni_missing() -> tuple[Doc, Expected]:
    """DirectInternetAccess Enabled is a FAIL whatever the VPC data says (rule 24).

    The notebook's ENI is not in DescribeNetworkInterfaces (e.g. collected before the ENI was
    listed, or by a role without that permission). The engine resolves the ENI first and reports
    ERROR; the managed-network path does not depend on it, so NET-001 is a provable FAIL.
    """
    e = Estate()
    v = e.vpc("10.0.0.0/16")
    s = v.subnet("10.0.1.0/24")
    s.notebook("nb-dia-eni-missing", v.sg("all-out", egress_all=True), direct_internet=True, eni_listed=False)
    return e.build(), {"NET-001": {"nb-dia-eni-missing": "FAIL"}}


SCENARIOS: dict[str, Callable[[], tuple[Doc, Expected]]] = {
    "oracle-esp-protocol": esp_protocol,
    "oracle-public-across-tgw": public_across_tgw,
    "oracle-dia-eni-missing": dia_eni_missing,
}


def main() -> int:
    for name, build in SCENARIOS.items():
        doc, expected = build()
        for folder, data in (("scenarios", doc), ("expected", expected)):
            path = ROOT / "fixtures" / folder / f"{name}.json"
            path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
