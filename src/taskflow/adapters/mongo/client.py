"""The one MongoDB client per process, and the rules every operation inherits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pymongo
from beanie import init_beanie
from pymongo import AsyncMongoClient, ReadPreference

from taskflow.adapters.mongo.schema import DOCUMENTS

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from pymongo.asynchronous.database import AsyncDatabase

# The driver's minimum: a secondary further behind than this is not read from.
MAX_STALENESS_SECONDS = 90
# The comment every query across users carries: visible in the server's logs and
# profiler, and the one exception the tests' shard-key guard allows.
SCATTER_GATHER = "scatter-gather"


def connect(uri: str, *, timeout_seconds: float, app_name: str = "taskflow") -> AsyncMongoClient[Any]:
    """Writes are majority and journaled and retried once; reads may go to a secondary.

    Keyword options override the URI, so these rules hold whatever URI is configured.
    `timeoutMS` bounds each operation outside a request (the worker, a streamed export);
    inside one, `deadline` bounds all of them together. Past either the caller answers 503.
    """
    return AsyncMongoClient(
        uri,
        appname=app_name,
        tz_aware=True,
        w="majority",
        journal=True,
        retryWrites=True,
        retryReads=True,
        readPreference="secondaryPreferred",
        maxStalenessSeconds=MAX_STALENESS_SECONDS,
        timeoutMS=int(timeout_seconds * 1000),
        connect=False,
    )


def deadline(seconds: float) -> AbstractContextManager[object]:
    """One client-side timeout (CSOT) shared by every operation inside the block.

    While time is left the driver retries retryable reads and writes, not just once.
    """
    return pymongo.timeout(seconds)


async def create_indexes(database: AsyncDatabase[Any]) -> list[str]:
    """Create the collections and indexes the Beanie documents declare; idempotent.

    Indexes no document declares any more are dropped, so a renamed one does not linger;
    Beanie leaves alone every index with `_id: 1` in its key (it takes them all for the
    `_id` index), which keeps the shard key's index (`sharding.py`) on a sharded cluster.
    """
    await init_beanie(database=database, document_models=list(DOCUMENTS), allow_index_dropping=True)
    return [document.Settings.name for document in DOCUMENTS]


async def ping_for_reads(database: AsyncDatabase[Any]) -> None:
    """Raise unless some member that may serve reads answers."""
    await database.command("ping", read_preference=ReadPreference.SECONDARY_PREFERRED)
