"""Reading `terraform show -json` of a saved plan, and nothing else.

A pipeline that feeds safemaker the wrong file must fail loudly rather than prove an empty
estate: a state file, an HCL file, a binary plan or a plan of an unknown format version each
get one line naming what the file is (exit 2). What is read:

* `resource_changes`: every managed resource instance with its actions, its values after apply
  (`after`, with `after_unknown` marking what only apply will know) and before (`before`, the
  prior state, which carries the live IDs an overlay matches by);
* `configuration`: per module, each resource's expressions and their references (how unknown
  values are resolved, see `refs`), module calls, outputs and provider configurations;
* `variables`: root module input values (a provider region may come from one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from safemaker.scanner.errors import InputError

#: Plan JSON format versions are semantic (Terraform's JSON output format docs): a new minor
#: version only adds fields, a new major version may change what existing ones mean.
KNOWN_MAJOR = 1

_MODULE_STEP = re.compile(r'module\.([A-Za-z0-9_-]+)(\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?\.?')


class PlanInputError(InputError):
    """The file is not a Terraform JSON plan that safemaker can read."""


@dataclass
class Planned:
    """One managed resource instance of the plan."""

    address: str
    module: str
    type: str
    name: str
    index: Any
    actions: tuple[str, ...]
    after: Mapping[str, Any] | None
    after_unknown: Any
    before: Mapping[str, Any] | None
    config: Mapping[str, Any] = field(default_factory=dict)
    provider_key: str = "aws"

    @property
    def base(self) -> str:
        """The address without this instance's own key (`module.m[0].aws_x.y`)."""
        return f"{self.module}.{self.type}.{self.name}" if self.module else f"{self.type}.{self.name}"

    @property
    def deleted(self) -> bool:
        return "delete" in self.actions and "create" not in self.actions

    @property
    def replaced(self) -> bool:
        return "delete" in self.actions and "create" in self.actions

    @property
    def changed(self) -> bool:
        return any(a in ("create", "update", "delete") for a in self.actions)

    @property
    def values(self) -> Mapping[str, Any]:
        """Values after apply (before, for a resource the plan deletes)."""
        if self.deleted:
            return self.before or {}
        return self.after or {}


def module_path(module_address: str) -> tuple[str, ...]:
    """`module.a["x"].module.b` -> ("a", "b"): where the module's configuration lives."""
    return tuple(m.group(1) for m in _MODULE_STEP.finditer(module_address or ""))


def parent_module(module_address: str) -> tuple[str, str] | None:
    """`module.a[0].module.b` -> ("module.a[0]", "b"); None for the root module."""
    steps = list(_MODULE_STEP.finditer(module_address or ""))
    if not steps:
        return None
    last = steps[-1]
    return module_address[:last.start()].rstrip("."), last.group(1)


class Plan:
    """A parsed plan: resource instances and the configuration that explains their values."""

    def __init__(self, doc: Mapping[str, Any], source: str) -> None:
        self.doc = doc
        self.source = source
        self.format_version = str(doc.get("format_version"))
        self.variables: Mapping[str, Any] = {k: v.get("value") for k, v in (doc.get("variables") or {}).items()
                                             if isinstance(v, Mapping)}
        self.configuration: Mapping[str, Any] = doc.get("configuration") or {}
        self.resources: list[Planned] = []
        self.data_sources: list[str] = []
        for change in doc.get("resource_changes") or []:
            if not isinstance(change, Mapping):
                continue
            if change.get("mode") != "managed":
                self.data_sources.append(str(change.get("address")))
                continue
            ch = change.get("change") or {}
            module = str(change.get("module_address") or "")
            cfg = self.resource_config(module, str(change.get("type")), str(change.get("name")))
            self.resources.append(Planned(
                address=str(change.get("address")), module=module, type=str(change.get("type")),
                name=str(change.get("name")), index=change.get("index"),
                actions=tuple(ch.get("actions") or ()), after=ch.get("after"),
                after_unknown=ch.get("after_unknown") or {}, before=ch.get("before"),
                config=cfg or {}, provider_key=str((cfg or {}).get("provider_config_key") or "aws")))
        self.by_address = {r.address: r for r in self.resources}
        self._by_base: dict[str, list[Planned]] = {}
        for r in self.resources:
            self._by_base.setdefault(r.base, []).append(r)

    # --- configuration -------------------------------------------------------------------

    def module_config(self, module_address: str) -> Mapping[str, Any] | None:
        node: Mapping[str, Any] | None = self.configuration.get("root_module") or {}
        for name in module_path(module_address):
            call = ((node or {}).get("module_calls") or {}).get(name)
            if not isinstance(call, Mapping):
                return None
            node = call.get("module")
        return node

    def module_call(self, module_address: str) -> Mapping[str, Any] | None:
        """The `module "x" {...}` block that instantiated this module (None for the root)."""
        parent = parent_module(module_address)
        if parent is None:
            return None
        node = self.module_config(parent[0]) or {}
        call = (node.get("module_calls") or {}).get(parent[1])
        return call if isinstance(call, Mapping) else None

    def resource_config(self, module_address: str, type_: str, name: str) -> Mapping[str, Any] | None:
        node = self.module_config(module_address) or {}
        for res in node.get("resources") or []:
            if res.get("type") == type_ and res.get("name") == name and res.get("mode") == "managed":
                return res  # type: ignore[no-any-return]
        return None

    def instances(self, base: str) -> list[Planned]:
        return self._by_base.get(base, [])

    def module_instances(self, module_prefix: str) -> set[str]:
        """Instance addresses of a module call (`module.x` -> {'module.x[0]', 'module.x[1]'})."""
        found = set()
        for r in self.resources:
            if r.module == module_prefix or r.module.startswith(module_prefix + "[") \
                    or r.module.startswith(module_prefix + "."):
                rest = r.module[len(module_prefix):]
                m = re.match(r'(\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\])?', rest)
                found.add(module_prefix + (m.group(1) or "" if m else ""))
        return found

    def provider_region(self, key: str) -> str | None:
        """The region of a provider configuration (a constant or a root variable), else None."""
        providers = self.configuration.get("provider_config") or {}
        cfg = providers.get(key) or providers.get(key.split(":")[-1]) or {}
        expr = (cfg.get("expressions") or {}).get("region") or {}
        if "constant_value" in expr and isinstance(expr["constant_value"], str):
            return expr["constant_value"]
        refs = expr.get("references") or []
        for ref in refs:
            if ref.startswith("var.") and isinstance(self.variables.get(ref[4:]), str) and ":" not in key:
                return str(self.variables[ref[4:]])
        return None

    def iter_changed(self) -> Iterator[Planned]:
        return (r for r in self.resources if r.changed)


