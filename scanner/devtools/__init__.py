"""Development tools: the moto-backed demo estate and synthetic estates for benchmarks."""
