"""Connections to the outside, once per process: one adapter per port, and the probes of what they reach."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from taskflow.adapters.clock import SystemClock
from taskflow.adapters.jobs import queue as arq_queue
from taskflow.adapters.jobs.deliveries import CountedInbox
from taskflow.adapters.jobs.metrics import JOB_METRICS
from taskflow.adapters.mail.smtp import SmtpMailer
from taskflow.adapters.mongo import client as mongo
from taskflow.adapters.mongo.account_records import MongoAccountRecords
from taskflow.adapters.mongo.activity import MongoTaskActivity
from taskflow.adapters.mongo.audit import MongoAuditTrail
from taskflow.adapters.mongo.change_consumers import MongoConsumerState
from taskflow.adapters.mongo.change_feed import MongoChangeFeed
from taskflow.adapters.mongo.idempotency import MongoIdempotencyStore
from taskflow.adapters.mongo.ids import ObjectIdGenerator
from taskflow.adapters.mongo.jobs import MongoImportJobRepository
from taskflow.adapters.mongo.notifications import MongoInbox, MongoMailWindows, MongoNotificationPreferences
from taskflow.adapters.mongo.outbox import MongoOutbox
from taskflow.adapters.mongo.password_resets import MongoPasswordResetRepository
from taskflow.adapters.mongo.projects import (
    MongoInvitationRepository,
    MongoMembershipRepository,
    MongoProjectRepository,
)
from taskflow.adapters.mongo.repositories import (
    MongoSessionRepository,
    MongoUserRepository,
)
from taskflow.adapters.mongo.task_directory import MongoTaskDirectory
from taskflow.adapters.redis import client as redis
from taskflow.adapters.redis.account_gate import RedisAccountGate
from taskflow.adapters.redis.epoch import Epoch
from taskflow.adapters.redis.membership_gate import RedisMembershipGate
from taskflow.adapters.redis.ratelimit import (
    FallbackRateLimiter,
    LocalRateLimiter,
    RedisRateLimiter,
    StandInRateLimiter,
)
from taskflow.adapters.redis.stream_slots import RedisStreamSlots
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.adapters.security.common_passwords import BundledCommonPasswords
from taskflow.adapters.security.events import StructlogSecurityLog
from taskflow.adapters.security.passwords import Argon2PasswordHasher
from taskflow.adapters.security.secrets import RandomSecrets
from taskflow.adapters.security.tokens import JwtTokenIssuer
from taskflow.adapters.stores.tasks.scans import MongoTaskScans
from taskflow.adapters.stores.tasks.wiring import task_store

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from taskflow.domain.changes.consumer import ConsumerState
    from taskflow.domain.changes.feed import ChangeFeed
    from taskflow.domain.ports.accounts import (
        AccountRecords,
        AuditTrail,
        PasswordResetRepository,
        SessionRepository,
        UserRepository,
    )
    from taskflow.domain.ports.activity import TaskActivity
    from taskflow.domain.ports.gates import AccountGate, MembershipGate
    from taskflow.domain.ports.idempotency import IdempotencyStore
    from taskflow.domain.ports.jobs import ImportJobRepository, JobQueue, Outbox
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.notifications import Inbox, MailWindows, NotificationPreferences
    from taskflow.domain.ports.projects import InvitationRepository, MembershipRepository, ProjectRepository
    from taskflow.domain.ports.security import (
        CommonPasswords,
        PasswordHasher,
        RateLimiter,
        SecretGenerator,
        SecurityLog,
        TokenIssuer,
    )
    from taskflow.domain.ports.streams import StreamSlots
    from taskflow.domain.ports.tasks import TaskDirectory, TaskRepository, TaskScans
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.settings import Settings


CHANGE_FEED_AWAIT_SECONDS = 0.5
"""How long one read of the change feed waits on the database for a change before saying 'none yet'."""
STREAM_LEASES = 3
"""A live stream's slot lasts this many heartbeats unless renewed: a dead process's streams free themselves."""


@dataclass(frozen=True, slots=True)
class Ports:
    """One adapter per port: all that `build_services` needs, and nothing else."""

    users: UserRepository
    tasks: TaskRepository
    task_directory: TaskDirectory
    task_scans: TaskScans
    sessions: SessionRepository
    idempotency: IdempotencyStore
    outbox: Outbox
    import_jobs: ImportJobRepository
    hasher: PasswordHasher
    tokens: TokenIssuer
    gate: AccountGate
    limiter: RateLimiter
    local_limiter: RateLimiter
    """This process's own windows: what `limiter` falls back on, and what counts while the gate is away."""
    common_passwords: CommonPasswords
    secrets: SecretGenerator
    security_log: SecurityLog
    clock: Clock
    ids: IdGenerator
    jobs: JobQueue
    mailer: Mailer
    projects: ProjectRepository
    memberships: MembershipRepository
    membership_gate: MembershipGate
    invitations: InvitationRepository
    account_records: AccountRecords
    password_resets: PasswordResetRepository
    audit: AuditTrail
    change_feed: ChangeFeed
    activity: TaskActivity
    inbox: Inbox
    notification_preferences: NotificationPreferences
    mail_windows: MailWindows
    consumer_state: ConsumerState
    stream_slots: StreamSlots


