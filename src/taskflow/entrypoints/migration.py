"""`taskflow migrate`: indexes, sharding and data changes, each idempotent, run before the APIs start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.adapters.mongo import client as mongo
from taskflow.adapters.mongo.change_consumers import MongoConsumerState
from taskflow.adapters.mongo.change_feed import MongoChangeFeed
from taskflow.adapters.mongo.migrations import (
    backfill_priority_rank_across_users,
    backfill_task_directory_across_users,
    backfill_task_places_across_users,
    drop_retired_task_indexes,
    record_change_images,
)
from taskflow.adapters.mongo.sharding import is_mongos, shard_collections
from taskflow.domain.changes.consumer import CHANGE_CONSUMER

if TYPE_CHECKING:
    from taskflow.settings import Settings


async def migrate(settings: Settings) -> list[str]:
    """Create every index and, on a mongos, shard the partitioned collections; idempotent.

    Returns the collections it touched.
    """
    client = mongo.connect(settings.mongodb_uri, timeout_seconds=max(settings.request_timeout_seconds, 30))
    try:
        database = client[settings.mongodb_database]
        touched = await mongo.create_indexes(database)
        if await is_mongos(database):
            await shard_collections(database)
        await drop_retired_task_indexes(database)  # after their replacements exist
        await backfill_priority_rank_across_users(database)
        await backfill_task_places_across_users(database)
        await backfill_task_directory_across_users(database)
        await record_change_images(database)
        # From here on every write reaches the durable consumer, even one made before a worker runs.
        await MongoConsumerState(database).start_at(
            CHANGE_CONSUMER, await MongoChangeFeed(database, max_await_seconds=0).now()
        )
        return touched
    finally:
        await client.close()
