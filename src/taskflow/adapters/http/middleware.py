"""One ASGI middleware for what every response needs: request id, headers, one log line."""

from __future__ import annotations

import asyncio
import contextvars
import re
import time
import uuid
from typing import TYPE_CHECKING, Final

import structlog
from litestar.datastructures import MutableScopeHeaders
from opentelemetry import trace

from taskflow.adapters.observability import current_trace_id

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER: Final = "x-request-id"
_VALID_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_SECURITY_HEADERS: Final = (
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
)

log = structlog.get_logger("taskflow.access")


class RequestContextMiddleware:
    """What every response needs, in one place.

    Accepts a sane `X-Request-ID` or makes one, echoes it, binds it to every log line,
    adds security headers, and logs one canonical line per request.
    """

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
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        authenticated = b"authorization" in headers
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if trace_id := current_trace_id():  # the HTTP span is still current here
                    structlog.contextvars.bind_contextvars(trace_id=trace_id)
                out = MutableScopeHeaders.from_message(message)
                out[REQUEST_ID_HEADER] = request_id
                for name, value in _SECURITY_HEADERS:
                    out[name] = value
                if authenticated and "cache-control" not in out:
                    # Private data: never stored; an ETag still lets the owner revalidate.
                    out["cache-control"] = "private, no-cache" if "etag" in out else "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("path_template") or "unmatched"  # set by the router when a route matched
            log.info(
                "request",
                method=scope.get("method"),
                route=route,
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.clear_contextvars()


class RouteSpanMiddleware:
    """Names the HTTP server span by its route template, once routing has found it.

    Litestar's OpenTelemetry middleware wraps the whole app, so it starts the span before
    the route is known; this runs per route, inside that span.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = scope.get("path_template")
        span = trace.get_current_span()
        if route and span.is_recording():
            span.update_name(f"{scope.get('method', 'HTTP')} {route}")
            span.set_attribute("http.route", route)
        await self.app(scope, receive, send)