@dataclass(frozen=True, slots=True)
class Probes:
    """What an API process reports about its connections rather than uses through a port."""

    checks: dict[str, Callable[[], Awaitable[object]]]
    """Each dependency and how to ping it; `database` gates readiness, the others are reported."""
    refresh_shared_metrics: Callable[[], Awaitable[None]]
    """Reads the figures other processes keep in Redis (the job queue's) before `/metrics` answers."""


@dataclass(frozen=True, slots=True)
class Connections:
    ports: Ports
    probes: Probes


@asynccontextmanager
async def open_connections(settings: Settings) -> AsyncIterator[Connections]:
    """Connect MongoDB and Redis for this process, and close them on the way out."""
    mongo_client = mongo.connect(settings.mongodb_uri, timeout_seconds=settings.request_timeout_seconds)
    database = mongo_client[settings.mongodb_database]
    redis_client = redis.connect(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
    redis_health = RedisHealth()
    epoch = Epoch(redis_client, redis_health)
    job_pool = arq_queue.connect(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
    clock = SystemClock()
    gate = RedisAccountGate(redis_client, epoch, clock)
    local_limiter = StandInRateLimiter(LocalRateLimiter())
    try:
        ports = Ports(
            users=MongoUserRepository(database),
            tasks=task_store(
                database,
                redis_client,
                epoch,
                clock,
                ttl=timedelta(seconds=settings.cache_ttl_seconds),
                stats_ttl=timedelta(seconds=settings.stats_cache_seconds),
            ),
            task_directory=MongoTaskDirectory(database),
            task_scans=MongoTaskScans(database),
            sessions=MongoSessionRepository(database),
            idempotency=MongoIdempotencyStore(database),
            outbox=MongoOutbox(database),
            import_jobs=MongoImportJobRepository(database),
            hasher=Argon2PasswordHasher(
                memory_kib=settings.argon2.memory_kib,
                time_cost=settings.argon2.time_cost,
                parallelism=settings.argon2.parallelism,
                max_concurrent=settings.argon2.max_concurrent,
            ),
            tokens=JwtTokenIssuer(
                secret=settings.jwt_secret,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                ttl_seconds=settings.access_token_ttl_seconds,
            ),
            gate=gate,
            limiter=FallbackRateLimiter(RedisRateLimiter(redis_client, redis_health), local_limiter),
            local_limiter=local_limiter,
            common_passwords=BundledCommonPasswords(),
            secrets=RandomSecrets(),
            security_log=StructlogSecurityLog(),
            clock=clock,
            ids=ObjectIdGenerator(),
            jobs=arq_queue.ArqJobQueue(job_pool, redis_health),
            mailer=SmtpMailer(settings.smtp_url),
            projects=MongoProjectRepository(database),
            memberships=MongoMembershipRepository(database),
            membership_gate=RedisMembershipGate(redis_client, epoch),
            invitations=MongoInvitationRepository(database),
            account_records=MongoAccountRecords(database),
            password_resets=MongoPasswordResetRepository(database),
            audit=MongoAuditTrail(database, clock, retention=timedelta(days=settings.audit_retention_days)),
            change_feed=MongoChangeFeed(database, max_await_seconds=CHANGE_FEED_AWAIT_SECONDS),
            consumer_state=MongoConsumerState(database),
            activity=MongoTaskActivity(database),
            inbox=CountedInbox(MongoInbox(database), redis_client),
            notification_preferences=MongoNotificationPreferences(database),
            mail_windows=MongoMailWindows(database),
            stream_slots=RedisStreamSlots(
                redis_client, redis_health, lease_seconds=STREAM_LEASES * settings.event_heartbeat_seconds
            ),
        )
        probes = Probes(
            checks={"database": lambda: mongo.ping_for_reads(database), "redis": redis_client.ping},
            refresh_shared_metrics=lambda: JOB_METRICS.refresh(redis_client),
        )
        yield Connections(ports, probes)
    finally:
        await job_pool.aclose()
        await redis_client.aclose()
        await mongo_client.close()


@asynccontextmanager
async def open_ports(settings: Settings) -> AsyncIterator[Ports]:
    """The ports alone, for a process that reports nothing about its connections."""
    async with open_connections(settings) as connections:
        yield connections.ports
