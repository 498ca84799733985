"""Triage of findings between runs: baselines, suppressions and diffs."""
