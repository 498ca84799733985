"""The read-only facade a check sees: snapshot accessors, the network prover and the config."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from safemaker.scanner.config import Config
from safemaker.scanner.snapshot.io import RegionView, Snapshot

if TYPE_CHECKING:
    from safemaker.scanner.graph.prove import Network

T = TypeVar("T")


class CheckContext:
    """Shared by every check of a run; the prover is built once, on first use."""

    def __init__(self, snapshot: Snapshot, config: Config) -> None:
        self.snapshot = snapshot
        self.config = config
        self._memo: dict[Hashable, Any] = {}

    def view(self, account: str, region: str) -> RegionView:
        return self.snapshot.view(account, region)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per run for `key`: what several resources' verdicts read (an index
        over the region) is built once instead of once per resource. Exceptions are not kept."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    @cached_property
    def network(self) -> Network:
        from safemaker.scanner.graph.prove import Network

        return Network(self.snapshot, self.config)
