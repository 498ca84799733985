"""Readers of AWS configuration that needs interpretation: firewall policies, lifecycle scripts, proxies."""
