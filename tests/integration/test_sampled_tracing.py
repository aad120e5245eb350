"""Which requests enter OpenTelemetry's middleware, and what the others run without (issue 32).

The real middleware, on a tracer provider that records whatever it is handed: a span
exported means the request went through OpenTelemetry, none means it did not.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased

from taskflow.adapters.http.edge.tracing import sampled_tracing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


async def _request(ratio: float, traceparent: str | None) -> tuple[bool, bool]:
    """Whether the request made a span; whether instrumentation was on inside it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(root=ALWAYS_ON))  # the API's: the edge already chose
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumented: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        del scope, receive
        instrumented.append(is_instrumentation_enabled())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        del message

    middleware = sampled_tracing(ratio)(app, OpenTelemetryConfig(tracer_provider=provider, exclude_spans=["send"]))
    headers = [(b"traceparent", traceparent.encode())] if traceparent else []
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/tasks",
        "raw_path": b"/api/v1/tasks",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    await middleware(scope, receive, send)  # type: ignore[arg-type]  # a plain dict for Litestar's scope
    provider.shutdown()
    return bool(exporter.get_finished_spans()), instrumented[0]


@pytest.mark.parametrize(
    ("ratio", "traceparent", "expected"),
    [
        (0.0, None, (False, False)),  # no exporter: nothing recorded, nothing instrumented
        (0.0, f"00-{TRACE_ID}-00f067aa0ba902b7-01", (True, True)),  # the caller's sampled trace, always
        (1.0, f"00-{TRACE_ID}-00f067aa0ba902b7-00", (False, False)),  # the caller said not sampled
        (1.0, None, (True, True)),  # an exporter, every new trace
        (0.0, "garbage", (False, False)),
        (0.0, f"00-{'0' * 32}-00f067aa0ba902b7-01", (False, False)),  # an all-zero trace id is invalid
    ],
)
async def test_only_a_recorded_trace_pays_for_opentelemetry(
    ratio: float, traceparent: str | None, expected: tuple[bool, bool]
) -> None:
    assert await _request(ratio, traceparent) == expected
    assert is_instrumentation_enabled()  # and the suppression ends with the request
