"""Coarse checks before a handler runs and before its body is read; the domain still checks."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from taskflow.adapters.http.state import AppState
from taskflow.domain.entities import User
from taskflow.domain.errors import ForbiddenError, TooManyRequestsError


def requires_admin(connection: ASGIConnection[Any, User, Any, Any], _: BaseRouteHandler) -> None:
    if not connection.user.is_admin:
        raise ForbiddenError


async def within_auth_budget(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Per client address, across every API process: sign-in endpoints are what bots hammer."""
    state: AppState = connection.app.state.taskflow
    decision = await state.limiter.hit(state.auth_budget, state.clients.of(connection))
    if not decision.allowed:
        raise TooManyRequestsError(retry_after=decision.reset_after)
