"""The network model and the egress prover."""
