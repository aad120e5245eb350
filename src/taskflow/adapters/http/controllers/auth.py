"""Registration and login."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from taskflow.adapters.http.auth import PUBLIC
from taskflow.adapters.http.schemas import (
    LoginRequest,
    RegisterRequest,
    TokenResponse,
    UserResponse,
    problem_responses,
)
from taskflow.domain.services.accounts import AccountService


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]  # noqa: RUF012 - Litestar's declared attribute type
    opt = {PUBLIC: True}  # noqa: RUF012 - Litestar's declared attribute type

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        summary="Create an account",
        responses=problem_responses(400, 409, 413, 415, 422, 503),
    )
    async def register(
        self, data: JSONBody[RegisterRequest], accounts: NamedDependency[AccountService]
    ) -> UserResponse:
        return UserResponse.of(await accounts.register(data.email, data.password, data.name))

    @post(
        "/login",
        status_code=HTTP_200_OK,
        summary="Exchange e-mail and password for an access token",
        responses=problem_responses(400, 401, 413, 415, 422, 503),
    )
    async def login(self, data: JSONBody[LoginRequest], accounts: NamedDependency[AccountService]) -> TokenResponse:
        return TokenResponse.of(await accounts.login(data.email, data.password))

    @post(
        "/token",
        status_code=HTTP_200_OK,
        summary="OAuth2 password grant, for the docs UI",
        responses=problem_responses(400, 401, 413, 415, 422, 503),
    )
    async def token(
        self,
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
        accounts: NamedDependency[AccountService],
    ) -> TokenResponse:
        # The OAuth2 password grant (RFC 6749 §4.3), as the docs UI's Authorize button sends it.
        return TokenResponse.of(await accounts.login(data.get("username", ""), data.get("password", "")))
