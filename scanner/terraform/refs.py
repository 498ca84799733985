"""Values Terraform knows only after apply, resolved through the configuration's references.

An ID that AWS has not assigned yet is `unknown` in a plan. The configuration still says where
it comes from: `nat_gateway_id = aws_nat_gateway.egress.id` is recorded as the references
`["aws_nat_gateway.egress.id", "aws_nat_gateway.egress"]`. When exactly one planned resource
whose referenced attribute is itself unknown can be the source, the value is that resource's
placeholder ID (`nat-aws_nat_gateway.egress`), so findings name the Terraform address.

Everything else is `Unresolved`, naming the resource and the attribute, and the translator turns
it into missing data (ERROR), never into a guess:

* a `local.*` value, `each.value`, or a data source read during apply could be the source and
  the plan does not record what they hold;
* two or more candidate resources (a conditional, a list comprehension, a merged inline block);
* a dynamic index (`aws_nat_gateway.x[count.index]`: the plan drops the index value) over a
  resource with more than one instance — two configurations with different truths give the same
  plan JSON;
* a function call that cuts the reference chain and leaves no candidate.

Module outputs and input variables are followed into the module that defines them; static keys
(`[0]`, `["a"]`) select one instance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from safemaker.scanner.terraform.plan import Plan, Planned, parent_module

_INDEX = r'\[(?:"(?:[^"\\]|\\.)*"|[0-9]+)\]'
_RESOURCE_REF = re.compile(rf'^(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)({_INDEX})?(?:\.(.+))?$')
_MODULE_REF = re.compile(rf'^module\.([A-Za-z0-9_-]+)({_INDEX})?(?:\.([A-Za-z0-9_-]+))?')
_IGNORED = ("count.", "each.key", "path.", "terraform.", "self.")
_MAX_DEPTH = 32


class Unresolved(Exception):
    """A value needed for the proof is unknown until apply and cannot be resolved."""

    def __init__(self, address: str, attribute: str, reason: str) -> None:
        self.address = address
        self.attribute = attribute
        self.reason = reason
        super().__init__(f"{address}: {attribute} is known only after apply and {reason}")


@dataclass(frozen=True)
class Target:
    """A planned resource instance and the attribute of it a reference reads."""

    resource: Planned
    attribute: str  # first attribute step: "id", "arn", "allocation_id", "firewall_status", ...
    rest: str = ""  # the steps after it, as written ("[0].sync_states")


def _index_value(text: str | None) -> Any:
    if not text:
        return None
    inner = text[1:-1]
    if inner.startswith('"'):
        return inner[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return int(inner)


def unknown_at(after_unknown: Any, path: Sequence[str | int]) -> bool:
    """Whether the value at `path` is unknown, given a change's `after_unknown` tree."""
    node = after_unknown
    for step in path:
        if node is True:
            return True
        if isinstance(node, Mapping) and isinstance(step, str):
            node = node.get(step, False)
        elif isinstance(node, list) and isinstance(step, int):
            node = node[step] if 0 <= step < len(node) else False
        else:
            return False
    return node is True


def references(expr: Any) -> list[str]:
    """Every reference string inside a configuration expression (nested blocks included)."""
    found: list[str] = []
    if isinstance(expr, Mapping):
        refs = expr.get("references")
        if isinstance(refs, list):
            found.extend(str(r) for r in refs)
        for key, value in expr.items():
            if key not in ("references", "constant_value"):
                found.extend(references(value))
    elif isinstance(expr, list):
        for item in expr:
            found.extend(references(item))
    return found


def expression(res: Planned, path: Sequence[str]) -> Any:
    """The configuration expression for an attribute, merging repeated blocks (`route`, `egress`):
    Terraform records inline blocks in source order but plans them in set order, so a field of
    one block can only be matched to the merged references of all of them."""
    node: Any = res.config.get("expressions") or {}
    for step in path:
        if isinstance(node, Mapping) and ("references" in node or "constant_value" in node):
            return node  # one expression for the whole attribute (inline blocks set as an attribute)
        if isinstance(node, list):
            node = [item.get(step) for item in _flat(node) if isinstance(item, Mapping) and step in item]
        elif isinstance(node, Mapping):
            node = node.get(step)
        else:
            return None
        if node is None:
            return None
    return node


def _flat(items: list[Any]) -> list[Any]:
    """Blocks nested in blocks (`firewall_policy[*].stateful_rule_group_reference[*]`) as one list."""
    out: list[Any] = []
    for item in items:
        out.extend(_flat(item) if isinstance(item, list) else [item])
    return out


