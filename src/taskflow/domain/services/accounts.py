"""Registration, login and turning a bearer token into an account."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from taskflow.domain.entities import User, new_user
from taskflow.domain.errors import (
    InvalidCredentialsError,
    InvalidTokenError,
    InvalidValueError,
    NotFoundError,
    UnavailableError,
)
from taskflow.domain.services.mail import WELCOME_JOB, welcome_job_id, welcome_mail
from taskflow.domain.values import PASSWORD_MAX_BYTES, Email, Role, UserId, check_name

if TYPE_CHECKING:
    from taskflow.domain.ports import (
        AccessToken,
        Clock,
        IdGenerator,
        JobQueue,
        Mailer,
        PasswordHasher,
        TokenIssuer,
        UserRepository,
    )


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Length rules for new passwords (OWASP Authentication Cheat Sheet)."""

    min_length: int

    @staticmethod
    def check_size(password: str) -> None:
        """Checked before any hashing, so a huge password costs nothing."""
        if len(password.encode()) > PASSWORD_MAX_BYTES:
            msg = f"password must be at most {PASSWORD_MAX_BYTES} bytes"
            raise InvalidValueError(msg, field="password")

    def check(self, password: str) -> None:
        self.check_size(password)
        if len(password) < self.min_length:
            msg = f"password must have at least {self.min_length} characters"
            raise InvalidValueError(msg, field="password")


class AccountService:
    """Accounts and sign-in.

    Rules:
    - an e-mail address belongs to one account, compared case-insensitively;
    - unknown e-mail, wrong password and inactive account are one and the same failure,
      and each costs one password verification;
    - a successful login re-hashes the password when the hashing cost has changed;
    - a token authenticates only an active account, and only if issued after the
      account's `tokens_valid_after`;
    - a new account gets one welcome mail; registration never waits for it.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        clock: Clock,
        ids: IdGenerator,
        policy: PasswordPolicy,
        jobs: JobQueue,
        mailer: Mailer,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._jobs = jobs
        self._mailer = mailer

    async def register(self, email: str, password: str, name: str) -> User:
        user = await self._new_account(Email(email), password, name, Role.USER)
        # the account exists; the welcome mail is best effort until the outbox lands
        with contextlib.suppress(UnavailableError):
            await self._jobs.enqueue(WELCOME_JOB, job_id=welcome_job_id(user), user_id=user.id.value)
        return user

    async def _new_account(self, email: Email, password: str, name: str, role: Role) -> User:
        self._policy.check(password)
        user = new_user(self._ids.new_user_id(), email, name, await self._hasher.hash(password), now=self._clock.now())
        user.role = role
        await self._users.add(user)
        return user

    async def send_welcome_mail(self, user_id: UserId) -> None:
        await self._mailer.send(welcome_mail(await self._users.get(user_id)))

    async def create_admin(self, email: str, password: str, name: str) -> User:
        """Promote the account with this e-mail, or create it as an admin."""
        address = Email(email)
        existing = await self._users.find_by_email(address)
        if existing is None:
            return await self._new_account(address, password, name, Role.ADMIN)
        if existing.role is not Role.ADMIN:
            existing.role = Role.ADMIN
            existing.updated_at = self._clock.now()
            await self._users.save(existing, fields=frozenset({"role", "updated_at"}))
        return existing

    async def update_profile(self, user: User, *, name: str) -> User:
        """Users may change their display name; e-mail changes need verification (not yet)."""
        user.name = check_name(name)
        user.updated_at = self._clock.now()
        await self._users.save(user, fields=frozenset({"name", "updated_at"}))
        return user

    async def login(self, email: str, password: str) -> AccessToken:
        try:
            address = Email(email)
        except InvalidValueError:
            address = None
        PasswordPolicy.check_size(password)
        user = await self._users.find_by_email(address) if address else None
        if user is None:
            await self._hasher.verify_dummy(password)
            raise InvalidCredentialsError
        if not await self._hasher.verify(user.password_hash, password) or not user.is_active:
            raise InvalidCredentialsError
        if self._hasher.needs_rehash(user.password_hash):
            user.password_hash = await self._hasher.hash(password)
            await self._users.save(user, fields=frozenset({"password_hash"}))
        return self._tokens.issue(user.id, now=self._clock.now())

    async def authenticate(self, token: str) -> User:
        claims = self._tokens.verify(token)
        try:
            user = await self._users.get(claims.subject)
        except NotFoundError:
            raise InvalidTokenError from None
        revoked = user.tokens_valid_after is not None and claims.issued_at < user.tokens_valid_after
        if not user.is_active or revoked:
            raise InvalidTokenError
        return user
