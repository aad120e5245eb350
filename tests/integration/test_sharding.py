"""`taskflow migrate` against a scripted mongos: the commands it sends, checked on the wire.

No mongos runs on these machines, so a MockupDB peer plays one (the only scripted
MongoDB in the suite, DESIGN §7): it answers the handshake as a router (`isdbgrid`),
lists what this test says exists, acknowledges everything else, and records each
command. The real `migrate` runs against it, Beanie's index work included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from bson import Timestamp
from mockupdb import MockupDB, Request

from taskflow.adapters.mongo.sharding import SHARD_KEYS, ShardKeyMismatchError
from taskflow.entrypoints.migration import migrate
from taskflow.settings import Settings
from tests.conftest import TEST_ARGON2, TEST_JWT_SECRET

DATABASE = "taskflow"
NAMESPACE = f"{DATABASE}.tasks"
_CURSOR_COMMANDS = {"find", "aggregate", "listIndexes", "listCollections"}


@dataclass
class ScriptedMongos:
    """Every command it received, and what it answers to the reads `migrate` makes."""

    server: MockupDB
    commands: list[dict[str, Any]] = field(default_factory=list)
    sharded_on: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each namespace already sharded, with its key."""
    task_indexes: list[dict[str, Any]] = field(default_factory=list)

    def respond(self, request: Request) -> bool:
        name = request.command_name
        if name in {"hello", "ismaster", "isMaster"}:  # handshakes, heartbeats and `is_mongos`
            return bool(request.ok(msg="isdbgrid", isWritablePrimary=True, maxWireVersion=25, minWireVersion=0))
        command = {key: value for key, value in request.doc.items() if not key.startswith("$")}
        command["$db"] = request.doc.get("$db")
        self.commands.append(command)
        if name == "buildInfo":
            return bool(request.ok(version="8.0.4"))
        if name == "ping":  # as a mongos answers: with the cluster's operation time
            return bool(request.ok(operationTime=Timestamp(1_800_000_000, 1)))
        if name in _CURSOR_COMMANDS:
            return bool(request.ok(cursor={"id": 0, "ns": self._namespace(request), "firstBatch": self._rows(request)}))
        return bool(request.ok())

    def named(self, name: str) -> list[dict[str, Any]]:
        return [command for command in self.commands if name in command]

    def _namespace(self, request: Request) -> str:
        return f"{request.doc.get('$db')}.{request.doc.get(request.command_name)}"

    def _rows(self, request: Request) -> list[dict[str, Any]]:
        target = (request.doc.get("$db"), request.command_name, request.doc.get(request.command_name))
        if target == ("config", "find", "collections"):
            wanted = request.doc["filter"]["_id"]
            return [{"_id": wanted, "key": self.sharded_on[wanted]}] if wanted in self.sharded_on else []
        if target == (DATABASE, "listIndexes", "tasks"):
            return [{"v": 2, "key": {"_id": 1}, "name": "_id_"}, *self.task_indexes]
        return []


@pytest.fixture
def mongos() -> Iterator[ScriptedMongos]:
    server = MockupDB()
    scripted = ScriptedMongos(server)
    server.autoresponds(scripted.respond)
    server.run()
    try:
        yield scripted
    finally:
        server.stop()


def _settings(mongos: ScriptedMongos) -> Settings:
    return Settings(
        mongodb_uri=mongos.server.uri,
        mongodb_database=DATABASE,
        redis_url="redis://127.0.0.1:1",  # migrate never touches Redis
        jwt_secret=TEST_JWT_SECRET,
        argon2=TEST_ARGON2,
        request_timeout_seconds=5.0,
    )


async def _migrate(mongos: ScriptedMongos) -> None:
    await asyncio.wait_for(migrate(_settings(mongos)), 30)


SHARD_KEY = [("user_id", "hashed"), ("_id", 1)]


async def test_migrate_on_a_mongos_shards_tasks_on_the_hashed_owner_then_id(mongos: ScriptedMongos) -> None:
    await _migrate(mongos)
    enable = mongos.named("enableSharding")[0]
    assert enable == {"enableSharding": DATABASE, "$db": "admin", **_time_limit(enable)}
    shard = next(command for command in mongos.named("shardCollection") if command["shardCollection"] == NAMESPACE)
    assert list(shard["key"].items()) == SHARD_KEY  # order matters: hashed owner first, then _id
    assert shard["$db"] == "admin"
    # The key's index is created before the collection is sharded (required when it holds data).
    index_creations = [
        index
        for command in mongos.named("createIndexes")
        if command["createIndexes"] == "tasks"
        for index in command["indexes"]
    ]
    shard_key_indexes = [index for index in index_creations if list(index["key"].items()) == SHARD_KEY]
    assert shard_key_indexes
    assert all(index["name"] == "shard_key" for index in shard_key_indexes)
    assert mongos.commands.index(shard) > max(
        position for position, command in enumerate(mongos.commands) if command.get("createIndexes") == "tasks"
    )
    # The sort indexes every listing uses are there too, all led by the owner; `due_at` serves
    # the reminder cron, the one query across users (scatter-gather by design).
    assert {index["name"] for index in index_creations} >= {"shard_key", "place_created_at_id", "due_at"}
    assert all(next(iter(index["key"])) == "user_id" for index in index_creations if index["name"] != "due_at")


@pytest.mark.parametrize(
    ("collection", "key"),
    [("projects", [("space", "hashed"), ("_id", 1)]), ("memberships", [("user_id", "hashed"), ("_id", 1)])],
)
async def test_migrate_shards_projects_by_space_and_memberships_by_member(
    mongos: ScriptedMongos, collection: str, key: list[tuple[str, Any]]
) -> None:
    await _migrate(mongos)
    (shard,) = [
        command for command in mongos.named("shardCollection") if command["shardCollection"].endswith(collection)
    ]
    assert (shard["shardCollection"], list(shard["key"].items())) == (f"{DATABASE}.{collection}", key)
    created = [
        position
        for position, command in enumerate(mongos.commands)
        if command.get("createIndexes") == collection
        and any(list(index["key"].items()) == key for index in command["indexes"])
    ]
    assert created
    assert min(created) < mongos.commands.index(shard)


async def test_migrate_again_keeps_the_shard_key_index_and_shards_nothing(mongos: ScriptedMongos) -> None:
    mongos.sharded_on = {f"{DATABASE}.{name}": dict(key) for name, key in SHARD_KEYS.items()}
    mongos.task_indexes = [{"v": 2, "key": dict(SHARD_KEY), "name": "shard_key"}]
    await _migrate(mongos)
    assert not mongos.named("shardCollection")
    assert not mongos.named("enableSharding")
    dropped = [command.get("index") for command in mongos.named("dropIndexes")]
    assert "shard_key" not in dropped


async def test_migrate_refuses_a_collection_sharded_on_another_key(mongos: ScriptedMongos) -> None:
    mongos.sharded_on = {NAMESPACE: {"_id": "hashed"}}
    with pytest.raises(ShardKeyMismatchError, match=r"taskflow\.tasks is sharded on"):
        await _migrate(mongos)
    assert not mongos.named("shardCollection")


def _time_limit(command: dict[str, Any]) -> dict[str, Any]:
    """The driver adds `maxTimeMS` from the client-side deadline; it is not migrate's to choose."""
    return {"maxTimeMS": command["maxTimeMS"]} if "maxTimeMS" in command else {}
