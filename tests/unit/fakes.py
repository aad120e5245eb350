"""Honest in-memory ports: they subclass the Protocols, store copies and enforce the same rules."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import hashlib
import itertools
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Final

from taskflow.domain.access.grants import Grant
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import (
    EmailAlreadyRegisteredError,
    InvalidTokenError,
    ProjectNotFoundError,
    TaskIdTakenError,
    TaskNotFoundError,
    UnavailableError,
    UserNotFoundError,
)
from taskflow.domain.model.accounts import Session, User
from taskflow.domain.model.audit import AuditEntry, AuditFilter, AuditKind
from taskflow.domain.model.jobs import ERRORS_KEPT, ImportJob, ImportProgress, JobState
from taskflow.domain.model.projects import Invitation, Membership, Project
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskSortKey, TaskStats
from taskflow.domain.model.tasks import Task
from taskflow.domain.ports.account_gate import AccountFacts, AccountGate, GateReading
from taskflow.domain.ports.accounts import (
    AccountRecords,
    AuditTrail,
    PasswordReset,
    PasswordResetRepository,
    SessionRepository,
    UserCounts,
    UserFilter,
    UserRepository,
)
from taskflow.domain.ports.changes import (
    Change,
    ChangeCursor,
    ChangeFeed,
    FeedPosition,
    HistoryLostError,
    StreamSlots,
)
from taskflow.domain.ports.idempotency import IdempotencyRecord, IdempotencyStore, RecordedResponse
from taskflow.domain.ports.jobs import ImportJobRepository, JobQueue, Outbox, OutboxEntry
from taskflow.domain.ports.mail import Mailer, MailMessage
from taskflow.domain.ports.projects import (
    InvitationRepository,
    MembershipGate,
    MembershipReading,
    MembershipRepository,
    ProjectRepository,
)
from taskflow.domain.ports.security import (
    AccessToken,
    CommonPasswords,
    PasswordHasher,
    RateLimiter,
    RateRule,
    SecretGenerator,
    SecurityLog,
    TokenClaims,
    TokenIssuer,
)
from taskflow.domain.ports.tasks import TaskRepository
from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
from taskflow.domain.values import Email, Priority, ProjectId, Role, SessionId, TaskId, TaskStatus, UserId


class InMemoryUserRepository(UserRepository):
    """`gets` counts reads by id: what the gate spares."""

    def __init__(self) -> None:
        self._by_id: dict[UserId, User] = {}
        self.gets = 0

    async def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._by_id.values()):
            raise EmailAlreadyRegisteredError
        self._by_id[user.id] = copy.deepcopy(user)

    async def get(self, user_id: UserId) -> User:
        self.gets += 1
        if user_id not in self._by_id:
            raise UserNotFoundError
        return copy.deepcopy(self._by_id[user_id])

    async def find_by_email(self, email: Email) -> User | None:
        found = next((u for u in self._by_id.values() if u.email == email), None)
        return copy.deepcopy(found)

    async def names(self, user_ids: Sequence[UserId]) -> dict[UserId, str]:
        return {user_id: self._by_id[user_id].name for user_id in user_ids if user_id in self._by_id}

    async def save(self, user: User, *, fields: frozenset[str]) -> None:
        if user.id not in self._by_id:
            raise UserNotFoundError
        stored = self._by_id[user.id]
        for name in fields:
            setattr(stored, name, copy.deepcopy(getattr(user, name)))

    async def invalidate_tokens(self, user_id: UserId, *, issued_before: datetime) -> None:
        if user_id not in self._by_id:
            raise UserNotFoundError
        self._by_id[user_id].tokens_valid_after = issued_before

    async def delete(self, user_id: UserId) -> None:
        self._by_id.pop(user_id, None)

    async def list_page(self, user_filter: UserFilter, *, after: UserId | None, limit: int) -> list[User]:
        def matches(user: User) -> bool:
            prefix = (user_filter.email_prefix or "").lower()
            return (
                user.email.value.startswith(prefix)
                and user_filter.role in {None, user.role}
                and user_filter.is_active in {None, user.is_active}
                and (after is None or user.id.value > after.value)
            )

        found = sorted((u for u in self._by_id.values() if matches(u)), key=lambda u: u.id.value)
        return [copy.deepcopy(user) for user in found[:limit]]

    async def counts(self) -> UserCounts:
        users = list(self._by_id.values())
        return UserCounts(
            total=len(users),
            active=sum(u.is_active for u in users),
            admins=sum(u.role is Role.ADMIN for u in users),
        )


def _check_place(grant: Grant, task: Task) -> None:
    if not grant.holds(task):
        msg = "the task is not in the grant's place"
        raise ValueError(msg)


class InMemoryTaskRepository(TaskRepository):
    def __init__(self) -> None:
        self._by_id: dict[TaskId, Task] = {}

    def all(self) -> list[Task]:
        """Every task stored, in every place (what a test checks is gone)."""
        return list(self._by_id.values())

    async def add(self, grant: Grant, task: Task) -> None:
        _check_place(grant, task)
        if task.id in self._by_id:
            raise TaskIdTakenError
        self._by_id[task.id] = copy.deepcopy(task)

    async def add_many(self, grant: Grant, tasks: list[Task]) -> None:
        for task in tasks:
            if grant.holds(task) and task.id not in self._by_id:
                self._by_id[task.id] = copy.deepcopy(task)

    async def get(self, grant: Grant, task_id: TaskId) -> Task:
        task = self._by_id.get(task_id)
        if task is None or not grant.holds(task):
            raise TaskNotFoundError
        return copy.deepcopy(task)

    async def get_latest(self, grant: Grant, task_id: TaskId) -> Task:
        return await self.get(grant, task_id)

    async def replace(self, grant: Grant, task: Task, *, expected_version: int) -> bool:
        _check_place(grant, task)
        stored = self._by_id.get(task.id)
        if stored is None or not grant.holds(stored) or stored.version != expected_version:
            return False
        self._by_id[task.id] = copy.deepcopy(task)
        return True

    async def move(self, source: Grant, target: Grant, task: Task, *, expected_version: int) -> bool:
        _check_place(target, task)
        stored = self._by_id.get(task.id)
        if stored is None or not source.holds(stored) or stored.version != expected_version:
            return False
        self._by_id[task.id] = copy.deepcopy(task)
        return True

    async def delete(self, grant: Grant, task_id: TaskId, *, expected_version: int | None) -> bool:
        stored = self._by_id.get(task_id)
        if stored is None or not grant.holds(stored) or expected_version not in {None, stored.version}:
            return False
        del self._by_id[task_id]
        return True

    def __len__(self) -> int:
        """Every task stored, in every place."""
        return len(self._by_id)

    async def delete_all(self, grant: Grant) -> int:
        gone = [task_id for task_id, task in self._by_id.items() if grant.holds(task)]
        for task_id in gone:
            del self._by_id[task_id]
        return len(gone)

    async def unassign(self, grant: Grant, user: UserId, *, now: datetime) -> int:
        theirs = [task for task in self._by_id.values() if grant.holds(task) and task.assignee_id == user]
        for task in theirs:
            self._by_id[task.id] = replace(task, assignee_id=None, updated_at=now, version=task.version + 1)
        return len(theirs)

    async def list_page(
        self, grant: Grant, task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        return await self.list_across([grant], task_filter, order, after=after, limit=limit)

    async def list_across(
        self, grants: list[Grant], task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        found = sorted(
            (t for t in self._by_id.values() if any(g.holds(t) for g in grants) and task_filter.matches(t)),
            key=order.sort_key,
            reverse=order.descending,
        )
        if after is not None:
            mark = (after.value is not None, after.value, after.task_id.value)
            found = [t for t in found if (order.sort_key(t) < mark if order.descending else order.sort_key(t) > mark)]
        return [copy.deepcopy(task) for task in found[:limit]]

    async def stream(self, grant: Grant) -> AsyncIterator[Task]:
        oldest_first = TaskOrder(TaskSortKey.CREATED_AT, descending=False)
        for task in sorted((t for t in self._by_id.values() if grant.holds(t)), key=oldest_first.sort_key):
            yield copy.deepcopy(task)

    async def stats(self, grant: Grant, *, now: datetime, done_since: datetime) -> TaskStats:
        tasks = [t for t in self._by_id.values() if grant.holds(t)]
        open_tasks = [t for t in tasks if t.status is not TaskStatus.DONE]
        done = [t for t in tasks if t.status is TaskStatus.DONE]
        return TaskStats(
            total=len(tasks),
            by_status={status: sum(t.status is status for t in tasks) for status in TaskStatus},
            by_priority={priority: sum(t.priority is priority for t in tasks) for priority in Priority},
            overdue=sum(t.due_at is not None and t.due_at < now for t in open_tasks),
            done_since=sum(t.completed_at is not None and t.completed_at >= done_since for t in done),
            computed_at=now,
        )

    async def coming_due_across_users(self, *, after: datetime, until: datetime, limit: int) -> list[Task]:
        due = [
            copy.deepcopy(task)
            for task in self._by_id.values()
            if task.due_at is not None and after < task.due_at <= until and task.status is not TaskStatus.DONE
        ]
        return sorted(due, key=lambda task: (task.due_at, task.id.value))[:limit]

    async def count_by_status_across_users(self) -> dict[TaskStatus, int]:
        counts: dict[TaskStatus, int] = {}
        for task in self._by_id.values():
            counts[task.status] = counts.get(task.status, 0) + 1
        return counts


class InMemoryIdempotencyStore(IdempotencyStore):
    """Expiry is exact here; MongoDB's TTL monitor deletes within a minute after `expires_at`."""

    def __init__(self) -> None:
        self.records: dict[tuple[UserId, str], tuple[IdempotencyRecord, datetime]] = {}

    async def claim(
        self, owner: UserId, key: str, fingerprint: str, *, now: datetime, lease_until: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        held, until = self.records.get((owner, key), (None, now))
        if held is not None and until <= now:
            held = None
        abandoned = held is not None and held.response is None and held.lease_until <= now
        if held is None or (abandoned and held.fingerprint == fingerprint):
            fresh = IdempotencyRecord(fingerprint=fingerprint, response=None, lease_until=lease_until)
            self.records[owner, key] = (fresh, until if held else expires_at)
            return None
        return held

    async def complete(self, owner: UserId, key: str, response: RecordedResponse) -> None:
        held, until = self.records[owner, key]
        self.records[owner, key] = (replace(held, response=response), until)

    async def release(self, owner: UserId, key: str) -> None:
        held, _ = self.records.get((owner, key), (None, None))
        if held is not None and held.response is None:
            del self.records[owner, key]


class FakePasswordHasher(PasswordHasher):
    """Reversible on purpose; counts verifications so timing-equalisation rules are testable.

    `cost` plays the hashing parameters: hashes made at another cost need a rehash.
    """

    def __init__(self) -> None:
        self.verifications = 0
        self.cost = 1

    async def hash(self, password: str) -> str:
        return f"hashed:{self.cost}:{password}"

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return password_hash.split(":", 2)[-1] == password and password_hash.startswith("hashed:")

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"hashed:{self.cost}:")

    async def verify_dummy(self, password: str) -> None:
        await self.verify(f"hashed:{self.cost}:\x00dummy", password)


