"""Run the CLI in-process as a test sees it: exit status, stdout and stderr of that call alone."""

from __future__ import annotations

import pytest

from safemaker.scanner.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()  # what earlier calls printed is not this call's
    with pytest.raises(SystemExit) as exited:
        main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err
