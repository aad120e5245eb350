"""`tasks`, `projects` and `memberships` sharded, when `taskflow migrate` talks to a mongos (decisions 0019, 0028).

The key is `{user_id: "hashed", _id: 1}`: owners spread evenly over the shards, every
task query (which always names its owner) goes to the shards holding that owner's
range (one, unless the owner's tasks were split), and a heavy owner's tasks can still
be split by `_id`. Under `{user_id: "hashed"}` alone they all share one hash value: one
chunk that can never split ("jumbo") and one shard that holds all of it. A project is
keyed the same way by its space, a membership by its member (their `_id` makes joining
once unique, which a unique index beside a hashed key could not), a task's history by its
task (`task_id`: a moved task keeps its id, not its space), a notification by its person,
a task's route in the directory by the task's id. Invitations and the other small
collections stay unsharded, on the database's primary shard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import pymongo
from pymongo import IndexModel

from taskflow.adapters.mongo.schema.memberships import MEMBERSHIPS
from taskflow.adapters.mongo.schema.notifications import NOTIFICATIONS
from taskflow.adapters.mongo.schema.projects import PROJECTS
from taskflow.adapters.mongo.schema.task_activity import TASK_ACTIVITY
from taskflow.adapters.mongo.schema.task_directory import TASK_DIRECTORY
from taskflow.adapters.mongo.schema.tasks import TASKS

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase

TASKS_SHARD_KEY: Final[dict[str, str | int]] = {"user_id": pymongo.HASHED, "_id": pymongo.ASCENDING}
# Decision 0028: a project in its space, a membership in its member's partition.
SHARD_KEYS: Final[dict[str, dict[str, str | int]]] = {
    TASKS: TASKS_SHARD_KEY,
    PROJECTS: {"space": pymongo.HASHED, "_id": pymongo.ASCENDING},
    MEMBERSHIPS: {"user_id": pymongo.HASHED, "_id": pymongo.ASCENDING},
    # A task's history by its task: a move changes the task's space, never its id.
    TASK_ACTIVITY: {"task_id": pymongo.HASHED, "_id": pymongo.ASCENDING},
    NOTIFICATIONS: {"user_id": pymongo.HASHED, "_id": pymongo.ASCENDING},  # an inbox in its person's partition
    TASK_DIRECTORY: {"_id": pymongo.HASHED},  # read and written by the task's id alone (decision 0039)
}
SHARD_KEY_INDEX_NAME: Final = "shard_key"


class ShardKeyMismatchError(RuntimeError):
    """A collection is sharded on another key: resharding is an operator's decision, not a migration's."""


async def is_mongos(database: AsyncDatabase[Any]) -> bool:
    hello = await database.client.admin.command("hello")
    return bool(hello.get("msg") == "isdbgrid")


async def shard_collections(database: AsyncDatabase[Any]) -> list[str]:
    """Shard each collection of `SHARD_KEYS` on its key unless it is; those this call sharded. Idempotent."""
    sharded = []
    for collection, key in SHARD_KEYS.items():
        if await _shard(database, collection, key):
            sharded.append(collection)
    return sharded


async def _shard(database: AsyncDatabase[Any], collection: str, key: dict[str, str | int]) -> bool:
    client = database.client
    namespace = f"{database.name}.{collection}"
    existing = await client["config"]["collections"].find_one({"_id": namespace})
    if existing is not None and not existing.get("dropped", False):
        if list(existing["key"].items()) != list(key.items()):
            msg = f"{namespace} is sharded on {dict(existing['key'])}, not {key}"
            raise ShardKeyMismatchError(msg)
        return False
    await client.admin.command("enableSharding", database.name)
    await database[collection].create_indexes([IndexModel(list(key.items()), name=SHARD_KEY_INDEX_NAME)])
    await client.admin.command("shardCollection", namespace, key=key)
    return True
