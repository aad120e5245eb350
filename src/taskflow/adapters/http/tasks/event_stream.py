"""`GET /tasks/events`: a user's live task changes as server-sent events (decision 0034).

Each event's `id` is its feed position, encrypted and bound to the user, so a client that
reconnects with `Last-Event-ID` (as EventSource does) resumes exactly after it, on any
API process; anything else in that header is a 400. The stream's opening and each
heartbeat carry an id too (where the stream is), so a client that has had no event yet,
or none for long, still resumes without loss. A quiet stream gets a comment every
heartbeat, and every stream's access token is checked again as often: a token that
expired or was revoked, or an account that was deactivated, ends the stream.
"""

from __future__ import annotations

import asyncio
import binascii
import os
from typing import TYPE_CHECKING, Final

import anyio
import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar.response import ServerSentEvent, ServerSentEventMessage
from prometheus_client import Counter, Gauge

from taskflow.adapters.http.edge.signing import b64decode, b64encode, derive_key
from taskflow.adapters.http.notifications.schemas import NotificationResponse
from taskflow.adapters.http.tasks.schemas import TaskResponse
from taskflow.domain.changes.feed import FeedPosition
from taskflow.domain.errors import DrainingError, InvalidEventIdError, TaskflowError, UnauthenticatedError
from taskflow.domain.live.hub import RESET, Reset, StreamBehindError, StreamClosedError
from taskflow.domain.services.live_tasks import NotificationEvent

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from taskflow.domain.services.live_tasks import LiveEvent, LiveTasks, TaskEvents
    from taskflow.domain.services.sessions import SessionService
    from taskflow.domain.values import UserId

NOTIFICATION_CREATED: Final = "notification.created"
RETRY_MS: Final = 2000
"""How soon a client reconnects after the stream ends (the `retry:` field)."""
EVENT_ID_MAX_LENGTH: Final = 512
NONCE_BYTES: Final = 12
CLOSE_SECONDS: Final = 5.0
"""How long closing a stream (its catch-up cursor, its slot) may take after its client left."""

EVENT_STREAMS: Final = Gauge("taskflow_event_streams", "Live task streams open in this process")
EVENTS_SENT: Final = Counter("taskflow_events_sent_total", "Task events sent on live streams", ["kind"])
STREAM_RESUMES: Final = Counter("taskflow_event_stream_resumes_total", "Live streams opened with a Last-Event-ID")
STREAM_RESETS: Final = Counter(
    "taskflow_event_stream_resets_total", "Resets sent: a Last-Event-ID older than the history kept"
)
SLOW_CLOSES: Final = Counter(
    "taskflow_event_stream_slow_closes_total", "Live streams closed because their client fell behind its buffer"
)


class EventIds:
    """Positions as event ids: AES-GCM, the user as associated data.

    Opaque (a position names a change, maybe another user's: the id shows nothing of it)
    and valid only for the user it was sent to.
    """

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(derive_key(secret, b"taskflow task event id v1"))

    def encode(self, position: FeedPosition, user: UserId) -> str:
        nonce = os.urandom(NONCE_BYTES)
        payload = f"{position.time}.{position.increment}.{position.token}".encode()
        return b64encode(nonce + self._aead.encrypt(nonce, payload, user.value.encode()))

    def decode(self, event_id: str, user: UserId) -> FeedPosition:
        try:
            raw = b64decode(event_id)
            payload = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], user.value.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag):
            payload = ""
        time, _, rest = payload.partition(".")
        increment, _, token = rest.partition(".")
        if not (time.isdigit() and increment.isdigit() and token):
            msg = "Send back the id of an event this stream sent you, unchanged, or leave Last-Event-ID out"
            raise InvalidEventIdError(msg)
        return FeedPosition(int(time), int(increment), token)


