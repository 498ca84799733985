"""`--format asff` and `--format ocsf` through the CLI: files named as documented, one record per
finding (ASFF: per finding with an account), ASFF valid against botocore's input shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from asff_shape import problems  # type: ignore[import-not-found]

from safemaker.scanner.cli import main

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = str(ROOT / "fixtures" / "scenarios" / "net-workloads.json")


def test_asff_and_ocsf_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", SNAPSHOT, "--output-dir", str(tmp_path), "--format", "json", "--format", "asff",
              "--format", "ocsf"])
    err = capsys.readouterr().err
    assert f"wrote {tmp_path / 'findings.asff.json'}" in err and f"wrote {tmp_path / 'findings.ocsf.json'}" in err
    findings = json.loads((tmp_path / "findings.json").read_text())["findings"]
    asff = json.loads((tmp_path / "findings.asff.json").read_text())
    ocsf = json.loads((tmp_path / "findings.ocsf.json").read_text())
    assert [a["Id"] for a in asff] == ["safemaker/" + f["fingerprint"] for f in findings]
    assert [e["finding_info"]["uid"] for e in ocsf] == [f["fingerprint"] for f in findings]
    assert all(problems(a) == [] for a in asff)
