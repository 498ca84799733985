"""`safemaker explain` on a long proof: ten route tables across a transit gateway, read by a person.

The scenario is `tgw_inspection_chain` of tests/make_fixtures.py (also committed as
fixtures/scenarios/net-tgw-inspection-chain.json): spoke -> appliance -> TGW -> inspection VPC
(packet broker -> firewall endpoint) -> TGW -> egress VPC (private NAT -> public NAT -> IGW).
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from make_fixtures import SCENARIOS, tgw_inspection_chain

from safemaker.scanner.cli import cli


def _explain(tmp_path: Path, name: str = "nb-chain") -> list[str]:
    doc = tmp_path / "chain.json"
    doc.write_text((SCENARIOS / "net-tgw-inspection-chain.json").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", name, str(doc)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_chain_fixture_is_the_builder_output() -> None:
    import json

    on_disk = json.loads((SCENARIOS / "net-tgw-inspection-chain.json").read_text(encoding="utf-8"))
    assert on_disk == tgw_inspection_chain().build()


def test_explain_long_proof_is_short_and_numbered(tmp_path: Path) -> None:
    lines = _explain(tmp_path)
    assert len(lines) < 120
    numbered = [int(m[1]) for line in lines if (m := re.match(r"^\s+(\d+)\. ", line))]
    assert numbered == list(range(1, len(numbered) + 1))  # one path, hops numbered 1..n without gaps
    tables = [line for line in lines if re.search(r"\[\d+\] (TGW )?route table ", line)]
    assert len(tables) == 10
    # every route table names the route used, its target and the destination ranges it carries
    assert all(re.search(r": route \S+ -> \S+.*; carries \d+\.\d+\.\d+\.\d+/\d+", line) for line in tables)


def test_explain_long_proof_states_where_it_goes(tmp_path: Path) -> None:
    text = "\n".join(_explain(tmp_path))
    assert "path 1: reaches the internet after inspection by firewall inspection-fw" in text
    assert re.search(r"summary: 10 route tables \(8 VPC, 2 transit gateway\), across 3 VPCs: "
                     r"vpc-\w+ \(spoke\) -> vpc-\w+ \(inspection\) -> vpc-\w+ \(egress\)", text)
    assert re.search(r"inspected by firewall inspection-fw; forwarded/translated by i-\w+ \(spoke-sdwan\), "
                     r"i-\w+ \(packet-broker\), nat-\w+, nat-\w+; ends at igw-\w+", text)
    # the firewall sits between the two passes through the transit gateway
    order = [re.search(p, text) for p in (r"-- in vpc-\w+ \(spoke\)", r"-- in transit gateway tgw-\w+ \(core\)",
                                          r"-- in vpc-\w+ \(inspection\)", r"firewall-endpoint vpce-",
                                          r"\[7\] TGW route table", r"-- in vpc-\w+ \(egress\)",
                                          r"internet-gateway igw-\w+: source NAT by nat-")]
    assert all(order) and [m.start() for m in order if m] == sorted(m.start() for m in order if m)
    assert re.search(r"\[1\] route table rtb-\w+ \(spoke-apps\): route 0\.0\.0\.0/0 -> eni-\w+ "
                     r"\(spoke-sdwan i-\w+\); carries ", text)
    assert re.search(r"\[5\] route table rtb-\w+ \(inspection-broker\): route 0\.0\.0\.0/0 -> vpce-\w+ "
                     r"\(firewall inspection-fw\)", text)
    assert "network ACL acl-" in text and "network-acl" not in text  # ACL hops folded, one line each crossing
    assert re.search(r"NET-001 PASS .*every path to the internet is inspected", text)


def test_explain_failing_path_uses_the_same_layout(tmp_path: Path) -> None:
    # the same chain with the stateless engine passing everything: one uninspected path
    import json

    doc = tgw_inspection_chain()
    doc.policies[0].default = doc.policies[0].fragment_default = "aws:pass"
    path = tmp_path / "chain-pass.json"
    path.write_text(json.dumps(doc.build()), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", "nb-chain", str(path)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert len(text.splitlines()) < 120
    assert "Uninspected paths to the internet: 1" in text
    assert "path 1: reaches the internet through igw-" in text
    assert "summary: 10 route tables" in text
    assert "not inspected; crosses firewall inspection-fw without stateful inspection" in text
    assert "aws:pass, NOT inspected" in text
    assert re.search(r"NET-001 FAIL", text)
