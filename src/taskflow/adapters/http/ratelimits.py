"""Request budgets, enforced before a handler runs and announced on every limited answer.

Signed-in requests count against their user's budget (every API process shares the
counter in Redis); the sign-in endpoints, which have no user yet, against their client
address's. Answers carry the IETF RateLimit fields as draft-ietf-httpapi-ratelimit-headers-10
defines them (`RateLimit-Policy` and `RateLimit`, Structured Fields); decision 0015.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders

from taskflow.adapters.http.problems import problem
from taskflow.domain.services.sessions import Authenticated

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from taskflow.adapters.http.state import AppState
    from taskflow.domain.ports import RateDecision, RateRule

SIGN_IN: Final = "sign_in"
"""Route `opt` key: the request counts against its client address's sign-in budget."""


def rate_limit_headers(rule: RateRule, decision: RateDecision) -> dict[str, str]:
    return {
        "RateLimit-Policy": f'"{rule.name}";q={rule.limit};w={rule.window_seconds}',
        "RateLimit": f'"{rule.name}";r={decision.remaining};t={decision.reset_after}',
    }


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        budget = await _budget_of(scope)
        if budget is None:
            await self.app(scope, receive, send)
            return
        rule, decision = budget
        headers = rate_limit_headers(rule, decision)
        if not decision.allowed:
            raise problem(
                HTTPStatus.TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
                f"The {rule.name} budget of {rule.limit} requests per {rule.window_seconds} s is spent",
                headers={**headers, "Retry-After": str(decision.reset_after)},
            )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).update(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _budget_of(scope: Scope) -> tuple[RateRule, RateDecision] | None:
    """A signed-in request was counted when its token was checked; a sign-in request is counted here."""
    if scope["type"] != "http":  # type: ignore[comparison-overlap]  # Litestar's Scope union omits nothing we need
        return None
    state: AppState = scope["litestar_app"].state.taskflow
    handler = scope.get("route_handler")
    if handler is not None and handler.opt.get(SIGN_IN):
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        address = state.clients.of(connection)
        return state.auth_budget, await state.limiter.hit(state.auth_budget, address)
    found = scope.get("auth")
    if isinstance(found, Authenticated) and found.budget is not None:
        return state.user_budget, found.budget
    return None
