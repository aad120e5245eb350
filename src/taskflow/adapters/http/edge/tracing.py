"""OpenTelemetry per request only when its trace is recorded: nothing paid for spans nobody keeps.

A request is traced when its caller's `traceparent` says sampled, or, with an exporter set,
at the configured ratio, decided here before any span exists. Any other request runs
without the ASGI instrumentation and with instrumentation suppressed, so MongoDB and Redis
commands make no spans either; its log line still carries a trace id (the caller's, or a
new one).
"""

from __future__ import annotations

import os
import random
import re
from typing import TYPE_CHECKING, ClassVar, Final

import structlog
from litestar.plugins.opentelemetry import OpenTelemetryInstrumentationMiddleware
from opentelemetry.instrumentation.utils import suppress_instrumentation

from taskflow.adapters.http.edge.request_context import request_headers

if TYPE_CHECKING:
    from litestar.types import Receive, Scope, Send

# W3C Trace Context: version, trace id, parent id, flags (bit 0: sampled).
_TRACEPARENT: Final = re.compile(rb"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})")
_NO_TRACE: Final = b"0" * 32


class SampledTracing(OpenTelemetryInstrumentationMiddleware):
    """Litestar's OpenTelemetry middleware, entered only for a request whose trace is recorded."""

    ratio: ClassVar[float] = 0.0
    """New traces recorded, when an exporter is set (else 0: only a caller's sampled traces)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = request_headers(scope).get(b"traceparent")
        parent = None if header is None else _TRACEPARENT.fullmatch(header.strip().lower())
        sampled = parent is not None and parent[1] != _NO_TRACE and int(parent[2], 16) & 1
        if sampled or (parent is None and self.ratio and random.random() < self.ratio):  # noqa: S311 - sampling
            await self.open_telemetry_middleware(scope, receive, send)  # type: ignore[arg-type]  # Litestar's own call
            return
        known = parent[1].decode() if parent is not None and parent[1] != _NO_TRACE else None
        structlog.contextvars.bind_contextvars(trace_id=known or os.urandom(16).hex())
        with suppress_instrumentation():
            await self.app(scope, receive, send)


def sampled_tracing(ratio: float) -> type[SampledTracing]:
    """The middleware class for Litestar's OpenTelemetry config, recording new traces at `ratio`."""
    return type("SampledTracingAtRatio", (SampledTracing,), {"ratio": ratio})
