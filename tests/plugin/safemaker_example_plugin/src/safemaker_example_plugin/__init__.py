"""An external check: notebooks must carry an owner tag in their name (demo of the plugin API)."""

from __future__ import annotations

from safemaker.api import CheckContext, CheckFunc, Resource, ResourceType, Severity, Verdict, check


@check(
    id="ORG-001",
    title="Notebook name does not follow the team naming convention",
    severity=Severity.LOW,
    resource_types=[ResourceType.NOTEBOOK_INSTANCE],
    requires=[("sagemaker", "ListNotebookInstances")],
    remediation="Rename the notebook to start with 'nb-'.",
)
def naming(ctx: CheckContext, resource: Resource) -> Verdict:
    """Teams find owners by name prefix; FAIL when a notebook name does not start with 'nb-'."""
    if resource.id.startswith("nb-"):
        return Verdict.passed(f"{resource.id} follows the convention")
    return Verdict.failed(f"{resource.id} does not start with 'nb-'")


def checks() -> list[CheckFunc]:
    return [naming]
