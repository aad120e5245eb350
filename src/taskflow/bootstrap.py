"""The composition root: the only module that knows which adapter serves which port."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from taskflow.adapters.clock import SystemClock
from taskflow.adapters.jobs import queue as arq_queue
from taskflow.adapters.jobs.metrics import JOB_METRICS
from taskflow.adapters.mail.smtp import SmtpMailer
from taskflow.adapters.mongo import client as mongo
from taskflow.adapters.mongo.account_records import MongoAccountRecords
from taskflow.adapters.mongo.audit import MongoAuditTrail
from taskflow.adapters.mongo.change_feed import MongoChangeFeed
from taskflow.adapters.mongo.idempotency import MongoIdempotencyStore
from taskflow.adapters.mongo.ids import ObjectIdGenerator
from taskflow.adapters.mongo.jobs import MongoImportJobRepository
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
from taskflow.adapters.redis import client as redis
from taskflow.adapters.redis.account_gate import RedisAccountGate
from taskflow.adapters.redis.epoch import Epoch
from taskflow.adapters.redis.membership_gate import RedisMembershipGate
from taskflow.adapters.redis.ratelimit import FallbackRateLimiter, LocalRateLimiter, RedisRateLimiter
from taskflow.adapters.redis.stream_slots import RedisStreamSlots
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.adapters.security.common_passwords import BundledCommonPasswords
from taskflow.adapters.security.events import StructlogSecurityLog
from taskflow.adapters.security.passwords import Argon2PasswordHasher
from taskflow.adapters.security.secrets import RandomSecrets
from taskflow.adapters.security.tokens import JwtTokenIssuer
from taskflow.adapters.task_store.wiring import task_store
from taskflow.domain.access.service import AccessService
from taskflow.domain.live.hub import ChangeHub
from taskflow.domain.ports.security import RateRule
from taskflow.domain.read_through.memberships import GatedMembershipRepository
from taskflow.domain.read_through.users import GatedUserRepository
from taskflow.domain.services import Services
from taskflow.domain.services.accounts import AccountService, PasswordChangeService
from taskflow.domain.services.admin import AdminService
from taskflow.domain.services.deletion import AccountDeletion
from taskflow.domain.services.derived_tokens import (
    INVITATION_TOKENS,
    PASSWORD_RESET_TOKENS,
    VERIFICATION_TOKENS,
    DerivedTokens,
)
from taskflow.domain.services.idempotency import IdempotencyService
from taskflow.domain.services.imports import ImportLimits, ImportService
from taskflow.domain.services.invitations import InvitationService
from taskflow.domain.services.live_tasks import LiveTasks, StreamLimits
from taskflow.domain.services.outbox import OutboxService
from taskflow.domain.services.password_reset import PasswordResetService, ResetLimits
from taskflow.domain.services.passwords import LoginLimits, NewPasswords, PasswordConfirmation, PasswordPolicy
from taskflow.domain.services.projects import ProjectService
from taskflow.domain.services.registration import Registration, WelcomeMail
from taskflow.domain.services.reminders import ReminderService
from taskflow.domain.services.sessions import SessionPolicy, SessionService
from taskflow.domain.services.sign_in import SignIn
from taskflow.domain.services.stats_refresh import StatsRefresh
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.services.verification import EmailVerification

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from contextlib import AbstractContextManager

    from taskflow.domain.ports.account_gate import AccountGate
    from taskflow.domain.ports.accounts import (
        AccountRecords,
        AuditTrail,
        PasswordResetRepository,
        SessionRepository,
        UserRepository,
    )
    from taskflow.domain.ports.changes import ChangeFeed, StreamSlots
    from taskflow.domain.ports.idempotency import IdempotencyStore
    from taskflow.domain.ports.jobs import ImportJobRepository, JobQueue, Outbox
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.projects import (
        InvitationRepository,
        MembershipGate,
        MembershipRepository,
        ProjectRepository,
    )
    from taskflow.domain.ports.security import (
        CommonPasswords,
        PasswordHasher,
        RateLimiter,
        SecretGenerator,
        SecurityLog,
        TokenIssuer,
    )
    from taskflow.domain.ports.tasks import TaskRepository
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.settings import Limit, Settings


@dataclass(frozen=True, slots=True)
class Ports:
    """One adapter per port: all that `build_services` needs, and nothing else."""

    users: UserRepository
    tasks: TaskRepository
    sessions: SessionRepository
    idempotency: IdempotencyStore
    outbox: Outbox
    import_jobs: ImportJobRepository
    hasher: PasswordHasher
    tokens: TokenIssuer
    gate: AccountGate
    limiter: RateLimiter
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
            limiter=FallbackRateLimiter(RedisRateLimiter(redis_client, redis_health), LocalRateLimiter()),
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


def request_deadline(settings: Settings) -> Callable[[], AbstractContextManager[object]]:
    """Every database call of one request shares one deadline."""
    return lambda: mongo.deadline(settings.request_timeout_seconds)


def _rule(name: str, limit: Limit) -> RateRule:
    return RateRule(name, limit.count, limit.window_seconds)


def auth_budget(settings: Settings) -> RateRule:
    """Requests to the sign-in endpoints per client address, whatever their outcome."""
    return _rule("auth-address", settings.rate_limits.auth_requests_per_address)


def user_budget(settings: Settings) -> RateRule:
    """Every signed-in request, per user, across every API process."""
    return _rule("user", settings.rate_limits.requests_per_user)


ERASURE_SLACK_SECONDS = 5.0
CHANGE_FEED_AWAIT_SECONDS = 0.5
"""How long one read of the change feed waits on the database for a change before saying 'none yet'."""
STREAM_LEASES = 3
"""A live stream's slot lasts this many heartbeats unless renewed: a dead process's streams free themselves."""


def build_services(ports: Ports, settings: Settings) -> Services:
    """The domain's services on these ports; unit tests call it with fakes."""
    clock, ids = ports.clock, ports.ids
    users = GatedUserRepository(ports.users, ports.gate)
    memberships = GatedMembershipRepository(ports.memberships, ports.membership_gate)
    access = AccessService(memberships)
    sessions = SessionService(
        users=users,
        sessions=ports.sessions,
        tokens=ports.tokens,
        gate=ports.gate,
        limiter=ports.limiter,
        secrets=ports.secrets,
        clock=clock,
        security_log=ports.security_log,
        audit=ports.audit,
        policy=SessionPolicy(
            idle=timedelta(days=settings.refresh_token_idle_days),
            absolute=timedelta(days=settings.session_max_days),
        ),
        access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
    )
    limits = settings.rate_limits
    outbox = OutboxService(ports.outbox, ports.jobs, clock, grace=timedelta(seconds=settings.outbox_sweep_seconds))
    stats = StatsRefresh(ports.jobs, clock, debounce=timedelta(seconds=settings.stats_debounce_seconds))
    policy = PasswordPolicy(settings.password_min_length, ports.common_passwords)
    passwords = NewPasswords(policy, ports.hasher)
    login_limits = LoginLimits(
        per_account=_rule("login-account", limits.login_failures_per_account),
        per_address=_rule("login-address", limits.login_failures_per_address),
    )
    confirmation = PasswordConfirmation(ports.hasher, ports.limiter, login_limits)
    projects = ProjectService(
        projects=ports.projects,
        memberships=memberships,
        tasks=ports.tasks,
        users=users,
        access=access,
        clock=clock,
        ids=ids,
    )
    deletion = AccountDeletion(
        users=users,
        sessions=sessions,
        records=ports.account_records,
        tasks=ports.tasks,
        projects=ports.projects,
        project_service=projects,
        memberships=memberships,
        access=access,
        outbox=outbox,
        mailer=ports.mailer,
        clock=clock,
        audit=ports.audit,
        # Every request admitted before the deletion has ended by then (its deadline, and slack).
        settle=timedelta(seconds=settings.request_timeout_seconds + ERASURE_SLACK_SECONDS),
    )
    verification = EmailVerification(
        users=users,
        tokens=DerivedTokens(settings.jwt_secret.encode(), VERIFICATION_TOKENS),
        outbox=outbox,
        mailer=ports.mailer,
        limiter=ports.limiter,
        per_account=_rule("verify-account", limits.verifications_per_user),
        clock=clock,
        audit=ports.audit,
    )
    return Services(
        registration=Registration(
            users=users, passwords=passwords, clock=clock, ids=ids, outbox=outbox, audit=ports.audit
        ),
        welcome_mail=WelcomeMail(users=users, verification=verification, outbox=outbox, mailer=ports.mailer),
        sign_in=SignIn(
            users=users,
            hasher=ports.hasher,
            limiter=ports.limiter,
            limits=login_limits,
            sessions=sessions,
            audit=ports.audit,
        ),
        accounts=AccountService(users=users, confirmation=confirmation, deletion=deletion, clock=clock),
        password_change=PasswordChangeService(
            users=users,
            passwords=passwords,
            confirmation=confirmation,
            sessions=sessions,
            clock=clock,
            audit=ports.audit,
        ),
        sessions=sessions,
        tasks=TaskService(ports.tasks, access, clock, ids, stats),
        admin=AdminService(
            users=users, tasks=ports.tasks, sessions=sessions, deletion=deletion, audit=ports.audit, clock=clock
        ),
        idempotency=IdempotencyService(
            ports.idempotency,
            clock,
            retention=timedelta(hours=settings.idempotency_hours),
            request_deadline=timedelta(seconds=settings.request_timeout_seconds),
        ),
        outbox=outbox,
        imports=ImportService(
            jobs=ports.import_jobs,
            tasks=ports.tasks,
            access=access,
            outbox=outbox,
            stats=stats,
            ids=ids,
            clock=clock,
            limits=ImportLimits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows),
        ),
        reminders=ReminderService(
            tasks=ports.tasks,
            access=access,
            users=users,
            outbox=outbox,
            mailer=ports.mailer,
            clock=clock,
            lead=timedelta(minutes=settings.reminder_lead_minutes),
        ),
        projects=projects,
        deletion=deletion,
        verification=verification,
        live_tasks=LiveTasks(
            ChangeHub(ports.change_feed, buffer=settings.event_buffer, open_timeout=settings.request_timeout_seconds),
            memberships,
            ports.stream_slots,
            StreamLimits(per_user=settings.event_streams_per_user, renew_seconds=settings.event_heartbeat_seconds),
        ),
        password_resets=PasswordResetService(
            users=users,
            resets=ports.password_resets,
            sessions=sessions,
            hasher=ports.hasher,
            policy=policy,
            tokens=DerivedTokens(settings.jwt_secret.encode(), PASSWORD_RESET_TOKENS),
            secrets=ports.secrets,
            outbox=outbox,
            mailer=ports.mailer,
            limiter=ports.limiter,
            limits=ResetLimits(
                per_account=_rule("reset-account", limits.resets_per_account),
                per_client=_rule("reset-address", limits.resets_per_address),
            ),
            clock=clock,
            audit=ports.audit,
        ),
        invitations=InvitationService(
            invitations=ports.invitations,
            projects=ports.projects,
            memberships=memberships,
            users=users,
            access=access,
            tokens=DerivedTokens(settings.jwt_secret.encode(), INVITATION_TOKENS),
            outbox=outbox,
            mailer=ports.mailer,
            clock=clock,
            ids=ids,
            limiter=ports.limiter,
            per_inviter=_rule("invitations", limits.invitations_per_user),
            web_url=settings.public_url,
        ),
    )
