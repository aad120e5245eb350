"""Domain services wired to honest fakes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from taskflow.domain.services.accounts import AccountService, PasswordPolicy
from taskflow.domain.services.admin import AdminService
from taskflow.domain.services.tasks import TaskService
from tests.unit.fakes import (
    FakeJobQueue,
    FakeMailer,
    FakePasswordHasher,
    FakeTokenIssuer,
    FrozenClock,
    InMemoryTaskRepository,
    InMemoryUserRepository,
    SequentialIds,
)


@dataclass
class World:
    users: InMemoryUserRepository
    tasks: InMemoryTaskRepository
    hasher: FakePasswordHasher
    tokens: FakeTokenIssuer
    clock: FrozenClock
    jobs: FakeJobQueue
    mailer: FakeMailer
    accounts: AccountService
    task_service: TaskService
    admin: AdminService


@pytest.fixture
def world() -> World:
    users, tasks, hasher, tokens = (
        InMemoryUserRepository(),
        InMemoryTaskRepository(),
        FakePasswordHasher(),
        FakeTokenIssuer(),
    )
    clock, ids, jobs, mailer = FrozenClock(), SequentialIds(), FakeJobQueue(), FakeMailer()
    accounts = AccountService(
        users=users,
        hasher=hasher,
        tokens=tokens,
        clock=clock,
        ids=ids,
        policy=PasswordPolicy(min_length=12),
        jobs=jobs,
        mailer=mailer,
    )
    admin = AdminService(users=users, tasks=tasks, clock=clock)
    return World(users, tasks, hasher, tokens, clock, jobs, mailer, accounts, TaskService(tasks, clock, ids), admin)
