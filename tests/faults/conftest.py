"""Hypothesis profiles for the fuzz tests.

`ci` (the default, used by `make test`) runs a bounded, derandomized number of examples so the
suite stays fast and repeatable; `long` is for hunting: `HYPOTHESIS_PROFILE=long .venv/bin/python
-m pytest tests/faults/test_fuzz.py` (FAULTS_EXAMPLES sets the count, 3000 by default;
FAULTS_ALLOW_CRASHES=1 lists crashing checks as statistics instead of stopping at the first).
Profiles are registered under faults-specific names so that other test folders' profiles of the
same purpose cannot clash with these.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, Phase, settings

_COMMON: dict[str, Any] = {"deadline": None, "database": None,
           "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large]}
settings.register_profile("faults-ci", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("faults-long", max_examples=int(os.environ.get("FAULTS_EXAMPLES", "3000")),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink], **_COMMON)

