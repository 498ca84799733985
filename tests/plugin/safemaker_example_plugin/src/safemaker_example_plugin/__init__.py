"""An external check: notebooks must carry an owner tag in their name (demo of the plugin API)."""

from __future__ import annotations

from typing import Any

from safemaker.scanner.checking.registry import check
from safemaker.scanner.model import ResourceType, Severity, Verdict


@check(
    id="ORG-001",
    title="Notebook name does not follow the team naming convention",
    severity=Severity.LOW,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=[("sagemaker", "ListNotebookInstances")],
    remediation="Rename the notebook to start with 'nb-'.",
)
def naming(ctx: Any, resource: Any) -> Verdict:
    """Teams find owners by name prefix; FAIL when a notebook name does not start with 'nb-'."""
    if resource.id.startswith("nb-"):
        return Verdict.passed(f"{resource.id} follows the convention")
    return Verdict.failed(f"{resource.id} does not start with 'nb-'")


def checks() -> list[Any]:
    return [naming]
