"""`safemaker graph`: the estate's topology for graph tools, and `safemaker demo` without its extra."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from cli_run import run

from safemaker.scanner.cli import DEMO_NEEDS_MOTO
from safemaker.scanner.graph.estate_graph import build_estate_graph, connected_vpcs, render_graph
from safemaker.scanner.snapshot.io import Snapshot, load

ROOT = Path(__file__).resolve().parents[2]
TGW = ROOT / "fixtures" / "scenarios" / "net-tgw-egress.json"
ACCOUNT, REGION = "111122223333", "eu-west-1"




def test_tgw_estate_links_spoke_and_egress_vpcs_through_the_transit_gateway() -> None:
    graph = build_estate_graph(load(str(TGW)))
    vpcs = sorted(n for n, kind in graph.nodes(data="kind") if kind == "vpc")
    assert vpcs == ["vpc-00000000000000001", "vpc-00000000000000009"]
    assert connected_vpcs(graph, vpcs[0]) == set(vpcs)
    notebook = f"notebook/{ACCOUNT}/{REGION}/nb-spoke"
    path = nx.shortest_path(graph, notebook, "igw-0000000000000000f")
    kinds = [graph.nodes[n]["kind"] for n in path]
    assert kinds[0] == "notebook-instance" and "transit-gateway" in kinds and kinds[-1] == "internet-gateway"
    assert graph.graph["missing"] == ""


def peered(doc: dict[str, Any]) -> dict[str, Any]:
    """The TGW estate plus a third VPC peered with the spoke, and an isolated fourth."""
    doc = copy.deepcopy(doc)
    ec2 = doc["accounts"][ACCOUNT][REGION]["ec2"]
    ec2["DescribeVpcs"]["Vpcs"] += [{"VpcId": "vpc-peer", "CidrBlock": "10.9.0.0/16", "Tags": [
        {"Key": "Name", "Value": "analytics"}]}, {"VpcId": "vpc-alone", "CidrBlock": "10.8.0.0/16"}]
    ec2["DescribeVpcPeeringConnections"]["VpcPeeringConnections"] = [{
        "VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
        "RequesterVpcInfo": {"VpcId": "vpc-00000000000000001"}, "AccepterVpcInfo": {"VpcId": "vpc-peer"}}]
    return doc


def test_peering_links_vpcs_and_an_isolated_vpc_stays_alone() -> None:
    graph = build_estate_graph(Snapshot(peered(json.loads(TGW.read_text("utf-8")))))
    assert connected_vpcs(graph, "vpc-peer") == {"vpc-peer", "vpc-00000000000000001", "vpc-00000000000000009"}
    assert connected_vpcs(graph, "vpc-alone") == {"vpc-alone"}
    assert connected_vpcs(graph, "vpc-unknown") == set()
    assert graph.nodes["vpc-peer"]["label"] == "analytics"
    assert graph.edges["pcx-1", "vpc-peer"] == {"relation": "peers", "side": "accepter"}
    assert graph.nodes["pcx-1"]["status"] == "active"


def test_graphml_and_json_round_trip_through_networkx() -> None:
    graph = build_estate_graph(load(str(TGW)))
    back = nx.read_graphml(io.BytesIO(render_graph(graph, "graphml").encode()))
    assert set(back.nodes) == set(graph.nodes) and back.number_of_edges() == graph.number_of_edges()
    assert back.nodes["vpc-00000000000000001"]["kind"] == "vpc"
    doc = json.loads(render_graph(graph, "json"))
    again = nx.node_link_graph(doc, edges="edges")
    assert {frozenset(e) for e in again.edges} == {frozenset(e) for e in graph.edges}
    assert render_graph(graph, "json") == render_graph(build_estate_graph(load(str(TGW))), "json")


def test_graph_command_writes_json_to_stdout_and_counts_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["graph", str(TGW)], capsys)
    assert code == 0
    assert json.loads(out)["directed"] is False
    assert err == ("safemaker graph: 11 nodes (1 internet-gateway, 1 nat-gateway, 1 notebook-instance, 3 subnet, "
                   "1 transit-gateway, 2 transit-gateway-attachment, 2 vpc), 12 edges\n")


def test_graph_command_names_what_was_not_collected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(TGW.read_text("utf-8"))
    doc["accounts"][ACCOUNT][REGION]["ec2"].pop("DescribeVpcPeeringConnections")
    snap = tmp_path / "s.json"
    snap.write_text(json.dumps(doc), "utf-8")
    out = tmp_path / "estate.graphml"
    code, stdout, err = run(["graph", str(snap), "--format", "graphml", "-o", str(out)], capsys)
    assert code == 0 and stdout == ""
    assert nx.read_graphml(out).number_of_nodes() == 11
    assert (f"safemaker graph: not collected, left out of the graph: {ACCOUNT}/{REGION} ec2 "
            "DescribeVpcPeeringConnections") in err.splitlines()


def test_graph_of_a_bad_snapshot_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", "utf-8")
    code, out, err = run(["graph", str(bad)], capsys)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and str(bad) in err


def test_demo_without_moto_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "moto" else real(name, *a))
    code, out, err = run(["demo", "--output-dir", str(tmp_path)], capsys)
    assert (code, out) == (2, "")
    assert DEMO_NEEDS_MOTO in err
    assert "pip install 'safemaker[demo]'" in err
    assert list(tmp_path.iterdir()) == []
