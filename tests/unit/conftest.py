"""Domain services wired to honest fakes by the real composition root."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from taskflow.adapters.redis.ratelimit import LocalRateLimiter
from taskflow.bootstrap import Ports, build_services
from taskflow.domain.access.principal import Principal
from taskflow.domain.changes.consumer import ChangeDispatcher, ChangeHandler
from taskflow.domain.model.accounts import User
from taskflow.domain.services.accounts import AccountService, PasswordChangeService
from taskflow.domain.services.admin import AdminService
from taskflow.domain.services.deletion import AccountDeletion, AccountErasure, ProjectNotices
from taskflow.domain.services.history import TaskHistory
from taskflow.domain.services.imports import ImportService
from taskflow.domain.services.invitations import InvitationAcceptance, InvitationMail, InvitationService
from taskflow.domain.services.live_tasks import LiveTasks
from taskflow.domain.services.notification_mail import NotificationMail
from taskflow.domain.services.notifications import NOTIFICATION_DIGEST_JOB, NOTIFICATION_MAIL_JOB, InboxService
from taskflow.domain.services.outbox import OutboxService
from taskflow.domain.services.password_reset import PasswordResetCompletion, PasswordResetMail, PasswordResetService
from taskflow.domain.services.projects import ProjectService
from taskflow.domain.services.registration import Registration, WelcomeMail
from taskflow.domain.services.reminders import ReminderService
from taskflow.domain.services.sessions import SessionService
from taskflow.domain.services.sign_in import SignIn
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.services.verification import EmailVerification
from taskflow.domain.values import Role, UserId
from taskflow.settings import Limit, RateLimits, Settings
from tests.fakes.accounts import (
    InMemoryAccountRecords,
    InMemoryAuditTrail,
    InMemoryPasswordResets,
    InMemorySessionRepository,
    InMemoryUserRepository,
)
from tests.fakes.changes import (
    InMemoryChangeFeed,
    InMemoryConsumerState,
    InMemoryStreamSlots,
    RecordingConsumerEvents,
)
from tests.fakes.gates import InMemoryAccountGate, InMemoryMembershipGate
from tests.fakes.history import InMemoryTaskActivity
from tests.fakes.idempotency import InMemoryIdempotencyStore
from tests.fakes.jobs import FakeJobQueue, FakeMailer, InMemoryImportJobs, InMemoryOutbox
from tests.fakes.notifications import InMemoryInbox, InMemoryMailWindows, InMemoryNotificationPreferences
from tests.fakes.projects import InMemoryInvitations, InMemoryMemberships, InMemoryProjects
from tests.fakes.security import (
    FakeCommonPasswords,
    FakePasswordHasher,
    FakeTokenIssuer,
    RecordingSecurityLog,
    SequentialSecrets,
)
from tests.fakes.tasks import InMemoryTaskDirectory, InMemoryTaskRepository, InMemoryTaskScans
from tests.fakes.time_and_ids import FrozenClock, SequentialIds

# Small budgets and limits, so the tests reach them; the servers in the URLs never start.
SETTINGS = Settings(
    mongodb_uri="mongodb://unused.invalid",
    redis_url="redis://unused.invalid",
    jwt_secret="unit-" + "x" * 40,
    password_min_length=12,
    rate_limits=RateLimits(login_failures_per_account=Limit(3, 900), login_failures_per_address=Limit(5, 900)),
    import_max_bytes=100_000,
    import_max_rows=2_000,
)


LIMITS = SETTINGS.rate_limits


def as_principal(user: User) -> Principal:
    """What the gate makes of an account signed in now."""
    return Principal(user.id, user.role)


def me(user_id: UserId) -> Principal:
    """An ordinary account signed in, by its id."""
    return Principal(user_id, Role.USER)


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
    registration: Registration
    welcome_mail: WelcomeMail
    sign_in: SignIn
    accounts: AccountService
    password_change: PasswordChangeService
    session_service: SessionService
    task_service: TaskService
    task_directory: InMemoryTaskDirectory
    admin: AdminService
    projects: InMemoryProjects
    memberships: InMemoryMemberships
    membership_gate: InMemoryMembershipGate
    project_service: ProjectService
    invitations: InMemoryInvitations
    invitation_service: InvitationService
    invitation_mail: InvitationMail
    invitation_acceptance: InvitationAcceptance
    deletion: AccountDeletion
    erasure: AccountErasure
    project_notices: ProjectNotices
    password_resets: InMemoryPasswordResets
    password_reset: PasswordResetService
    password_reset_mail: PasswordResetMail
    password_reset_completion: PasswordResetCompletion
    verification: EmailVerification
    audit: InMemoryAuditTrail
    idempotency: InMemoryIdempotencyStore
    change_feed: InMemoryChangeFeed
    stream_slots: InMemoryStreamSlots
    live_tasks: LiveTasks
    change_handlers: tuple[ChangeHandler, ...]
    activity: InMemoryTaskActivity
    history: TaskHistory
    inbox: InMemoryInbox
    inbox_service: InboxService
    notification_mail: NotificationMail


@pytest.fixture
def world() -> World:
    change_feed, stream_slots = InMemoryChangeFeed(), InMemoryStreamSlots()
    users, tasks, sessions = InMemoryUserRepository(), InMemoryTaskRepository(change_feed), InMemorySessionRepository()
    hasher, tokens, security_log = FakePasswordHasher(), FakeTokenIssuer(), RecordingSecurityLog()
    clock, jobs, mailer = FrozenClock(), FakeJobQueue(), FakeMailer()
    outbox, import_jobs = InMemoryOutbox(), InMemoryImportJobs()
    projects, memberships, invitations = InMemoryProjects(), InMemoryMemberships(change_feed), InMemoryInvitations()
    # The process-local limiter has no I/O: the real one runs here, on the fake clock.
    limiter = LocalRateLimiter(clock=lambda: clock.now().timestamp())
    gate = InMemoryAccountGate(clock, limiter)
    membership_gate = InMemoryMembershipGate()
    idempotency = InMemoryIdempotencyStore()
    password_resets = InMemoryPasswordResets()
    audit = InMemoryAuditTrail(clock)
    activity, inbox, preferences = InMemoryTaskActivity(), InMemoryInbox(change_feed), InMemoryNotificationPreferences()
    task_directory = InMemoryTaskDirectory()
    ports = Ports(
        users=users,
        tasks=tasks,
        task_directory=task_directory,
        task_scans=InMemoryTaskScans(tasks),
        sessions=sessions,
        idempotency=idempotency,
        outbox=outbox,
        import_jobs=import_jobs,
        hasher=hasher,
        tokens=tokens,
        gate=gate,
        limiter=limiter,
        local_limiter=limiter,
        common_passwords=FakeCommonPasswords(),
        secrets=SequentialSecrets(),
        security_log=security_log,
        clock=clock,
        ids=SequentialIds(),
        jobs=jobs,
        mailer=mailer,
        projects=projects,
        memberships=memberships,
        membership_gate=membership_gate,
        invitations=invitations,
        account_records=InMemoryAccountRecords(
            sessions=sessions,
            idempotency=idempotency,
            import_jobs=import_jobs,
            outbox=outbox,
            resets=password_resets,
            inbox=inbox,
            preferences=preferences,
        ),
        password_resets=password_resets,
        audit=audit,
        change_feed=change_feed,
        consumer_state=InMemoryConsumerState(),
        activity=activity,
        inbox=inbox,
        notification_preferences=preferences,
        mail_windows=InMemoryMailWindows(),
        stream_slots=stream_slots,
    )
    services = build_services(ports, SETTINGS)
    return World(
        users=users,
        tasks=tasks,
        sessions=sessions,
        hasher=hasher,
        tokens=tokens,
        gate=gate,
        security_log=security_log,
        clock=clock,
        jobs=jobs,
        outbox=outbox,
        outbox_service=services.outbox,
        import_jobs=import_jobs,
        imports=services.imports,
        reminders=services.reminders,
        mailer=mailer,
        registration=services.registration,
        welcome_mail=services.welcome_mail,
        sign_in=services.sign_in,
        accounts=services.accounts,
        password_change=services.password_change,
        session_service=services.sessions,
        task_service=services.tasks,
        task_directory=task_directory,
        admin=services.admin,
        projects=projects,
        memberships=memberships,
        membership_gate=membership_gate,
        project_service=services.projects,
        invitations=invitations,
        invitation_service=services.invitations,
        invitation_mail=services.invitation_mail,
        invitation_acceptance=services.invitation_acceptance,
        deletion=services.deletion,
        erasure=services.erasure,
        project_notices=services.project_notices,
        password_resets=password_resets,
        password_reset=services.password_resets,
        password_reset_mail=services.password_reset_mail,
        password_reset_completion=services.password_reset_completion,
        verification=services.verification,
        audit=audit,
        idempotency=idempotency,
        change_feed=change_feed,
        stream_slots=stream_slots,
        live_tasks=services.live_tasks,
        change_handlers=services.change_handlers,
        activity=activity,
        history=services.history,
        inbox=inbox,
        inbox_service=services.inbox,
        notification_mail=services.notification_mail,
    )


async def run_mail_jobs(world: World) -> None:
    """What the worker would do with the notification mails queued, and the digests due by the world's clock."""
    for job_id, (job, args) in list(world.jobs.jobs.items()):
        user = UserId(args.get("user_id", "0" * 24))
        if job == NOTIFICATION_MAIL_JOB:
            await world.notification_mail.send_one(user, args["notification"])
        elif job == NOTIFICATION_DIGEST_JOB and world.jobs.run_at[job_id] <= world.clock.now():
            await world.notification_mail.send_digest(user, datetime.fromisoformat(args["until"]), args["opener"])


