"""The prover walks all traffic classes and all allowed destinations of a workload at once.

These scenarios pin the two things that must stay true when it does: each outcome is credited
only to the classes *and* destinations that really travel together (a security group may allow
tcp/22 to one range and tcp/443 to another), and missing data counts only for the traffic that
reaches it.
"""

from __future__ import annotations

from estate_scan import destinations
from test_semantics import NB, inspected_lab, nat_lab


def _split_lab(nacl_port: int) -> object:
    """SG: tcp/22 to 10.0.0.0/8 only, tcp/443 anywhere; the notebook subnet's NACL lets only
    `nacl_port` out; default route to a NAT gateway."""
    lab = nat_lab(default_route=True)
    lab.sg.no_egress().egress("10.0.0.0/8", proto="tcp", ports=22).egress("0.0.0.0/0", proto="tcp", ports=443)
    acl = lab.v.nacl()
    acl.outbound(100, "allow", "0.0.0.0/0", proto="6", ports=nacl_port)
    acl.inbound(100, "allow", "0.0.0.0/0")
    lab.priv.use_nacl(acl)
    return lab


def test_class_allowed_only_to_private_ranges_is_not_credited_with_internet_destinations() -> None:
    # tcp/22 passes the NACL but the SG sends it only to 10/8; tcp/443 may go anywhere but the
    # NACL stops it. Walking both together must not pair tcp/22 with 443's destinations.
    result = _split_lab(22).scan()
    assert result.status("NET-001", NB) == "PASS"
    assert not result.proof(NB).uninspected


def test_class_that_passes_is_credited_with_its_own_destinations_only() -> None:
    result = _split_lab(443).scan()
    assert result.status("NET-001", NB) == "FAIL"
    (path,) = result.paths("NET-001", NB)
    assert path.outcome.endswith("traffic tcp/443")
    assert "1.0.0.0/8" in destinations([path])  # the internet part of 0/0, not 10/8
    assert not any(d.startswith("10.") for d in destinations([path]))


def test_rule_group_after_all_traffic_is_decided_does_not_matter() -> None:
    lab = inspected_lab(default="aws:pass")
    assert lab.fw is not None
    lab.fw.policy.stateless.append(lab.e.stateless_rule_group("forward-all").rule(1, "aws:forward_to_sfe"))
    unread = lab.e.stateless_rule_group("unread").rule(1, "aws:pass")
    lab.fw.policy.stateless.append(unread)
    lab.e.rule_groups.remove(unread)  # referenced, but absent from DescribeRuleGroup
    result = lab.scan()
    assert result.status("NET-001", NB) == "PASS"
    assert not result.proof(NB).unknowns


def test_rule_group_reached_by_some_traffic_is_an_error() -> None:
    lab = inspected_lab(default="aws:pass")
    assert lab.fw is not None
    web = lab.e.stateless_rule_group("forward-web").rule(1, "aws:forward_to_sfe", protocols=[6], dst_ports=(443, 443))
    lab.fw.policy.stateless.append(web)
    unread = lab.e.stateless_rule_group("unread").rule(1, "aws:pass")
    lab.fw.policy.stateless.append(unread)
    lab.e.rule_groups.remove(unread)
    result = lab.scan()
    assert result.status("NET-001", NB) == "ERROR"
    assert unread.arn in result.finding("NET-001", NB).message
