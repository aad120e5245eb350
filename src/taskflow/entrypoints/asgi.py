"""The ASGI app factory: `uvicorn --factory taskflow.entrypoints.asgi:create_app`."""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from taskflow.adapters.http.app import build_app
from taskflow.adapters.http.edge.client_addresses import ClientAddresses, Networks
from taskflow.adapters.http.edge.consistency import ConsistencyTokens
from taskflow.adapters.http.edge.metrics_access import MetricsAccess
from taskflow.adapters.http.edge.request_context import RequestContextMiddleware, answer_liveness, is_liveness_probe
from taskflow.adapters.http.state import AppState
from taskflow.adapters.http.tasks.cursors import TaskCursors
from taskflow.adapters.http.tasks.event_stream import EventIds, TaskEventStreams
from taskflow.adapters.http.tasks.pages import TaskPages
from taskflow.adapters.observability import configure_logging, configure_tracing
from taskflow.bootstrap import (
    Connections,
    auth_budget,
    build_services,
    open_connections,
    request_deadline,
    user_budget,
)
from taskflow.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from contextlib import AbstractAsyncContextManager

    from litestar import Litestar
    from litestar.types import Receive, Scope, Send


class TaskflowApp(RequestContextMiddleware):
    """The whole app, with the one control its server needs: start draining."""

    def __init__(self, app: Litestar) -> None:
        super().__init__(app)
        self._litestar = app
        self._stopping: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_liveness_probe(scope):
            await answer_liveness(scope, send)
            return
        await super().__call__(scope, receive, send)

    def drain(self) -> None:
        """Readiness answers 503 from now on, so load balancers stop sending; requests are still served.

        Live streams end now, with a retry hint, and new ones are refused: their clients resume
        on another process, and the server's stop does not wait on streams that never end.
        """
        self._litestar.state.draining = True
        self.stop_streams()

    def stop_streams(self) -> None:
        state: AppState | None = self._litestar.state.get("taskflow")
        if state is None:
            return
        stopping = asyncio.get_running_loop().create_task(state.services.live_tasks.close())
        self._stopping.add(stopping)
        stopping.add_done_callback(self._stopping.discard)


def create_app(
    settings: Settings | None = None,
    *,
    connect: Callable[[Settings], AbstractAsyncContextManager[Connections]] = open_connections,
) -> TaskflowApp:
    """Ports open in the lifespan, by `connect`, never at import time; tests pass their own settings."""
    settings = settings or Settings.from_env(os.environ)
    configure_logging(level=settings.log_level, json=settings.log_json)

    @asynccontextmanager
    async def taskflow_lifespan(app: Litestar) -> AsyncIterator[None]:
        async with connect(settings) as connections:
            ports, probes = connections.ports, connections.probes
            services = build_services(ports, settings)
            app.state.taskflow = AppState(
                services=services,
                checks=probes.checks,
                clients=ClientAddresses.trusting(settings.trusted_proxies),
                limiter=ports.limiter,
                auth_budget=auth_budget(settings),
                user_budget=user_budget(settings),
                task_pages=TaskPages(services.tasks, TaskCursors(settings.jwt_secret)),
                consistency_tokens=ConsistencyTokens(settings.jwt_secret),
                task_event_streams=TaskEventStreams(
                    services.live_tasks,
                    services.sessions,
                    EventIds(settings.jwt_secret),
                    heartbeat_seconds=settings.event_heartbeat_seconds,
                    draining=lambda: bool(app.state.get("draining", False)),
                ),
                refresh_shared_metrics=probes.refresh_shared_metrics,
                metrics_access=MetricsAccess(Networks.of(settings.metrics_allowed), settings.metrics_token),
            )
            try:
                yield
            finally:
                app.state.draining = True
                await services.live_tasks.close()

    app = build_app(
        lifespan=[taskflow_lifespan],
        # The edge decides which new traces are recorded (SampledTracing); the provider records those it is given.
        tracer_provider=configure_tracing("taskflow-api", otlp_endpoint=settings.otlp_endpoint, sample_ratio=1.0),
        trace_sample_ratio=settings.trace_sample_ratio if settings.otlp_endpoint else 0.0,
        max_body_bytes=settings.max_body_bytes,
        request_deadline=request_deadline(settings),
        cors_origins=settings.cors_origins,
        password_min_length=settings.password_min_length,
    )
    return TaskflowApp(app)
