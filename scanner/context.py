"""The read-only facade a check sees: snapshot accessors, the network prover and the config."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .config import Config
from .snapshot import RegionView, Snapshot

if TYPE_CHECKING:
    from .graph.prove import Network


class CheckContext:
    """Shared by every check of a run; the prover is built once, on first use."""

    def __init__(self, snapshot: Snapshot, config: Config) -> None:
        self.snapshot = snapshot
        self.config = config

    def view(self, account: str, region: str) -> RegionView:
        return self.snapshot.view(account, region)

    @cached_property
    def network(self) -> Network:
        from .graph.prove import Network

        return Network(self.snapshot, self.config)