@asynccontextmanager
async def consuming(world: World) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """The worker's durable consumer over the world's feed, while the block runs.

    It gives a function that waits until every change published so far has been handled.
    """
    events, stopping = RecordingConsumerEvents(), asyncio.Event()
    dispatcher = ChangeDispatcher(
        world.change_feed,
        InMemoryConsumerState(),
        world.change_handlers,
        events,
        world.clock,
        consumer="changes",
        holder="unit",
        lease=timedelta(seconds=10),
    )

    async def caught_up() -> None:
        for _ in range(200):
            checkpoints = [position for position, _ in events.checkpoints]
            if not world.change_feed.changes or world.change_feed.changes[-1].position in checkpoints:
                return
            await asyncio.sleep(0.01)
        msg = "the consumer did not catch up"
        raise AssertionError(msg)

    async with dispatching(dispatcher, world.change_feed, stopping):
        yield caught_up


@asynccontextmanager
async def dispatching(
    dispatcher: ChangeDispatcher, feed: InMemoryChangeFeed, stopping: asyncio.Event, *, reads: int = 1
) -> AsyncIterator[None]:
    """`dispatcher` running while the block runs, once it has opened `reads` reads of `feed` (0: at once)."""
    running = asyncio.create_task(dispatcher.run(stopping))
    for _ in range(1000):  # until it reads (from now: what the test writes next comes to it)
        if feed.reads_opened >= reads or running.done():
            break
        await asyncio.sleep(0.002)
    try:
        yield
    finally:
        stopping.set()
        await running
