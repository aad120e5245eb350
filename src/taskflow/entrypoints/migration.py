"""`taskflow migrate`: indexes, sharding and data changes, each idempotent, run before the APIs start."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.adapters.mongo import client as mongo
from taskflow.adapters.mongo.migrations import (
    backfill_priority_rank_across_users,
    backfill_task_places_across_users,
    drop_retired_task_indexes,
    record_task_images,
)
from taskflow.adapters.mongo.sharding import is_mongos, shard_collections

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
        await record_task_images(database)
        return touched
    finally:
        await client.close()