class TaskEventStreams:
    """Opens live streams for signed-in requests; `draining` refuses new ones while the process stops."""

    def __init__(
        self,
        live: LiveTasks,
        sessions: SessionService,
        ids: EventIds,
        *,
        heartbeat_seconds: float,
        draining: Callable[[], bool],
    ) -> None:
        self._live = live
        self._sessions = sessions
        self._ids = ids
        self._heartbeat_seconds = heartbeat_seconds
        self._draining = draining

    async def open(self, user: UserId, token: str, last_event_id: str | None) -> ServerSentEvent:
        """`token`, the request's bearer token, is checked again at every heartbeat."""
        if self._draining():
            raise DrainingError
        after = None if last_event_id is None else self._ids.decode(last_event_id, user)
        events = await self._live.follow(user, after)
        if after is not None:
            STREAM_RESUMES.inc()

        async def still_admitted() -> None:
            await self._sessions.authenticate(token)

        return ServerSentEvent(_messages(events, self._ids, user, still_admitted, self._heartbeat_seconds))


async def _messages(
    events: TaskEvents,
    ids: EventIds,
    user: UserId,
    still_admitted: Callable[[], Awaitable[object]],
    heartbeat_seconds: float,
) -> AsyncIterator[ServerSentEventMessage]:
    EVENT_STREAMS.inc()
    clock = asyncio.get_running_loop().time
    checked = clock()
    try:
        yield ServerSentEventMessage(data=None, comment="ok", id=_where(events.position, ids, user), retry=RETRY_MS)
        while True:
            item = await events.next(heartbeat_seconds)
            if clock() - checked >= heartbeat_seconds:  # quiet or not, the token is checked this often
                await still_admitted()
                checked = clock()
            yield _message(item, events, ids, user)
    except StreamBehindError:
        SLOW_CLOSES.inc()
        if events.position is None:  # nothing to resume from: the client must reload instead
            yield _message(RESET, events, ids, user)
        yield ServerSentEventMessage(data=None, comment="behind: reconnect with the last id", retry=RETRY_MS)
    except StreamClosedError:
        yield ServerSentEventMessage(data=None, comment="closing: reconnect with the last id", retry=RETRY_MS)
    except UnauthenticatedError:
        # The token expired or was revoked meanwhile: the client signs in again, then resumes.
        yield ServerSentEventMessage(data=None, comment="signed out: reconnect with a fresh token")
    except TaskflowError:  # the database failed the catch-up, or the account is no longer admitted
        yield ServerSentEventMessage(data=None, comment="interrupted: reconnect with the last id", retry=RETRY_MS)
    finally:
        EVENT_STREAMS.dec()
        with anyio.move_on_after(CLOSE_SECONDS, shield=True):
            await events.close()


def _where(position: FeedPosition | None, ids: EventIds, user: UserId) -> str | None:
    return None if position is None else ids.encode(position, user)


def _message(item: LiveEvent | Reset | None, events: TaskEvents, ids: EventIds, user: UserId) -> ServerSentEventMessage:
    """An event; a reset; or, for nothing (a quiet while), a heartbeat with where the stream has got to."""
    if item is None:
        return ServerSentEventMessage(data=None, comment="heartbeat", id=_where(events.settle(), ids, user))
    if isinstance(item, Reset):
        STREAM_RESETS.inc()
        return ServerSentEventMessage(event="reset", data="{}")
    if isinstance(item, NotificationEvent):
        EVENTS_SENT.labels(kind=NOTIFICATION_CREATED).inc()
        data = msgspec.json.encode(NotificationResponse.of(item.notification, item.names)).decode()
        return ServerSentEventMessage(event=NOTIFICATION_CREATED, id=ids.encode(item.position, user), data=data)
    EVENTS_SENT.labels(kind=item.kind.value).inc()
    body: object = {"id": item.task_id.value, "version": item.version}
    if item.task is not None:
        body = TaskResponse.of(item.task)
    data = msgspec.json.encode(body).decode()
    return ServerSentEventMessage(event=f"task.{item.kind.value}", id=ids.encode(item.position, user), data=data)
