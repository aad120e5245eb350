"""One suite, two implementations: the in-memory fakes must behave like MongoDB."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from taskflow.adapters.clock import SystemClock
from taskflow.adapters.mongo.client import connect, create_indexes
from taskflow.adapters.mongo.idempotency import MongoIdempotencyStore
from taskflow.adapters.mongo.outbox import MongoOutbox
from taskflow.adapters.mongo.projects import (
    MongoInvitationRepository,
    MongoMembershipRepository,
    MongoProjectRepository,
)
from taskflow.adapters.mongo.repositories import MongoSessionRepository, MongoUserRepository
from taskflow.adapters.redis.client import connect as connect_redis
from taskflow.adapters.redis.epoch import Epoch
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.adapters.stores.tasks.mongo import MongoTaskRepository
from taskflow.adapters.stores.tasks.scans import MongoTaskScans
from taskflow.adapters.stores.tasks.wiring import task_store
from taskflow.domain.access.grants import Grant
from taskflow.domain.access.service import AccessService
from taskflow.domain.model.tasks import Task
from taskflow.domain.ports.accounts import SessionRepository, UserRepository
from taskflow.domain.ports.idempotency import IdempotencyStore
from taskflow.domain.ports.jobs import Outbox
from taskflow.domain.ports.projects import InvitationRepository, MembershipRepository, ProjectRepository
from taskflow.domain.ports.tasks import TaskRepository, TaskScans
from taskflow.domain.values import UserId
from taskflow.settings import Settings
from tests.conftest import MEMORY
from tests.fakes.accounts import InMemorySessionRepository, InMemoryUserRepository
from tests.fakes.idempotency import InMemoryIdempotencyStore
from tests.fakes.jobs import InMemoryOutbox
from tests.fakes.projects import InMemoryInvitations, InMemoryMemberships, InMemoryProjects
from tests.fakes.tasks import InMemoryTaskRepository, InMemoryTaskScans


@dataclass
class Repositories:
    users: UserRepository
    tasks: TaskRepository
    sessions: SessionRepository
    idempotency: IdempotencyStore
    outbox: Outbox
    projects: ProjectRepository
    memberships: MembershipRepository
    invitations: InvitationRepository
    scans: TaskScans


@pytest.fixture(params=["memory", "mongo", "cached"])
async def repositories(request: pytest.FixtureRequest) -> AsyncIterator[Repositories]:
    """`cached` is MongoDB behind the Redis cache, as the app composes them."""
    if request.param == "memory":
        in_memory = InMemoryTaskRepository()
        yield Repositories(
            InMemoryUserRepository(),
            in_memory,
            InMemorySessionRepository(),
            InMemoryIdempotencyStore(),
            InMemoryOutbox(),
            InMemoryProjects(),
            InMemoryMemberships(),
            InMemoryInvitations(),
            InMemoryTaskScans(in_memory),
        )
        return
    settings: Settings = request.getfixturevalue("settings")
    client: AsyncMongoClient[dict[str, object]] = connect(settings.mongodb_uri, timeout_seconds=5)
    database = client[settings.mongodb_database + "_contract"]
    # Its own Redis database: the contract reuses user ids from test to test.
    redis = connect_redis(settings.redis_url.rsplit("/", 1)[0] + "/1", timeout_seconds=1)
    await redis.flushdb()
    tasks: TaskRepository = MongoTaskRepository(database)
    if request.param == "cached":
        tasks = task_store(
            database,
            redis,
            Epoch(redis, RedisHealth()),
            SystemClock(),
            ttl=timedelta(seconds=settings.cache_ttl_seconds),
            stats_ttl=timedelta(seconds=settings.stats_cache_seconds),
        )
    try:
        await create_indexes(database)
        yield Repositories(
            MongoUserRepository(database),
            tasks,
            MongoSessionRepository(database),
            MongoIdempotencyStore(database),
            MongoOutbox(database),
            MongoProjectRepository(database),
            MongoMembershipRepository(database),
            MongoInvitationRepository(database),
            MongoTaskScans(database),
        )
    finally:
        await client.drop_database(database.name)
        await client.close()
        await redis.aclose()


@asynccontextmanager
async def fresh_database(settings: Settings, prefix: str) -> AsyncIterator[AsyncDatabase[dict[str, object]]]:
    """A database of its own with the app's indexes, dropped afterwards: a store's contract on MongoDB."""
    client: AsyncMongoClient[dict[str, object]] = connect(settings.mongodb_uri, timeout_seconds=5)
    database = client[f"{prefix}_{uuid.uuid4().hex[:10]}"]
    try:
        await create_indexes(database)
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()


T = TypeVar("T")


@asynccontextmanager
async def memory_or_mongo(
    request: pytest.FixtureRequest,
    name: str,
    memory: Callable[[], T],
    mongo: Callable[[AsyncDatabase[dict[str, object]]], T],
) -> AsyncIterator[T]:
    """The in-memory store or MongoDB's (in a fresh database), as the fixture's param says: one contract, both."""
    if request.param == MEMORY:
        yield memory()
        return
    settings: Settings = request.getfixturevalue("settings")
    async with fresh_database(settings, name) as database:
        yield mongo(database)


def own(user: UserId) -> Grant:
    """The grant a user's own tasks are reached with (no membership is read for it)."""
    return AccessService.own(user)


async def add_task(tasks: TaskRepository, task: Task) -> None:
    await tasks.add(own(task.owner_id), task)
