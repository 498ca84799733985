"""Sending findings to the systems security teams already use (Security Hub).

Kept apart from `collect`: the collector's IAM policy stays read-only, and each exporter ships
its own least-privilege policy under `policy/`. Only this package and the collector call AWS.
"""