class FakeTokenIssuer(TokenIssuer):
    """Like the JWT issuer: `issued_at` to the millisecond, rounded down."""

    def __init__(self) -> None:
        self._issued: dict[str, TokenClaims] = {}
        self._counter = itertools.count(1)

    def issue(self, subject: UserId, session_id: SessionId, *, now: datetime) -> AccessToken:
        token = f"token-{next(self._counter)}"
        issued_at = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._issued[token] = TokenClaims(
            subject=subject,
            session_id=session_id,
            token_id=token,
            issued_at=issued_at,
            expires_at=now + timedelta(minutes=15),
        )
        return AccessToken(token=token, expires_in=900)

    def verify(self, token: str) -> TokenClaims:
        if token not in self._issued:
            raise InvalidTokenError
        return self._issued[token]


@dataclass
class FrozenClock(Clock):
    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, 12, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class SequentialIds(IdGenerator):
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_user_id(self) -> UserId:
        return UserId(f"{next(self._counter):024x}")

    def new_task_id(self) -> TaskId:
        return TaskId(f"{next(self._counter):024x}")

    def new_project_id(self) -> ProjectId:
        return ProjectId(f"{next(self._counter):024x}")

    def new_invitation_id(self) -> str:
        return f"{next(self._counter):024x}"

    def new_job_id(self) -> str:
        return f"{next(self._counter):024x}"

    def task_id_for(self, owner: UserId, request_key: str) -> TaskId:
        return TaskId(hashlib.sha256(f"{owner.value}\n{request_key}".encode()).hexdigest()[:24])


