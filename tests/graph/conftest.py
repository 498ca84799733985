"""Lets the graph tests import the estate builder (`tests/estate.py`) and `tests/make_fixtures.py`."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parents[1])
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
