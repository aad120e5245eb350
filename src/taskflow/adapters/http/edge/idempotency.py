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
from typing import TYPE_CHECKING, Annotated, Any, Final, cast

import structlog
from litestar.params import HeaderParameter

from taskflow.adapters.http.edge.deadline import outside_deadline
from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.idempotency import RecordedResponse
from taskflow.domain.services.idempotency import KEY_MAX_LENGTH, KEY_PATTERN

if TYPE_CHECKING:
    from litestar import Request
    from litestar.handlers import HTTPRouteHandler
    from litestar.types import ASGIApp, HTTPScope, Message, Receive, ReceiveMessage, Scope, Send

    from taskflow.adapters.http.state import AppState
    from taskflow.domain.access.principal import Principal

HEADER: Final = b"idempotency-key"
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=KEY_MAX_LENGTH,
        pattern=KEY_PATTERN,
        description="A unique value per operation (a UUID, say). Retries with the same key and the same request "
        "get the first answer again (`Idempotent-Replayed: true`) for 24 hours (`TASKFLOW_IDEMPOTENCY_HOURS`); another "
        "request with the key is a 422, and a retry while the first still runs a 409. Error answers are not "
        "kept: a corrected retry may reuse the key. After a 503 the write may have landed; retry with the same key: "
        "a create then answers what it made (the task, project, invitation or import), never a second one.",
    ),
]

_REQUEST_KEY: Final = "taskflow.idempotent_request"
# Recording or releasing a key runs outside the request's deadline (which may be spent:
# that is often why the request failed), on this much time of its own.
BOOKKEEPING_SECONDS: Final = 1.0
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
        user: Principal = scope["user"]
        key = raw_key.decode("latin-1")
        fingerprint = _fingerprint(scope, headers, body)
        recorded = await service.begin(user.id, key, fingerprint)
        if recorded is not None:
            await _send_recorded(send, recorded)
            return
        scope.setdefault("state", {})[_REQUEST_KEY] = hashlib.sha256(f"{key}\n{fingerprint}".encode()).hexdigest()
        recorder = _Recorder(send)
        try:
            await self.app(asgi_scope, replaying_receive, recorder.send)
        except BaseException:
            # Release the key for a retry; if the database is gone too, its lease does that.
            with contextlib.suppress(UnavailableError, TimeoutError):
                await outside_deadline(scope, lambda: service.abandon(user.id, key), seconds=BOOKKEEPING_SECONDS)
            await recorder.finish()
            raise
        try:
            if recorder.succeeded:
                response = recorder.response()
                await outside_deadline(
                    scope, lambda: service.finish(user.id, key, response), seconds=BOOKKEEPING_SECONDS
                )
            else:  # nothing changed: a corrected retry with the same key should run
                await outside_deadline(scope, lambda: service.abandon(user.id, key), seconds=BOOKKEEPING_SECONDS)
        except (UnavailableError, TimeoutError):
            # The key stays claimed until its lease ends.
            log.warning("idempotency_record_failed", idempotency_key_status=recorder.status)
        finally:
            await recorder.finish()  # only now: a client's next request finds the key settled


def request_key(request: Request[Any, Any, Any]) -> str | None:
    """The same text for a request and its retries with the same `Idempotency-Key`; else None.

    A create derives its task's id from it, so a retry after a 503 whose write landed
    answers that task instead of making a second one.
    """
    value = request.scope.get("state", {}).get(_REQUEST_KEY)
    return value if isinstance(value, str) else None


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
        self._last: Message | None = None

    @property
    def succeeded(self) -> bool:
        return 200 <= self.status < 300  # noqa: PLR2004 - the 2xx class

    async def send(self, message: Message) -> None:
        """Passes every message on but the answer's last, which `finish` sends."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self._headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            self._body.append(message.get("body", b""))
            if not message.get("more_body", False):
                self._last = message
                return
        await self._send(message)

    async def finish(self) -> None:
        if self._last is not None:
            last, self._last = self._last, None
            await self._send(last)

    def response(self) -> RecordedResponse:
        return RecordedResponse(status=self.status, headers=tuple(self._headers), body=b"".join(self._body))


async def _send_recorded(send: Send, recorded: RecordedResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in recorded.headers]
    headers.append((REPLAYED_HEADER.encode(), b"true"))
    await send({"type": "http.response.start", "status": recorded.status, "headers": headers})
    await send({"type": "http.response.body", "body": recorded.body, "more_body": False})
