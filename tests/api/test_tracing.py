"""One trace per request: the HTTP span, the MongoDB commands under it, and the log line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from taskflow.adapters.jobs.queue import connect as connect_queue
from taskflow.entrypoints.processes import Child
from tests.api.conftest import Register, stack_on_own_redis
from tests.conftest import run_worker_until_idle

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def spans(api_url: str) -> Iterator[InMemorySpanExporter]:
    """Records the spans of the app's own tracer provider (the SDK's exporter, not a fake)."""
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider), f"tracing not configured for {api_url}"
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    yield exporter
    processor.shutdown()


async def test_a_request_continues_the_callers_trace_into_mongodb_and_the_log(
    client: httpx.AsyncClient, register: Register, spans: InMemorySpanExporter, capfd: pytest.CaptureFixture[str]
) -> None:
    ada = await register()
    created = await client.post("/api/v1/tasks", json={"title": "traced"}, headers=ada.auth)
    capfd.readouterr()
    spans.clear()
    traceparent = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
    read = await client.get(created.headers["location"], headers={**ada.auth, "traceparent": traceparent})
    assert read.status_code == 200

    ours = [span for span in spans.get_finished_spans() if format(span.context.trace_id, "032x") == TRACE_ID]
    names = {span.name for span in ours}
    assert "GET /api/v1/tasks/{task_id}" in names, names
    assert not [name for name in names if read.json()["id"] in name]  # no ids in span names
    assert any(span.attributes and span.attributes.get("db.system") == "mongodb" for span in ours), names

    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    (access,) = [
        line for line in lines if line.get("event") == "request" and line.get("route") == "/api/v1/tasks/{task_id}"
    ]
    assert access["trace_id"] == TRACE_ID


async def test_an_unsampled_request_records_no_span_but_logs_a_trace_id(
    client: httpx.AsyncClient, spans: InMemorySpanExporter, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    spans.clear()
    assert (await client.get("/api/v1/tasks/" + "0" * 24)).status_code == 401
    assert spans.get_finished_spans() == ()  # no OTLP endpoint in tests: new traces are not recorded
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    (access,) = [line for line in lines if line.get("event") == "request"]
    assert len(access["trace_id"]) == 32


async def test_a_callers_unsampled_trace_is_followed_in_the_log_and_records_nothing(
    client: httpx.AsyncClient, register: Register, spans: InMemorySpanExporter, capfd: pytest.CaptureFixture[str]
) -> None:
    ada = await register()
    capfd.readouterr()
    spans.clear()
    unsampled = f"00-{TRACE_ID}-00f067aa0ba902b7-00"
    assert (await client.get("/api/v1/tasks/stats", headers={**ada.auth, "traceparent": unsampled})).status_code == 200
    assert spans.get_finished_spans() == ()
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    (access,) = [line for line in lines if line.get("event") == "request"]
    assert access["trace_id"] == TRACE_ID


async def test_a_job_continues_the_trace_of_the_request_that_enqueued_it(
    mongodb: Child, mail_sink: tuple[Child, Path], spans: InMemorySpanExporter
) -> None:
    """Registration enqueues the welcome mail; the job's span and its MongoDB calls join that trace."""
    sink, _ = mail_sink
    async with (
        stack_on_own_redis(mongodb, smtp_url=sink.url) as stack,
        httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
    ):
        spans.clear()
        traceparent = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
        body = {"email": "traced@example.com", "password": "correct horse battery staple", "name": "T"}
        registered = await client.post("/api/v1/auth/register", json=body, headers={"traceparent": traceparent})
        assert registered.status_code == 201
        await run_worker_until_idle(stack.settings, connect_queue(stack.settings.redis_url, timeout_seconds=1))
    ours = [span for span in spans.get_finished_spans() if format(span.context.trace_id, "032x") == TRACE_ID]
    (job,) = [span for span in ours if span.name == "job send_welcome_mail"]
    assert job.kind is SpanKind.CONSUMER
    assert job.parent is not None  # a span of the registration request
    assert job.parent.span_id in {span.context.span_id for span in ours if span is not job}
    under_job = [span for span in ours if span.parent is not None and span.parent.span_id == job.context.span_id]
    assert any(span.attributes and span.attributes.get("db.system") == "mongodb" for span in under_job)
