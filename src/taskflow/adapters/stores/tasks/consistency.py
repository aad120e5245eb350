"""Read-your-writes: where a write landed, and how a later read must be served.

Shared by the adapters that meet here without knowing each other: MongoDB makes and
honours write tokens, Redis remembers each user's last one, HTTP hands them to clients.
A token is opaque outside the MongoDB adapter; `position` only orders two of them.
"""

from __future__ import annotations

import struct
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterator

_POSITION: Final = struct.Struct(">Q")


@dataclass(frozen=True, slots=True)
class WriteToken:
    """A point in the database's history (a write's `operationTime` and the signed `$clusterTime`)."""

    position: int
    payload: bytes = field(compare=False, repr=False)

    def to_bytes(self) -> bytes:
        return _POSITION.pack(self.position) + self.payload

    @classmethod
    def from_bytes(cls, raw: bytes) -> WriteToken | None:
        if len(raw) <= _POSITION.size:
            return None
        (position,) = _POSITION.unpack_from(raw)
        return cls(position, raw[_POSITION.size :])


def latest(*tokens: WriteToken | None) -> WriteToken | None:
    known = [token for token in tokens if token is not None]
    return max(known, key=lambda token: token.position) if known else None


class Members(Enum):
    """Which members of the replica set may answer a read."""

    ANY = "any member within the staleness bound"
    NEWEST = "the primary while there is one; during an election a secondary rather than nobody"
    PRIMARY = "only the primary: the read decides a write, which needs it anyway"


@dataclass(frozen=True, slots=True)
class ReadRule:
    """Who may answer a read; among any members, only those that have caught up with `after`."""

    members: Members = Members.ANY
    after: WriteToken | None = None


ANY_MEMBER: Final = ReadRule()
NEWEST: Final = ReadRule(Members.NEWEST)
PRIMARY: Final = ReadRule(Members.PRIMARY)


@dataclass(slots=True)
class RequestTokens:
    """One request's tokens: the one its client presented, the newest its writes made."""

    presented: WriteToken | None = None
    written: WriteToken | None = None


_request: ContextVar[RequestTokens | None] = ContextVar("taskflow_request_tokens", default=None)


@contextmanager
def request_tokens(presented: WriteToken | None = None) -> Iterator[RequestTokens]:
    """The tokens of the request (or job) running in this context; nested calls share them."""
    current = _request.get()
    if current is not None:
        yield current
        return
    tokens = RequestTokens(presented)
    reset = _request.set(tokens)
    try:
        yield tokens
    finally:
        _request.reset(reset)


def presented() -> WriteToken | None:
    tokens = _request.get()
    return None if tokens is None else tokens.presented


def record_write(token: WriteToken) -> None:
    tokens = _request.get()
    if tokens is not None:
        tokens.written = latest(tokens.written, token)