@dataclass
class FakeJobQueue(JobQueue):
    """Like arq: a second job with a known id is dropped. `down` plays a Redis outage."""

    jobs: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    run_at: dict[str, datetime] = field(default_factory=dict)
    enqueued: list[str] = field(default_factory=list)  # every call's job id, repeats included
    down: bool = False

    async def enqueue(self, job: str, args: Mapping[str, str], *, job_id: str, run_at: datetime | None = None) -> None:
        if self.down:
            raise UnavailableError
        self.enqueued.append(job_id)
        self.jobs.setdefault(job_id, (job, dict(args)))
        if run_at is not None:
            self.run_at.setdefault(job_id, run_at)


class InMemoryImportJobs(ImportJobRepository):
    def __init__(self) -> None:
        self.jobs: dict[str, ImportJob] = {}
        self.uploads: dict[str, bytes] = {}

    async def add(self, job: ImportJob, upload: bytes) -> None:
        self.jobs[job.id] = job
        self.uploads[job.id] = upload

    async def get(self, job_id: str) -> ImportJob | None:
        return self.jobs.get(job_id)

    async def upload(self, job_id: str) -> bytes:
        return self.uploads.get(job_id, b"")

    async def count_unfinished(self, owner: UserId) -> int:
        return sum(1 for job in self.jobs.values() if job.owner == owner and not job.state.finished)

    async def start(self, job_id: str, *, total: int, at: datetime) -> None:
        job = self.jobs[job_id]
        if not job.state.finished:
            self.jobs[job_id] = dataclasses.replace(job, state=JobState.RUNNING, total=total, updated_at=at)

    async def advance(self, job_id: str, progress: ImportProgress, *, at: datetime) -> bool:
        job = self.jobs[job_id]
        if job.processed >= progress.processed:
            return False
        self.jobs[job_id] = dataclasses.replace(
            job,
            processed=progress.processed,
            created=job.created + progress.created,
            failed=job.failed + progress.failed,
            errors=(job.errors + progress.errors)[:ERRORS_KEPT],
            updated_at=at,
        )
        return True

    async def finish(self, job_id: str, state: JobState, *, reason: str | None, at: datetime) -> None:
        job = self.jobs[job_id]
        if not job.state.finished:
            self.jobs[job_id] = dataclasses.replace(job, state=state, reason=reason, updated_at=at, finished_at=at)