class Resolver:
    """Follows references from a resource's configuration to the planned resources they name."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def targets(self, module: str, refs: Iterable[str]) -> tuple[list[Target], list[str]]:
        """The resource attributes `refs` (written in `module`) read, and the reasons some source
        cannot be seen (locals, data read at apply, ambiguous instances)."""
        return self._targets(module, list(refs), 0)

    def _targets(self, module: str, refs: list[str], depth: int) -> tuple[list[Target], list[str]]:
        if depth > _MAX_DEPTH:
            return [], ["references nest too deeply"]
        out: list[Target] = []
        opaque: list[str] = []
        # A reference to a whole object comes with the reference to its attribute; keep the longest.
        kept = [r for r in refs if not any(o != r and (o.startswith(r + ".") or o.startswith(r + "["))
                                           for o in refs)]
        for ref in dict.fromkeys(kept):
            if ref.startswith(_IGNORED) or ref == "count.index":
                continue
            if ref.startswith("local."):
                opaque.append(f"it comes from {ref}, which the plan does not record")
                continue
            if ref.startswith("each.value"):
                opaque.append("it comes from each.value, which the plan does not record")
                continue
            if ref.startswith("var."):
                t, o = self._variable(module, ref[4:].split(".")[0].split("[")[0], depth)
                out.extend(t)
                opaque.extend(o)
                continue
            if m := _MODULE_REF.match(ref):
                if not m.group(3):
                    opaque.append(f"it comes from the whole module {ref}")
                    continue
                t, o = self._output(module, m.group(1), m.group(2), m.group(3), depth)
                out.extend(t)
                opaque.extend(o)
                continue
            if m := _RESOURCE_REF.match(ref):
                if m.group(1):
                    address = f"{module}.{ref}" if module else ref
                    base = address.split(".", 3)
                    if any(d.startswith(".".join(base[:3])) for d in self.plan.data_sources):
                        opaque.append(f"it comes from {ref}, which is read only during apply")
                    continue
                t, o = self._resource(module, m.group(2), m.group(3), m.group(4), m.group(5) or "")
                out.extend(t)
                opaque.extend(o)
                continue
            opaque.append(f"it comes from {ref}, which safemaker cannot follow")
        return out, opaque

    def _resource(self, module: str, type_: str, name: str, index: str | None,
                  attr: str) -> tuple[list[Target], list[str]]:
        base = f"{module}.{type_}.{name}" if module else f"{type_}.{name}"
        instances = self.plan.instances(base)
        live = [r for r in instances if not r.deleted]
        if index is not None:
            key = _index_value(index)
            live = [r for r in live if r.index == key]
        if not live:
            return [], []  # not planned here: its values are known or absent, never the unknown's source
        if len(live) > 1:
            return [], [f"it reads {base} whose instance the plan does not record ({len(live)} instances; a "
                        "dynamic index such as count.index is dropped from plan references)"]
        if not attr:
            return [], [f"it is computed from the whole of {base}"]
        first = re.split(r"[.\[]", attr, maxsplit=1)[0]
        rest = attr[len(first):]
        return [Target(live[0], first, rest)], []

    def _output(self, module: str, call: str, index: str | None, output: str,
                depth: int) -> tuple[list[Target], list[str]]:
        prefix = f"{module}.module.{call}" if module else f"module.{call}"
        instances = sorted(self.plan.module_instances(prefix))
        if index is not None:
            instances = [i for i in instances if i == prefix + index]
        if len(instances) > 1:
            return [], [f"it reads {prefix}.{output} whose module instance the plan does not record"]
        if not instances:
            return [], []
        cfg = self.plan.module_config(instances[0]) or {}
        expr = ((cfg.get("outputs") or {}).get(output) or {}).get("expression") or {}
        return self._targets(instances[0], references(expr), depth + 1)

    def _variable(self, module: str, name: str, depth: int) -> tuple[list[Target], list[str]]:
        parent = parent_module(module)
        if parent is None:
            return [], []  # a root input: known at plan time
        call = self.plan.module_call(module) or {}
        expr = (call.get("expressions") or {}).get(name)
        if expr is None:
            return [], []  # the variable's default: a constant
        return self._targets(parent[0], references(expr), depth + 1)

    def left_null(self, res: Planned, path: Sequence[str]) -> bool:
        """Whether an unknown optional+computed attribute is unknown because its configuration
        gave it null (the provider computes it: an endpoint's default policy), not because its
        value waits for apply.

        A configured value is unknown only when an input is: a planned resource attribute that
        is itself unknown, a local, `each.value` or a data source read during apply. When every
        reference leads to values known at plan time (root or module variables, constants,
        known attributes), the expression evaluated to null, e.g. `var.bucket == "" ? null :
        jsonencode(...)`. An expression with no reference at all (a function such as uuid())
        is not read as null."""
        expr = expression(res, path)
        if expr is None:
            return True
        refs = references(expr)
        if not refs:
            return False
        found, opaque = self.targets(res.module, refs)
        return not opaque and not any(unknown_at(t.resource.after_unknown, [t.attribute]) for t in found)

    # --- the one question the translators ask --------------------------------------------

    def source(self, res: Planned, path: Sequence[str], accept: Iterable[str] | None = None,
               label: str | None = None, exclude: Iterable[Target] = ()) -> Target:
        """The one planned resource attribute an unknown value at `path` comes from.

        `accept` limits candidates to resource types (`aws_nat_gateway` for `nat_gateway_id`);
        only candidates whose own value is unknown count, because a known value cannot make an
        unknown one. Raises Unresolved otherwise.
        """
        attr = label or ".".join(path)
        expr = expression(res, [p for p in path if isinstance(p, str)])
        if expr is None:
            raise Unresolved(res.address, attr, "its configuration records no reference (a local value, a dynamic "
                                                "block or a function hides it)")
        found, opaque = self.targets(res.module, references(expr))
        types = set(accept) if accept is not None else None
        excluded = {(t.resource.address, t.attribute) for t in exclude}
        candidates = {}
        for t in found:
            if types is not None and t.resource.type not in types:
                continue
            if (t.resource.address, t.attribute) in excluded:
                continue
            if not unknown_at(t.resource.after_unknown, [t.attribute]):
                continue
            candidates[(t.resource.address, t.attribute)] = t
        if opaque:
            raise Unresolved(res.address, attr, opaque[0])
        if len(candidates) != 1:
            what = "no planned resource" if not candidates else \
                f"{len(candidates)} planned resources ({', '.join(sorted(a for a, _ in candidates))})"
            raise Unresolved(res.address, attr, f"its references lead to {what} that could be its source")
        return next(iter(candidates.values()))
