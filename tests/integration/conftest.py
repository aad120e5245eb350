"""Adapters against real servers: a database per test module, a mail sink per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from taskflow.adapters.mongo.client import connect, create_indexes
from taskflow.entrypoints.processes import Child, start_mail_sink
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
def mail_sink(tmp_path: Path) -> Iterator[tuple[Child, Path]]:
    directory = tmp_path / "mail"
    child = start_mail_sink(directory=directory)
    yield child, directory
    child.stop()
