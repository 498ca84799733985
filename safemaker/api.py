"""The stable surface for plugin authors: everything a check needs, and nothing else.

A plugin is a distribution that declares an entry point in the group ``safemaker.checks``; the
entry point names a function returning a list of functions marked with :func:`check`. Import
only from this module: the packages behind it (``safemaker.scanner.checking``, ``...model``)
are free to move between releases, these names are not. Names are added here, never removed
or renamed without a new major version.

A check, in full::

    from safemaker.api import CheckContext, Resource, ResourceType, Severity, Verdict, check

    @check(id="ORG-001", title="Notebook name lacks the team prefix", severity=Severity.LOW,
           resource_types=[ResourceType.NOTEBOOK_INSTANCE],
           requires=[("sagemaker", "ListNotebookInstances")],
           remediation="Rename the notebook to start with 'nb-'.")
    def org_001(ctx: CheckContext, resource: Resource) -> Verdict | None:
        '''Owners are found by name prefix; fails when a notebook name lacks it.'''
        if resource.id.startswith("nb-"):
            return Verdict.passed(f"{resource.id} follows the convention")
        return Verdict.failed(f"{resource.id} does not start with 'nb-'")

    def checks() -> list[CheckFunc]:      # the entry point's target
        return [org_001]

The contract a check keeps (the registry refuses a check that breaks the first four when it
registers, not when it first runs):

- the ID is ``FAMILY-NNN`` and is not taken by another check or plugin;
- the title, the docstring (shown to users as the description) and the remediation are not empty;
- ``resource_types`` is a non-empty list of :class:`ResourceType`; the check is called once per
  resource of those types in every account and region of the snapshot;
- ``requires`` lists the ``(service, operation)`` pairs it reads: when one is missing from the
  snapshot the engine reports ERROR without calling the check;
- it reads only through ``ctx`` and ``resource`` (``resource.detail()``, ``ctx.view(account,
  region)``, ``ctx.network``, ``ctx.config``, ``ctx.memo``) and returns
  ``Verdict.passed/failed/error(...)``, or ``None`` when the resource is out of its scope;
- data it needs but cannot find raises :class:`MissingData`: the finding becomes ERROR with that
  reason, never PASS. An exception of any other kind also becomes ERROR (and a line on stderr).

Paths (:class:`Path` of :class:`Hop`) in a verdict are evidence: their hop kinds and IDs enter
the finding's fingerprint, their details are shown to the reader.
"""

from __future__ import annotations

from safemaker.scanner.checking.context import CheckContext
from safemaker.scanner.checking.registry import ENTRY_POINT_GROUP, CheckFunc, CheckSpec, RegistryError, check
from safemaker.scanner.checking.resources import Resource
from safemaker.scanner.config import Config
from safemaker.scanner.errors import MissingData
from safemaker.scanner.model import Evidence, Hop, Path, ResourceRef, ResourceType, Severity, Status, Verdict
from safemaker.scanner.snapshot.io import RegionView

__all__ = [
    "ENTRY_POINT_GROUP",
    "CheckContext",
    "CheckFunc",
    "CheckSpec",
    "Config",
    "Evidence",
    "Hop",
    "MissingData",
    "Path",
    "RegionView",
    "RegistryError",
    "Resource",
    "ResourceRef",
    "ResourceType",
    "Severity",
    "Status",
    "Verdict",
    "check",
]
