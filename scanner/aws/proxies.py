"""Which EC2 instances are sanctioned proxies (docs/how-the-proof-works.md), and where an address points.

Three designations, any of which makes an instance a proxy:
1. the tag `safemaker:role` = `proxy` on the instance;
2. `[inspection] proxies` in safemaker.toml naming its instance ID or one of its addresses;
3. a notebook lifecycle configuration whose HTTP(S)_PROXY host (IP or private DNS name)
   resolves to one of the instance's network interfaces. Only values in force count (a host
   named in a comment or in an assignment that a later one replaces is not designated); a proxy
   variable computed at run time is listed in `unknowns`.

Pure reads of a RegionView. The network prover and PRX-001/PRX-002 share this so that "proxy"
means the same thing everywhere. What is built once per region and run (a configuration's
parse, the subnet -> VPC map) is kept in the caller's `memo` (the check context's or the
Network's), never in this module: without one, it is shared only within the call.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from safemaker.scanner.aws.lifecycle import LifecycleSettings, parse_lifecycle
from safemaker.scanner.checking.context import Memo, call_memo
from safemaker.scanner.config import Config
from safemaker.scanner.errors import MissingData
from safemaker.scanner.snapshot.io import RegionView

PROXY_TAG = ("safemaker:role", "proxy")
_EC2_DNS = re.compile(r"^ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(\.[a-z0-9-]+\.compute\.internal|\.ec2\.internal)?$")


@dataclass(frozen=True)
class Designation:
    """Proxies found, plus what could not be read (a lifecycle configuration not collected...)."""

    proxies: Mapping[str, str]  # instance id -> reasons, "; "-joined
    unknowns: tuple[str, ...]


def _norm(host: str) -> str:
    return host.strip().lower().rstrip(".")


def _eni_addresses(eni: Mapping[str, Any]) -> Iterator[str]:
    """Every address or DNS name under which an ENI (or an instance's ENI entry) is reached."""
    for key in ("PrivateIpAddress", "PrivateDnsName"):
        if isinstance(eni.get(key), str):
            yield eni[key]
    assoc = eni.get("Association")
    if isinstance(assoc, Mapping):
        for key in ("PublicIp", "PublicDnsName"):
            if isinstance(assoc.get(key), str):
                yield assoc[key]
    for priv in eni.get("PrivateIpAddresses") or []:
        if not isinstance(priv, Mapping):
            continue
        for key in ("PrivateIpAddress", "PrivateDnsName"):
            if isinstance(priv.get(key), str):
                yield priv[key]
        passoc = priv.get("Association")
        if isinstance(passoc, Mapping):
            for key in ("PublicIp", "PublicDnsName"):
                if isinstance(passoc.get(key), str):
                    yield passoc[key]
    for v6 in eni.get("Ipv6Addresses") or []:
        if isinstance(v6, Mapping) and isinstance(v6.get("Ipv6Address"), str):
            yield v6["Ipv6Address"]


def _instances(view: RegionView) -> Iterator[Mapping[str, Any]]:
    for reservation in view.items("ec2", "DescribeInstances", "Reservations"):
        if not isinstance(reservation, Mapping):
            continue
        for inst in reservation.get("Instances") or []:
            if isinstance(inst, Mapping) and isinstance(inst.get("InstanceId"), str):
                yield inst


def _key(text: str) -> str:
    """One spelling per address: IPs in canonical form, DNS names lower case without the root dot."""
    t = _norm(text)
    try:
        return ipaddress.ip_address(t).compressed
    except ValueError:
        return t


def instance_addresses(inst: Mapping[str, Any]) -> set[str]:
    """Normalised addresses and DNS names of an instance, over all its interfaces."""
    out = set()
    for key in ("PrivateIpAddress", "PrivateDnsName", "PublicIpAddress", "PublicDnsName", "Ipv6Address"):
        if isinstance(inst.get(key), str) and inst[key]:
            out.add(_key(inst[key]))
    for eni in inst.get("NetworkInterfaces") or []:
        if isinstance(eni, Mapping):
            out.update(_key(a) for a in _eni_addresses(eni) if a)
    return out


def _candidates(host: str) -> list[str]:
    """The host itself and, for an EC2 default name like ip-10-0-1-10.eu-west-1.compute.internal,
    the IP it encodes (the name resolves to that address inside its VPC)."""
    h = _norm(host)
    out = [_key(h)]
    m = _EC2_DNS.match(h)
    if m:
        out.append(".".join(m.group(i) for i in range(1, 5)))
    return out


@dataclass(frozen=True)
class AddressIndex:
    """Addresses and DNS names -> ENIs, ENI -> VPC and ENI -> instance, built once per region."""

    enis: Mapping[str, tuple[str, ...]]  # sorted: overlapping VPC CIDRs can reuse a private IP
    vpcs: Mapping[str, str]
    owners: Mapping[str, str]

    def resolve(self, host: str, vpc_id: str | None = None) -> str | None:
        """The ENI a host names; among several, the one in `vpc_id`, else the first by ID."""
        for candidate in _candidates(host):
            found = self.enis.get(candidate)
            if found:
                local = [e for e in found if vpc_id is not None and self.vpcs.get(e) == vpc_id]
                return (local or list(found))[0]
        return None


def address_index(view: RegionView, interfaces: bool = True) -> AddressIndex:
    """Index DescribeNetworkInterfaces, then the interfaces DescribeInstances lists (the first
    entry for an address wins). Raises MissingData when neither operation was collected.

    `interfaces=False` indexes instances only: enough to find which instance an address names,
    and it leaves DescribeNetworkInterfaces unread (a proxy is an instance by definition).
    """
    has_enis = interfaces and view.has("ec2", "DescribeNetworkInterfaces")
    has_instances = view.has("ec2", "DescribeInstances")
    if not has_enis and not has_instances:
        op = "DescribeNetworkInterfaces" if interfaces else "DescribeInstances"
        raise MissingData(view.missing_reason("ec2", op))
    enis: dict[str, set[str]] = {}
    vpcs: dict[str, str] = {}
    owners: dict[str, str] = {}
    if has_enis:
        for eni in view.items("ec2", "DescribeNetworkInterfaces", "NetworkInterfaces"):
            if not isinstance(eni, Mapping) or not isinstance(eni.get("NetworkInterfaceId"), str):
                continue
            eid = str(eni["NetworkInterfaceId"])
            if isinstance(eni.get("VpcId"), str):
                vpcs.setdefault(eid, eni["VpcId"])
            for a in _eni_addresses(eni):
                if a:
                    enis.setdefault(_key(a), set()).add(eid)
            att = eni.get("Attachment")
            if isinstance(att, Mapping) and isinstance(att.get("InstanceId"), str):
                owners.setdefault(eid, str(att["InstanceId"]))
    if has_instances:
        for inst in _instances(view):
            iid = str(inst["InstanceId"])
            nics = [e for e in inst.get("NetworkInterfaces") or []
                    if isinstance(e, Mapping) and isinstance(e.get("NetworkInterfaceId"), str)]
            for eni in nics:
                eid = str(eni["NetworkInterfaceId"])
                owners.setdefault(eid, iid)
                vpc = eni.get("VpcId") or inst.get("VpcId")
                if isinstance(vpc, str):
                    vpcs.setdefault(eid, vpc)
                for a in _eni_addresses(eni):
                    if a:
                        enis.setdefault(_key(a), set()).add(eid)
            # instance-level names belong to the primary interface (device index 0)
            primary = next((e for e in nics if (e.get("Attachment") or {}).get("DeviceIndex") == 0), None)
            if primary is not None:
                for k in ("PrivateIpAddress", "PrivateDnsName", "PublicIpAddress", "PublicDnsName"):
                    if isinstance(inst.get(k), str) and inst[k]:
                        enis.setdefault(_key(inst[k]), set()).add(str(primary["NetworkInterfaceId"]))
    return AddressIndex({k: tuple(sorted(v)) for k, v in enis.items()}, vpcs, owners)


def resolve_address(view: RegionView, host: str, vpc_id: str | None = None) -> str | None:
    """The ENI ID an IP address or private DNS name belongs to, or None.

    Searches DescribeNetworkInterfaces, then the interfaces listed by DescribeInstances. Names
    only Route 53 knows (private hosted zones) are not resolvable from the snapshot: None.
    Raises MissingData when neither operation was collected. When overlapping VPCs reuse an
    address, the interface in `vpc_id` (the asking workload's VPC) is preferred. To resolve many
    hosts, build `address_index(view)` once and call its `resolve`.
    """
    return address_index(view).resolve(host, vpc_id)


def eni_instance(view: RegionView, eni_id: str) -> str | None:
    """The instance an ENI is attached to, or None (NAT gateways, endpoints, SageMaker ENIs)."""
    return address_index(view).owners.get(eni_id)


def notebook_lifecycle(view: RegionView, notebook: str,
                       memo: Memo | None = None) -> tuple[str | None, LifecycleSettings | None]:
    """(lifecycle config name, its proxy settings) of a notebook; (None, None) when it has none.

    Raises MissingData when the notebook's description or its lifecycle configuration is absent.
    """
    desc = view.detail("sagemaker", "DescribeNotebookInstance", notebook)
    name = desc.get("NotebookInstanceLifecycleConfigName") if isinstance(desc, Mapping) else None
    if not isinstance(name, str) or not name:
        return None, None
    config = view.detail("sagemaker", "DescribeNotebookInstanceLifecycleConfig", name)
    if not isinstance(config, Mapping):
        raise MissingData(f"sagemaker DescribeNotebookInstanceLifecycleConfig for {name} is not an object")
    # Teams share one configuration across many notebooks: each is read (above) but parsed once
    # per memo (the configuration's name is its key in the snapshot's per-resource map).
    settings = (memo or call_memo())(("proxies: lifecycle", view.account, view.region, name),
                                     lambda: parse_lifecycle(config))
    return name, settings


def static_designations(view: RegionView, config: Config) -> dict[str, list[str]]:
    """Designations that need only DescribeInstances: the proxy tag and safemaker.toml."""
    reasons: dict[str, list[str]] = {}
    wanted = {p: _key(p) for p in config.proxies}
    for inst in _instances(view):
        iid = str(inst["InstanceId"])
        tags = {t.get("Key"): t.get("Value") for t in inst.get("Tags") or [] if isinstance(t, Mapping)}
        value = tags.get(PROXY_TAG[0])
        if isinstance(value, str) and value.strip().lower() == PROXY_TAG[1]:
            reasons.setdefault(iid, []).append(f"tag {PROXY_TAG[0]}={PROXY_TAG[1]}")
        addresses = instance_addresses(inst)
        named = sorted(p for p, k in wanted.items() if k == iid.lower() or k in addresses)
        if named:
            reasons.setdefault(iid, []).append(f"named in safemaker.toml ({', '.join(named)})")
    return reasons


def notebook_proxy_targets(view: RegionView, index: AddressIndex, notebook: str,
                           memo: Memo | None = None) -> tuple[dict[str, str], list[str]]:
    """Instances one notebook's lifecycle configuration points its proxy variables at.

    Returns (instance id -> reason, what could not be read). Never raises for the notebook's own
    missing data: that goes into the second list.
    """
    try:
        lc_name, settings = notebook_lifecycle(view, notebook, memo)
    except MissingData as exc:
        return {}, [f"notebook {notebook}: {exc.reason}"]
    if settings is None:
        return {}, []
    unknowns = []
    vpc_id = _notebook_vpc(view, notebook, memo)
    if settings.unreadable:
        unknowns.append(f"notebook {notebook}: lifecycle config {lc_name} scripts "
                        f"{', '.join(settings.unreadable)} could not be decoded")
    unknowns.extend(f"notebook {notebook}: lifecycle config {lc_name}: {reason}" for reason in settings.unknown_proxies)
    variables: dict[str, list[str]] = {}  # instance -> variables naming it
    for setting in settings.proxies:
        eni = index.resolve(setting.host, vpc_id)
        owner = index.owners.get(eni) if eni else None
        if owner is not None and setting.variable not in variables.get(owner, []):
            variables.setdefault(owner, []).append(setting.variable)
    return ({owner: f"{'/'.join(names)} of notebook {notebook} lifecycle config {lc_name}"
             for owner, names in variables.items()}, unknowns)


def _notebook_vpc(view: RegionView, notebook: str, memo: Memo | None = None) -> str | None:
    """The notebook's VPC, when its subnet is known (used only to break address ties)."""
    desc = view.detail("sagemaker", "DescribeNotebookInstance", notebook)
    subnet_id = desc.get("SubnetId") if isinstance(desc, Mapping) else None
    if not isinstance(subnet_id, str) or not view.has("ec2", "DescribeSubnets"):
        return None
    return subnet_vpcs(view, memo).get(subnet_id)


def subnet_vpcs(view: RegionView, memo: Memo | None = None) -> dict[str, str | None]:
    """SubnetId -> VpcId (None when not a string) of DescribeSubnets, first listing wins; built
    once per memo, since every notebook asks."""
    def build() -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for subnet in view.items("ec2", "DescribeSubnets", "Subnets"):
            if isinstance(subnet, Mapping) and isinstance(subnet.get("SubnetId"), str):
                vpc = subnet.get("VpcId")
                found.setdefault(subnet["SubnetId"], vpc if isinstance(vpc, str) else None)
        return found
    return (memo or call_memo())(("proxies: subnet VPCs", view.account, view.region), build)


def instances_by_vpc(view: RegionView, memo: Memo | None = None) -> dict[str, list[str]]:
    """VpcId -> instance IDs in DescribeInstances order; an instance listed twice (a page handed
    out twice, which validation accepts) is listed twice. Built once per memo: every notebook
    asks which proxies run in its VPC."""
    def build() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for inst in _instances(view):
            vpc = inst.get("VpcId")
            if isinstance(vpc, str):
                found.setdefault(vpc, []).append(str(inst["InstanceId"]))
        return found
    return (memo or call_memo())(("proxies: instances by VPC", view.account, view.region), build)


def lifecycle_designations(view: RegionView, memo: Memo | None = None) -> Designation:
    """Designations by notebook lifecycle configurations (docs/how-the-proof-works.md, first source)."""
    memo = memo or call_memo()  # shared by the notebooks below even when the caller keeps none
    reasons: dict[str, list[str]] = {}
    unknowns: list[str] = []
    if not view.has("sagemaker", "ListNotebookInstances"):
        return Designation({}, (view.missing_reason("sagemaker", "ListNotebookInstances"),))
    index = address_index(view, interfaces=False)
    for nb in view.items("sagemaker", "ListNotebookInstances", "NotebookInstances"):
        name = nb.get("NotebookInstanceName") if isinstance(nb, Mapping) else None
        if not isinstance(name, str):
            continue
        targets, missing = notebook_proxy_targets(view, index, name, memo)
        unknowns.extend(missing)
        for owner, reason in targets.items():
            reasons.setdefault(owner, []).append(reason)
    return Designation({iid: "; ".join(sorted(rs)) for iid, rs in sorted(reasons.items())}, tuple(sorted(unknowns)))


def designate(view: RegionView, config: Config, memo: Memo | None = None) -> Designation:
    """All proxy designations in one account/region; see the module docstring.

    Raises MissingData when DescribeInstances is absent (nothing can be designated). Notebooks
    whose lifecycle configuration cannot be read are listed in `unknowns`, not raised, so that
    one unreadable notebook does not hide the proxies the others name.
    """
    return merge_designations(static_designations(view, config), lifecycle_designations(view, memo))


def merge_designations(static: Mapping[str, list[str]], by_lifecycle: Designation) -> Designation:
    reasons = {iid: list(rs) for iid, rs in static.items()}
    for iid, reason in by_lifecycle.proxies.items():
        reasons.setdefault(iid, []).append(reason)
    return Designation(
        proxies={iid: "; ".join(rs) for iid, rs in sorted(reasons.items())},
        unknowns=by_lifecycle.unknowns,
    )


def designated_proxies(view: RegionView, config: Config, memo: Memo | None = None) -> dict[str, str]:
    """Instance ID -> why it is a sanctioned proxy (e.g. "tag safemaker:role=proxy").

    Lenient about notebooks whose lifecycle configuration is missing (see `designate` for the
    list of what could not be read); strict about DescribeInstances.
    """
    return dict(designate(view, config, memo).proxies)
