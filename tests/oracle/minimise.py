"""Shrink a snapshot on which the engine and the oracle disagree, keeping the disagreement.

Greedy delta debugging over the JSON: drop list items and per-resource entries one at a time
while the same notebook still gets the same (engine, oracle) pair of verdicts and the snapshot
still validates. Usage (from tests/): python -m oracle.minimise IN.json NOTEBOOK OUT.json [CHECK]
(CHECK: NET-001, the default, or NET-007).
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

from safemaker.scanner.errors import SnapshotError
from safemaker.scanner.snapshot.validate import validate_snapshot

from .compare import engine_verdicts, oracle_verdicts

Doc = dict[str, Any]
Path = tuple[str | int, ...]
KEEP = {"ListNotebookInstances", "DescribeNotebookInstance"}


def outcome(doc: Doc, notebook: str, check: str = "NET-001") -> tuple[str, str] | None:
    try:
        validate_snapshot(doc, "min")
        engine = engine_verdicts(doc, check).get(notebook, ("MISSING", ""))[0]
        return engine, oracle_verdicts(doc, check=check).get(notebook, "MISSING")
    except (SnapshotError, KeyError, ValueError, TypeError):
        return None


def candidates(node: Any, path: Path = ()) -> Iterator[Path]:
    """Deletable places, deepest last so that whole resources go first."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict | list):
                yield from candidates(value, (*path, key))
            per_resource = len(path) >= 4 and path[-1] in (
                "DescribeFirewall", "DescribeFirewallPolicy", "DescribeRuleGroup", "SearchTransitGatewayRoutes",
                "GetManagedPrefixListEntries", "DescribeLoggingConfiguration")
            if per_resource:
                yield (*path, key)
    elif isinstance(node, list):
        for i in reversed(range(len(node))):
            yield (*path, i)
            yield from candidates(node[i], (*path, i))


def structural(doc: Doc, path: Path) -> bool:
    """Parts kept so that the fixture stays a realistic estate: VPCs, local routes, addresses."""
    if any(step in ("DescribeVpcs", "PrivateIpAddresses", "Associations") for step in path):
        return True
    node: Any = doc
    for step in path:
        node = node[step]
    return isinstance(node, dict) and node.get("GatewayId") == "local"


def delete(doc: Doc, path: Path) -> Doc:
    out = copy.deepcopy(doc)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return out


def minimise(doc: Doc, notebook: str, keep: Callable[[Doc], bool] | None = None, check: str = "NET-001") -> Doc:
    target = outcome(doc, notebook, check)
    assert target is not None and target[0] != target[1], target
    changed = True
    while changed:
        changed = False
        for path in list(candidates(doc)):
            if any(step in KEEP for step in path if isinstance(step, str)) or structural(doc, path):
                continue
            try:
                smaller = delete(doc, path)
            except (KeyError, IndexError):
                continue
            if outcome(smaller, notebook, check) == target and (keep is None or keep(smaller)):
                doc, changed = smaller, True
                break
    return doc


def main(argv: list[str]) -> int:
    source, notebook, dest = argv[:3]
    check = argv[3] if len(argv) > 3 else "NET-001"
    with open(source, encoding="utf-8") as fh:
        doc = json.load(fh)
    for regions in doc["accounts"].values():  # keep only the notebook under test
        for data in regions.values():
            sm = data["sagemaker"]
            sm["ListNotebookInstances"]["NotebookInstances"] = [
                n for n in sm["ListNotebookInstances"]["NotebookInstances"] if n["NotebookInstanceName"] == notebook]
            sm["DescribeNotebookInstance"] = {k: v for k, v in sm["DescribeNotebookInstance"].items() if k == notebook}
    small = minimise(doc, notebook, check=check)
    with open(dest, "w", encoding="utf-8") as fh:
        json.dump(small, fh, indent=2, sort_keys=True)
        fh.write("\n")
    print(notebook, check, outcome(small, notebook, check))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
