"""Around every request, in one layer with one `send` wrapper: what every response needs.

A fresh context, the request id, security and cache headers, the headers inner layers ask
for (`add_response_headers`), the span's name by route, request metrics and one log line.
The request's headers are parsed here once (`request_headers`) for every layer after it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import re
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, cast

import structlog
from litestar.routes import HTTPRoute
from opentelemetry import trace
from prometheus_client import Counter, Histogram

from taskflow.adapters.observability import current_trace_id

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

REQUEST_ID_HEADER: Final = "x-request-id"
_VALID_REQUEST_ID: Final = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
_SECURITY_HEADERS: Final = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
_HEADERS: Final = "taskflow.request_headers"
_EXTRA: Final = "taskflow.response_headers"
_UNMEASURED: Final = frozenset({"/metrics"})
# HAProxy probes each process every 2 s: an answered probe is logged at debug, not news.
_PROBES: Final = frozenset({"/health/live", "/health/ready"})
_LABELS: Final = ["method", "path", "status_code", "app_name"]

REQUESTS: Final = Counter("taskflow_requests_total", "Total requests", _LABELS)
REQUEST_ERRORS: Final = Counter("taskflow_requests_error_total", "Total errors in requests", _LABELS)
REQUEST_TIME: Final = Histogram("taskflow_request_duration_seconds", "Request duration, in seconds", _LABELS)

ResponseHeaders = Iterable[tuple[bytes, bytes]]
_Extra = ResponseHeaders | Callable[[], ResponseHeaders]

log = structlog.get_logger("taskflow.access")


def request_headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lower-case name (the last of a repeated one), parsed once."""
    state = scope.setdefault("state", {})
    headers: dict[bytes, bytes] | None = state.get(_HEADERS)
    if headers is None:
        headers = state[_HEADERS] = dict(scope["headers"])
    return headers


def add_response_headers(scope: Scope, headers: _Extra) -> None:
    """Headers for this request's response, or a function that gives them when it starts."""
    scope.setdefault("state", {}).setdefault(_EXTRA, []).append(headers)


