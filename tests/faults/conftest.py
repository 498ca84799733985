"""Hypothesis profiles for the fuzz tests, and the table of attacks printed at the end of a run.

`ci` (the default, used by `make test`) runs a bounded, derandomized number of examples so the
suite stays fast and repeatable; `long` is for hunting: `HYPOTHESIS_PROFILE=long .venv/bin/python
-m pytest tests/faults/test_fuzz.py` (FAULTS_EXAMPLES sets the count, 3000 by default;
FAULTS_ALLOW_CRASHES=1 lists crashing checks as statistics instead of stopping at the first).
Profiles are registered under faults-specific names so that other test folders' profiles of the
same purpose cannot clash with these.

Tests that fault a run record each attack in the session's `ledger` (ledger.py); the table is
printed at the end of the run ("held  <attack>  clean: ... -> faulted: ..."), so what the suite
attacked and what each attack did to the verdicts is visible in `make test` output.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from .ledger import Ledger

_COMMON: dict[str, Any] = {"deadline": None, "database": None,
           "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large]}
settings.register_profile("faults-ci", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("faults-long", max_examples=int(os.environ.get("FAULTS_EXAMPLES", "3000")),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], **_COMMON)



LEDGER = pytest.StashKey[Ledger]()


@pytest.fixture(scope="session")
def ledger(request: pytest.FixtureRequest) -> Ledger:
    """One table of attacks for the whole run, kept on the config for the summary hook below."""
    return request.config.stash.setdefault(LEDGER, Ledger())


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print, per attack, whether it held and the verdict counts clean -> faulted (issue 14)."""
    found = config.stash.get(LEDGER, None)
    if found is None or not found.entries:
        return
    terminalreporter.section("fault attacks: clean run -> faulted run")
    for line in found.lines():
        terminalreporter.write_line(line)
