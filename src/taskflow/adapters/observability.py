"""Logs (structlog, JSON unless told otherwise) and traces (OpenTelemetry), set up once per process."""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO, Final, cast

import msgspec
import structlog
from opentelemetry import trace
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, TraceIdRatioBased
from structlog.tracebacks import ExceptionDictTransformer


def configure_logging(*, level: str = "info", json: bool = True) -> None:
    """Every log line carries what `bind_contextvars` bound (request id, user id)."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        # Frame locals would carry request headers (bearer tokens) and bodies (passwords).
        structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
    ]
    # The process's fd 2, whoever swaps sys.stderr. A line per request: JSON lines are encoded by
    # msgspec straight to bytes and written once per event-loop turn, not one write each.
    renderer: structlog.types.Processor
    factory: Callable[..., object]
    if json:
        lines = _stderr_lines()
        renderer, factory = _json_line, lambda *_: lines
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        factory = structlog.WriteLoggerFactory(file=sys.__stderr__)
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=factory,
        cache_logger_on_first_use=True,
    )
    # Libraries that use the standard library (uvicorn, arq) go through the same level.
    logging.basicConfig(
        level=numeric,
        stream=sys.__stderr__,
        format="%(levelname)s %(name)s %(message)s",
        force=True,
    )
    logging.getLogger("uvicorn.access").disabled = True  # one line per request comes from taskflow


class LineBatch:
    """Log lines gathered while the event loop turns and written at the end of the turn: one write for a burst.

    Outside a running loop (start-up, a thread) a line is written at once.
    """

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._pending = bytearray()
        self._scheduled = False
        self._lock = threading.Lock()

    def msg(self, message: bytes) -> None:
        with self._lock:
            self._pending += message + b"\n"
            if self._scheduled:
                return
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop here
                pass
            else:
                self._scheduled = True
                return
        self.flush()

    log = debug = info = warn = warning = fatal = failure = err = error = critical = exception = msg

    def flush(self) -> None:
        with self._lock:
            data, self._scheduled = bytes(self._pending), False
            self._pending.clear()
        if data:
            self._file.write(data)
            self._file.flush()


@functools.cache
def _stderr_lines() -> LineBatch:
    """One per process, however often logging is configured (each app a test makes does); flushed at exit."""
    lines = LineBatch(cast("BinaryIO", sys.__stderr__.buffer))  # type: ignore[union-attr]
    atexit.register(lines.flush)
    return lines


def flush_logs() -> None:
    """Write what is pending now: a process about to end by a signal runs no `atexit`."""
    if _stderr_lines.cache_info().currsize:
        _stderr_lines().flush()


_JSON: Final = msgspec.json.Encoder(enc_hook=str)  # what JSON cannot say (an exception, a path) as its text


def _json_line(_: object, __: str, event: structlog.types.EventDict) -> bytes:
    return _JSON.encode(event)


def add_trace_id(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    """Put the current trace id on every line logged inside a span."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid and "trace_id" not in event:
        event["trace_id"] = format(context.trace_id, "032x")
    return event


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def configure_tracing(service_name: str, *, otlp_endpoint: str = "", sample_ratio: float = 0.1) -> TracerProvider:
    """One tracer provider per process; MongoDB and Redis commands become child spans.

    A caller's sampled `traceparent` is always honoured. New traces are sampled at
    `sample_ratio`, and only when spans have somewhere to go: recording every span costs
    about as much CPU as the request itself. Unsampled spans still carry a trace id,
    so every log line does too.
    """
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        root = TraceIdRatioBased(sample_ratio) if otlp_endpoint else ALWAYS_OFF
        provider = TracerProvider(
            resource=Resource.create({"service.name": service_name}), sampler=ParentBased(root=root)
        )
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
        trace.set_tracer_provider(provider)
    for instrumentor in (PymongoInstrumentor(), RedisInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider)
    return provider
