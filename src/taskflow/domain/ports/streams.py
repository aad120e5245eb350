"""The live streams' slots: how many streams each user holds open, across every process."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from taskflow.domain.values import UserId


class StreamSlots(Protocol):
    """The live streams each user holds open, across every process.

    A slot is a lease: one not renewed (its process died) frees itself. Never raises for
    an outage: implementations count in the process instead.
    """

    async def take(self, user: UserId, stream: str, *, limit: int) -> bool:
        """Lease a slot for `stream` unless `user` holds `limit` already."""
        ...

    async def renew(self, user: UserId, stream: str) -> None: ...

    async def release(self, user: UserId, stream: str) -> None: ...
