"""The guard over the whole API suite is live, sees the API's commands, and can fail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from bson import ObjectId
from pymongo import AsyncMongoClient

from taskflow.settings import Settings
from tests.api.conftest import Account
from tests.api.shard_key_guard import ShardKeyGuard


async def test_the_guard_sees_every_kind_of_task_command_the_api_sends(
    client: httpx.AsyncClient, register: Callable[[], Awaitable[Account]], shard_key_guard: ShardKeyGuard
) -> None:
    ada = await register()
    before = shard_key_guard.seen
    created = (await client.post("/api/v1/tasks", json={"title": "x"}, headers=ada.auth)).json()
    url = f"/api/v1/tasks/{created['id']}"
    for response in [
        await client.get(url, headers=ada.auth),
        await client.patch(url, json={"title": "y"}, headers=ada.auth),
        await client.get("/api/v1/tasks", headers=ada.auth),
        await client.get("/api/v1/tasks/stats", headers=ada.auth),
        await client.get("/api/v1/tasks/export", headers=ada.auth),
        await client.delete(url, headers=ada.auth),
    ]:
        assert response.is_success, response.text
    # insert, find, find + update, find, aggregate, find, delete
    assert shard_key_guard.seen - before == 8


async def test_the_guard_reports_task_commands_that_do_not_route_by_user(
    settings: Settings, shard_key_guard: ShardKeyGuard
) -> None:
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    tasks = mongo[settings.mongodb_database].tasks
    try:
        await tasks.find_one({"title": "x"})
        await tasks.update_many({"user_id": {"$ne": None}}, {"$set": {"title": "y"}})
        await tasks.count_documents({})
        await tasks.find_one({"user_id": ObjectId(), "title": "x"})  # routed: not reported
    finally:
        await mongo.close()
    reported, shard_key_guard.violations = shard_key_guard.violations, []
    assert [line.split(" ")[0] for line in reported] == ["find", "update", "aggregate"]


async def test_the_guard_sees_the_project_commands_and_each_routes(
    client: httpx.AsyncClient, register: Callable[[], Awaitable[Account]], shard_key_guard: ShardKeyGuard
) -> None:
    ada = await register()
    before = shard_key_guard.seen
    project = (await client.post("/api/v1/projects", json={"name": "x"}, headers=ada.auth)).json()
    url = f"/api/v1/projects/{project['id']}"
    for response in [
        await client.get("/api/v1/projects", headers=ada.auth),
        await client.get(url, headers=ada.auth),
        await client.patch(url, json={"name": "y"}, headers=ada.auth),
        await client.delete(url, headers=ada.auth),
    ]:
        assert response.is_success, response.text
    assert shard_key_guard.seen - before >= 8  # each route reads the membership, then the project


async def test_the_guard_reports_project_and_membership_commands_that_do_not_route(
    settings: Settings, shard_key_guard: ShardKeyGuard
) -> None:
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    database = mongo[settings.mongodb_database]
    try:
        await database.projects.find_one({"name": "x"})
        await database.projects.find_one({"$or": [{"space": ObjectId()}, {"name": "x"}]})
        await database.memberships.find_one({"user_id": {"$in": [ObjectId() for _ in range(501)]}})
        await database.projects.find_one({"$or": [{"space": ObjectId(), "_id": ObjectId()}]})  # routed
        await database.memberships.find_one({"user_id": {"$in": [ObjectId(), ObjectId()]}})  # routed
    finally:
        await mongo.close()
    reported, shard_key_guard.violations = shard_key_guard.violations, []
    assert [line.split(" ")[0] for line in reported] == ["find", "find", "find"]
