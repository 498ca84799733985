"""`collect`/`scan --max-attempts N`: the bound on attempts per call reaches the collector, for
callers who prefer a call failing fast (recorded in errors, ERROR) to ten throttled attempts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import safemaker.scanner.collect as collect_pkg
from safemaker.scanner.cli import cli


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    got: dict[str, Any] = {}

    def fake_collect(session: Any, regions: list[str], **kwargs: Any) -> dict[str, Any]:
        got.update(kwargs)
        return {"schema": "safemaker.snapshot/v1", "created": "2026-11-23T10:00:00Z", "accounts": {}, "errors": []}

    monkeypatch.setattr(collect_pkg, "collect_snapshot", fake_collect)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return got


def test_max_attempts_reaches_the_collector(seen: dict[str, Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["collect", "--regions", "eu-west-1", "--max-attempts", "2",
                                      "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert seen["max_attempts"] == 2


def test_without_it_the_collector_keeps_its_default(seen: dict[str, Any], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["collect", "--regions", "eu-west-1", "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert "max_attempts" not in seen  # collect_snapshot's own default (10) applies


@pytest.mark.parametrize("value", ["0", "21", "two"])
def test_out_of_range_is_refused(seen: dict[str, Any], tmp_path: Path, value: str) -> None:
    result = CliRunner().invoke(cli, ["collect", "--regions", "eu-west-1", "--max-attempts", value,
                                      "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 2 and "--max-attempts" in result.output
    assert not seen and not (tmp_path / "s.json").exists()
