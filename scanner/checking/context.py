"""The read-only facade a check sees: snapshot accessors, the network prover and the config."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from safemaker.scanner.config import Config
from safemaker.scanner.snapshot.io import RegionView, Snapshot

if TYPE_CHECKING:
    from safemaker.scanner.graph.prove import Network

T = TypeVar("T")


class Memo(Protocol):
    """What per-run indexes are kept in: `CheckContext.memo` and `Network.memo` both fit.

    Readers of the snapshot below the checks (scanner/aws) take one as an argument instead of
    keeping module-level caches keyed by a region view, so a run's state lives and dies with the
    run's context and two runs never share it. Keys start with the reader's name and hold the
    account and region, so one memo serves every reader and region without collisions.
    """

    def __call__(self, key: Hashable, compute: Callable[[], T], /) -> T: ...


def call_memo() -> Memo:
    """A memo for one call of a reader that was given none (tests, one-off use): what it builds
    is shared inside that call and dropped after it."""
    kept: dict[Hashable, Any] = {}

    def memo(key: Hashable, compute: Callable[[], T], /) -> T:
        if key not in kept:
            kept[key] = compute()
        return kept[key]  # type: ignore[no-any-return]

    return memo


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
        over the region) is built once instead of once per resource. Exceptions are not kept.
        The prover keeps its indexes in the same store, so checks and prover share them."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    @cached_property
    def network(self) -> Network:
        from safemaker.scanner.graph.prove import Network

        return Network(self.snapshot, self.config, memo_store=self._memo)
