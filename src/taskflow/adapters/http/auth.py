"""Bearer-token authentication as Litestar middleware, so a 401 comes before body parsing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import structlog
from litestar.middleware import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
    DefineMiddleware,
)

from taskflow.domain.errors import InvalidTokenError, UnauthenticatedError

if TYPE_CHECKING:
    from litestar.connection import ASGIConnection

    from taskflow.adapters.http.state import AppState

PUBLIC: Final = "public"
"""Route `opt` key: a handler marked `opt={PUBLIC: True}` needs no token."""

_SCHEME: Final = "bearer "


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    """Tokens come from the Authorization header only; a token in the query string is ignored.

    Authenticating also counts the request against its user's budget (the same look-up):
    `request.user` is the `Principal`, `request.auth` the `Authenticated` with that count.
    """

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        if not header:
            raise UnauthenticatedError
        if not header[: len(_SCHEME)].lower() == _SCHEME:
            raise InvalidTokenError
        state: AppState = connection.app.state.taskflow
        found = await state.services.sessions.authenticate(header[len(_SCHEME) :].strip(), budget=state.user_budget)
        structlog.contextvars.bind_contextvars(user_id=found.principal.id.value)
        return AuthenticationResult(user=found.principal, auth=found)


def bearer_auth() -> DefineMiddleware:
    # The docs UI and the schema are Litestar's own routes, which carry no `opt`.
    return DefineMiddleware(
        BearerAuthMiddleware,
        exclude=["^/docs", "^/openapi"],
        exclude_from_auth_key=PUBLIC,
    )
