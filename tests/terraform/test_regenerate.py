"""The committed plans are what Terraform makes of the committed HCL: regenerated with the local
Terraform and provider mirror (nothing downloaded), they equal the committed plan.json files apart
from `timestamp` and the order of `relevant_attributes` (which Terraform does not keep stable)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "terraform"
MIRROR = os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins")


def _normal(doc: dict[str, Any]) -> dict[str, Any]:
    doc.pop("timestamp", None)
    doc["relevant_attributes"] = sorted(doc.get("relevant_attributes") or [], key=json.dumps)
    return doc


@pytest.mark.terraform
def test_committed_plans_match_regenerated(tmp_path: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed on this machine")
    if not (Path(MIRROR) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"no hashicorp/aws provider in the filesystem mirror {MIRROR} (TF_PLUGIN_MIRROR)")
    subprocess.run(["sh", str(FIXTURES / "regenerate.sh"), str(tmp_path)], check=True, capture_output=True)
    for committed in sorted(FIXTURES.glob("*/plan.json")):
        fresh = tmp_path / committed.parent.name / "plan.json"
        assert _normal(json.loads(fresh.read_text("utf-8"))) == _normal(json.loads(committed.read_text("utf-8"))), \
            committed.parent.name
