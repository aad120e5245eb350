"""Adapters against real servers: a database per test module, a mail sink per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from taskflow.adapters.mongo.client import connect, create_indexes
from taskflow.adapters.redis.client import connect as connect_redis
from taskflow.entrypoints.processes import Child, start_redis
from taskflow.settings import Settings


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[AsyncDatabase[Any]]:
    client: AsyncMongoClient[Any] = connect(settings.mongodb_uri, timeout_seconds=2)
    db = client[f"it_{uuid.uuid4().hex[:10]}"]
    try:
        await create_indexes(db)
        yield db
    finally:
        await client.drop_database(db.name)
        await client.close()


@pytest.fixture
async def admin_client(settings: Settings) -> AsyncIterator[AsyncMongoClient[Any]]:
    """A plain client for test commands such as configureFailPoint."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(settings.mongodb_uri, directConnection=True)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def own_redis() -> Iterator[Child]:
    """A Redis this test may stop or freeze."""
    child = start_redis(data_dir=None)
    yield child
    child.stop()


@pytest.fixture
async def redis(own_redis: Child) -> AsyncIterator[Redis]:
    """A client with a short timeout, so a frozen Redis fails a call quickly."""
    client = connect_redis(own_redis.url, timeout_seconds=0.3)
    yield client
    await client.aclose()
