"""The change feed: every committed change to tasks and memberships, and each new notification, in commit order.

A position names one change; the feed can be read again from just after it, by any
process, for as long as the database keeps its history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from taskflow.domain.errors import TaskflowError

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from taskflow.domain.access.roles import ProjectRole
    from taskflow.domain.model.notifications import Notification
    from taskflow.domain.model.tasks import Task
    from taskflow.domain.values import ProjectId, TaskId, UserId


@dataclass(frozen=True, slots=True, order=True)
class FeedPosition:
    """Ordered as the feed is: by commit time, then by `token` (opaque, the adapter's) within one.

    Comparing two positions tells which change came first, wherever each was read. A position
    with no token is a moment (`ChangeFeed.now`), not a change: reading after it gives every
    change committed later.
    """

    time: int
    increment: int
    token: str


@dataclass(frozen=True, slots=True)
class Place:
    """Where a task is: its space, and its project or none (the owner's own tasks)."""

    space: UserId
    project: ProjectId | None

    @classmethod
    def of(cls, task: Task) -> Place:
        return cls(task.owner_id, task.project_id)


@dataclass(frozen=True, slots=True)
class TaskChanged:
    """A task created (`before` None), changed, moved, or deleted (`task` None).

    `version` is the task's version after the change; for a deletion, its last one.
    `previous` is the task as it was, when the feed kept it (MongoDB's pre-image).
    """

    position: FeedPosition
    task_id: TaskId
    before: Place | None
    task: Task | None
    version: int
    previous: Task | None = None

    @property
    def after(self) -> Place | None:
        return None if self.task is None else Place.of(self.task)


@dataclass(frozen=True, slots=True)
class MembershipChanged:
    """`user` joined `project`, has a new role in it (`previous_role` set, `member`), or left it (not `member`).

    `role` is the role now (none once left); `previous_role` the one before, when the feed
    kept it (a new role; a leaving); `actor` who made the change, when it says (none for a
    joining, or an end nobody claimed).
    """

    position: FeedPosition
    user: UserId
    project: ProjectId
    member: bool
    role: ProjectRole | None = None
    previous_role: ProjectRole | None = None
    actor: UserId | None = None

    @property
    def new_role(self) -> bool:
        return self.member and self.previous_role is not None


@dataclass(frozen=True, slots=True)
class NotificationCreated:
    """A notification for someone's inbox was made: their live streams show it."""

    position: FeedPosition
    notification: Notification


Change = TaskChanged | MembershipChanged | NotificationCreated


class HistoryLostError(TaskflowError):
    """The position is older than the history the database keeps: the reader must start over."""


class ChangeCursor(Protocol):
    async def next(self) -> Change | None:
        """The next change, or None when there is none yet (after a short wait on the database)."""
        ...

    def ready(self) -> bool:
        """Whether `next` has a change read already, to give without asking the database."""
        ...


class ChangeFeed(Protocol):
    def read(self, after: FeedPosition | None) -> AbstractAsyncContextManager[ChangeCursor]:
        """The changes after `after`, or from now; HistoryLostError on entry when `after` is too old."""
        ...

    async def now(self) -> FeedPosition:
        """Where the history ends now: a reader that keeps it misses nothing committed from here on."""
        ...

    async def count_after(self, after: FeedPosition, *, limit: int, within: float) -> int:
        """How many changes the history holds after `after`: at most `limit`, and as many as `within` seconds count."""
        ...
