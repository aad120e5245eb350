"""Traces that continue into jobs: the enqueuer's context travels in the job's arguments.

A job run is a span (`job <name>`, kind consumer) whose parent is the span that enqueued it,
so a request's trace shows the mail its registration caused; MongoDB and Redis calls of
the job are its children. Cron runs start their own traces.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, Final, TypeVar

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

TRACE_ARGUMENT: Final = "trace_context"
R = TypeVar("R")

_tracer = trace.get_tracer("taskflow.jobs")


def current_trace_context() -> str:
    """The W3C trace context of the current span, as one job argument ("" without one)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return json.dumps(carrier) if carrier else ""


def traced(job: Callable[..., Coroutine[Any, Any, R]]) -> Callable[..., Coroutine[Any, Any, R]]:
    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, trace_context: str = "", **kwargs: Any) -> R:  # noqa: ANN401 - arq's job arguments
        parent = propagate.extract(json.loads(trace_context)) if trace_context else None
        attributes = {"messaging.system": "arq", "messaging.message.id": str(ctx.get("job_id", ""))}
        with _tracer.start_as_current_span(
            f"job {job.__name__}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
        ) as span:
            span.set_attribute("job.try", int(ctx.get("job_try", 1)))
            return await job(ctx, *args, **kwargs)

    return run
