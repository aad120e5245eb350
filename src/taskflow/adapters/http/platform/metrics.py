"""`/metrics` in Prometheus' text format, with the figures other processes keep read first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.plugins.prometheus import PrometheusController

from taskflow.adapters.http.edge.admission import PUBLIC

if TYPE_CHECKING:
    from taskflow.adapters.http.state import AppState


async def _refresh_shared_metrics(request: Request[Any, Any, Any]) -> None:
    state: AppState = request.app.state.taskflow
    await state.refresh_shared_metrics()


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False
    opt = {PUBLIC: True}  # noqa: RUF012 - Litestar's declared attribute type
    before_request = _refresh_shared_metrics  # type: ignore[assignment]  # a plain hook, not a method: Litestar calls it with the request
