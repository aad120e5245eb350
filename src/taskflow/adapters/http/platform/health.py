"""Probes for the load balancer and the orchestrator."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from taskflow.adapters.http.edge.admission import PUBLIC
from taskflow.adapters.http.state import AppState

PROBE_TIMEOUT_SECONDS = 1.0
GATING_CHECK = "database"


async def _probe(check: Callable[[], Awaitable[object]]) -> str:
    try:
        await asyncio.wait_for(check(), PROBE_TIMEOUT_SECONDS)
    except Exception:  # noqa: BLE001 - any failure of a probe means "down", never a 500
        return "down"
    return "up"


class HealthController(Controller):
    path = "/health"
    tags = ["operations"]  # noqa: RUF012 - Litestar's declared attribute type
    opt = {PUBLIC: True}  # noqa: RUF012 - Litestar's declared attribute type

    @get("/live", summary="The process answers; checks no dependency", operation_id="live")
    async def live(self) -> dict[str, str]:
        return {"status": "up"}

    @get("/ready", summary="Started, not draining, and MongoDB reachable for reads", operation_id="ready")
    async def ready(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        state: AppState | None = getattr(request.app.state, "taskflow", None)
        if state is None or request.app.state.get("draining", False):
            return Response(
                {"status": "down", "checks": {}},
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        outcomes = await asyncio.gather(*map(_probe, state.checks.values()))
        results = dict(zip(state.checks, outcomes, strict=True))
        ready = results.get(GATING_CHECK) == "up"
        return Response(
            {"status": "up" if ready else "down", "checks": results},
            status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE,
        )
