"""Sharded collection: merging per-region shards equals one full collection (modulo `created`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from safemaker.scanner.cli import main
from safemaker.scanner.collect import collect_snapshot
from safemaker.scanner.snapshot.merge import merge_snapshots

REGION = "eu-west-1"

OTHER = "us-east-1"


def _strip(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "created"}


def test_merge_of_region_shards_equals_full_collection(
    session: boto3.session.Session, estate: Any, make_estate: Callable[..., Any], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_estate(session, OTHER)
    full = collect_snapshot(session, [REGION, OTHER])
    shards = [collect_snapshot(session, [OTHER]), collect_snapshot(session, [REGION])]
    merged, conflicts = merge_snapshots([(f"shard{i}", s) for i, s in enumerate(shards)])
    assert conflicts == []
    assert _strip(merged) == _strip(full)

    # The CLI does the same from files, and reports a conflicting overlap instead of hiding it.
    paths = []
    for i, shard in enumerate(shards):
        path = tmp_path / f"shard{i}.json"
        path.write_text(json.dumps(shard), encoding="utf-8")
        paths.append(str(path))
    out = tmp_path / "all.json"
    with pytest.raises(SystemExit) as done:
        main(["merge", *paths, "-o", str(out)])
    assert done.value.code == 0
    assert _strip(json.loads(out.read_text(encoding="utf-8"))) == _strip(full)

    altered = json.loads(json.dumps(shards[1]))
    altered["accounts"][next(iter(altered["accounts"]))][REGION]["ec2"]["DescribeVpcs"]["Vpcs"] = []
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps(altered), encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["merge", paths[1], str(clash), "-o", str(tmp_path / "x.json")])
    assert "merge conflict" in capsys.readouterr().err