class InMemoryMemberships(MembershipRepository):
    """The record; `finds` counts look-ups of one membership (what the gate spares)."""

    def __init__(self) -> None:
        self.memberships: dict[tuple[UserId, ProjectId], Membership] = {}
        self.finds = 0

    def join(self, membership: Membership) -> None:
        self.memberships[membership.user_id, membership.project_id] = membership

    def leave(self, user_id: UserId, project_id: ProjectId) -> None:
        del self.memberships[user_id, project_id]

    async def add(self, membership: Membership) -> bool:
        if (membership.user_id, membership.project_id) in self.memberships:
            return False
        self.join(membership)
        return True

    async def find(self, user_id: UserId, project_id: ProjectId) -> Membership | None:
        self.finds += 1
        return self.memberships.get((user_id, project_id))

    async def of_user(self, user_id: UserId) -> list[Membership]:
        found = [membership for (member, _), membership in self.memberships.items() if member == user_id]
        return sorted(found, key=lambda membership: (membership.joined_at, membership.project_id.value))

    async def count_of_user(self, user_id: UserId) -> int:
        return len(await self.of_user(user_id))

    async def of_project(self, grant: Grant) -> list[Membership]:
        found = [membership for (_, project), membership in self.memberships.items() if project == grant.project]
        return sorted(found, key=lambda membership: membership.joined_at)

    async def set_role(self, user_id: UserId, project_id: ProjectId, role: ProjectRole) -> Membership | None:
        found = self.memberships.get((user_id, project_id))
        if found is None:
            return None
        self.memberships[user_id, project_id] = replace(found, role=role)
        return self.memberships[user_id, project_id]

    async def remove(self, user_id: UserId, project_id: ProjectId) -> bool:
        return self.memberships.pop((user_id, project_id), None) is not None

    async def remove_all(self, grant: Grant) -> int:
        ended = [key for key in self.memberships if key[1] == grant.project]
        for key in ended:
            del self.memberships[key]
        return len(ended)


