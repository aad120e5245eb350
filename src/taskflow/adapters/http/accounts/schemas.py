"""Account bodies: registration, sign-in and tokens, the profile, passwords, verification, export and deletion."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from taskflow.adapters.http.fields import EmailField, Name, NewPassword, Password
from taskflow.adapters.http.tasks.schemas import TaskResponse
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.accounts import User
from taskflow.domain.services.sessions import TokenPair
from taskflow.domain.values import PASSWORD_MAX_BYTES, Role


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailField
    password: NewPassword
    name: Name


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailField
    password: Password


class TokenResponse(msgspec.Struct):
    """RFC 6749 §5.1 field names, so OAuth2 clients (and the docs UI) read it as they are."""

    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - RFC 6750 scheme name, not a secret

    @classmethod
    def of(cls, pair: TokenPair) -> TokenResponse:
        return cls(access_token=pair.access.token, expires_in=pair.access.expires_in, refresh_token=pair.refresh_token)


class AccessTokenResponse(msgspec.Struct):
    """What a web page gets: the access token only; its session stays in an HttpOnly cookie."""

    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - RFC 6750 scheme name, not a secret

    @classmethod
    def of(cls, pair: TokenPair) -> AccessTokenResponse:
        return cls(access_token=pair.access.token, expires_in=pair.access.expires_in)


# Long enough that a mistaken access token gets a 401, not a 422.
RefreshToken = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: RefreshToken


class PasswordResetRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailField


class MembershipExport(msgspec.Struct):
    project_id: str
    name: str
    role: ProjectRole


class AccountExportHead(msgspec.Struct):
    """The account export before its tasks (which follow as `tasks`, each as `getTask` shows it)."""

    format: Literal["taskflow-account-export/1"]
    exported_at: datetime
    account: UserResponse
    projects: list[MembershipExport]


class AccountExport(AccountExportHead):
    """What `exportMe` streams, as one document."""

    tasks: list[TaskResponse]


class PasswordRulesResponse(msgspec.Struct):
    """What a new password must be, as the server checks it: a form states these before it sends."""

    min_length: Annotated[int, msgspec.Meta(description="Characters, `TASKFLOW_PASSWORD_MIN_LENGTH`")]
    max_bytes: Annotated[int, msgspec.Meta(description="As UTF-8")] = PASSWORD_MAX_BYTES
    refuses_common: Annotated[bool, msgspec.Meta(description="The most common passwords are refused")] = True


class PasswordResetAccepted(msgspec.Struct):
    detail: str = "If an active account has this address, a mail with a link is on its way; it works for 30 minutes."


class VerificationSent(msgspec.Struct):
    detail: str = "A mail with a link is on its way to your address; it works for 7 days."


class EmailVerificationRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=128, description="From the mail")]


class PasswordResetConfirmation(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="From the mail (43 characters)")]
    new_password: NewPassword


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: NewPassword


class AccountDeletionRequest(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


class AccountDeletionResponse(msgspec.Struct):
    deleted_at: Annotated[
        datetime, msgspec.Meta(description="When the account stopped; the erasure follows within about a minute")
    ]


class UserResponse(msgspec.Struct):
    id: str
    email: str
    name: str
    role: Role
    is_active: bool
    email_verified: Annotated[
        bool, msgspec.Meta(description="The owner confirmed the address (the mailed token); unverified accounts work")
    ]
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserResponse:
        return cls(
            id=user.id.value,
            email=user.email.value,
            name=user.name,
            role=user.role,
            is_active=user.is_active,
            email_verified=user.email_verified,
            created_at=user.created_at,
        )


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
