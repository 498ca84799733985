"""Unit tests of safemaker.scanner.aws.proxies: address resolution and proxy designation."""

from __future__ import annotations

import pytest
from checks_support import ACCOUNT, REGION, load_doc, without

from safemaker.scanner.aws.proxies import designate, designated_proxies, eni_instance, resolve_address
from safemaker.scanner.config import Config
from safemaker.scanner.errors import MissingData
from safemaker.scanner.snapshot.io import RegionView, Snapshot


def view(name: str = "prx-seed000", doc: dict | None = None) -> RegionView:  # type: ignore[type-arg]
    return Snapshot(doc or load_doc(name), name).view(ACCOUNT, REGION)


@pytest.mark.parametrize(("host", "eni"), [
    ("10.0.1.30", "eni-0a1b2c3d4e5f00013"),
    ("ip-10-0-1-30.eu-west-1.compute.internal", "eni-0a1b2c3d4e5f00013"),
    ("IP-10-0-1-30.EU-WEST-1.COMPUTE.INTERNAL.", "eni-0a1b2c3d4e5f00013"),
    ("ip-10-0-1-40", "eni-0a1b2c3d4e5f00014"),  # EC2 default name: the IP it encodes
    ("54.170.10.11", "eni-0a1b2c3d4e5f00011"),  # public address
    ("ec2-54-170-10-12.eu-west-1.compute.amazonaws.com", "eni-0a1b2c3d4e5f00012"),
    ("10.0.2.11", "eni-0b1b2c3d4e5f00001"),  # a notebook's ENI, found in DescribeNetworkInterfaces
    ("squid.corp.internal", None),  # a Route 53 private name is not in the snapshot
    ("10.9.9.9", None),
])
def test_resolve_address(host: str, eni: str | None) -> None:
    assert resolve_address(view(), host) == eni


def test_resolve_address_falls_back_to_instances() -> None:
    doc = without(load_doc("prx-seed000"), "ec2", "DescribeNetworkInterfaces")
    assert resolve_address(view(doc=doc), "ip-10-0-1-30.eu-west-1.compute.internal") == "eni-0a1b2c3d4e5f00013"
    assert eni_instance(view(doc=doc), "eni-0a1b2c3d4e5f00013") == "i-0a1b2c3d4e5f00003"


def test_resolve_address_without_any_interface_data_is_missing_data() -> None:
    doc = without(without(load_doc("prx-seed000"), "ec2", "DescribeNetworkInterfaces"), "ec2", "DescribeInstances")
    with pytest.raises(MissingData):
        resolve_address(view(doc=doc), "10.0.1.30")


def test_designated_proxies_and_reasons() -> None:
    got = designated_proxies(view(), Config())
    assert sorted(got) == ["i-0a1b2c3d4e5f00001", "i-0a1b2c3d4e5f00002", "i-0a1b2c3d4e5f00003",
                           "i-0a1b2c3d4e5f00004"]
    assert got["i-0a1b2c3d4e5f00001"].startswith("tag safemaker:role=proxy")
    assert got["i-0a1b2c3d4e5f00003"] == ("HTTPS_PROXY/HTTP_PROXY/http_proxy/https_proxy of notebook "
                                          "nb-proxy-complete-pass lifecycle config lc-squid-complete")


@pytest.mark.parametrize("entry", ["10.0.1.50", "54.170.10.15", "i-0a1b2c3d4e5f00005",
                                   "ip-10-0-1-50.eu-west-1.compute.internal"])
def test_config_designates_by_id_or_address(entry: str) -> None:
    got = designated_proxies(view(), Config(proxies=(entry,)))
    assert got["i-0a1b2c3d4e5f00005"] == f"named in safemaker.toml ({entry})"


def test_designation_lists_what_it_could_not_read() -> None:
    d = designate(view("prx-lifecycle-missing"), Config())
    assert sorted(d.proxies) == ["i-0a1b2c3d4e5f00001", "i-0a1b2c3d4e5f00002"]
    assert len(d.unknowns) == 1 and "lc-not-collected" in d.unknowns[0]


def test_designation_without_instances_is_missing_data() -> None:
    doc = without(load_doc("prx-seed000"), "ec2", "DescribeInstances")
    with pytest.raises(MissingData):
        designated_proxies(view(doc=doc), Config())


def test_overlapping_vpcs_prefer_the_asking_workloads_vpc() -> None:
    doc = load_doc("prx-seed000")
    enis = doc["accounts"][ACCOUNT][REGION]["ec2"]["DescribeNetworkInterfaces"]["NetworkInterfaces"]
    twin = dict(enis[0], NetworkInterfaceId="eni-00000000000000001", VpcId="vpc-0c0ffee0000000099",
                PrivateIpAddress="10.0.1.30", PrivateDnsName="ip-10-0-1-30.eu-west-1.compute.internal",
                PrivateIpAddresses=[{"Primary": True, "PrivateIpAddress": "10.0.1.30"}])
    twin.pop("Association", None)
    twin.pop("Attachment", None)
    enis.append(twin)
    v = view(doc=doc)
    assert resolve_address(v, "10.0.1.30") == "eni-00000000000000001"  # ambiguous: first by ID
    assert resolve_address(v, "10.0.1.30", "vpc-0c0ffee000000001") == "eni-0a1b2c3d4e5f00013"
    # the notebook lives in vpc-0c0ffee000000001, so its lifecycle config still designates i-...3
    assert "i-0a1b2c3d4e5f00003" in designated_proxies(v, Config())
