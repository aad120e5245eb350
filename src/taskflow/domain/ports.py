"""Ports: what the domain needs from the outside, as Protocols adapters subclass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

# Runtime imports: the HTTP adapter resolves the annotations of TokenClaims at run time.
from taskflow.domain.values import Role, SessionId, UserId

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from taskflow.domain.entities import Session, Task, User
    from taskflow.domain.jobs import ImportJob, ImportProgress, JobState
    from taskflow.domain.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskStats
    from taskflow.domain.values import Email, TaskId, TaskStatus


class UserRepository(Protocol):
    """Accounts. Reads here drive decisions (login, token checks): they go to the primary."""

    async def add(self, user: User) -> None:
        """Store a new account; EmailAlreadyRegisteredError if the e-mail is taken."""
        ...

    async def get(self, user_id: UserId) -> User:
        """UserNotFoundError if there is no such account."""
        ...

    async def find_by_email(self, email: Email) -> User | None: ...

    async def save(self, user: User, *, fields: frozenset[str]) -> None:
        """Write these attributes of the account; the others stay as stored.

        Never the whole account: it was read earlier (at authentication, say), and writing
        all of it back would undo a concurrent change, such as a deactivation.
        UserNotFoundError if there is no such account.
        """
        ...

    async def invalidate_tokens(self, user_id: UserId, *, issued_before: datetime) -> None:
        """Set the account's `tokens_valid_after`, without reading it first.

        UserNotFoundError if there is no such account.
        """
        ...

    async def list_page(self, user_filter: UserFilter, *, after: UserId | None, limit: int) -> list[User]:
        """Up to `limit` accounts matching the filter, in id order, with ids after `after`."""
        ...

    async def counts(self) -> UserCounts: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class UserFilter:
    """Admin listing filters; `None` means "any"."""

    email_prefix: str | None = None
    role: Role | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCounts:
    total: int
    active: int
    admins: int


class TaskRepository(Protocol):
    """Tasks. The owner is part of every call: it is the shard key."""

    async def add(self, task: Task) -> None:
        """TaskIdTakenError if a task with this id exists (ids are never reused otherwise)."""
        ...

    async def add_many(self, owner: UserId, tasks: list[Task]) -> None:
        """All of `owner`'s `tasks`; those whose id is taken already are skipped (a re-run)."""
        ...

    async def get(self, owner: UserId, task_id: TaskId) -> Task:
        """TaskNotFoundError if the task does not exist or belongs to someone else.

        Never older than the owner's own last write; may lag other writers a little.
        """
        ...

    async def get_latest(self, owner: UserId, task_id: TaskId) -> Task:
        """As `get`, but the newest version there is: it decides a compare-and-set."""
        ...

    async def replace(self, task: Task, *, expected_version: int) -> bool:
        """Store `task` if the stored one is still at `expected_version`: one compare-and-set.

        False when it is not (changed or deleted meanwhile); the caller decides which.
        """
        ...

    async def delete(self, owner: UserId, task_id: TaskId, *, expected_version: int | None) -> bool:
        """Delete the task (only at `expected_version`, when given); False if nothing matched."""
        ...

    async def list_page(
        self, owner: UserId, task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        """Up to `limit` of the owner's tasks matching the filter, in `order`, after `after`."""
        ...

    def stream(self, owner: UserId) -> AsyncIterator[Task]:
        """Every task of the owner, oldest first, read in batches: memory stays flat."""
        ...

    async def stats(self, owner: UserId, *, now: datetime, done_since: datetime) -> TaskStats:
        """The owner's counts, from one pass over their tasks."""
        ...

    async def coming_due_across_users(self, *, after: datetime, until: datetime, limit: int) -> list[Task]:
        """Tasks not done whose `due_at` is in (after, until], soonest first. Every user's: scatter-gather."""
        ...

    async def count_by_status_across_users(self) -> dict[TaskStatus, int]:
        """Admin only, and the one scatter-gather query: it reads every shard."""
        ...


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """What the first request with an idempotency key answered, to answer its retries."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A key's first request: its fingerprint, and its answer once it has one."""

    fingerprint: str
    response: RecordedResponse | None
    lease_until: datetime


class IdempotencyStore(Protocol):
    """Idempotency keys per user; a unique (user, key) decides which request came first.

    Kept in MongoDB so that a key outlives a Redis outage and a process restart.
    """

    async def claim(
        self, owner: UserId, key: str, fingerprint: str, *, now: datetime, lease_until: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        """None when this call holds the key now: it is the first, or the first one's lease ran out.

        Otherwise the record of the request that holds it.
        """
        ...

    async def complete(self, owner: UserId, key: str, response: RecordedResponse) -> None: ...

    async def release(self, owner: UserId, key: str) -> None:
        """Forget the key, so that a retry runs again."""
        ...


class SessionRepository(Protocol):
    """Sign-ins and their refresh-token families. Every call reads or writes the primary."""

    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: SessionId) -> Session | None: ...

    async def rotate(
        self, session_id: SessionId, *, presented: str, replacement: str, now: datetime, expires_at: datetime
    ) -> Session | None:
        """Replace the token digest `presented` by `replacement`, atomically.

        One compare-and-set, durable on a majority: of two calls presenting the same digest,
        exactly one gets the session back; the other, and any call on a session that is
        revoked or expired at `now`, gets None.
        """
        ...

    async def revoke(self, session_id: SessionId, *, now: datetime, reason: str) -> None: ...

    async def revoke_all(self, user_id: UserId, *, now: datetime, reason: str) -> None:
        """End every live session of this account."""
        ...


@dataclass(frozen=True, slots=True)
class RateRule:
    """At most `limit` hits per `window_seconds`, counted per key; `name` keeps rules apart."""

    name: str
    limit: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    remaining: int
    reset_after: int
    """Seconds until the window refills."""


class RateLimiter(Protocol):
    """Counts hits in fixed windows that start at a key's first hit; atomic per key.

    Never raises for an outage: implementations fall back to a cruder limiter instead.
    """

    async def hit(self, rule: RateRule, key: str) -> RateDecision:
        """Count one hit and say whether it is within the limit."""
        ...

    async def refund(self, rule: RateRule, key: str) -> None:
        """Take back one hit, for an attempt that turned out not to count."""
        ...

    async def reset(self, rule: RateRule, key: str) -> None: ...


class CommonPasswords(Protocol):
    """A list of passwords attackers try first."""

    def contains(self, password: str) -> bool: ...


class SecretGenerator(Protocol):
    """Unguessable values from a cryptographic random source."""

    def session_id(self) -> SessionId: ...

    def refresh_secret(self) -> str:
        """At least 128 random bits, URL-safe, with no '.' in it."""
        ...


class SecurityLog(Protocol):
    """Events an operator must be able to find: token theft, revocation fallbacks."""

    def record(self, event: str, **fields: str) -> None: ...


class PasswordHasher(Protocol):
    """Slow, salted password hashing; implementations bound their concurrency."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        ...

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of one verify, so an unknown e-mail answers as slowly as a known one."""
        ...


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A signed bearer token and how many seconds it lives."""

    token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a verified access token says."""

    subject: UserId
    session_id: SessionId
    token_id: str
    issued_at: datetime
    expires_at: datetime


class TokenIssuer(Protocol):
    """Issues and verifies access tokens; InvalidTokenError for anything not genuine and current."""

    def issue(self, subject: UserId, session_id: SessionId, *, now: datetime) -> AccessToken:
        """`issued_at` of the token is `now` to the millisecond, rounded down."""
        ...

    def verify(self, token: str) -> TokenClaims: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class MailMessage:
    """A mail with a plain-text and an HTML part.

    `message_id` is deterministic, so a re-sent mail is recognisably the same one.
    """

    to: str
    subject: str
    text: str
    html: str
    message_id: str


class Mailer(Protocol):
    """Sends mail; raises UnavailableError when the server cannot be reached."""

    async def send(self, message: MailMessage) -> None: ...


class JobQueue(Protocol):
    """Background jobs. `job_id` makes enqueueing idempotent: a second call with it is a no-op."""

    async def enqueue(self, job: str, args: Mapping[str, str], *, job_id: str, run_at: datetime | None = None) -> None:
        """`job(**args)`, not before `run_at` (now if None)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEntry:
    """A job that must run at least once, stored with the change that calls for it.

    `id` is also the job's id, so enqueueing it again while it is queued runs it once.
    """

    id: str
    job: str
    args: dict[str, str]
    created_at: datetime


class Outbox(Protocol):
    """Jobs stored in the database, so a lost enqueue (Redis away, a dead process) is found again."""

    async def add(self, entry: OutboxEntry) -> bool:
        """Idempotent: an entry with this id already there is left as it is (False)."""
        ...

    async def mark_done(self, entry_id: str, *, at: datetime) -> None: ...

    async def is_done(self, entry_id: str) -> bool:
        """From the primary: it decides whether a mail goes out."""
        ...

    async def pending(self, *, created_before: datetime, limit: int) -> list[OutboxEntry]:
        """Entries not done, oldest first."""
        ...


class ImportJobRepository(Protocol):
    """Import jobs and their uploads. `advance` is a compare-and-set on `processed`."""

    async def add(self, job: ImportJob, upload: bytes) -> None: ...

    async def get(self, job_id: str) -> ImportJob | None: ...

    async def upload(self, job_id: str) -> bytes: ...

    async def count_unfinished(self, owner: UserId) -> int: ...

    async def start(self, job_id: str, *, total: int, at: datetime) -> None: ...

    async def advance(self, job_id: str, progress: ImportProgress, *, at: datetime) -> bool:
        """Record a batch unless `processed` is already there or past it (a re-run); True if recorded."""
        ...

    async def finish(self, job_id: str, state: JobState, *, reason: str | None, at: datetime) -> None: ...


class Clock(Protocol):
    """Time enters the domain only through here."""

    def now(self) -> datetime:
        """The current time, time-zone aware, in UTC."""
        ...


class IdGenerator(Protocol):
    """New identities, made before the write so a retried write reuses them."""

    def new_user_id(self) -> UserId: ...

    def new_task_id(self) -> TaskId: ...

    def new_job_id(self) -> str: ...

    def task_id_for(self, owner: UserId, request_key: str) -> TaskId:
        """The same id for the same owner and request, so a retried create finds its first attempt."""
        ...
