"""Signing in with an e-mail address and a password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.errors import InvalidCredentialsError, InvalidValueError
from taskflow.domain.model.audit import AuditKind
from taskflow.domain.services.budgets import spend
from taskflow.domain.services.passwords import PasswordPolicy
from taskflow.domain.values import Email

if TYPE_CHECKING:
    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.accounts import AuditTrail, UserRepository
    from taskflow.domain.ports.security import PasswordHasher, RateLimiter
    from taskflow.domain.services.passwords import LoginLimits
    from taskflow.domain.services.sessions import SessionService, TokenPair


class SignIn:
    """A password exchanged for a session.

    Rules:
    - unknown e-mail, wrong password and inactive account are one and the same failure,
      and each costs one password verification;
    - password guesses are limited per account and per client address, whether or not
      the account exists;
    - a successful login re-hashes the password when the hashing cost has changed.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        limiter: RateLimiter,
        limits: LoginLimits,
        sessions: SessionService,
        audit: AuditTrail,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._limiter = limiter
        self._limits = limits
        self._sessions = sessions
        self._audit = audit

    async def login(self, email: str, password: str, *, client: str) -> TokenPair:
        PasswordPolicy.check_size(password)
        account_key = email.strip().lower()
        await spend(self._limiter, self._limits.per_address, client)
        await spend(self._limiter, self._limits.per_account, account_key)
        user = await self._check_credentials(email, password)
        await self._audit.record(AuditKind.SIGN_IN, actor=user.id, target=user.id)
        await self._limiter.refund(self._limits.per_address, client)
        await self._limiter.reset(self._limits.per_account, account_key)
        if self._hasher.needs_rehash(user.password_hash):
            user.password_hash = await self._hasher.hash(password)
            await self._users.save(user, fields=frozenset({"password_hash"}))
        return await self._sessions.open(user)

    async def _check_credentials(self, email: str, password: str) -> User:
        try:
            address: Email | None = Email(email)
        except InvalidValueError:
            address = None
        user = await self._users.find_by_email(address) if address else None
        if user is None:
            await self._hasher.verify_dummy(password)
        elif await self._hasher.verify(user.password_hash, password) and user.is_active:
            return user
        # The same steps for an unknown address as for a known one, this entry included.
        target = None if user is None else user.id
        await self._audit.record(AuditKind.SIGN_IN_FAILED, actor=None, target=target, email=email.strip().lower()[:320])
        raise InvalidCredentialsError
