"""One suite, two implementations: the in-memory fakes must behave like MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from pymongo import AsyncMongoClient

from taskflow.adapters.mongo.client import connect, create_indexes
from taskflow.adapters.mongo.idempotency import MongoIdempotencyStore
from taskflow.adapters.mongo.repositories import MongoSessionRepository, MongoTaskRepository, MongoUserRepository
from taskflow.domain.ports import IdempotencyStore, SessionRepository, TaskRepository, UserRepository
from taskflow.settings import Settings
from tests.unit.fakes import (
    InMemoryIdempotencyStore,
    InMemorySessionRepository,
    InMemoryTaskRepository,
    InMemoryUserRepository,
)


@dataclass
class Repositories:
    users: UserRepository
    tasks: TaskRepository
    sessions: SessionRepository
    idempotency: IdempotencyStore


@pytest.fixture(params=["memory", "mongo"])
async def repositories(request: pytest.FixtureRequest) -> AsyncIterator[Repositories]:
    if request.param == "memory":
        yield Repositories(
            InMemoryUserRepository(), InMemoryTaskRepository(), InMemorySessionRepository(), InMemoryIdempotencyStore()
        )
        return
    settings: Settings = request.getfixturevalue("settings")
    client: AsyncMongoClient[dict[str, object]] = connect(settings.mongodb_uri, timeout_seconds=5)
    database = client[settings.mongodb_database + "_contract"]
    try:
        await create_indexes(database)
        yield Repositories(
            MongoUserRepository(database),
            MongoTaskRepository(database),
            MongoSessionRepository(database),
            MongoIdempotencyStore(database),
        )
    finally:
        await client.drop_database(database.name)
        await client.close()
