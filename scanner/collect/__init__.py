"""Collector: the only code that talks to AWS (and the only importer of boto3)."""
