"""Tests that run Terraform take minutes (regenerating every plan, applying fixtures into moto):
they run only when asked with a marker expression (`-m terraform`, `-m slow`, `-m "terraform
and not slow"`), so that `make test` stays within its time budget. Without one they are
skipped, and `-rs` says how to run them."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="runs Terraform for minutes: select it with -m terraform (the apply-into-moto "
                                   "oracle also with -m slow)")
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE) and (
                item.get_closest_marker("terraform") or item.get_closest_marker("slow")):
            item.add_marker(skip)
