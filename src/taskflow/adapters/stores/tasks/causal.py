"""Write tokens from MongoDB sessions, and reads that wait until a member has caught up.

A token is a write's `operationTime` with the signed `$clusterTime` it came with. A read
that carries it runs in a causally consistent session advanced to both, with read concern
`majority`: the driver sends `afterClusterTime`, so a lagging secondary waits for the write
instead of answering without it.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import bson
from bson.errors import BSONError
from bson.timestamp import Timestamp
from pymongo import ReadPreference
from pymongo.read_concern import ReadConcern

from taskflow.adapters.stores.tasks.consistency import Members, ReadRule, WriteToken, record_write

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from pymongo.asynchronous.client_session import AsyncClientSession
    from pymongo.asynchronous.collection import AsyncCollection


def token_of(session: AsyncClientSession) -> WriteToken | None:
    operation_time = session.operation_time
    if operation_time is None:
        return None
    payload = bson.encode({"o": operation_time, "c": dict(session.cluster_time or {})})
    return WriteToken(position=(operation_time.time << 32) | operation_time.inc, payload=payload)


def _advance(session: AsyncClientSession, token: WriteToken) -> bool:
    """False when the payload is not a token this adapter made (the caller reads the primary)."""
    try:
        decoded = bson.decode(token.payload)
        operation_time, cluster_time = decoded["o"], decoded["c"]
    except (BSONError, KeyError, TypeError, ValueError):
        return False
    if not isinstance(operation_time, Timestamp) or not isinstance(cluster_time, dict):
        return False
    if cluster_time:
        session.advance_cluster_time(cluster_time)
    session.advance_operation_time(operation_time)
    return True


class CausalCollection:
    """One collection read by `ReadRule`, written in sessions whose tokens are recorded."""

    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection  # as the client is configured: writes, and reads from any member
        self._client = collection.database.client
        self._primary = collection.with_options(read_preference=ReadPreference.PRIMARY)
        self._newest = collection.with_options(read_preference=ReadPreference.PRIMARY_PREFERRED)
        self._caught_up = collection.with_options(read_concern=ReadConcern("majority"))

    @asynccontextmanager
    async def reading(
        self, rule: ReadRule
    ) -> AsyncIterator[tuple[AsyncCollection[dict[str, Any]], AsyncClientSession | None]]:
        if rule.members is Members.PRIMARY:
            yield self._primary, None
            return
        if rule.members is Members.NEWEST or rule.after is None:
            yield (self._newest if rule.members is Members.NEWEST else self.collection), None
            return
        async with self._client.start_session(causal_consistency=True) as session:
            if not _advance(session, rule.after):
                yield self._newest, None
            else:
                yield self._caught_up, session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncClientSession]:
        """Records the write's token even when the write fails: its outcome may be unknown."""
        async with self._client.start_session(causal_consistency=True) as session:
            try:
                yield session
            finally:
                if (token := token_of(session)) is not None:
                    record_write(token)
