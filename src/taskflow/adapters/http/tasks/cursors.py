"""Opaque keyset cursors for task listings: where the previous page ended, signed and bound to the listing."""

from __future__ import annotations

import json
from datetime import datetime

from taskflow.adapters.http.edge.signing import Signer
from taskflow.domain.errors import InvalidCursorError
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskSortKey
from taskflow.domain.values import ProjectId, TaskId, UserId


class TaskCursors:
    """Keyset cursors for task listings: the last position, signed.

    The MAC covers the position *and* the user, order and filters it was made for, so a
    cursor edited by hand, made for someone else or replayed with other filters is refused
    rather than silently paging something else. Base64url, so it travels in a query string.
    """

    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, b"taskflow task cursor v1")

    def encode(
        self,
        position: TaskPosition,
        owner: UserId,
        order: TaskOrder,
        task_filter: TaskFilter,
        project: ProjectId | None = None,
    ) -> str:
        payload = json.dumps(position.plain(), separators=(",", ":")).encode()
        return self._signer.sign(payload, bound=_bound(owner, order, task_filter, project))

    def decode(
        self,
        cursor: str,
        owner: UserId,
        order: TaskOrder,
        task_filter: TaskFilter,
        project: ProjectId | None = None,
    ) -> TaskPosition:
        payload = self._signer.open(cursor, bound=_bound(owner, order, task_filter, project))
        if payload is None:
            msg = "cursor does not belong to this listing: start again without it"
            raise InvalidCursorError(msg, field="cursor")
        value, task_id = json.loads(payload)
        if order.key is TaskSortKey.PRIORITY:
            return TaskPosition(int(value), TaskId(task_id))
        return TaskPosition(None if value is None else datetime.fromisoformat(value), TaskId(task_id))


def _bound(owner: UserId, order: TaskOrder, task_filter: TaskFilter, project: ProjectId | None) -> bytes:
    place = [] if project is None else [project.value]  # a personal cursor is as it always was
    return json.dumps([owner.value, str(order), task_filter.canonical, *place]).encode()
