"""Domain services wired to honest fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from taskflow.adapters.redis.ratelimit import LocalRateLimiter
from taskflow.domain.entities import User
from taskflow.domain.gate import GatedUserRepository, Principal
from taskflow.domain.ports.security import RateRule
from taskflow.domain.services.accounts import AccountService, LoginLimits, PasswordPolicy
from taskflow.domain.services.admin import AdminService
from taskflow.domain.services.imports import ImportLimits, ImportService
from taskflow.domain.services.outbox import OutboxService
from taskflow.domain.services.reminders import ReminderService
from taskflow.domain.services.sessions import SessionPolicy, SessionService
from taskflow.domain.services.stats_refresh import StatsRefresh
from taskflow.domain.services.tasks import TaskService
from tests.unit.fakes import (
    FakeCommonPasswords,
    FakeJobQueue,
    FakeMailer,
    FakePasswordHasher,
    FakeTokenIssuer,
    FrozenClock,
    InMemoryAccountGate,
    InMemoryImportJobs,
    InMemoryOutbox,
    InMemorySessionRepository,
    InMemoryTaskRepository,
    InMemoryUserRepository,
    RecordingSecurityLog,
    SequentialIds,
    SequentialSecrets,
)

LIMITS = LoginLimits(
    per_account=RateRule("login-account", 3, 900),
    per_address=RateRule("login-address", 5, 900),
)
OUTBOX_GRACE = timedelta(seconds=30)
REMINDER_LEAD = timedelta(hours=1)
STATS_DEBOUNCE = timedelta(seconds=5)
IMPORT_LIMITS = ImportLimits(max_bytes=100_000, max_rows=2_000)
SESSION_POLICY = SessionPolicy(idle=timedelta(days=14), absolute=timedelta(days=30))


def as_principal(user: User) -> Principal:
    """What the gate makes of an account signed in now."""
    return Principal(user.id, user.role)


@dataclass
class World:
    users: InMemoryUserRepository
    tasks: InMemoryTaskRepository
    sessions: InMemorySessionRepository
    hasher: FakePasswordHasher
    tokens: FakeTokenIssuer
    gate: InMemoryAccountGate
    security_log: RecordingSecurityLog
    clock: FrozenClock
    jobs: FakeJobQueue
    outbox: InMemoryOutbox
    outbox_service: OutboxService
    import_jobs: InMemoryImportJobs
    imports: ImportService
    reminders: ReminderService
    mailer: FakeMailer
    accounts: AccountService
    session_service: SessionService
    task_service: TaskService
    admin: AdminService


@pytest.fixture
def world() -> World:
    records, tasks, sessions = InMemoryUserRepository(), InMemoryTaskRepository(), InMemorySessionRepository()
    hasher, tokens = FakePasswordHasher(), FakeTokenIssuer()
    clock, ids, jobs, mailer = FrozenClock(), SequentialIds(), FakeJobQueue(), FakeMailer()
    security_log = RecordingSecurityLog()
    outbox = InMemoryOutbox()
    outbox_service = OutboxService(outbox, jobs, clock, grace=OUTBOX_GRACE)
    import_jobs = InMemoryImportJobs()
    stats_refresh = StatsRefresh(jobs, clock, debounce=STATS_DEBOUNCE)
    # The process-local limiter has no I/O: the real one runs here, on the fake clock.
    limiter = LocalRateLimiter(clock=lambda: clock.now().timestamp())
    gate = InMemoryAccountGate(clock, limiter)
    users = GatedUserRepository(records, gate)
    session_service = SessionService(
        users=users,
        sessions=sessions,
        tokens=tokens,
        gate=gate,
        limiter=limiter,
        secrets=SequentialSecrets(),
        clock=clock,
        security_log=security_log,
        policy=SESSION_POLICY,
        access_ttl=timedelta(minutes=15),
    )
    accounts = AccountService(
        users=users,
        hasher=hasher,
        sessions=session_service,
        clock=clock,
        ids=ids,
        policy=PasswordPolicy(12, FakeCommonPasswords()),
        limiter=limiter,
        limits=LIMITS,
        outbox=outbox_service,
        mailer=mailer,
    )
    return World(
        users=records,
        tasks=tasks,
        sessions=sessions,
        hasher=hasher,
        tokens=tokens,
        gate=gate,
        security_log=security_log,
        clock=clock,
        jobs=jobs,
        outbox=outbox,
        outbox_service=outbox_service,
        import_jobs=import_jobs,
        imports=ImportService(
            jobs=import_jobs,
            tasks=tasks,
            outbox=outbox_service,
            stats=stats_refresh,
            ids=ids,
            clock=clock,
            limits=IMPORT_LIMITS,
        ),
        reminders=ReminderService(
            tasks=tasks, users=users, outbox=outbox_service, mailer=mailer, clock=clock, lead=REMINDER_LEAD
        ),
        mailer=mailer,
        accounts=accounts,
        session_service=session_service,
        task_service=TaskService(tasks, clock, ids, stats_refresh),
        admin=AdminService(users=users, tasks=tasks, sessions=session_service, clock=clock),
    )
