"""Passwords people choose and passwords people type, each checked by one set of rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from taskflow.domain.errors import InvalidValueError, WrongPasswordError
from taskflow.domain.services.budgets import spend
from taskflow.domain.values import PASSWORD_MAX_BYTES

if TYPE_CHECKING:
    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.security import CommonPasswords, PasswordHasher, RateLimiter, RateRule


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    """Rules for new passwords (NIST SP 800-63B-4 §3.1.1.2, OWASP Authentication Cheat Sheet)."""

    min_length: int
    common: CommonPasswords

    @staticmethod
    def check_size(password: str) -> None:
        """Checked before any hashing, so a huge password costs nothing."""
        if len(password.encode()) > PASSWORD_MAX_BYTES:
            msg = f"password must be at most {PASSWORD_MAX_BYTES} bytes"
            raise InvalidValueError(msg, field="password")

    def check(self, password: str, *, field: str = "password") -> None:
        self.check_size(password)
        if len(password) < self.min_length:
            msg = f"{field} must have at least {self.min_length} characters"
            raise InvalidValueError(msg, field=field)
        if self.common.contains(password):
            msg = f"{field} is on a list of commonly used passwords; choose another"
            raise InvalidValueError(msg, field=field)


class NewPasswords:
    """A password being chosen: the policy's rules first, then the hash, which is all that is kept."""

    def __init__(self, policy: PasswordPolicy, hasher: PasswordHasher) -> None:
        self._policy = policy
        self._hasher = hasher

    @property
    def min_length(self) -> int:
        """What a sign-up form tells a person before they submit (the form takes it from here)."""
        return self._policy.min_length

    def check(self, password: str, *, field: str = "password") -> None:
        """Before anything else is done with it: a refused password costs no hashing."""
        self._policy.check(password, field=field)

    async def hash(self, password: str, *, field: str = "password") -> str:
        self.check(password, field=field)
        return await self._hasher.hash(password)


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Password guesses allowed per account and per client address.

    An attempt counts when it starts, so concurrent guesses cannot slip past the limit;
    a successful one is taken back.
    """

    per_account: RateRule
    per_address: RateRule


class PasswordConfirmation:
    """A signed-in person typing their password again (to change it, to delete the account).

    Each try counts as a login attempt on the account; a right one is taken back.
    """

    def __init__(self, hasher: PasswordHasher, limiter: RateLimiter, limits: LoginLimits) -> None:
        self._hasher = hasher
        self._limiter = limiter
        self._limits = limits

    async def confirm(self, user: User, password: str) -> None:
        """WrongPasswordError if it is not theirs."""
        PasswordPolicy.check_size(password)
        account_key = user.email.value
        await spend(self._limiter, self._limits.per_account, account_key)
        if not await self._hasher.verify(user.password_hash, password):
            raise WrongPasswordError
        await self._limiter.reset(self._limits.per_account, account_key)
