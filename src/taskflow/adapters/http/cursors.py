"""Opaque keyset cursors: where the previous page ended, base64url-encoded."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from typing import Final

from taskflow.domain.errors import InvalidValueError
from taskflow.domain.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskSortKey
from taskflow.domain.values import TaskId, UserId

_ID_BYTES = 12
MAC_BYTES: Final = 16  # 128 bits: forging one is out of reach, and the cursor stays short


def encode_user_cursor(user_id: UserId) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(user_id.value)).decode().rstrip("=")


def decode_user_cursor(cursor: str) -> UserId:
    try:
        raw = _b64decode(cursor)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _ID_BYTES:
        msg = "cursor is not one this API handed out"
        raise InvalidValueError(msg, field="cursor")
    return UserId(raw.hex())


class InvalidCursorError(InvalidValueError):
    code = "invalid-cursor"
    title = "The cursor is not one this listing handed out"


class TaskCursors:
    """Keyset cursors for task listings: the last position, signed.

    The HMAC covers the position *and* the user, order and filters it was made for, so a
    cursor edited by hand, made for someone else or replayed with other filters is refused
    rather than silently paging something else. Base64url, so it travels in a query string.
    """

    def __init__(self, secret: str) -> None:
        self._key = hmac.new(secret.encode(), b"taskflow task cursor v1", hashlib.sha256).digest()

    def encode(self, position: TaskPosition, owner: UserId, order: TaskOrder, task_filter: TaskFilter) -> str:
        value = position.value.isoformat() if isinstance(position.value, datetime) else position.value
        payload = _b64encode(json.dumps([value, position.task_id.value], separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload, owner, order, task_filter)}"

    def decode(self, cursor: str, owner: UserId, order: TaskOrder, task_filter: TaskFilter) -> TaskPosition:
        payload, _, mac = cursor.partition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload, owner, order, task_filter).encode()):
            msg = "cursor does not belong to this listing: start again without it"
            raise InvalidCursorError(msg, field="cursor")
        value, task_id = json.loads(_b64decode(payload))
        if order.key is TaskSortKey.PRIORITY:
            return TaskPosition(int(value), TaskId(task_id))
        return TaskPosition(None if value is None else datetime.fromisoformat(value), TaskId(task_id))

    def _mac(self, payload: str, owner: UserId, order: TaskOrder, task_filter: TaskFilter) -> str:
        bound_to = json.dumps(
            [
                owner.value,
                str(order),
                sorted(task_filter.statuses),
                sorted(task_filter.priorities),
                sorted(task_filter.tags),
                task_filter.due_before.isoformat() if task_filter.due_before else None,
                task_filter.due_after.isoformat() if task_filter.due_after else None,
                task_filter.text,
                payload,
            ]
        )
        return _b64encode(hmac.new(self._key, bound_to.encode(), hashlib.sha256).digest()[:MAC_BYTES])


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
