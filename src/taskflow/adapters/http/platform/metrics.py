"""`/metrics` in Prometheus' text format, for the scrapers allowed, with the figures other processes keep read first."""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.plugins.prometheus import PrometheusController

from taskflow.adapters.http.dependencies import app_state
from taskflow.adapters.http.edge.admission import PUBLIC
from taskflow.adapters.http.edge.problems import problem

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection
    from litestar.handlers import BaseRouteHandler


def metrics_scraper(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    state = app_state(connection)
    if not state.metrics_access.admits(state.clients.of(connection), connection.headers.get("authorization", "")):
        raise problem(
            HTTPStatus.FORBIDDEN,
            "metrics-forbidden",
            "Metrics are not served to this client",
            "Scrape from an address in TASKFLOW_METRICS_ALLOWED, or with TASKFLOW_METRICS_TOKEN as a bearer token",
        )


async def _refresh_shared_metrics(request: Request[Any, Any, Any]) -> None:
    await app_state(request).refresh_shared_metrics()


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
    opt = {PUBLIC: True}  # noqa: RUF012 - Litestar's declared attribute type
    guards = [metrics_scraper]  # noqa: RUF012 - Litestar's declared attribute type
    before_request = _refresh_shared_metrics  # type: ignore[assignment]  # a plain hook, not a method: Litestar calls it with the request
