"""Registration, sign-in, token refresh and sign-out."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from taskflow.adapters.http.accounts.schemas import (
    EmailVerificationRequest,
    LoginRequest,
    PasswordResetAccepted,
    PasswordResetConfirmation,
    PasswordResetRequest,
    PasswordRulesResponse,
    RefreshRequest,
    RegisterRequest,
    TokenResponse,
    UserResponse,
)
from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.admission import PUBLIC, SIGN_IN
from taskflow.adapters.http.openapi.operations import documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.domain.services.password_reset import PasswordResetCompletion, PasswordResetService
from taskflow.domain.services.registration import Registration
from taskflow.domain.services.sessions import SessionService
from taskflow.domain.services.sign_in import SignIn
from taskflow.domain.services.verification import EmailVerification


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]  # noqa: RUF012 - Litestar's declared attribute type
    cache_control = CacheControlHeader(no_store=True)  # tokens are never cached (RFC 6749 §5.1)

    @post(
        "/register",
        operation_id="register",
        operation_class=documented(),
        status_code=HTTP_201_CREATED,
        summary="Create an account",
        description="Passwords need `TASKFLOW_PASSWORD_MIN_LENGTH` characters (15 by default), at most "
        "1,024 bytes, and must not be on the bundled list of common passwords.",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 409, 413, 415, 422, 429, 503),
    )
    async def register(
        self, data: JSONBody[RegisterRequest], registration: NamedDependency[Registration]
    ) -> UserResponse:
        return UserResponse.of(await registration.register(data.email, data.password, data.name))

    @get(
        "/password-rules",
        operation_id="passwordRules",
        operation_class=documented(),
        summary="What a new password must be",
        description="The rules `register` and every password change check, so a form can state them before it "
        "sends (taskflow's own sign-up page does).",
        opt={PUBLIC: True},
        cache_control=CacheControlHeader(public=True, max_age=300),
        responses=problem_responses(429, 503),
    )
    async def password_rules(self, registration: NamedDependency[Registration]) -> PasswordRulesResponse:
        return PasswordRulesResponse(min_length=registration.password_min_length)

    @post(
        "/login",
        operation_id="login",
        operation_class=documented(),
        status_code=HTTP_200_OK,
        summary="Exchange e-mail and password for an access token and a refresh token",
        description="Failed attempts are limited per account and per client address (429 with Retry-After).",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 401, 413, 415, 422, 429, 503),
    )
    async def login(
        self,
        data: JSONBody[LoginRequest],
        sign_in: NamedDependency[SignIn],
        client_address: NamedDependency[str],
    ) -> TokenResponse:
        return TokenResponse.of(await sign_in.login(data.email, data.password, client=client_address))

    @post(
        "/token",
        operation_id="passwordGrant",
        operation_class=documented(),
        status_code=HTTP_200_OK,
        summary="OAuth2 password grant, for the docs UI",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 401, 413, 415, 422, 429, 503),
    )
    async def token(
        self,
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
        sign_in: NamedDependency[SignIn],
        client_address: NamedDependency[str],
    ) -> TokenResponse:
        # The OAuth2 password grant (RFC 6749 §4.3), as the docs UI's Authorize button sends it.
        pair = await sign_in.login(data.get("username", ""), data.get("password", ""), client=client_address)
        return TokenResponse.of(pair)

    @post(
        "/refresh",
        operation_id="refreshTokens",
        operation_class=documented(),
        status_code=HTTP_200_OK,
        summary="Trade a refresh token for a new pair",
        description="The refresh token rotates: the one sent is spent. Sending a spent one again "
        "ends the whole session, as a stolen token would be used.",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 401, 413, 415, 422, 429, 503),
    )
    async def refresh(self, data: JSONBody[RefreshRequest], sessions: NamedDependency[SessionService]) -> TokenResponse:
        return TokenResponse.of(await sessions.refresh(data.refresh_token))

    @post(
        "/password-reset",
        operation_id="requestPasswordReset",
        operation_class=documented(),
        status_code=HTTP_202_ACCEPTED,
        summary="Ask for a password-reset mail",
        description="Always the same answer, whether or not the address has an account (and as fast): an "
        "active account gets a mail with a token that works once, for 30 minutes (`confirmPasswordReset`). "
        "Limited per address asked about (5 an hour) and per client (20 an hour, with the confirmations).",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 413, 415, 422, 429, 503),
    )
    async def request_password_reset(
        self,
        data: JSONBody[PasswordResetRequest],
        password_resets: NamedDependency[PasswordResetService],
        client_address: NamedDependency[str],
    ) -> PasswordResetAccepted:
        await password_resets.request(data.email, client=client_address)
        return PasswordResetAccepted()

    @post(
        "/password-reset/confirm",
        operation_id="confirmPasswordReset",
        operation_class=documented(),
        status_code=HTTP_204_NO_CONTENT,
        summary="Set a new password with the token from the mail",
        description="The new password follows the rules of `register`. Every session of the account ends. A "
        "token that is wrong, used or expired is one answer, 400 `invalid-reset-token`; a new password that "
        "is refused (422) leaves the token working.",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 413, 415, 422, 429, 503),
    )
    async def confirm_password_reset(
        self,
        data: JSONBody[PasswordResetConfirmation],
        password_reset_completion: NamedDependency[PasswordResetCompletion],
        client_address: NamedDependency[str],
    ) -> None:
        await password_reset_completion.confirm(data.token, data.new_password, client=client_address)

    @post(
        "/verify-email",
        operation_id="verifyEmail",
        operation_class=documented(),
        status_code=HTTP_204_NO_CONTENT,
        summary="Confirm your e-mail address with the token from the mail",
        description="No sign-in needed: the token names the account. Confirming again changes nothing. A token "
        "that is wrong, more than 7 days old, or for an address the account no longer has is one answer, 400 "
        "`invalid-verification-token`. Unverified accounts work as verified ones do (decision 0032).",
        opt={PUBLIC: True, SIGN_IN: True},
        responses=problem_responses(400, 413, 415, 422, 429, 503),
    )
    async def verify_email(
        self, data: JSONBody[EmailVerificationRequest], verification: NamedDependency[EmailVerification]
    ) -> None:
        await verification.verify(data.token)

    @post(
        "/logout",
        operation_id="logout",
        operation_class=documented(),
        status_code=HTTP_204_NO_CONTENT,
        summary="End this session",
        description="Revokes the access token sent and the session's refresh token at once.",
        security=[{"BearerToken": []}],
        responses=problem_responses(401, 503),
    )
    async def logout(
        self,
        request: Caller,
        sessions: NamedDependency[SessionService],
    ) -> None:
        await sessions.logout(request.auth.claims)
