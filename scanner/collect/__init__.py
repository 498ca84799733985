"""Collector: the only code that talks to AWS (and the only importer of boto3/botocore).

Everything else in safemaker works from a snapshot document, so that an analysis can be rerun,
shared or built from CLI output without credentials. ``collect_snapshot`` makes that document
from a boto3 session; ``plan`` says, as data, which read-only calls it makes.
"""

from __future__ import annotations

from safemaker.scanner.collect.plan import PLAN, Source, Step, iam_actions, iam_policy, planned_operations
from safemaker.scanner.collect.runner import account_id, collect_snapshot

__all__ = [
    "PLAN",
    "Source",
    "Step",
    "account_id",
    "collect_snapshot",
    "iam_actions",
    "iam_policy",
    "planned_operations",
]
