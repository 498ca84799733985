"""`safemaker explain`: the proof for one workload, as text a network engineer can check."""

from __future__ import annotations

from .config import Config
from .engine import run_checks
from .errors import InputError, MissingData
from .graph.proof import EgressProof
from .model import Path, ResourceType
from .registry import Registry
from .resources import Resource, resources_of
from .snapshot import Snapshot

_TYPES = (ResourceType.NOTEBOOK_INSTANCE, ResourceType.DOMAIN, ResourceType.TRAINING_JOB,
          ResourceType.PROCESSING_JOB, ResourceType.MODEL)


def find_resource(snapshot: Snapshot, name: str) -> Resource:
    for view in snapshot.views():
        for rtype in _TYPES:
            try:
                candidates = resources_of(view, rtype)
            except MissingData:
                continue
            for res in candidates:
                if name in (res.id, res.ref.arn):
                    return res
    raise InputError(snapshot.source, name, "no notebook instance, domain, job or model has this name or ID")


def _path_lines(path: Path, indent: str = "    ") -> list[str]:
    lines = [f"{indent}{path.outcome}"]
    for i, hop in enumerate(path.hops, 1):
        detail = f": {hop.detail}" if hop.detail else ""
        lines.append(f"{indent}  {i:>2}. {hop.kind} {hop.id}{detail}")
    return lines


def proof_text(proof: EgressProof) -> list[str]:
    lines = [f"Source: {proof.source}"]
    sections = (
        ("Uninspected paths to the internet", proof.uninspected),
        ("Inspected paths to the internet", proof.inspected),
        ("Latent paths (internet gateway without a public address)", proof.latent),
        ("Gateway endpoints reached", proof.gateway_endpoints),
    )
    for title, paths in sections:
        lines.append(f"{title}: {len(paths) if paths else 'none'}")
        for p in paths:
            lines.extend(_path_lines(p))
    if proof.interface_endpoints:
        lines.append("Interface endpoints in the VPC: " + ", ".join(proof.interface_endpoints))
    lines.append("Where every other route out ends:" if proof.blocked else "Where every other route out ends: -")
    lines.extend(f"    - {b}" for b in proof.blocked)
    if proof.unknowns:
        lines.append("Could not be decided (the verdict is ERROR unless a path above proves FAIL):")
        lines.extend(f"    - {u}" for u in proof.unknowns)
    if proof.notes:
        lines.append("Notes:")
        lines.extend(f"    - {n}" for n in proof.notes)
    return lines


def explain_resource(snapshot: Snapshot, config: Config, registry: Registry, name: str) -> str:
    from .context import CheckContext

    res = find_resource(snapshot, name)
    lines = [f"{res.ref.type.value} {res.id} ({res.ref.account}/{res.ref.region})", ""]
    ctx = CheckContext(snapshot, config)
    if res.ref.type is ResourceType.NOTEBOOK_INSTANCE:
        try:
            lines.extend(proof_text(ctx.network.notebook_proof(res)))
        except MissingData as exc:
            lines.append(f"The proof could not be built: {exc.reason}")
        lines.append("")
    lines.append("Verdicts:")
    for f in run_checks(snapshot, registry, config):
        if f.resource.id == res.id and f.resource.type is res.ref.type:
            lines.append(f"  {f.check_id} {f.status.value:<5} {f.severity.value:<8} {f.message}")
    return "\n".join(lines)
