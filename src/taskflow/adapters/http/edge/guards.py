"""Coarse checks before a handler runs and before its body is read; the domain still checks.

Guards are `async def` though they never await: Litestar runs a plain function guard in a
worker thread, a thread hop on every request for a check of microseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast, get_args

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from taskflow.domain.access.principal import Principal
from taskflow.domain.errors import ForbiddenError, InvalidValueError

if TYPE_CHECKING:
    from litestar.types.internal_types import PathParameterDefinition


async def requires_admin(connection: ASGIConnection[Any, Principal, Any, Any], _: BaseRouteHandler) -> None:
    if not connection.user.is_admin:
        raise ForbiddenError


@dataclass(frozen=True, slots=True)
class _DeclaredQuery:
    single: frozenset[str]
    repeatable: frozenset[str]
    instants: frozenset[str]
    """Parameters typed `datetime`, which Litestar's lax conversion also takes as Unix seconds ("0.5")."""


# Per handler function: guards receive a fresh copy of the handler on every request.
_DECLARED: dict[Callable[..., Any], _DeclaredQuery] = {}


def _declared_query(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> _DeclaredQuery:
    """The query parameters the handler declares, as Litestar itself parses them: lists repeat."""
    declared = _DECLARED.get(handler.fn)
    if declared is None:
        # Litestar reads only the names of the path parameters here.
        path_names = cast("dict[str, PathParameterDefinition]", dict.fromkeys(connection.path_params))
        params = handler.create_kwargs_model(path_parameters=path_names).expected_query_params
        signature = handler.parsed_fn_signature.parameters
        declared = _DeclaredQuery(
            single=frozenset(p.field_alias for p in params if not p.is_sequence),
            repeatable=frozenset(p.field_alias for p in params if p.is_sequence),
            instants=frozenset(p.field_alias for p in params if _is_instant(signature[p.field_name].annotation)),
        )
        _DECLARED[handler.fn] = declared
    return declared


async def strict_query(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Query parameters the handler does not declare, and repeats of single ones, are 422s.

    Ignoring them would answer something other than what was asked: `status[$ne]=done`
    silently dropped is an unfiltered list, and `limit=5&limit=500` would depend on which
    one the framework happened to keep. Run by the admission middleware on every route (not as a
    Litestar guard, which copies the handler on every call): every route follows the rule its
    own signature states.
    """
    params = connection.query_params
    if not params:
        return
    declared = _declared_query(connection, handler)
    for name in params:
        if name not in declared.single and name not in declared.repeatable:
            msg = f"unknown query parameter {name!r}"
            raise InvalidValueError(msg, field=name)
        if name in declared.single and len(params.getall(name)) > 1:
            msg = f"{name} may be given once"
            raise InvalidValueError(msg, field=name)
        if name in declared.instants and not _is_iso_instant(params[name]):
            msg = f"{name} must be an ISO 8601 date-time"
            raise InvalidValueError(msg, field=name)


def _is_instant(annotation: object) -> bool:
    return annotation is datetime or datetime in get_args(annotation)


def _is_iso_instant(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
