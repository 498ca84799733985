"""Collection, snapshot I/O, the network prover, the engine and the CLI."""
