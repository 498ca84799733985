"""Fault, throttling, fuzz and safety tests (issue "Reliability and security")."""
