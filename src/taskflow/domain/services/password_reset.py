"""A way back into a forgotten account: a mailed token that sets a new password once.

Rules:
- asking answers the same whatever the address, and takes the same steps (one outbox
  entry, its job queued): the job, not the request, looks the account up, so neither the
  answer nor its timing says whether the address has an account;
- a known, active account gets a mail with a token that works once, until 30 minutes
  after the asking; the token is derived from the reset's random id (`DerivedTokens`),
  and only its digest is stored;
- confirming with the token and a new password (the same rules as any password) sets it,
  ends every session of the account, and voids its other resets; a wrong, used or expired
  token is one error, and a refused new password does not use the token up;
- asking is limited per address asked about and per client address; confirming counts
  against the same per-client budget.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import InvalidResetTokenError, UserNotFoundError
from taskflow.domain.model.audit import AuditKind
from taskflow.domain.ports.accounts import PasswordReset
from taskflow.domain.services.mail import PASSWORD_RESET_JOB, password_reset_job_id, password_reset_mail
from taskflow.domain.services.sessions import digest
from taskflow.domain.values import Email

if TYPE_CHECKING:
    from taskflow.domain.ports.accounts import AuditTrail, PasswordResetRepository, UserRepository
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.security import SecretGenerator
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.budgets import Budget
    from taskflow.domain.services.derived_tokens import DerivedTokens
    from taskflow.domain.services.outbox import OutboxService
    from taskflow.domain.services.passwords import NewPasswords
    from taskflow.domain.services.sessions import SessionService

RESET_LIFETIME: Final = timedelta(minutes=30)


class PasswordResetService:
    """Asking: one outbox entry and its job, the same steps for any address; budgeted per address and per client."""

    def __init__(
        self,
        *,
        secrets: SecretGenerator,
        outbox: OutboxService,
        clock: Clock,
        per_account: Budget,
        per_client: Budget,
    ) -> None:
        self._secrets = secrets
        self._outbox = outbox
        self._clock = clock
        self._per_account = per_account
        self._per_client = per_client

    async def request(self, email: str, *, client: str) -> None:
        address = Email(email)
        await self._per_client.spend(client)
        await self._per_account.spend(address.value)
        reset_id = self._secrets.refresh_secret()
        entry = await self._outbox.record(
            password_reset_job_id(reset_id),
            PASSWORD_RESET_JOB,
            reset_id=reset_id,
            email=address.value,
            requested_at=self._clock.now().isoformat(),
        )
        await self._outbox.dispatch(entry)


class PasswordResetMail:
    """The job: at least once, with a stable Message-ID; nothing for an unknown or inactive account."""

    def __init__(
        self,
        *,
        users: UserRepository,
        resets: PasswordResetRepository,
        tokens: DerivedTokens,
        outbox: OutboxService,
        mailer: Mailer,
        clock: Clock,
        web_url: str,
    ) -> None:
        self._users = users
        self._resets = resets
        self._tokens = tokens
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._web_url = web_url

    async def send(self, reset_id: str, email: str, requested_at: datetime) -> None:
        entry_id = password_reset_job_id(reset_id)
        if await self._outbox.is_done(entry_id):
            return
        user = await self._users.find_by_email(Email(email))
        expires_at = requested_at + RESET_LIFETIME
        if user is not None and user.is_active and user.deleted_at is None and expires_at > self._clock.now():
            token = self._tokens.token(reset_id)
            await self._resets.add(PasswordReset(token_digest=digest(token), user_id=user.id, expires_at=expires_at))
            mail = password_reset_mail(user, reset_id, token, expires_at=expires_at, web_url=self._web_url)
            await self._mailer.send(mail)
        await self._outbox.mark_done(entry_id)


class PasswordResetCompletion:
    """The token and a new password: set once; every session ends and the account's other resets go."""

    def __init__(
        self,
        *,
        users: UserRepository,
        resets: PasswordResetRepository,
        sessions: SessionService,
        passwords: NewPasswords,
        per_client: Budget,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self._users = users
        self._resets = resets
        self._sessions = sessions
        self._passwords = passwords
        self._per_client = per_client
        self._clock = clock
        self._audit = audit

    async def confirm(self, token: str, new_password: str, *, client: str) -> None:
        await self._per_client.spend(client)
        self._passwords.check(new_password, field="new_password")
        reset = await self._resets.take(digest(token), now=self._clock.now())
        if reset is None:
            raise InvalidResetTokenError
        try:
            user = await self._users.get(reset.user_id)
        except UserNotFoundError:
            raise InvalidResetTokenError from None
        if not user.is_active or user.deleted_at is not None:
            raise InvalidResetTokenError
        user.password_hash = await self._passwords.hash(new_password, field="new_password")
        user.updated_at = self._clock.now()
        await self._users.save(user, fields=frozenset({"password_hash", "updated_at"}))
        await self._sessions.end_all(user, reason="password-reset")
        await self._resets.forget(user.id)
        await self._audit.record(AuditKind.PASSWORD_RESET, actor=user.id, target=user.id)