class RequestContextMiddleware:
    """Wraps the whole app, so unmatched routes get a request id and a log line too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]  # lifespan scopes pass through too
            await self.app(scope, receive, send)
            return
        # A fresh context per request. asyncio re-registers a connection's reader in the
        # context of whoever resumes reading (a handler reading a large body), so the next
        # request on that connection would start with this one's context variables: its
        # database deadline, its consistency tokens, its trace.
        await asyncio.create_task(self._handle(scope, receive, send), context=contextvars.Context())

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = request_headers(scope)
        request_id = _request_id(headers)
        authenticated = b"authorization" in headers
        structlog.contextvars.bind_contextvars(request_id=request_id.decode())
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = _response_headers(scope, message, request_id, authenticated=authenticated)
                _name_span(scope)  # the HTTP span is still current here, so its trace id is
                if trace_id := current_trace_id():
                    structlog.contextvars.bind_contextvars(trace_id=trace_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("path_template") or "unmatched"  # set by the router when a route matched
            _account(scope["method"], route, status, time.perf_counter() - started)  # type: ignore[typeddict-item]


LIVENESS: Final = "/health/live"
_ALIVE: Final = b'{"status":"up"}'


def is_liveness_probe(scope: Scope) -> bool:
    """A request `answer_liveness` answers as the general path would: no query, no `Origin` (CORS answers that)."""
    return (
        scope["type"] == "http"  # type: ignore[comparison-overlap]  # Litestar's Scope union omits nothing we need
        and scope["path"] == LIVENESS
        and scope["method"] == "GET"  # type: ignore[typeddict-item]  # an HTTP scope has one
        and not scope["query_string"]
        and b"origin" not in request_headers(scope)
    )


async def answer_liveness(scope: Scope, send: Send) -> None:
    """`GET /health/live` answered as the general path answers it, with no routing and no task of its own.

    A strict subset of that path (`is_liveness_probe` says which requests): the same status,
    headers and body (a test compares them byte for byte), the same metrics and log line; only
    the server's own work is left.
    """
    started = time.perf_counter()
    headers = request_headers(scope)
    request_id = _request_id(headers)
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": HTTPStatus.OK,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(_ALIVE)).encode())],
    }
    start["headers"] = _response_headers(scope, start, request_id, authenticated=b"authorization" in headers)
    await send(start)
    await send({"type": "http.response.body", "body": _ALIVE, "more_body": False})
    # Not bound to the context: this runs in the connection's own, which the next request shares.
    _account("GET", LIVENESS, HTTPStatus.OK, time.perf_counter() - started, request_id=request_id.decode())


def _request_id(headers: dict[bytes, bytes]) -> bytes:
    incoming = headers.get(b"x-request-id", b"")
    return incoming if _VALID_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex().encode()


def _account(method: str, route: str, status: int, elapsed: float, **context: str) -> None:
    """The request's metrics and its one log line (an answered probe's at debug)."""
    if route not in _UNMEASURED:
        counted, timed, failed = _measures(method, route, status)
        counted.inc()
        timed.observe(elapsed)
        if failed is not None:
            failed.inc()
    emit = log.debug if route in _PROBES and status == HTTPStatus.OK else log.info
    emit("request", method=method, route=route, status=status, duration_ms=round(elapsed * 1000, 2), **context)


@functools.cache
def _measures(method: str, route: str, status: int) -> tuple[Any, Any, Any | None]:
    """The metrics' children for one kind of answer, resolved once (routes are templates: a bounded set)."""
    labels = (method, route, str(status), "taskflow")
    failed = REQUEST_ERRORS.labels(*labels) if status >= HTTPStatus.INTERNAL_SERVER_ERROR else None
    return REQUESTS.labels(*labels), REQUEST_TIME.labels(*labels), failed


def _response_headers(
    scope: Scope, message: Message, request_id: bytes, *, authenticated: bool
) -> list[tuple[bytes, bytes]]:
    headers = list(cast("ResponseHeaders", message.get("headers", ())))
    extras: list[_Extra] = scope.get("state", {}).get(_EXTRA, [])
    for extra in extras:
        headers.extend(extra() if callable(extra) else extra)
    headers.append((b"x-request-id", request_id))
    headers.extend(_SECURITY_HEADERS)
    if scope["method"] == "OPTIONS" and "path_template" in scope:  # type: ignore[typeddict-item]  # HTTP scope
        allowed = _allowed_methods(scope["litestar_app"]).get(scope["path_template"])
        if allowed:
            headers = [(name, value) for name, value in headers if name != b"allow"]
            headers.append((b"allow", allowed))
    if authenticated and not any(name == b"cache-control" for name, _ in headers):
        # Private data: never stored; an ETag still lets the owner revalidate.
        has_etag = any(name == b"etag" for name, _ in headers)
        headers.append((b"cache-control", b"private, no-cache" if has_etag else b"no-store"))
    return headers


@functools.cache
def _allowed_methods(app: Litestar) -> dict[str, bytes]:
    """Every method of each path, for `Allow`.

    Litestar 2's own OPTIONS answer names only the methods of the first handler registered
    on a path (litestar#4169, fixed in 3.0): `/users/me` said `GET, OPTIONS` without PATCH.
    """
    methods: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            methods.setdefault(route.path_format, set()).update(route.methods)
    return {path: ", ".join(sorted(names)).encode() for path, names in methods.items()}


def _name_span(scope: Scope) -> None:
    """The HTTP span starts before routing; once the route is known it is named by its template."""
    route = scope.get("path_template")
    span = trace.get_current_span()
    if route and span.is_recording():
        span.update_name(f"{scope['method']} {route}")  # type: ignore[typeddict-item]  # HTTP scopes have a method
        span.set_attribute("http.route", route)
