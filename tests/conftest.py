"""Puts `tests/` on `sys.path` once, for every test and helper below it.

The shared builders (`estate.py`, `make_fixtures.py`) live in `tests/` and are imported by plain
name (`from estate import Estate`) from tests in sub-folders; this one line replaces the
`sys.path` edit each of those files used to make for itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
