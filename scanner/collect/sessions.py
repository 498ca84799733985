"""boto3 sessions for the CLI: a profile, or a role assumed from it (one per account)."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
from botocore.exceptions import BotoCoreError, ClientError

from safemaker.scanner.collect.runner import client_config
from safemaker.scanner.errors import CollectionError


def base_session(profile: str | None, region: str | None = None) -> Any:
    try:
        return boto3.session.Session(profile_name=profile, region_name=region)
    except BotoCoreError as exc:
        raise CollectionError(f"cannot open AWS profile {profile!r}: {exc}") from None


def assumed_session(base: Any, role_arn: str, *, external_id: str | None = None,
                    endpoint_url: str | None = None) -> Any:
    """A session holding temporary credentials of `role_arn` (one per target account)."""
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": "safemaker-collect"}
    if external_id:
        params["ExternalId"] = external_id
    try:
        sts = base.client("sts", endpoint_url=endpoint_url, config=client_config(3),
                          region_name=base.region_name or "us-east-1")
        creds = sts.assume_role(**params)["Credentials"]
    except (BotoCoreError, ClientError) as exc:
        raise CollectionError(f"cannot assume role {role_arn}: {exc}") from None
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=base.region_name,
        botocore_session=_sharing_models(base),
    )


def _sharing_models(base: Any) -> Any:
    """A fresh botocore session that reuses the base session's loader of botocore's data files.

    Without it every assumed session parses endpoints.json and the service models again, about a
    second per account: most of the cost of collecting a small account of an organization. The
    loader only caches read-only data; nothing else (credentials, events) is shared.
    """
    core = botocore.session.Session()
    parent = getattr(base, "_session", None)
    if isinstance(parent, botocore.session.Session):
        core.register_component("data_loader", parent.get_component("data_loader"))
    return core
