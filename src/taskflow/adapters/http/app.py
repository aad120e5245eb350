"""The Litestar application, built from its parts; knows no concrete adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.middleware import DefineMiddleware
from litestar.plugins.opentelemetry import OpenTelemetryConfig
from opentelemetry.sdk.trace import TracerProvider

from taskflow.adapters.http.accounts.auth import AuthController
from taskflow.adapters.http.accounts.users import UsersController
from taskflow.adapters.http.accounts.web_session import WebSessionController
from taskflow.adapters.http.admin.controller import AdminController
from taskflow.adapters.http.dependencies import DEPENDENCIES
from taskflow.adapters.http.edge.admission import AdmissionMiddleware
from taskflow.adapters.http.edge.body_checks import check_request_body
from taskflow.adapters.http.edge.problems import problem_details_plugin
from taskflow.adapters.http.edge.tracing import sampled_tracing
from taskflow.adapters.http.notifications.controller import NotificationsController, NotificationSettingsController
from taskflow.adapters.http.openapi.docs import docs_assets_router, openapi_config, openapi_document
from taskflow.adapters.http.openapi.strict_schemas import StrictStructSchemaPlugin
from taskflow.adapters.http.platform.health import HealthController
from taskflow.adapters.http.platform.metrics import MetricsController
from taskflow.adapters.http.projects.controller import InvitationsController, ProjectsController
from taskflow.adapters.http.tasks.activity import TaskActivityController
from taskflow.adapters.http.tasks.collection import TaskCollectionController
from taskflow.adapters.http.tasks.events import TaskEventsController
from taskflow.adapters.http.tasks.imports import ImportController, JobsController
from taskflow.adapters.http.tasks.item import TaskController
from taskflow.adapters.http.tasks.reports import TaskReportsController
from taskflow.adapters.http.web_app import web_app_router

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from contextlib import AbstractAsyncContextManager, AbstractContextManager

    from litestar.types import Scope


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
    trace_sample_ratio: float = 0.0,
) -> Litestar:
    """`trace_sample_ratio`: new traces recorded (0 without an exporter); a caller's sampled trace always is."""
    return Litestar(
        route_handlers=[
            AuthController,
            WebSessionController,
            UsersController,
            ImportController,
            TaskCollectionController,
            TaskReportsController,
            TaskEventsController,
            TaskController,
            TaskActivityController,
            JobsController,
            NotificationsController,
            NotificationSettingsController,
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
        # Litestar runs an OpenTelemetry middleware it finds here outermost, as its plugin would;
        # the plugin itself would ignore `middleware_class` (litestar 2.x).
        middleware=[
            OpenTelemetryConfig(
                tracer_provider=tracer_provider,
                exclude=["/metrics", "/health"],
                scope_span_details_extractor=_span_details,
                # A span per ASGI message would cost more than many a request.
                exclude_spans=["receive", "send"],
                middleware_class=sampled_tracing(trace_sample_ratio),
            ).middleware,
            DefineMiddleware(AdmissionMiddleware, deadline=request_deadline),
        ],
        before_request=check_request_body,
        plugins=[
            StrictStructSchemaPlugin(new_password_min_length=password_min_length),
            problem_details_plugin(),
        ],
        openapi_config=openapi_config(),
        cors_config=CORSConfig(allow_origins=list(cors_origins)) if cors_origins else None,
        request_max_body_size=max_body_bytes,
        lifespan=list(lifespan),
        logging_config=None,  # structlog is configured once, by the entrypoint
    )
