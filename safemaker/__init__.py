"""safemaker: proves whether SageMaker workloads can reach the internet uninspected.

The importable code lives in the top-level folders ``scanner/``, ``checks/`` and ``reports/``;
setup.cfg maps them under this one namespace so that the generic names cannot collide with
other installed distributions.
"""

#: The one place the version is written: setup.cfg reads it (`version = attr:`), `safemaker
#: --version` prints it and every findings file records it. Change it with CHANGELOG.md.
__version__ = "0.1.0"
