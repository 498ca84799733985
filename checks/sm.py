"""SageMaker resource hardening: settings on the workload itself that decide how much damage a
compromised notebook or container can do, independent of the network."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import check
from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.errors import MissingData
from safemaker.scanner.model import ResourceType, Severity, Verdict

_SM_DOC = "https://docs.aws.amazon.com/sagemaker/latest/dg"
_API = "https://docs.aws.amazon.com/sagemaker/latest/APIReference"


def _detail(resource: Resource) -> Mapping[str, Any]:
    detail: Mapping[str, Any] = resource.detail()
    return detail


@check(
    id="SM-001",
    title="Notebook instance has root access enabled",
    severity=Severity.HIGH,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=[("sagemaker", "ListNotebookInstances"), ("sagemaker", "DescribeNotebookInstance")],
    remediation=(
        "Stop the notebook instance and update it with RootAccess=Disabled (UpdateNotebookInstance "
        "--root-access Disabled); put what users installed as root into the lifecycle configuration, "
        "which still runs as root."
    ),
    references=[f"{_SM_DOC}/nbi-root-access.html"],
)
def root_access(ctx: CheckContext, resource: Resource) -> Verdict:
    """A user with root on the notebook instance can rewrite the proxy settings of seed 000,
    change iptables or routes, install any software and read the credentials of every process:
    every control that lives on the instance becomes optional.

    Fails when DescribeNotebookInstance has RootAccess "Enabled", or has no RootAccess at all
    (AWS creates notebook instances with root access enabled unless told otherwise). Passes only
    when RootAccess is "Disabled".
    """
    value = _detail(resource).get("RootAccess")
    if value == "Disabled":
        return Verdict.passed("root access is disabled")
    if value is None:
        return Verdict.failed("RootAccess is not set: AWS enables root access by default")
    return Verdict.failed(f"root access is {value}")


@check(
    id="SM-002",
    title="Notebook instance volume has no customer-managed KMS key",
    severity=Severity.MEDIUM,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=[("sagemaker", "ListNotebookInstances"), ("sagemaker", "DescribeNotebookInstance")],
    remediation=(
        "Create the notebook instance with KmsKeyId set to a customer-managed KMS key whose key policy "
        "limits use to the notebook's execution role (the volume key cannot be changed on an existing "
        "instance: recreate it and copy the data)."
    ),
    references=[f"{_API}/API_CreateNotebookInstance.html", f"{_SM_DOC}/encryption-at-rest-nbi.html"],
)
def volume_kms_key(ctx: CheckContext, resource: Resource) -> Verdict:
    """With the AWS-managed default key, anyone with access to the account's EBS snapshots and the
    key's implicit grants can read the notebook's storage; a customer-managed key puts decryption
    under a key policy you control, audit and can revoke.

    Fails when DescribeNotebookInstance has no KmsKeyId. Any KmsKeyId counts as customer-supplied:
    from the ID or ARN alone one cannot tell a customer-managed key from an alias of an
    AWS-managed key (`alias/aws/...` is the only recognisable case and is reported as a FAIL).
    """
    key = _detail(resource).get("KmsKeyId")
    if not isinstance(key, str) or not key:
        return Verdict.failed("no KmsKeyId: the ML storage volume uses the AWS-managed default key")
    if "alias/aws/" in key:
        return Verdict.failed(f"KmsKeyId {key} is an AWS-managed key alias, not a customer-managed key")
    return Verdict.passed(
        f"volume encrypted with KMS key {key}",
        notes=("any KmsKeyId is taken as customer-supplied: the ID alone does not show whether the key "
               "is customer-managed",),
    )


@check(
    id="SM-003",
    title="Training job traffic unencrypted or model not network-isolated",
    severity=Severity.MEDIUM,
    resource_types=[ResourceType.TRAINING_JOB, ResourceType.MODEL],
    # The engine applies `requires` to every resource type, so only the list operations are
    # declared; DescribeTrainingJob / DescribeModel are read through each resource's detail, which
    # gives ERROR naming the operation when it is absent (a missing DescribeModel must not turn
    # training-job verdicts into ERROR).
    requires=[("sagemaker", "ListTrainingJobs"), ("sagemaker", "ListModels")],
    remediation=(
        "Training jobs: set EnableInterContainerTrafficEncryption=true (CreateTrainingJob; "
        "`encrypt_inter_container_traffic=True` in the SageMaker Python SDK). Models: create them "
        "with EnableNetworkIsolation=true so their containers can make no outbound network calls; "
        "supply artifacts through S3 and the model's VpcConfig instead."
    ),
    references=[f"{_SM_DOC}/train-encrypt.html", f"{_SM_DOC}/mkt-algo-model-internet-free.html"],
)
def job_encryption_and_isolation(ctx: CheckContext, resource: Resource) -> Verdict:
    """Distributed training exchanges gradients and data between instances in clear text unless
    inter-container encryption is on; a model container without network isolation can call out to
    the internet (or to a relay) from wherever it is hosted, bypassing the notebook's controls.

    Training jobs fail when EnableInterContainerTrafficEncryption is false or absent (AWS default
    false). Models fail when EnableNetworkIsolation is false or absent (AWS default false).
    """
    detail = _detail(resource)
    rtype = resource.ref.type
    if rtype is ResourceType.TRAINING_JOB:
        enabled = detail.get("EnableInterContainerTrafficEncryption")
        config = detail.get("ResourceConfig")
        count = config.get("InstanceCount") if isinstance(config, Mapping) else None
        instances = f" ({count} instance{'s' if count != 1 else ''})" if isinstance(count, int) else ""
        if enabled is True:
            return Verdict.passed(f"inter-container traffic encryption is enabled{instances}")
        state = "not set (AWS default: disabled)" if enabled is None else "disabled"
        return Verdict.failed(f"inter-container traffic encryption is {state}{instances}")
    if rtype is ResourceType.MODEL:
        isolated = detail.get("EnableNetworkIsolation")
        if isolated is True:
            return Verdict.passed("network isolation is enabled")
        state = "not set (AWS default: disabled)" if isolated is None else "disabled"
        vpc = "in a VPC" if isinstance(detail.get("VpcConfig"), Mapping) else "without a VpcConfig"
        return Verdict.failed(f"network isolation is {state}; the model's containers run {vpc}")
    raise MissingData(f"SM-003 does not apply to {rtype.value}")


CHECKS = [root_access, volume_kms_key, job_encryption_and_isolation]
