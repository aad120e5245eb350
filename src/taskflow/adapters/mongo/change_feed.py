"""The change feed over a MongoDB change stream on the database (decision 0034).

One stream carries `tasks`, `memberships` and new notifications, so they come in their commit order. A
task's insert and replacement carry the whole document; a deletion carries the task as
it was (pre-images, which `taskflow migrate` turns on for both), so it can be routed
to whoever saw the task; a membership's end says who ended it, a new role the old one.
A task's `update` (only bulk unassignment writes one) is looked up.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Final

from bson import Timestamp
from pymongo import ReadPreference
from pymongo.errors import OperationFailure

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.schema.memberships import MEMBERSHIPS
from taskflow.adapters.mongo.schema.notifications import NOTIFICATIONS, notification_to_entity
from taskflow.adapters.mongo.schema.tasks import TASKS, task_to_entity
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.changes.feed import (
    Change,
    ChangeCursor,
    ChangeFeed,
    FeedPosition,
    HistoryLostError,
    MembershipChanged,
    NotificationCreated,
    Place,
    TaskChanged,
)
from taskflow.domain.values import ProjectId, UserId

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from pymongo.asynchronous.change_stream import AsyncChangeStream
    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw

BATCH: Final = 200
"""Changes per round trip: bounds what one read holds in memory at once, however far behind it is."""
# ChangeStreamHistoryLost, InvalidResumeToken, ChangeStreamFatalError: the position cannot be resumed.
_HISTORY_LOST: Final = frozenset({286, 260, 280})
_PIPELINE: Final = [
    {
        "$match": {
            "$or": [
                {
                    "ns.coll": {"$in": [TASKS, MEMBERSHIPS]},
                    "operationType": {"$in": ["insert", "replace", "update", "delete"]},
                },
                # A notification for an inbox, as it is made (marking it read is nobody's event).
                {"ns.coll": NOTIFICATIONS, "operationType": "insert", "fullDocument.in_inbox": True},
            ]
        }
    }
]


class MongoChangeFeed(ChangeFeed):
    """`max_await_seconds` bounds each wait on the server for a change, so a reader hears 'none yet'."""

    def __init__(self, database: AsyncDatabase[Raw], *, max_await_seconds: float) -> None:
        self._database = database.with_options(read_preference=ReadPreference.PRIMARY)
        self._max_await_ms = int(max_await_seconds * 1000)

    @asynccontextmanager
    async def read(self, after: FeedPosition | None) -> AsyncIterator[ChangeCursor]:
        try:
            with translate_errors():
                stream = await self._database.watch(
                    _PIPELINE,
                    resume_after=None if after is None or not after.token else {"_data": after.token},
                    # A moment, not a change: every change after it (the operation time is inclusive).
                    start_at_operation_time=Timestamp(after.time, after.increment + 1)
                    if after is not None and not after.token
                    else None,
                    full_document="updateLookup",
                    full_document_before_change="whenAvailable",
                    max_await_time_ms=self._max_await_ms,
                    batch_size=BATCH,
                )
        except OperationFailure as exc:
            if exc.code in _HISTORY_LOST:
                raise HistoryLostError from exc
            raise
        async with stream:
            yield _Cursor(stream)

    async def count_after(self, after: FeedPosition, *, limit: int, within: float) -> int:
        """Read ahead from `after` and counted: a change stream tells no backlog (nor cheaply does the oplog)."""
        counted = 0
        deadline = asyncio.get_running_loop().time() + within
        async with self.read(after) as cursor:
            while counted < limit and asyncio.get_running_loop().time() < deadline:
                if await cursor.next() is None:
                    break
                counted += 1
        return counted

    async def now(self) -> FeedPosition:
        """The primary's operation time: the commit time of the newest write it has seen."""
        with translate_errors():
            answer = await self._database.command("ping")
        time: Timestamp = answer["operationTime"]
        return FeedPosition(time.time, time.inc, "")


class _Cursor(ChangeCursor):
    def __init__(self, stream: AsyncChangeStream[Raw]) -> None:
        self._stream = stream

    def ready(self) -> bool:
        # The driver's own buffer of the batch it last received: PyMongo names no public way to
        # ask whether the next change needs a round trip (the contract suite holds this to it).
        return bool(getattr(getattr(self._stream, "_cursor", None), "_data", None))

    async def next(self) -> Change | None:
        while True:
            with translate_errors():
                event = await self._stream.try_next()
            if event is None:
                return None
            change = change_of(event)
            if change is not None:
                return change


def change_of(event: Raw) -> Change | None:
    """The domain's change, or None for one that changes nobody's view (a role, a task already gone)."""
    cluster_time = event["clusterTime"]
    position = FeedPosition(cluster_time.time, cluster_time.inc, event["_id"]["_data"])
    if event["ns"]["coll"] == MEMBERSHIPS:
        return _membership_change(position, event)
    if event["ns"]["coll"] == NOTIFICATIONS:
        return NotificationCreated(position, notification_to_entity(event["fullDocument"]))
    return _task_change(position, event)


def _task_change(position: FeedPosition, event: Raw) -> TaskChanged | None:
    operation = event["operationType"]
    before: Raw | None = event.get("fullDocumentBeforeChange")
    after: Raw | None = event.get("fullDocument")
    if operation == "delete":
        if before is None:  # no pre-image: nobody can be told (tasks written before `migrate` turned them on)
            return None
        gone = task_to_entity(before)
        return TaskChanged(position, gone.id, Place.of(gone), None, gone.version, gone)
    if after is None:  # looked up after a later deletion: that deletion follows
        return None
    task = task_to_entity(after)
    if operation == "insert":
        return TaskChanged(position, task.id, None, task, task.version)
    previous = None if before is None else task_to_entity(before)
    return TaskChanged(position, task.id, _place(before or after), task, task.version, previous)


def _membership_change(position: FeedPosition, event: Raw) -> MembershipChanged | None:
    """A joining, a new role, or a leaving; None for any other write (who ends it, just before it ends)."""
    operation = event["operationType"]
    before: Raw | None = event.get("fullDocumentBeforeChange")
    after: Raw | None = event.get("fullDocument")
    user, _, project = str(event["documentKey"]["_id"]).partition(":")  # "<user_id>:<project_id>"
    member = UserId(user), ProjectId(project)
    if operation == "insert" and after is not None:
        return MembershipChanged(position, *member, member=True, role=ProjectRole(after["role"]))
    if operation == "delete":
        previous = None if before is None else ProjectRole(before["role"])
        return MembershipChanged(position, *member, member=False, previous_role=previous, actor=_actor(before))
    # An update: its own fields (the document may be gone by the time a look-up is made).
    updated: Raw = event.get("updateDescription", {}).get("updatedFields", {})
    if before is None or "role" not in updated or updated["role"] == before["role"]:
        return None
    return MembershipChanged(
        position,
        *member,
        member=True,
        role=ProjectRole(updated["role"]),
        previous_role=ProjectRole(before["role"]),
        actor=_actor(updated),
    )


def _actor(raw: Raw | None) -> UserId | None:
    changed_by = None if raw is None else raw.get("changed_by")
    return None if changed_by is None else UserId(str(changed_by))


def _place(raw: Raw) -> Place:
    project = raw.get("project_id")
    return Place(UserId(str(raw["user_id"])), None if project is None else ProjectId(str(project)))
