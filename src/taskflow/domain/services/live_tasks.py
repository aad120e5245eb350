"""A user's live changes: only tasks they may see, as they see them (decision 0034), and their new notifications.

Memberships come through the same feed as tasks, in commit order, so a member removed
from a project sees none of its changes committed after the removal, and one who joins
sees those committed after the joining, without asking anyone per change. Each change is
judged as the shared read hands it over, so a stream's buffer holds only its user's
events; a catch-up's changes are judged by the memberships as they are now.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from taskflow.domain.changes import audience
from taskflow.domain.changes.feed import MembershipChanged, NotificationCreated
from taskflow.domain.errors import TooManyRequestsError
from taskflow.domain.live.hub import View
from taskflow.domain.services.names import names_of

if TYPE_CHECKING:
    from taskflow.domain.changes.feed import Change, FeedPosition, TaskChanged
    from taskflow.domain.live.hub import ChangeHub, Reset, Subscription
    from taskflow.domain.model.notifications import Notification
    from taskflow.domain.model.tasks import Task
    from taskflow.domain.ports.accounts import UserRepository
    from taskflow.domain.ports.projects import MembershipRepository
    from taskflow.domain.ports.streams import StreamSlots
    from taskflow.domain.values import ProjectId, TaskId, UserId


class TaskEventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class TaskEvent:
    """What one user sees change: a task moved out of their sight is deleted for them, one moved in created."""

    kind: TaskEventKind
    position: FeedPosition
    task_id: TaskId
    version: int
    task: Task | None
    """None when deleted."""


@dataclass(frozen=True, slots=True)
class NotificationEvent:
    """A notification for the user's inbox, made just now; `names` holds its actor's name (read as it is sent)."""

    position: FeedPosition
    notification: Notification
    names: dict[UserId, str] = field(default_factory=dict)


LiveEvent = TaskEvent | NotificationEvent


@dataclass(frozen=True, slots=True)
class StreamLimits:
    per_user: int
    """Streams one user may hold open at once, across every process."""
    renew_seconds: float
    """How often an open stream renews its slot's lease (the lease lasts three times this)."""


class LiveTasks:
    def __init__(
        self,
        hub: ChangeHub,
        memberships: MembershipRepository,
        users: UserRepository,
        slots: StreamSlots,
        limits: StreamLimits,
    ) -> None:
        self._hub = hub
        self._memberships = memberships
        self._users = users
        self._slots = slots
        self._limits = limits

    async def follow(self, user: UserId, after: FeedPosition | None) -> TaskEvents:
        """The user's events after `after` (or from now), subscribed before this returns.

        TooManyRequestsError when the user holds every stream they may.
        """
        stream = uuid.uuid4().hex
        if not await self._slots.take(user, stream, limit=self._limits.per_user):
            raise TooManyRequestsError(
                retry_after=round(self._limits.renew_seconds),
                detail=f"At most {self._limits.per_user} live streams at once: close one first",
            )
        lease = _Lease(self._slots, user, stream, self._limits.renew_seconds)
        try:
            sight = Sight(user)
            subscription = await self._hub.subscribe(sight, after)
            try:
                # Read after subscribing: a change to them from here on is in the feed too.
                sight.projects |= {membership.project_id for membership in await self._memberships.of_user(user)}
            except BaseException:
                await subscription.close()
                raise
        except BaseException:
            await lease.release()
            raise
        return TaskEvents(subscription, lease, self._users)

    async def close(self) -> None:
        """Every open stream ends (its client resumes elsewhere); the process is stopping."""
        await self._hub.close()


class Sight(View[LiveEvent]):
    """What one user sees of the feed: their own tasks, those of the projects they are in, their notifications."""

    def __init__(self, user: UserId) -> None:
        self.user = user
        self.projects: set[ProjectId] = set()

    def live(self, change: Change) -> LiveEvent | None:
        if isinstance(change, MembershipChanged):
            if change.user == self.user:
                (self.projects.add if change.member else self.projects.discard)(change.project)
            return None
        return self.past(change)

    def past(self, change: Change) -> LiveEvent | None:
        if isinstance(change, MembershipChanged):
            return None
        if isinstance(change, NotificationCreated):
            mine = change.notification.user == self.user
            return NotificationEvent(change.position, change.notification) if mine else None
        return self._event_of(change)

    def _event_of(self, change: TaskChanged) -> TaskEvent | None:
        saw, sees = (
            audience.sees(self.user, self.projects, change.before),
            audience.sees(self.user, self.projects, change.after),
        )
        if sees:
            kind = TaskEventKind.UPDATED if saw else TaskEventKind.CREATED
        elif saw:
            kind = TaskEventKind.DELETED
        else:
            return None
        return TaskEvent(kind, change.position, change.task_id, change.version, change.task if sees else None)


class _Lease:
    def __init__(self, slots: StreamSlots, user: UserId, stream: str, every: float) -> None:
        self._slots = slots
        self._user = user
        self._stream = stream
        self._every = every
        self._renewed = asyncio.get_running_loop().time()

    async def keep(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._renewed >= self._every:
            self._renewed = now
            await self._slots.renew(self._user, self._stream)

    async def release(self) -> None:
        await self._slots.release(self._user, self._stream)


class TaskEvents:
    def __init__(self, subscription: Subscription[LiveEvent], lease: _Lease, users: UserRepository) -> None:
        self._subscription = subscription
        self._lease = lease
        self._users = users

    @property
    def position(self) -> FeedPosition | None:
        """Where the stream is: resuming from here loses and repeats nothing (None: not known yet)."""
        return self._subscription.position

    def settle(self) -> FeedPosition | None:
        """Where the stream is once it has sent all there is (past others' changes too); else None."""
        return self._subscription.settle()

    async def next(self, within: float) -> LiveEvent | Reset | None:
        """The next event, or a reset (reload the list); None when nothing came `within` seconds.

        StreamBehindError or StreamClosedError: resume from the last event, here or elsewhere.
        """
        await self._lease.keep()
        item = await self._subscription.next(within)
        if isinstance(item, NotificationEvent):
            return replace(item, names=await names_of(self._users, [item.notification.actor]))
        return item

    async def close(self) -> None:
        try:
            await self._subscription.close()
        finally:
            await self._lease.release()
