"""Sign-in for a web page: the refresh session in an HttpOnly cookie, the access token in memory (decision 0035).

No script can read the cookie, and no other site can spend it: it is SameSite=Strict and
sent only to these routes (its path), and each of them refuses a request without the
`X-Taskflow-Web` header (which a cross-site page cannot add without a CORS grant taskflow
never gives), from another origin, or marked cross-site by the browser (`Sec-Fetch-Site`).
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any, Final

from litestar import Controller, Request, Response, post
from litestar.connection import ASGIConnection
from litestar.datastructures import CacheControlHeader, Cookie
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from taskflow.adapters.http.accounts.schemas import AccessTokenResponse, LoginRequest
from taskflow.adapters.http.dependencies import app_state
from taskflow.adapters.http.edge.admission import PUBLIC, SIGN_IN
from taskflow.adapters.http.openapi.operations import documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.domain.errors import CrossSiteRequestError, InvalidRefreshTokenError
from taskflow.domain.services.sessions import SessionService
from taskflow.domain.services.sign_in import SignIn

PATH: Final = "/api/v1/auth/web"
COOKIE: Final = "taskflow_session"
WEB_HEADER: Final = "X-Taskflow-Web"

WebHeader = Annotated[
    str,
    HeaderParameter(
        name=WEB_HEADER,
        pattern="^1$",
        description="`1`: sent by taskflow's own page. A page of another site cannot send it without a CORS grant.",
    ),
]
SESSION_COOKIE: Final = (
    f"The session lives in the `{COOKIE}` cookie (HttpOnly, SameSite=Strict, path `{PATH}`, Secure over "
    "HTTPS); no script reads it, no other site spends it."
)


def same_origin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Only a request from this origin may spend the cookie: `Origin` and `Sec-Fetch-Site` say where it came from."""
    fetched_from = connection.headers.get("sec-fetch-site")
    if fetched_from is not None and fetched_from != "same-origin":
        raise CrossSiteRequestError
    origin = connection.headers.get("origin")
    if origin is not None and origin != f"{connection.url.scheme}://{connection.headers.get('host', '')}":
        raise CrossSiteRequestError


def _cookie(request: Request[Any, Any, Any], value: str, *, ending: bool = False) -> Cookie:
    """Lives as long as the browser session (and no longer than the session on the server); Secure over HTTPS."""
    state = app_state(request)
    return Cookie(
        key=COOKIE,
        value=value,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=state.clients.over_https(request),
        max_age=0 if ending else None,
    )


class WebSessionController(Controller):
    path = PATH
    tags = ["auth"]  # noqa: RUF012 - Litestar's declared attribute type
    cache_control = CacheControlHeader(no_store=True)
    guards = [same_origin]  # noqa: RUF012 - Litestar's declared attribute type

    @post(
        "/login",
        operation_id="webLogin",
        operation_class=documented(),
        status_code=HTTP_200_OK,
        summary="Sign in from the web page: an access token, and the session in a cookie",
        description=SESSION_COOKIE + " Limited as `login` is.",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 401, 403, 413, 415, 422, 429, 503),
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        sign_in: NamedDependency[SignIn],
        client_address: NamedDependency[str],
        web: WebHeader,
    ) -> Response[AccessTokenResponse]:
        del web  # checked by its declaration
        pair = await sign_in.login(data.email, data.password, client=client_address)
        return Response(AccessTokenResponse.of(pair), cookies=[_cookie(request, pair.refresh_token)])

    @post(
        "/token",
        operation_id="webToken",
        operation_class=documented(),
        status_code=HTTP_200_OK,
        summary="Trade the page's session cookie for a fresh access token",
        description=SESSION_COOKIE + " The cookie rotates with each trade (a spent one sent again ends the "
        "session, as `refreshTokens` does). 204 when there is no session: no cookie, or one that no longer "
        "works (it is cleared). A signed-out page asks this first, and nothing fails.",
        opt={PUBLIC: True, SIGN_IN: True},
        responses={
            204: ResponseSpec(None, description="No session: sign in"),
            **problem_responses(400, 403, 422, 429, 503),
        },
    )
    async def token(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], web: WebHeader
    ) -> Response[AccessTokenResponse | None]:
        del web
        presented = request.cookies.get(COOKIE)
        if not presented:
            return Response(None, status_code=HTTP_204_NO_CONTENT)
        try:
            pair = await sessions.refresh(presented)
        except InvalidRefreshTokenError:
            return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[_cookie(request, "", ending=True)])
        return Response(AccessTokenResponse.of(pair), cookies=[_cookie(request, pair.refresh_token)])

    @post(
        "/logout",
        operation_id="webLogout",
        operation_class=documented(),
        status_code=HTTP_204_NO_CONTENT,
        summary="Sign the page out: the session ends on the server and the cookie is cleared",
        description="Every access token of the session stops working at once. Without a cookie, just 204.",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 403, 422, 429, 503),
    )
    async def logout(
        self, request: Request[Any, Any, Any], sessions: NamedDependency[SessionService], web: WebHeader
    ) -> Response[None]:
        del web
        presented = request.cookies.get(COOKIE)
        if presented:
            with contextlib.suppress(InvalidRefreshTokenError):  # a cookie naming no session: nothing to end
                await sessions.end(presented)
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=[_cookie(request, "", ending=True)])
