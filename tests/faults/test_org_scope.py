"""`--accounts` naming an account that is not an ACTIVE member: said on stderr, and a scan of
nothing else is not a green build (issue 14 item 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safemaker.scanner.cli import main

from .rig import REGION
from .test_org import ROLE, Org, organization

__all__ = ["organization"]  # the module-scoped moto organization of test_org

STRANGER = "999988887777"
LINE = (f"safemaker: account {STRANGER}, all regions was not collected: organizations ListAccounts for {STRANGER} "
        f"failed with CollectionError: account {STRANGER} is not collected: it is not a member of the organization")


def test_scan_of_a_non_member_fails_and_says_why(organization: Org, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("safemaker.scanner.collect.sessions.base_session",
                        lambda profile, region=None: organization.session)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["scan", "--org-role-name", ROLE, "--regions", REGION, "--accounts", STRANGER, "--format", "json"])
    out, err = capsys.readouterr()
    assert exited.value.code == 1
    assert [(f["check_id"], f["status"], f["resource"]["account"]) for f in json.loads(out)["findings"]] == [
        ("SCOPE-001", "ERROR", STRANGER)]
    assert LINE in err.splitlines()


def test_collect_says_so_too(organization: Org, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("safemaker.scanner.collect.sessions.base_session",
                        lambda profile, region=None: organization.session)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["collect", "--org-role-name", ROLE, "--regions", REGION,
              "--accounts", f"{organization.members[0]},{STRANGER}", "-o", str(tmp_path / "snap.json")])
    assert exited.value.code == 0
    assert LINE in capsys.readouterr().err.splitlines()
