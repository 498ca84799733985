"""Network egress checks (placeholder while the prover is written)."""
CHECKS: list = []