class InMemoryProjects(ProjectRepository):
    def __init__(self) -> None:
        self.projects: dict[tuple[UserId, ProjectId], Project] = {}

    def _key(self, grant: Grant) -> tuple[UserId, ProjectId]:
        if grant.project is None:
            raise ProjectNotFoundError
        return grant.space, grant.project

    async def add(self, project: Project) -> None:
        self.projects[project.space, project.id] = project

    async def find(self, grant: Grant) -> Project | None:
        return self.projects.get(self._key(grant))

    async def many(self, grants: list[Grant]) -> list[Project]:
        return [project for grant in grants if (project := self.projects.get(self._key(grant))) is not None]

    async def replace(self, grant: Grant, project: Project, *, expected_version: int) -> bool:
        stored = self.projects.get(self._key(grant))
        if stored is None or stored.version != expected_version:
            return False
        self.projects[self._key(grant)] = project
        return True

    async def delete(self, grant: Grant) -> bool:
        return self.projects.pop(self._key(grant), None) is not None


class InMemoryInvitations(InvitationRepository):
    def __init__(self) -> None:
        self.invitations: dict[str, Invitation] = {}

    async def add(self, invitation: Invitation) -> None:
        self.invitations[invitation.id] = invitation

    async def get(self, invitation_id: str) -> Invitation | None:
        return self.invitations.get(invitation_id)

    async def find(self, token_digest: str, email: Email, *, now: datetime) -> Invitation | None:
        return next(
            (
                found
                for found in self.invitations.values()
                if (found.token_digest, found.email) == (token_digest, email) and found.expires_at > now
            ),
            None,
        )

    async def take(self, token_digest: str, email: Email, *, now: datetime) -> Invitation | None:
        found = await self.find(token_digest, email, now=now)
        if found is not None:
            del self.invitations[found.id]
        return found


class InMemoryOutbox(Outbox):
    def __init__(self) -> None:
        self.entries: dict[str, OutboxEntry] = {}
        self.done: dict[str, datetime] = {}

    async def add(self, entry: OutboxEntry) -> bool:
        if entry.id in self.entries:
            return False
        self.entries[entry.id] = entry
        return True

    async def mark_done(self, entry_id: str, *, at: datetime) -> None:
        if entry_id in self.entries:
            self.done.setdefault(entry_id, at)

    async def is_done(self, entry_id: str) -> bool:
        return entry_id in self.done

    async def pending(self, *, created_before: datetime, limit: int) -> list[OutboxEntry]:
        waiting = [e for e in self.entries.values() if e.id not in self.done and e.created_at < created_before]
        return sorted(waiting, key=lambda entry: entry.created_at)[:limit]


@dataclass
class FakeMailer(Mailer):
    """`down` plays an unreachable mail server."""

    sent: list[MailMessage] = field(default_factory=list)
    down: bool = False

    async def send(self, message: MailMessage) -> None:
        if self.down:
            raise UnavailableError
        self.sent.append(message)


