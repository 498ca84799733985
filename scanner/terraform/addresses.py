"""Managed prefix lists and VPC Block Public Access -> their `ec2` answers.

A customer-managed prefix list is DescribeManagedPrefixLists plus its entries under
GetManagedPrefixListEntries (keyed by PrefixListId), which is where routes and security group
rules naming it are resolved. Its entries come inline (`entry` blocks) or from
`aws_ec2_managed_prefix_list_entry` resources; the provider does not allow both on one list.

Block Public Access only ever removes paths. So whatever about it cannot be resolved, an
exclusion included, leaves DescribeVpcBlockPublicAccessOptions out: the prover then takes it as
off (more paths, never fewer). Dropping only an unknown exclusion would do the opposite: the
block would look wider than it is and could turn a path into a false PASS.
"""

from __future__ import annotations

from typing import Any

from safemaker.scanner.terraform.estate import Estate, tags
from safemaker.scanner.terraform.plan import Planned
from safemaker.scanner.terraform.refs import Unresolved

EC2 = "ec2"
LISTS = ("DescribeManagedPrefixLists", "PrefixLists", "PrefixListId")
ENTRIES = "GetManagedPrefixListEntries"
OPTIONS = "DescribeVpcBlockPublicAccessOptions"
EXCLUSIONS = ("DescribeVpcBlockPublicAccessExclusions", "VpcBlockPublicAccessExclusions", "ExclusionId")


def prefix_list_key(est: Estate, res: Planned) -> str:
    return est.id_of(res)


def managed_prefix_list(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    pid = est.id_of(res)
    entries = est.op(region, EC2, ENTRIES)
    if res.deleted:
        est.remove(region, EC2, LISTS[0], LISTS[1], LISTS[2], pid)
        entries.pop(pid, None)
        return
    arn = None if est.is_unknown(res, "arn") else res.values.get("arn")
    est.upsert(region, EC2, LISTS[0], LISTS[1], LISTS[2], {
        "PrefixListId": pid, "AddressFamily": est.known(res, "address_family") or "IPv4",
        "State": "create-complete", "PrefixListArn": arn or f"arn:aws:ec2:{region}:{est.account}:prefix-list/{pid}",
        "PrefixListName": str(est.known(res, "name") or res.address), "MaxEntries": int(est.known(res, "max_entries")
                                                                                        or 0),
        "Version": 1, "Tags": tags(res.values), "OwnerId": est.account})
    est.origin(pid, res)
    if est.is_unknown(res, "entry"):
        if not est.resolver.left_null(res, ["entry"]):
            raise Unresolved(res.address, "entry", "the entries cannot be resolved")
        entries.setdefault(pid, {"Entries": []})  # entries come from aws_ec2_managed_prefix_list_entry
        return
    out = []
    for i, entry in enumerate(est.known(res, "entry") or []):
        if est.is_unknown(res, "entry", i, "cidr") or not entry.get("cidr"):
            raise Unresolved(res.address, f"entry[{i}].cidr", "the plan cannot resolve it")
        out.append({"Cidr": entry["cidr"], "Description": str(entry.get("description") or "")})
    entries[pid] = {"Entries": out}


def prefix_list_entry_key(est: Estate, res: Planned) -> str:
    return est.ref(res, ["prefix_list_id"], ["aws_ec2_managed_prefix_list"]) or ""


def prefix_list_entry(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    pid = prefix_list_entry_key(est, res)
    listed = est.op(region, EC2, ENTRIES).get(pid)
    if not isinstance(listed, dict):
        raise Unresolved(res.address, "prefix_list_id", f"prefix list {pid} is neither planned nor in the live "
                                                        "snapshot")
    cidr = est.known(res, "cidr")
    if not cidr:
        raise Unresolved(res.address, "cidr", "the plan cannot resolve it")
    listed["Entries"] = [e for e in listed.get("Entries") or [] if e.get("Cidr") != cidr]
    if not res.deleted:
        listed["Entries"].append({"Cidr": cidr, "Description": str(est.known(res, "description") or "")})
    est.origin(pid, res)


def block_public_access_options(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    mode = "off" if res.deleted else est.known(res, "internet_gateway_block_mode")
    if not mode:
        raise Unresolved(res.address, "internet_gateway_block_mode", "the plan cannot resolve it")
    if est.overlay and mode != "off" and EXCLUSIONS[0] not in (est.responses(region).get(EC2) or {}):
        raise Unresolved(res.address, "internet_gateway_block_mode", "the live snapshot does not hold the exclusions "
                                                                     "in force, which could lift the block")
    options = est.op(region, EC2, OPTIONS)
    current = options.get("VpcBlockPublicAccessOptions") or {}
    options["VpcBlockPublicAccessOptions"] = {**current, "AwsAccountId": est.account, "AwsRegion": region,
                                              "State": "update-complete", "InternetGatewayBlockMode": mode}


def block_public_access_exclusion(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    ec2 = est.responses(region).get(EC2) or {}
    if est.overlay and OPTIONS in ec2 and EXCLUSIONS[0] not in ec2:
        raise Unresolved(res.address, "vpc_id", "the live snapshot holds Block Public Access options but not the "
                                                "exclusions already in force")
    eid = est.id_of(res)
    est.remove(region, EC2, EXCLUSIONS[0], EXCLUSIONS[1], EXCLUSIONS[2], eid)
    if res.deleted:
        return
    mode = est.known(res, "internet_gateway_exclusion_mode")
    if not mode:
        raise Unresolved(res.address, "internet_gateway_exclusion_mode", "the plan cannot resolve it")
    resource: str | None = None
    if est.is_unknown(res, "subnet_id") or res.values.get("subnet_id"):
        resource = f"subnet/{est.ref(res, ['subnet_id'], ['aws_subnet'])}"
    elif est.is_unknown(res, "vpc_id") or res.values.get("vpc_id"):
        resource = f"vpc/{est.ref(res, ['vpc_id'], ['aws_vpc'])}"
    if resource is None:
        raise Unresolved(res.address, "vpc_id", "the exclusion names neither a VPC nor a subnet")
    item: dict[str, Any] = {"ExclusionId": eid, "InternetGatewayExclusionMode": mode, "State": "create-complete",
                            "ResourceArn": f"arn:aws:ec2:{region}:{est.account}:{resource}", "Tags": tags(res.values)}
    est.items(region, EC2, EXCLUSIONS[0], EXCLUSIONS[1]).append(item)
    est.origin(eid, res)
