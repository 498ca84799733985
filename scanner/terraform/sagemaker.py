"""SageMaker resources -> the `sagemaker` responses the collector writes.

Notebook instances and lifecycle configurations are keyed by their (known) names; a Studio
domain's ID is AWS's, so a new domain is `d-<address>` and its user profiles and spaces are
keyed `d-<address>/<name>` as DescribeUserProfile and DescribeSpace are. An unresolved value
leaves out only that one entry (its checks report ERROR naming the resource and attribute).
"""

from __future__ import annotations

from typing import Any

from safemaker.scanner.terraform.estate import CREATED, Estate, arn_of, tags
from safemaker.scanner.terraform.plan import Planned
from safemaker.scanner.terraform.refs import Unresolved

SM = "sagemaker"


def _name(est: Estate, res: Planned, attr: str) -> str:
    name = est.known(res, attr)
    if not isinstance(name, str) or not name:
        raise Unresolved(res.address, attr, "the plan cannot resolve it")
    return name


def notebook_key(est: Estate, res: Planned) -> str:
    return _name(est, res, "name")


def notebook(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    name = _name(est, res, "name")
    listing = est.items(region, SM, "ListNotebookInstances", "NotebookInstances")
    listing[:] = [n for n in listing if n.get("NotebookInstanceName") != name]
    describe = est.op(region, SM, "DescribeNotebookInstance")
    describe.pop(name, None)
    if res.deleted:
        return
    arn = arn_of(est, res)
    summary: dict[str, Any] = {"NotebookInstanceName": name, "NotebookInstanceArn": arn,
                               "NotebookInstanceStatus": "InService", "InstanceType": est.known(res, "instance_type"),
                               "CreationTime": CREATED, "LastModifiedTime": CREATED}
    listing.append(summary)  # listed even when its details stay unknown: the notebook exists
    detail: dict[str, Any] = {**summary, "RoleArn": est.known(res, "role_arn"),
                              "DirectInternetAccess": est.known(res, "direct_internet_access") or "Enabled",
                              "RootAccess": est.known(res, "root_access") or "Enabled",
                              "VolumeSizeInGB": int(est.known(res, "volume_size") or 5)}
    subnet = est.ref(res, ["subnet_id"], ["aws_subnet"])
    if subnet:
        detail["SubnetId"] = subnet
        detail["SecurityGroups"] = est.ref_list(res, "security_groups", ["aws_security_group"])
    if kms := est.ref(res, ["kms_key_id"], ["aws_kms_key"]) if est.is_unknown(res, "kms_key_id") \
            else est.known(res, "kms_key_id"):
        detail["KmsKeyId"] = kms
    lifecycle = est.ref(res, ["lifecycle_config_name"],
                        ["aws_sagemaker_notebook_instance_lifecycle_configuration"])
    if lifecycle:
        detail["NotebookInstanceLifecycleConfigName"] = lifecycle
        summary["NotebookInstanceLifecycleConfigName"] = lifecycle
    imds = (est.known(res, "instance_metadata_service_configuration") or [{}])[0] or {}
    if imds.get("minimum_instance_metadata_service_version"):
        detail["InstanceMetadataServiceConfiguration"] = {
            "MinimumInstanceMetadataServiceVersion": imds["minimum_instance_metadata_service_version"]}
    if res.values.get("platform_identifier"):
        detail["PlatformIdentifier"] = res.values["platform_identifier"]
    describe[name] = detail
    est.origin(name, res)


def lifecycle_config_key(est: Estate, res: Planned) -> str:
    return _name(est, res, "name")


def lifecycle_config(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    name = _name(est, res, "name")
    describe = est.op(region, SM, "DescribeNotebookInstanceLifecycleConfig")
    describe.pop(name, None)
    if res.deleted:
        return
    detail: dict[str, Any] = {"NotebookInstanceLifecycleConfigName": name,
                              "NotebookInstanceLifecycleConfigArn": arn_of(est, res),
                              "CreationTime": CREATED, "LastModifiedTime": CREATED}
    for attr, member in (("on_start", "OnStart"), ("on_create", "OnCreate")):
        content = est.known(res, attr)  # Unresolved when the script is known only after apply
        detail[member] = [{"Content": content}] if content else []
    describe[name] = detail
    est.origin(name, res)


def domain_key(est: Estate, res: Planned) -> str:
    return est.id_of(res)


def domain(est: Estate, res: Planned) -> None:
    region = est.region_of(res)
    did = est.id_of(res)
    listing = est.items(region, SM, "ListDomains", "Domains")
    listing[:] = [d for d in listing if d.get("DomainId") != did]
    describe = est.op(region, SM, "DescribeDomain")
    describe.pop(did, None)
    if res.deleted:
        return
    name = _name(est, res, "domain_name")
    arn = res.values.get("arn") if not est.is_unknown(res, "arn") else \
        f"arn:aws:sagemaker:{region}:{est.account}:domain/{did}"
    listing.append({"DomainId": did, "DomainArn": arn, "DomainName": name, "Status": "InService",
                    "CreationTime": CREATED})
    settings = (est.known(res, "default_user_settings") or [{}])[0] or {}
    user: dict[str, Any] = {"ExecutionRole": settings.get("execution_role")}
    if est.is_unknown(res, "default_user_settings", 0, "security_groups") or settings.get("security_groups"):
        user["SecurityGroups"] = _nested_groups(est, res, ["default_user_settings", "security_groups"],
                                                settings.get("security_groups"))
    describe[did] = {"DomainId": did, "DomainArn": arn, "DomainName": name, "Status": "InService",
                     "AuthMode": est.known(res, "auth_mode"), "CreationTime": CREATED,
                     "AppNetworkAccessType": est.known(res, "app_network_access_type") or "PublicInternetOnly",
                     "VpcId": est.ref(res, ["vpc_id"], ["aws_vpc"]),
                     "SubnetIds": est.ref_list(res, "subnet_ids", ["aws_subnet"]), "DefaultUserSettings": user}
    est.origin(did, res)


def _nested_groups(est: Estate, res: Planned, path: list[str], known: Any) -> list[str]:
    if not est.is_unknown(res, path[0], 0, path[1]):
        return [str(g) for g in known or []]
    from safemaker.scanner.terraform.refs import expression, references

    found, opaque = est.resolver.targets(res.module, references(expression(res, path)))
    if opaque or not found or any(t.attribute != "id" or t.resource.type != "aws_security_group" for t in found):
        raise Unresolved(res.address, ".".join(path), opaque[0] if opaque else "its elements do not each name one "
                                                                               "security group")
    return list(dict.fromkeys(est.placeholder(t, res, ".".join(path)) for t in found))


def _in_domain(est: Estate, res: Planned, attr: str) -> str:
    did = est.ref(res, ["domain_id"], ["aws_sagemaker_domain"])
    return f"{did}/{_name(est, res, attr)}"


def user_profile_key(est: Estate, res: Planned) -> str:
    return _in_domain(est, res, "user_profile_name")


def user_profile(est: Estate, res: Planned) -> None:
    _member(est, res, "user_profile_name", "ListUserProfiles", "UserProfiles", "DescribeUserProfile",
            "UserProfileName", "user_settings", "UserSettings")


def space_key(est: Estate, res: Planned) -> str:
    return _in_domain(est, res, "space_name")


def space(est: Estate, res: Planned) -> None:
    _member(est, res, "space_name", "ListSpaces", "Spaces", "DescribeSpace", "SpaceName", None, None)


def _member(est: Estate, res: Planned, attr: str, list_op: str, list_key: str, describe_op: str, name_key: str,
            settings_attr: str | None, settings_key: str | None) -> None:
    region = est.region_of(res)
    key = _in_domain(est, res, attr)
    did, name = key.split("/", 1)
    listing = est.items(region, SM, list_op, list_key)
    listing[:] = [m for m in listing if (m.get("DomainId"), m.get(name_key)) != (did, name)]
    describe = est.op(region, SM, describe_op)
    describe.pop(key, None)
    if res.deleted:
        return
    listing.append({"DomainId": did, name_key: name, "Status": "InService", "CreationTime": CREATED})
    detail: dict[str, Any] = {"DomainId": did, name_key: name, "Status": "InService", "CreationTime": CREATED}
    if settings_attr and settings_key:
        settings = (est.known(res, settings_attr) or [{}])[0] or {}
        out: dict[str, Any] = {}
        if settings.get("execution_role"):
            out["ExecutionRole"] = settings["execution_role"]
        if est.is_unknown(res, settings_attr, 0, "security_groups") or settings.get("security_groups"):
            out["SecurityGroups"] = _nested_groups(est, res, [settings_attr, "security_groups"],
                                                   settings.get("security_groups"))
        detail[settings_key] = out
    describe[key] = detail
    est.origin(key, res)
    _ = tags