class InMemorySessionRepository(SessionRepository):
    """`gets` counts reads by id."""

    def __init__(self) -> None:
        self.by_id: dict[SessionId, Session] = {}
        self.gets = 0

    async def add(self, session: Session) -> None:
        self.by_id[session.id] = session  # frozen: no copies needed

    async def get(self, session_id: SessionId) -> Session | None:
        self.gets += 1
        return self.by_id.get(session_id)

    async def rotate(
        self, session_id: SessionId, *, presented: str, replacement: str, now: datetime, expires_at: datetime
    ) -> Session | None:
        session = self.by_id.get(session_id)
        if session is None or session.token_digest != presented or not session.is_live(now):
            return None
        rotated = replace(session, token_digest=replacement, refreshed_at=now, expires_at=expires_at)
        self.by_id[session_id] = rotated
        return rotated

    async def revoke(self, session_id: SessionId, *, now: datetime, reason: str) -> None:
        session = self.by_id.get(session_id)
        if session is not None and session.revoked_at is None:
            self.by_id[session_id] = replace(session, revoked_at=now, revoked_reason=reason)

    async def revoke_all(self, user_id: UserId, *, now: datetime, reason: str) -> None:
        for session in list(self.by_id.values()):
            if session.user_id == user_id:
                await self.revoke(session.id, now=now, reason=reason)


class InMemoryPasswordResets(PasswordResetRepository):
    def __init__(self) -> None:
        self.resets: dict[str, PasswordReset] = {}

    async def add(self, reset: PasswordReset) -> None:
        self.resets.setdefault(reset.token_digest, reset)

    async def take(self, token_digest: str, *, now: datetime) -> PasswordReset | None:
        reset = self.resets.get(token_digest)
        if reset is None or reset.expires_at <= now:
            return None
        return self.resets.pop(token_digest)

    async def forget(self, user_id: UserId) -> int:
        theirs = [key for key, reset in self.resets.items() if reset.user_id == user_id]
        for key in theirs:
            del self.resets[key]
        return len(theirs)


