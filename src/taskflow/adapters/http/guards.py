"""Coarse checks before a handler runs and before its body is read; the domain still checks.

Guards are `async def` though they never await: Litestar runs a plain function guard in a
worker thread, a thread hop on every request for a check of microseconds.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from taskflow.domain.entities import User
from taskflow.domain.errors import ForbiddenError, InvalidValueError


async def requires_admin(connection: ASGIConnection[Any, User, Any, Any], _: BaseRouteHandler) -> None:
    if not connection.user.is_admin:
        raise ForbiddenError


def strict_query(*, single: frozenset[str], repeatable: frozenset[str] = frozenset()) -> Guard:
    """Unknown query parameters, and repeats of single-valued ones, are 422s naming them.

    Ignoring them would answer something other than what was asked: `status[$ne]=done`
    silently dropped is an unfiltered list, and `limit=5&limit=500` would depend on which
    one the framework happened to keep.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        params = connection.query_params
        for name in params:
            if name not in single and name not in repeatable:
                msg = f"unknown query parameter {name!r}"
                raise InvalidValueError(msg, field=name)
            if name in single and len(params.getall(name)) > 1:
                msg = f"{name} may be given once"
                raise InvalidValueError(msg, field=name)

    return guard
