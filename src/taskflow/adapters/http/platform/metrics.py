"""`/metrics` in Prometheus' text format, with the figures other processes keep read first."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.plugins.prometheus import PrometheusController

from taskflow.adapters.http.dependencies import app_state
from taskflow.adapters.http.edge.admission import PUBLIC


async def _refresh_shared_metrics(request: Request[Any, Any, Any]) -> None:
    await app_state(request).refresh_shared_metrics()


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
    opt = {PUBLIC: True}  # noqa: RUF012 - Litestar's declared attribute type
    before_request = _refresh_shared_metrics  # type: ignore[assignment]  # a plain hook, not a method: Litestar calls it with the request
