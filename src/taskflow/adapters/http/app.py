"""The Litestar application, built from its parts; knows no concrete adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

from taskflow.adapters.http.auth import PUBLIC, bearer_auth
from taskflow.adapters.http.controllers.auth import AuthController
from taskflow.adapters.http.controllers.health import HealthController
from taskflow.adapters.http.controllers.tasks import TasksController
from taskflow.adapters.http.controllers.users import UsersController
from taskflow.adapters.http.dependencies import DEPENDENCIES
from taskflow.adapters.http.docs import docs_assets_router, openapi_config
from taskflow.adapters.http.hooks import require_declared_content_type
from taskflow.adapters.http.middleware import RequestContextMiddleware
from taskflow.adapters.http.problems import problem_details_plugin

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from contextlib import AbstractAsyncContextManager

    from litestar.types import ASGIApp


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
    opt = {PUBLIC: True}  # noqa: RUF012 - Litestar's declared attribute type


def build_app(
    *,
    lifespan: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]],
    max_body_bytes: int,
    cors_origins: Sequence[str] = (),
    debug: bool = False,
) -> Litestar:
    metrics = PrometheusConfig(app_name="taskflow", prefix="taskflow", group_path=True, exclude=["/metrics"])
    return Litestar(
        route_handlers=[
            AuthController,
            UsersController,
            TasksController,
            HealthController,
            MetricsController,
            docs_assets_router(),
        ],
        dependencies=DEPENDENCIES,
        middleware=[metrics.middleware, bearer_auth()],
        before_request=require_declared_content_type,
        plugins=[problem_details_plugin()],
        openapi_config=openapi_config(),
        cors_config=CORSConfig(allow_origins=list(cors_origins)) if cors_origins else None,
        request_max_body_size=max_body_bytes,
        lifespan=list(lifespan),
        logging_config=None,  # structlog is configured once, by the entrypoint
        debug=debug,
    )


def with_request_context(app: Litestar) -> ASGIApp:
    """Wraps the whole app, so unmatched routes get a request id and a log line too."""
    return RequestContextMiddleware(app)
