"""Coarse checks before a handler runs; the domain still enforces its own rules."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from taskflow.domain.entities import User
from taskflow.domain.errors import ForbiddenError


def requires_admin(connection: ASGIConnection[Any, User, Any, Any], _: BaseRouteHandler) -> None:
    if not connection.user.is_admin:
        raise ForbiddenError
