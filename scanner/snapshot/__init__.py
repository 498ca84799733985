"""Snapshot files: reading, validation against botocore's shapes, and merging."""
