"""The Litestar application, built from its parts; knows no concrete adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.middleware import DefineMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.plugins.prometheus import PrometheusController
from opentelemetry.sdk.trace import TracerProvider

from taskflow.adapters.http.controllers.admin import AdminController
from taskflow.adapters.http.controllers.auth import AuthController
from taskflow.adapters.http.controllers.health import HealthController
from taskflow.adapters.http.controllers.jobs import ImportController, JobsController
from taskflow.adapters.http.controllers.projects import InvitationsController, ProjectsController
from taskflow.adapters.http.controllers.tasks import TasksController
from taskflow.adapters.http.controllers.users import UsersController
from taskflow.adapters.http.controllers.web_session import WebSessionController
from taskflow.adapters.http.dependencies import DEPENDENCIES
from taskflow.adapters.http.docs import docs_assets_router, openapi_config, openapi_document
from taskflow.adapters.http.gate import PUBLIC, RequestGate
from taskflow.adapters.http.hooks import check_request_body
from taskflow.adapters.http.problems import problem_details_plugin
from taskflow.adapters.http.strict_schemas import StrictStructSchemaPlugin
from taskflow.adapters.http.web_app import web_app_router

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from contextlib import AbstractAsyncContextManager, AbstractContextManager

    from litestar.types import Scope

    from taskflow.adapters.http.state import AppState


async def _refresh_shared_metrics(request: Request[Any, Any, Any]) -> None:
    state: AppState = request.app.state.taskflow
    await state.refresh_shared_metrics()


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
    opt = {PUBLIC: True}  # noqa: RUF012 - Litestar's declared attribute type
    before_request = _refresh_shared_metrics  # type: ignore[assignment]  # a plain hook, not a method: Litestar calls it with the request


def _span_details(scope: Scope) -> tuple[str, dict[str, Any]]:
    """A span starts before routing: named by method only, never by a path with ids in it.

    `RequestContextMiddleware` renames it by route template once the route is known.
    """
    return f"{scope.get('method', 'HTTP')} unmatched", {}


def build_app(
    *,
    lifespan: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]],
    max_body_bytes: int,
    request_deadline: Callable[[], AbstractContextManager[object]],
    password_min_length: int,
    cors_origins: Sequence[str] = (),
    tracer_provider: TracerProvider | None = None,
) -> Litestar:
    return Litestar(
        route_handlers=[
            AuthController,
            WebSessionController,
            UsersController,
            ImportController,
            TasksController,
            JobsController,
            ProjectsController,
            InvitationsController,
            AdminController,
            HealthController,
            MetricsController,
            docs_assets_router(),
            openapi_document,
            web_app_router(),
        ],
        dependencies=DEPENDENCIES,
        middleware=[DefineMiddleware(RequestGate, deadline=request_deadline)],
        before_request=check_request_body,
        plugins=[
            StrictStructSchemaPlugin(new_password_min_length=password_min_length),
            problem_details_plugin(),
            OpenTelemetryPlugin(
                OpenTelemetryConfig(
                    tracer_provider=tracer_provider,
                    exclude=["/metrics", "/health"],
                    scope_span_details_extractor=_span_details,
                    # A span per ASGI message would cost more than many a request.
                    exclude_spans=["receive", "send"],
                )
            ),
        ],
        openapi_config=openapi_config(),
        cors_config=CORSConfig(allow_origins=list(cors_origins)) if cors_origins else None,
        request_max_body_size=max_body_bytes,
        lifespan=list(lifespan),
        logging_config=None,  # structlog is configured once, by the entrypoint
    )
