"""`tasks` sharded by owner, when `taskflow migrate` talks to a mongos (decision 0019).

The key is `{user_id: "hashed", _id: 1}`: owners spread evenly over the shards, every
task query (which always names its owner) goes to the shards holding that owner's
range (one, unless the owner's tasks were split), and a heavy owner's tasks can still
be split by `_id`. Under `{user_id: "hashed"}` alone they all share one hash value: one
chunk that can never split ("jumbo") and one shard that holds all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pymongo
from pymongo import IndexModel

from taskflow.adapters.mongo.documents import TASKS

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase

TASKS_SHARD_KEY: Final[dict[str, str | int]] = {"user_id": pymongo.HASHED, "_id": pymongo.ASCENDING}
SHARD_KEY_INDEX: Final = IndexModel(list(TASKS_SHARD_KEY.items()), name="shard_key")


class ShardKeyMismatchError(RuntimeError):
    """`tasks` is sharded on another key: resharding is an operator's decision, not a migration's."""


async def is_mongos(database: AsyncDatabase[Any]) -> bool:
    hello = await database.client.admin.command("hello")
    return bool(hello.get("msg") == "isdbgrid")


async def shard_tasks(database: AsyncDatabase[Any]) -> bool:
    """Shard `tasks` on `TASKS_SHARD_KEY` unless it is; True if this call did. Idempotent."""
    client = database.client
    namespace = f"{database.name}.{TASKS}"
    existing = await client["config"]["collections"].find_one({"_id": namespace})
    if existing is not None and not existing.get("dropped", False):
        if list(existing["key"].items()) != list(TASKS_SHARD_KEY.items()):
            msg = f"{namespace} is sharded on {dict(existing['key'])}, not {TASKS_SHARD_KEY}"
            raise ShardKeyMismatchError(msg)
        return False
    await client.admin.command("enableSharding", database.name)
    await database[TASKS].create_indexes([SHARD_KEY_INDEX])
    await client.admin.command("shardCollection", namespace, key=TASKS_SHARD_KEY)
    return True