class InMemoryAuditTrail(AuditTrail):
    """Entries in order; `down` plays a database that cannot take one (the change must then fail)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.entries: list[AuditEntry] = []
        self.down = False

    async def record(self, kind: AuditKind, *, actor: UserId | None, target: UserId | None, **detail: str) -> None:
        if self.down:
            raise UnavailableError
        entry = AuditEntry(
            id=f"{len(self.entries) + 1:024x}", kind=kind, actor=actor, target=target,
            at=self._clock.now(), address=None, request_id=None, detail=dict(detail),
        )  # fmt: skip
        self.entries.append(entry)

    async def list_page(self, audit_filter: AuditFilter, *, after: str | None, limit: int) -> list[AuditEntry]:
        def matches(entry: AuditEntry) -> bool:
            return (
                audit_filter.actor in {None, entry.actor}
                and audit_filter.target in {None, entry.target}
                and audit_filter.kind in {None, entry.kind}
                and (audit_filter.since is None or entry.at >= audit_filter.since)
                and (audit_filter.until is None or entry.at < audit_filter.until)
                and (after is None or entry.id < after)
            )

        return [entry for entry in reversed(self.entries) if matches(entry)][:limit]

    def kinds(self) -> list[AuditKind]:
        return [entry.kind for entry in self.entries]


class InMemoryAccountRecords(AccountRecords):
    """Erases from the other fakes what the MongoDB adapter erases from their collections."""

    def __init__(
        self,
        sessions: InMemorySessionRepository,
        idempotency: InMemoryIdempotencyStore,
        import_jobs: InMemoryImportJobs,
        outbox: InMemoryOutbox,
        resets: InMemoryPasswordResets,
    ) -> None:
        self._sessions, self._idempotency, self._import_jobs, self._outbox = sessions, idempotency, import_jobs, outbox
        self._resets = resets

    async def erase(self, user_id: UserId, *, keep_entry: str) -> int:
        sessions = [key for key, session in self._sessions.by_id.items() if session.user_id == user_id]
        keys = [key for key in self._idempotency.records if key[0] == user_id]
        jobs = [key for key, job in self._import_jobs.jobs.items() if job.owner == user_id]
        naming = {user_id.value, *jobs}
        entries = [
            key
            for key, entry in self._outbox.entries.items()
            if key != keep_entry and naming & {entry.args.get(name) for name in ("user_id", "owner", "import_id")}
        ]
        for session in sessions:
            del self._sessions.by_id[session]
        for key in keys:
            del self._idempotency.records[key]
        for job in jobs:
            del self._import_jobs.jobs[job]
            self._import_jobs.uploads.pop(job, None)
        for entry in entries:
            del self._outbox.entries[entry]
        return len(sessions) + len(keys) + len(jobs) + len(entries) + await self._resets.forget(user_id)


class InMemoryAccountGate(AccountGate):
    """The gate's rules without Redis.

    Entries count only under the current epoch and whole; a fill sets only unset fields; a
    write sets its fields (the cut-off only forward); a write that cannot be made moves the
    epoch once the gate answers again.

    `down` plays an outage (reads and revocations raise, nothing is kept); `lose_data()` a
    Redis that came back empty. `reads` counts look-ups.
    """

    def __init__(self, clock: Clock, limiter: RateLimiter) -> None:
        self._clock = clock
        self._limiter = limiter
        self.entries: dict[UserId, dict[str, object]] = {}
        self.revoked: set[str] = set()
        self.epoch, self.epoch_at = 1, clock.now()
        self.down = False
        self.owed = False
        self.reads = 0

    def lose_data(self) -> None:
        self.entries.clear()
        self.revoked.clear()
        self.epoch, self.epoch_at = self.epoch + 1, self._clock.now()

    def _answering(self) -> None:
        if self.down:
            raise UnavailableError
        if self.owed:
            self.epoch, self.epoch_at, self.owed = self.epoch + 1, self._clock.now(), False

    def _entry(self, user_id: UserId) -> dict[str, object]:
        entry = self.entries.get(user_id)
        if entry is None or entry["epoch"] != self.epoch:
            entry = self.entries[user_id] = {"epoch": self.epoch}
        return entry

    async def read(self, claims: TokenClaims, budget: RateRule | None) -> GateReading:
        self._answering()
        self.reads += 1
        entry = self.entries.get(claims.subject, {})
        whole = (
            entry.get("epoch") == self.epoch
            and {"is_active", "role", "cut"} <= entry.keys()
            and "changing" not in entry
        )
        return GateReading(
            account=AccountFacts(
                is_active=bool(entry["is_active"]),
                role=Role(str(entry["role"])),
                tokens_valid_after=entry["cut"] if isinstance(entry["cut"], datetime) else None,
            )
            if whole
            else None,
            revoked=bool({f"jti:{claims.token_id}", f"sid:{claims.session_id.value}"} & self.revoked),
            complete_since=self.epoch_at,
            budget=await self._limiter.hit(budget, claims.subject.value) if budget else None,
            seen=str(self.epoch),
        )

    async def fill(self, user_id: UserId, facts: AccountFacts, *, seen: str) -> None:
        if self.down or seen != str(self.epoch):
            return
        entry = self._entry(user_id)
        if "changing" in entry:
            return
        entry.setdefault("is_active", facts.is_active)
        entry.setdefault("role", facts.role.value)
        entry.setdefault("cut", facts.tokens_valid_after)

    async def record(
        self,
        user_id: UserId,
        *,
        is_active: bool | None = None,
        role: Role | None = None,
        tokens_valid_after: datetime | None = None,
    ) -> None:
        if self.down:
            self.owed = True
            return
        self._answering()
        entry = self._entry(user_id)
        if is_active is not None:
            entry["is_active"] = is_active
        if role is not None:
            entry["role"] = role.value
        current = entry.get("cut")
        if tokens_valid_after is not None and (not isinstance(current, datetime) or tokens_valid_after > current):
            entry["cut"] = tokens_valid_after
        entry.pop("changing", None)

    async def begin(self, user_id: UserId) -> None:
        if self.down:
            self.owed = True
            return
        self._answering()
        self._entry(user_id)["changing"] = True

    async def revoke(self, *, token_id: str | None, session_id: SessionId, until: datetime) -> None:  # noqa: ARG002 - entries never expire here
        self._answering()
        self.revoked.add(f"sid:{session_id.value}")
        if token_id is not None:
            self.revoked.add(f"jti:{token_id}")


CHANGING: Final = object()
"""A membership being changed: unknown to readers, and no fill replaces it."""


class InMemoryMembershipGate(MembershipGate):
    """The membership gate's rules without Redis: epochs, fills under writes, an ended membership kept as ended.

    `down` plays an outage (reads raise, writes are owed); `lose_data()` a Redis that came
    back empty. `reads` counts look-ups.
    """

    def __init__(self) -> None:
        self.entries: dict[UserId, dict[str, object]] = {}
        self.epoch = 1
        self.down = False
        self.owed = False
        self.reads = 0

    def lose_data(self) -> None:
        self.entries.clear()
        self.epoch += 1

    def _entry(self, user_id: UserId) -> dict[str, object]:
        if self.owed:
            self.epoch, self.owed = self.epoch + 1, False
        entry = self.entries.get(user_id)
        if entry is None or entry["epoch"] != self.epoch:
            entry = self.entries[user_id] = {"epoch": self.epoch}
        return entry

    async def read(self, user_id: UserId, project_id: ProjectId) -> MembershipReading:
        if self.down:
            raise UnavailableError
        self.reads += 1
        entry = self._entry(user_id)
        found = entry.get(project_id.value)
        known = project_id.value in entry and found is not CHANGING
        return MembershipReading(
            known=known, membership=found if isinstance(found, Membership) else None, seen=str(self.epoch)
        )

    async def fill(self, membership: Membership, *, seen: str) -> None:
        if self.down or seen != str(self.epoch):
            return
        self._entry(membership.user_id).setdefault(membership.project_id.value, membership)

    async def begin(self, user_id: UserId, project_id: ProjectId) -> None:
        if self.down:
            self.owed = True
            return
        self._entry(user_id)[project_id.value] = CHANGING

    async def record(self, user_id: UserId, project_id: ProjectId, membership: Membership | None) -> None:
        if self.down:
            self.owed = True
            return
        self._entry(user_id)[project_id.value] = membership


@dataclass
class FakeCommonPasswords(CommonPasswords):
    listed: set[str] = field(default_factory=lambda: {"passwordpassword123"})

    def contains(self, password: str) -> bool:
        return password.lower() in self.listed


class SequentialSecrets(SecretGenerator):
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def session_id(self) -> SessionId:
        return SessionId(f"{next(self._counter):032x}")

    def refresh_secret(self) -> str:
        return f"secret-{next(self._counter):024d}"


@dataclass
class RecordingSecurityLog(SecurityLog):
    events: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def record(self, event: str, **fields: str) -> None:
        self.events.append((event, fields))


class InMemoryChangeFeed(ChangeFeed):
    """Changes in a list; `forget` drops history as a database trims it. Counts the reads open."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.forgotten = 0  # changes before this index are gone
        self.reads_open = 0
        self.reads_opened = 0
        self._published = asyncio.Event()

    def publish(self, change: Change) -> None:
        self.changes.append(change)
        self._published.set()

    def forget(self, count: int) -> None:
        self.forgotten = count

    @asynccontextmanager
    async def read(self, after: FeedPosition | None) -> AsyncIterator[ChangeCursor]:
        start = len(self.changes)
        if after is not None:
            found = [index for index, change in enumerate(self.changes) if change.position == after]
            if not found or found[0] < self.forgotten:
                raise HistoryLostError
            start = found[0] + 1
        self.reads_open += 1
        self.reads_opened += 1
        try:
            yield _InMemoryCursor(self, start)
        finally:
            self.reads_open -= 1

    async def wait_for_change(self) -> None:
        self._published.clear()
        try:
            await asyncio.wait_for(self._published.wait(), 0.01)
        except TimeoutError:
            return


class _InMemoryCursor(ChangeCursor):
    def __init__(self, feed: InMemoryChangeFeed, start: int) -> None:
        self._feed = feed
        self._next = start

    async def next(self) -> Change | None:
        if self._next >= len(self._feed.changes):
            await self._feed.wait_for_change()
            if self._next >= len(self._feed.changes):
                return None
        change = self._feed.changes[self._next]
        self._next += 1
        return change


class InMemoryStreamSlots(StreamSlots):
    def __init__(self) -> None:
        self.held: dict[UserId, set[str]] = {}
        self.renewed: list[tuple[UserId, str]] = []

    async def take(self, user: UserId, stream: str, *, limit: int) -> bool:
        held = self.held.setdefault(user, set())
        if len(held) >= limit:
            return False
        held.add(stream)
        return True

    async def renew(self, user: UserId, stream: str) -> None:
        self.renewed.append((user, stream))

    async def release(self, user: UserId, stream: str) -> None:
        self.held.get(user, set()).discard(stream)
