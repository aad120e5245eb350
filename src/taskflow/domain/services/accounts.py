"""Registration, login, profile and password changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from taskflow.domain.errors import (
    InvalidCredentialsError,
    InvalidTokenError,
    InvalidValueError,
    UserNotFoundError,
    WrongPasswordError,
)
from taskflow.domain.model.accounts import User, new_user
from taskflow.domain.model.audit import AuditKind
from taskflow.domain.services.budgets import spend
from taskflow.domain.services.mail import WELCOME_JOB, welcome_job_id, welcome_mail
from taskflow.domain.values import PASSWORD_MAX_BYTES, Email, Role, UserId, check_name

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.ports.accounts import AuditTrail, UserRepository
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.security import CommonPasswords, PasswordHasher, RateLimiter, RateRule
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.domain.services.deletion import AccountDeletion
    from taskflow.domain.services.outbox import OutboxService
    from taskflow.domain.services.sessions import SessionService, TokenPair
    from taskflow.domain.services.verification import EmailVerification


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


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Password guesses allowed per account and per client address.

    An attempt counts when it starts, so concurrent guesses cannot slip past the limit;
    a successful one is taken back.
    """

    per_account: RateRule
    per_address: RateRule


class AccountService:
    """Accounts and sign-in.

    Rules:
    - an e-mail address belongs to one account, compared case-insensitively;
    - unknown e-mail, wrong password and inactive account are one and the same failure,
      and each costs one password verification;
    - password guesses are limited per account and per client address, whether or not
      the account exists;
    - a successful login re-hashes the password when the hashing cost has changed;
    - changing the password ends every session and opens a new one for the caller;
    - a new account gets one welcome mail, through the outbox: recorded before the account,
      so no account misses it (if the account then fails, the job finds no one to greet);
      registration never waits for it.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        hasher: PasswordHasher,
        sessions: SessionService,
        clock: Clock,
        ids: IdGenerator,
        policy: PasswordPolicy,
        limiter: RateLimiter,
        limits: LoginLimits,
        outbox: OutboxService,
        mailer: Mailer,
        deletion: AccountDeletion,
        verification: EmailVerification,
        audit: AuditTrail,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._limiter = limiter
        self._limits = limits
        self._outbox = outbox
        self._mailer = mailer
        self._deletion = deletion
        self._verification = verification
        self._audit = audit

    async def register(self, email: str, password: str, name: str) -> User:
        user = await self._account(Email(email), password, name, Role.USER)
        welcome = await self._outbox.record(welcome_job_id(user.id), WELCOME_JOB, user_id=user.id.value)
        await self._users.add(user)
        await self._audit.record(AuditKind.ACCOUNT_CREATED, actor=user.id, target=user.id)
        await self._outbox.dispatch(welcome)
        return user

    async def _account(self, email: Email, password: str, name: str, role: Role) -> User:
        self._policy.check(password)
        user = new_user(self._ids.new_user_id(), email, name, await self._hasher.hash(password), now=self._clock.now())
        user.role = role
        return user

    async def send_welcome_mail(self, user_id: UserId) -> None:
        """At least once; a mail sent again has the same Message-ID, so it is recognisably one mail."""
        entry_id = welcome_job_id(user_id)
        if await self._outbox.is_done(entry_id):
            return
        try:
            user = await self._users.get(user_id)
        except UserNotFoundError:  # the registration failed after its entry was recorded
            await self._outbox.mark_done(entry_id)
            return
        token = self._verification.token(user, issued_at=user.created_at)
        await self._mailer.send(welcome_mail(user, token))
        await self._outbox.mark_done(entry_id)

    async def create_admin(self, email: str, password: str, name: str) -> User:
        """Promote the account with this e-mail, or create it as an admin."""
        address = Email(email)
        existing = await self._users.find_by_email(address)
        if existing is None:
            admin = await self._account(address, password, name, Role.ADMIN)
            await self._users.add(admin)
            return admin
        if existing.role is not Role.ADMIN:
            existing.role = Role.ADMIN
            existing.updated_at = self._clock.now()
            await self._users.save(existing, fields=frozenset({"role", "updated_at"}))
        return existing

    async def get(self, user_id: UserId) -> User:
        """The whole account, for the few requests that need more than the gate's facts."""
        try:
            return await self._users.get(user_id)
        except UserNotFoundError:
            raise InvalidTokenError from None  # deleted since its token was checked

    async def update_profile(self, user: User, *, name: str) -> User:
        """Users may change their display name; e-mail changes need verification (not yet)."""
        user.name = check_name(name)
        user.updated_at = self._clock.now()
        await self._users.save(user, fields=frozenset({"name", "updated_at"}))
        return user

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

    async def delete(self, user: User, *, password: str) -> datetime:
        """Confirmed with the password (a login attempt); the account stops now and is erased soon after."""
        PasswordPolicy.check_size(password)
        await self._confirm(user, password)
        return await self._deletion.request(user, actor=user.id)

    async def _confirm(self, user: User, password: str) -> None:
        account_key = user.email.value
        await spend(self._limiter, self._limits.per_account, account_key)
        if not await self._hasher.verify(user.password_hash, password):
            raise WrongPasswordError
        await self._limiter.reset(self._limits.per_account, account_key)

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

    async def change_password(self, user: User, *, current: str, new: str) -> TokenPair:
        """Confirmed with the current password, which counts as a login attempt."""
        PasswordPolicy.check_size(current)
        self._policy.check(new, field="new_password")
        await self._confirm(user, current)
        user.password_hash = await self._hasher.hash(new)
        user.updated_at = self._clock.now()
        await self._users.save(user, fields=frozenset({"password_hash", "updated_at"}))
        cut_off = await self._sessions.end_all(user, reason="password-change")
        await self._audit.record(AuditKind.PASSWORD_CHANGED, actor=user.id, target=user.id)
        return await self._sessions.open(user, at=cut_off)
