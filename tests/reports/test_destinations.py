"""Destination sets read as a person says them; the exact blocks stay in the evidence."""

from __future__ import annotations

from typing import Any

from safemaker.scanner.describe import Describer, NamedRange, named_ranges
from safemaker.scanner.graph.addrs import AddrSet

S3 = ("52.218.0.0/17", "52.92.0.0/17", "3.5.64.0/21")


def everything_but(*excluded: str) -> tuple[str, ...]:
    left = AddrSet.everything(4).subtract(AddrSet.from_cidrs(4, excluded))
    return tuple(left.cidrs())


def describer() -> Describer:
    return Describer([NamedRange("100.64.0.0/16 (VPC vpc-1 analysts)", ("100.64.0.0/16",)),
                      NamedRange("pl-1 (S3)", S3)])


def test_internet_minus_the_vpc_and_the_s3_prefix_list_reads_as_a_complement() -> None:
    dests = everything_but("100.64.0.0/16", *S3)
    assert len(dests) > 30
    assert describer().summarise(dests) == "0.0.0.0/0 except 100.64.0.0/16 (VPC vpc-1 analysts) and pl-1 (S3)"


def test_special_purpose_ranges_are_grouped_and_unnamed_gaps_listed() -> None:
    dests = everything_but("10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12", "198.51.7.0/24")
    assert describer().summarise(dests) == (
        "0.0.0.0/0 except 198.51.7.0/24 and 3 special-purpose ranges (private)")
    assert describer().summarise(everything_but("10.0.0.0/8", "8.8.8.0/24")) == (
        "0.0.0.0/0 except 8.8.8.0/24 and 10.0.0.0/8 (private)")


def test_few_ranges_are_listed_and_a_prefix_list_is_named() -> None:
    d = describer()
    assert d.summarise(["0.0.0.0/0"]) == "0.0.0.0/0"
    assert d.summarise(["100.64.0.0/16"]) == "100.64.0.0/16 (VPC vpc-1 analysts)"
    assert d.summarise(sorted(S3)) == "pl-1 (S3)"
    assert d.summarise(["199.232.0.0/16", "52.216.0.0/15"]) == "52.216.0.0/15, 199.232.0.0/16"


def test_ipv6_reads_against_global_unicast_and_families_are_joined() -> None:
    v6 = AddrSet.from_cidr("2000::/3").subtract(AddrSet.from_cidr("2a05:d018:1:b00::/56"))
    text = Describer([NamedRange("2a05:d018:1:b00::/56 (VPC vpc-2)", ("2a05:d018:1:b00::/56",))]).summarise(
        ["8.8.8.0/24", *v6.cidrs()])
    assert text == "8.8.8.0/24; 2000::/3 except 2a05:d018:1:b00::/56 (VPC vpc-2)"


def test_names_come_from_the_snapshot_and_prefix_lists_are_named_once() -> None:
    class View:
        def optional(self, service: str, operation: str) -> Any:
            return {
                "DescribeVpcs": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
                                           "Tags": [{"Key": "Name", "Value": "<b>lab</b>"}]}]},
                "DescribePrefixLists": {"PrefixLists": [{"PrefixListId": "pl-1", "PrefixListName":
                                                         "com.amazonaws.eu-west-1.s3", "Cidrs": list(S3)}]},
                "DescribeManagedPrefixLists": {"PrefixLists": [
                    {"PrefixListId": "pl-1", "PrefixListName": "com.amazonaws.eu-west-1.s3"},
                    {"PrefixListId": "pl-2", "PrefixListName": "corp"}]},
                "GetManagedPrefixListEntries": {"pl-2": {"Entries": [{"Cidr": "203.0.113.0/24"}]}},
            }.get(operation)

    assert [(n.label, n.cidrs) for n in named_ranges(View())] == [
        ("10.0.0.0/16 (VPC vpc-1 <b>lab</b>)", ("10.0.0.0/16",)),
        ("pl-1 (S3)", S3),
        ("pl-2 (corp)", ("203.0.113.0/24",)),
    ]
