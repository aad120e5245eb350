"""E-mail verification: a mailed token proves the account's owner reads its address (decision 0032).

Rules:
- the token names the account and when it was issued, and is signed for the address the
  account has (an HMAC under the server's secret, `DerivedTokens`): nothing is stored, a
  token for an address the account no longer has does not work, and it works for 7 days;
- verifying twice is the same as once; a wrong or expired token is one error;
- the welcome mail carries a token issued at registration; asking for another mails one
  issued then (at most 5 an hour per account); an address verified already is a conflict;
- unverified accounts keep working: verification is a fact shown, not a gate.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import (
    EmailAlreadyVerifiedError,
    InvalidValueError,
    InvalidVerificationTokenError,
    UserNotFoundError,
)
from taskflow.domain.model.audit import AuditKind
from taskflow.domain.services.budgets import spend
from taskflow.domain.services.mail import VERIFICATION_JOB, verification_job_id, verification_mail
from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.accounts import AuditTrail, UserRepository
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.security import RateLimiter, RateRule
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.derived_tokens import DerivedTokens
    from taskflow.domain.services.outbox import OutboxService

TOKEN_LIFETIME: Final = timedelta(days=7)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class EmailVerification:
    def __init__(
        self,
        *,
        users: UserRepository,
        tokens: DerivedTokens,
        outbox: OutboxService,
        mailer: Mailer,
        limiter: RateLimiter,
        per_account: RateRule,
        clock: Clock,
        audit: AuditTrail,
        web_url: str,
    ) -> None:
        self._users = users
        self._web_url = web_url
        self._tokens = tokens
        self._outbox = outbox
        self._mailer = mailer
        self._limiter = limiter
        self._per_account = per_account
        self._clock = clock
        self._audit = audit

    def token(self, user: User, *, issued_at: datetime) -> str:
        issued = round((issued_at - _EPOCH).total_seconds() * 1000)
        return f"{user.id.value}.{issued}.{self._mac(user, issued)}"

    async def request(self, user: User) -> None:
        """Mail a new token (the job sends it); EmailAlreadyVerifiedError if there is nothing to verify."""
        if user.email_verified:
            raise EmailAlreadyVerifiedError
        await spend(self._limiter, self._per_account, user.id.value)
        issued = self._clock.now().isoformat()
        entry = await self._outbox.record(
            verification_job_id(user.id, issued), VERIFICATION_JOB, user_id=user.id.value, issued_at=issued
        )
        await self._outbox.dispatch(entry)

    async def send(self, user_id: UserId, issued_at: datetime) -> None:
        """The job: at least once, a stable Message-ID; nothing for an account gone or verified meanwhile."""
        entry_id = verification_job_id(user_id, issued_at.isoformat())
        if await self._outbox.is_done(entry_id):
            return
        try:
            user = await self._users.get(user_id)
        except UserNotFoundError:
            user = None
        if user is not None and not user.email_verified and user.deleted_at is None:
            token = self.token(user, issued_at=issued_at)
            await self._mailer.send(verification_mail(user, token, web_url=self._web_url))
        await self._outbox.mark_done(entry_id)

    async def verify(self, token: str) -> None:
        user = await self._check(token)
        if not user.email_verified:
            user.email_verified, user.updated_at = True, self._clock.now()
            await self._users.save(user, fields=frozenset({"email_verified", "updated_at"}))
            await self._audit.record(AuditKind.EMAIL_VERIFIED, actor=user.id, target=user.id)

    async def _check(self, token: str) -> User:
        try:
            user_part, issued_part, mac = token.split(".")
            user = await self._users.get(UserId(user_part))
            issued = int(issued_part)
        except (ValueError, InvalidValueError, UserNotFoundError):
            raise InvalidVerificationTokenError from None
        expired = _EPOCH + timedelta(milliseconds=issued) + TOKEN_LIFETIME <= self._clock.now()
        if expired or user.deleted_at is not None or not hmac.compare_digest(mac, self._mac(user, issued)):
            raise InvalidVerificationTokenError
        return user

    def _mac(self, user: User, issued: int) -> str:
        return self._tokens.token(f"{user.id.value}:{user.email.value}:{issued}")
