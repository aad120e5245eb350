"""`Idempotency-Key` on writes: the first answer is recorded and replayed to retries.

A route middleware, so it runs after authentication (the key is per user) and sees the
exact bytes the handler answered. The request's method, path, query, `If-Match`,
content type and body make its fingerprint; the rules are the domain's
(`IdempotencyService`), the storage MongoDB's. Decision 0014.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import TYPE_CHECKING, Final, cast

import structlog

from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports import RecordedResponse

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler
    from litestar.types import ASGIApp, HTTPScope, Message, Receive, ReceiveMessage, Scope, Send

    from taskflow.adapters.http.state import AppState
    from taskflow.domain.entities import User

HEADER: Final = b"idempotency-key"
REPLAYED_HEADER: Final = "idempotent-replayed"
_FINGERPRINTED_HEADERS: Final = (b"if-match", b"content-type")

log = structlog.get_logger("taskflow.http")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope = cast("HTTPScope", asgi_scope)  # only ever installed on HTTP handlers
        headers = dict(scope["headers"])
        raw_key = headers.get(HEADER)
        if raw_key is None:
            await self.app(asgi_scope, receive, send)
            return
        limit = cast("HTTPRouteHandler", scope["route_handler"]).resolve_request_max_body_size()
        messages, body = await _read_body(receive, limit)
        replaying_receive = _replay(messages, receive)
        if body is None:  # too large: Litestar answers 413, and there is nothing to record
            await self.app(asgi_scope, replaying_receive, send)
            return
        state: AppState = scope["litestar_app"].state.taskflow
        service = state.services.idempotency
        user: User = scope["user"]
        key = raw_key.decode("latin-1")
        recorded = await service.begin(user.id, key, _fingerprint(scope, headers, body))
        if recorded is not None:
            await _send_recorded(send, recorded)
            return
        recorder = _Recorder(send)
        try:
            await self.app(asgi_scope, replaying_receive, recorder.send)
        except BaseException:
            # Release the key for a retry; if the database is gone too, its lease does that.
            with contextlib.suppress(UnavailableError):
                await service.abandon(user.id, key)
            raise
        try:
            if recorder.succeeded:
                await service.finish(user.id, key, recorder.response())
            else:  # nothing changed: a corrected retry with the same key should run
                await service.abandon(user.id, key)
        except UnavailableError:
            # The answer is already sent; the key stays claimed until its lease ends.
            log.warning("idempotency_record_failed", idempotency_key_status=recorder.status)


async def _read_body(receive: Receive, limit: int | None) -> tuple[list[ReceiveMessage], bytes | None]:
    """The body, or None once it passes `limit`: then the handler reads on and refuses it."""
    messages: list[ReceiveMessage] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if limit is not None and size > limit:
            return messages, None
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(messages)

    async def replaying() -> ReceiveMessage:
        return pending.pop(0) if pending else await receive()

    return replaying


def _fingerprint(scope: HTTPScope, headers: dict[bytes, bytes], body: bytes) -> str:
    request = [
        scope["method"],
        scope["raw_path"].decode("latin-1"),
        scope["query_string"].decode("latin-1"),
        *(headers.get(name, b"").decode("latin-1") for name in _FINGERPRINTED_HEADERS),
    ]
    digest = hashlib.sha256(json.dumps(request).encode())
    digest.update(body)
    return digest.hexdigest()


class _Recorder:
    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300  # noqa: PLR2004 - the 2xx class

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self._headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self._body.append(message.get("body", b""))
        await self._send(message)

    def response(self) -> RecordedResponse:
        return RecordedResponse(status=self.status, headers=tuple(self._headers), body=b"".join(self._body))


async def _send_recorded(send: Send, recorded: RecordedResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in recorded.headers]
    headers.append((REPLAYED_HEADER.encode(), b"true"))
    await send({"type": "http.response.start", "status": recorded.status, "headers": headers})
    await send({"type": "http.response.body", "body": recorded.body, "more_body": False})
