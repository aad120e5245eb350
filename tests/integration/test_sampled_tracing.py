"""Which requests enter OpenTelemetry's middleware, and what the others run without (issue 32)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from taskflow.adapters.http.edge.tracing import sampled_tracing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


async def _entered(ratio: float, traceparent: str | None) -> tuple[bool, bool]:
    """Whether the request went through OpenTelemetry's middleware; whether instrumentation was on inside."""
    seen: dict[str, bool] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        del receive, send
        seen["instrumented"] = is_instrumentation_enabled()
        seen["through_otel"] = "otel" in scope.get("state", {})

    middleware = sampled_tracing(ratio)(app, OpenTelemetryConfig())

    async def through_otel(scope: Any, receive: Any, send: Any) -> None:
        scope.setdefault("state", {})["otel"] = True
        await app(scope, receive, send)

    middleware.open_telemetry_middleware = through_otel  # type: ignore[assignment]  # the recorded path, observed
    headers = [(b"traceparent", traceparent.encode())] if traceparent else []
    await middleware({"type": "http", "headers": headers, "state": {}}, None, None)  # type: ignore[arg-type]
    return seen["through_otel"], seen["instrumented"]


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
    assert await _entered(ratio, traceparent) == expected
    assert is_instrumentation_enabled()  # and the suppression ends with the request
