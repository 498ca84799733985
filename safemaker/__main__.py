"""`python -m safemaker` runs the CLI (useful where the console script is not on PATH)."""

from safemaker.scanner.cli import main

main()