def identify(doc: Any, source: str) -> None:
    """Raise PlanInputError naming what `doc` is when it is not a plan safemaker reads."""
    if not isinstance(doc, Mapping):
        raise PlanInputError(source, "", f"a JSON {type(doc).__name__}, not a Terraform JSON plan "
                                         "(terraform show -json PLANFILE)")
    if doc.get("schema") == "safemaker.snapshot/v1":
        raise PlanInputError(source, "", "a safemaker snapshot, not a Terraform plan: use `safemaker analyze`, or "
                                         "give it as --snapshot")
    if {"lineage", "serial"} <= set(doc) and "version" in doc:
        raise PlanInputError(source, "", "a Terraform state file (.tfstate), not a plan: run `terraform plan "
                                         "-out=tfplan && terraform show -json tfplan`")
    if "format_version" not in doc:
        raise PlanInputError(source, "", "JSON without format_version: not `terraform show -json` of a plan")
    version = str(doc.get("format_version"))
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) != KNOWN_MAJOR:
        raise PlanInputError(source, "format_version", f"Terraform JSON plan format {version}; safemaker reads "
                                                       f"format {KNOWN_MAJOR}.x")
    if "resource_changes" not in doc and "planned_values" not in doc:
        if "values" in doc:
            raise PlanInputError(source, "", "`terraform show -json` of a state, not of a saved plan: run "
                                             "`terraform plan -out=tfplan && terraform show -json tfplan`")
        raise PlanInputError(source, "", "a Terraform JSON document without planned_values or resource_changes: "
                                         "not a plan")
    if doc.get("errored") is True:
        raise PlanInputError(source, "errored", "the plan errored in Terraform and is incomplete; fix the plan first")
    if not isinstance(doc.get("resource_changes", []), list):
        raise PlanInputError(source, "resource_changes", "not a list")


def read_plan(path: str) -> Plan:
    """Load and identify a plan file (one line and exit 2 for anything else)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise PlanInputError(path, "", f"cannot read: {exc.strerror or exc}") from None
    if raw[:2] == b"PK":
        raise PlanInputError(path, "", "a binary Terraform plan file; give `terraform show -json` of it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanInputError(path, "", "not UTF-8 text: not a Terraform JSON plan") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if re.search(r'^\s*(resource|provider|module|terraform|variable|data)\s*("|\{)', text, re.MULTILINE):
            raise PlanInputError(path, "", "Terraform configuration (HCL), not a plan: run `terraform plan "
                                           "-out=tfplan && terraform show -json tfplan`") from None
        raise PlanInputError(path, f"line {exc.lineno} column {exc.colno}", f"not JSON: {exc.msg}") from None
    except RecursionError:
        raise PlanInputError(path, "", "JSON nested too deeply") from None
    identify(doc, path)
    return Plan(doc, path)
