"""Between routing and the handler, in one layer: what admits a request (decision 0024).

In order: the request's one database deadline; its bearer token, checked together with
its user's budget in one look-up (sign-in routes spend their client address's budget
instead); the budget's verdict (429) and fields; the consistency token it presents (400
if this API did not make it); and its query's strictness (422). A 401 therefore comes before
the body is read, as it did when authentication was Litestar middleware.
"""

from __future__ import annotations

import contextvars
from contextlib import AbstractContextManager, nullcontext
from http import HTTPStatus
from typing import TYPE_CHECKING, Final

import structlog
from litestar.connection import ASGIConnection

from taskflow.adapters.http.edge.consistency import HEADER as CONSISTENCY_HEADER
from taskflow.adapters.http.edge.deadline import BEFORE_DEADLINE, NO_DEADLINE
from taskflow.adapters.http.edge.guards import strict_query
from taskflow.adapters.http.edge.problems import problem
from taskflow.adapters.http.edge.request_context import add_response_headers, request_headers
from taskflow.adapters.stores.tasks.consistency import request_tokens
from taskflow.domain.errors import InvalidTokenError, UnauthenticatedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from litestar.handlers import BaseRouteHandler
    from litestar.types import ASGIApp, Receive, Scope, Send

    from taskflow.adapters.http.state import AppState
    from taskflow.adapters.stores.tasks.consistency import WriteToken
    from taskflow.domain.ports.security import RateDecision, RateRule

PUBLIC: Final = "public"
"""Route `opt` key: a handler marked `opt={PUBLIC: True}` needs no token."""
SIGN_IN: Final = "sign_in"
"""Route `opt` key: the request counts against its client address's sign-in budget."""
# Litestar's own routes (the docs UI, the schema) carry no `opt`.
_OPEN_PATHS: Final = ("/docs", "/openapi")
_SCHEME: Final = b"bearer "
_CONSISTENCY: Final = CONSISTENCY_HEADER.lower().encode()


def rate_limit_headers(rule: RateRule, decision: RateDecision) -> dict[str, str]:
    """The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10; decision 0015)."""
    return {
        "RateLimit-Policy": f'"{rule.name}";q={rule.limit};w={rule.window_seconds}',
        "RateLimit": f'"{rule.name}";r={decision.remaining};t={decision.reset_after}',
    }


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, deadline: Callable[[], AbstractContextManager[object]]) -> None:
        self.app = app
        self._deadline = deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]  # Litestar's Scope union omits nothing we need
            await self.app(scope, receive, send)
            return
        handler: BaseRouteHandler = scope["route_handler"]
        state: AppState = scope["litestar_app"].state.taskflow
        headers = request_headers(scope)
        # The audit trail stamps its entries with it (as the log lines).
        structlog.contextvars.bind_contextvars(client=state.clients.of(ASGIConnection(scope)))
        scope.setdefault("state", {})[BEFORE_DEADLINE] = contextvars.copy_context()
        with nullcontext() if handler.opt.get(NO_DEADLINE) else self._deadline():
            await _admit(scope, state, handler, headers)
            presented = _presented(state, headers)
            if scope["query_string"]:
                await strict_query(ASGIConnection(scope), handler)
            with request_tokens(presented) as tokens:

                def written() -> list[tuple[bytes, bytes]]:
                    if tokens.written is None:
                        return []
                    return [(_CONSISTENCY, state.consistency_tokens.encode(tokens.written).encode())]

                add_response_headers(scope, written)
                await self.app(scope, receive, send)


async def _admit(scope: Scope, state: AppState, handler: BaseRouteHandler, headers: dict[bytes, bytes]) -> None:
    """Authenticate unless the route is public, and spend the request's budget."""
    if handler.opt.get(SIGN_IN):
        rule = state.auth_budget
        decision: RateDecision | None = await state.limiter.hit(rule, state.clients.of(ASGIConnection(scope)))
    elif handler.opt.get(PUBLIC) or scope["path"].startswith(_OPEN_PATHS):
        return
    else:
        found = await state.services.sessions.authenticate(_bearer(headers), budget=state.user_budget)
        scope["user"], scope["auth"] = found.principal, found
        structlog.contextvars.bind_contextvars(user_id=found.principal.id.value)
        rule, decision = state.user_budget, found.budget
    if decision is None:
        return
    fields = rate_limit_headers(rule, decision)
    if not decision.allowed:
        raise problem(
            HTTPStatus.TOO_MANY_REQUESTS,
            "too-many-requests",
            "Too many requests",
            f"The {rule.name} budget of {rule.limit} requests per {rule.window_seconds} s is spent",
            headers={**fields, "Retry-After": str(decision.reset_after)},
        )
    add_response_headers(scope, [(name.lower().encode(), value.encode()) for name, value in fields.items()])


def _bearer(headers: dict[bytes, bytes]) -> str:
    """Tokens come from the Authorization header only; a token in the query string is ignored."""
    header = headers.get(b"authorization", b"")
    if not header:
        raise UnauthenticatedError
    if header[: len(_SCHEME)].lower() != _SCHEME:
        raise InvalidTokenError
    return header[len(_SCHEME) :].strip().decode("latin-1")


def _presented(state: AppState, headers: dict[bytes, bytes]) -> WriteToken | None:
    """A presented token this API did not make is a 400: ignoring it would hide the client's bug."""
    header = headers.get(_CONSISTENCY)
    if header is None:
        return None
    token = state.consistency_tokens.decode(header.decode("latin-1"))
    if token is None:
        raise problem(
            HTTPStatus.BAD_REQUEST,
            "invalid-consistency-token",
            "The consistency token is not one this API handed out",
            f"Send back the {CONSISTENCY_HEADER} of an earlier answer unchanged, or leave the header out",
        )
    return token
