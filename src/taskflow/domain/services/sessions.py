"""Sign-in sessions: access tokens, rotating refresh tokens, and revoking both."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from taskflow.domain.access.principal import Principal
from taskflow.domain.errors import (
    InvalidRefreshTokenError,
    InvalidTokenError,
    InvalidValueError,
    NotFoundError,
    UnavailableError,
)
from taskflow.domain.model.accounts import Session, User
from taskflow.domain.model.audit import AuditKind
from taskflow.domain.model.tasks import to_utc_millis
from taskflow.domain.ports.gates import AccountFacts
from taskflow.domain.values import SessionId

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.ports.accounts import AuditTrail, SessionRepository, UserRepository
    from taskflow.domain.ports.gates import AccountGate, GateReading
    from taskflow.domain.ports.security import (
        AccessToken,
        RateDecision,
        RateLimiter,
        RateRule,
        SecretGenerator,
        SecurityLog,
        TokenClaims,
        TokenIssuer,
    )
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.values import UserId

CLOCK_SKEW: Final = timedelta(seconds=5)
"""How far this host's clock (a token's `iat`) may run ahead of the gate's (since when its list is whole)."""
_REFRESH_TOKEN: Final = re.compile(r"([0-9a-f]{32})\.([A-Za-z0-9_-]{22,128})")


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a refresh token lives unused, and how long a session lives at most."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True, slots=True)
class TokenPair:
    access: AccessToken
    refresh_token: str
    """`<session id>.<secret>`: opaque to clients; only a digest of the secret is stored."""


@dataclass(frozen=True, slots=True)
class Authenticated:
    principal: Principal
    claims: TokenClaims
    budget: RateDecision | None
    """The request's count against the budget it was authenticated with."""


def digest(secret: str) -> str:
    """A fast hash is enough: the secret has 256 random bits, nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionService:
    """Tokens.

    Rules:
    - each sign-in opens a session; its refresh token rotates on every use, and only the
      newest one works;
    - a refresh token presented with the right session id but the wrong secret is a spent
      (or stolen) one: the whole session is revoked and a security event is recorded;
    - an access token is accepted only if genuine, unexpired, not revoked (by token id or
      session), issued after the account's `tokens_valid_after`, for an active account;
    - the gate answers all of that, and counts the request against its budget, in one
      look-up; MongoDB answers what the gate does not know: the account's facts when the
      gate has none, the session record when the gate's revocation list may have lost
      entries since the token was issued, and all of it when the gate cannot be reached;
    - when the gate cannot be reached, the request is counted by `gateless_limiter`, which
      does not ask the gate's store again: a gate that answered late may have counted it
      already, and one that is away would only make the request wait twice;
    - a revocation that could not be listed moves the account's `tokens_valid_after`
      instead, so it holds whatever happens to the list later.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        sessions: SessionRepository,
        tokens: TokenIssuer,
        gate: AccountGate,
        gateless_limiter: RateLimiter,
        secrets: SecretGenerator,
        clock: Clock,
        security_log: SecurityLog,
        audit: AuditTrail,
        policy: SessionPolicy,
        access_ttl: timedelta,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._tokens = tokens
        self._gate = gate
        self._gateless_limiter = gateless_limiter
        self._secrets = secrets
        self._clock = clock
        self._log = security_log
        self._audit = audit
        self._policy = policy
        self._access_ttl = access_ttl

    async def open(self, user: User, *, at: datetime | None = None) -> TokenPair:
        """A new session; `at` (a cut-off just set) dates its first access token."""
        now = at or self._clock.now()
        secret = self._secrets.refresh_secret()
        session = Session(
            id=self._secrets.session_id(),
            user_id=user.id,
            token_digest=digest(secret),
            created_at=now,
            refreshed_at=now,
            expires_at=now + self._policy.idle,
            ends_at=now + self._policy.absolute,
        )
        await self._sessions.add(session)
        return self._pair(session, secret, now)

    async def refresh(self, refresh_token: str) -> TokenPair:
        session_id, secret = _parse(refresh_token)
        now = self._clock.now()
        replacement = self._secrets.refresh_secret()
        session = await self._sessions.rotate(
            session_id,
            presented=digest(secret),
            replacement=digest(replacement),
            now=now,
            expires_at=now + self._policy.idle,
        )
        if session is None:
            await self._check_reuse(session_id, secret, now)
            raise InvalidRefreshTokenError
        try:
            user = await self._users.get(session.user_id)
        except NotFoundError:
            raise InvalidRefreshTokenError from None
        if not user.is_active:
            raise InvalidRefreshTokenError
        return self._pair(session, replacement, now)

    async def _check_reuse(self, session_id: SessionId, secret: str, now: datetime) -> None:
        known = await self._sessions.get(session_id)
        if known is None or not known.is_live(now) or hmac.compare_digest(known.token_digest, digest(secret)):
            return
        await self._sessions.revoke(session_id, now=now, reason="reuse")
        self._log.record("refresh_token_reuse", user_id=known.user_id.value, session_id=session_id.value)
        await self._revoke_access(known.user_id, session_id, token_id=None, now=now)
        await self._audit.record(AuditKind.REFRESH_TOKEN_REUSE, actor=None, target=known.user_id)

    async def authenticate(self, access_token: str, *, budget: RateRule | None = None) -> Authenticated:
        """The token's principal, the request counted against `budget` (per user) on the way."""
        claims = self._tokens.verify(access_token)
        try:
            reading = await self._gate.read(claims, budget)
        except UnavailableError:
            return await self._authenticate_from_records(claims, budget)
        facts = reading.account or await self._facts_from_record(claims, reading)
        revoked = reading.revoked
        if not revoked and claims.issued_at < reading.complete_since + CLOCK_SKEW and not reading.session_checked:
            # A token from before the revocation list was complete: its session is looked at once.
            revoked = await self._session_revoked(claims.session_id)
            if not revoked:
                await self._gate.vouch(claims.session_id, seen=reading.seen, until=claims.expires_at)
        return _admit(claims, facts, revoked=revoked, budget=reading.budget)

    async def _facts_from_record(self, claims: TokenClaims, reading: GateReading) -> AccountFacts:
        facts = AccountFacts.of(await self._account(claims))
        await self._gate.fill(claims.subject, facts, seen=reading.seen)
        return facts

    async def _authenticate_from_records(self, claims: TokenClaims, budget: RateRule | None) -> Authenticated:
        revoked = await self._session_revoked(claims.session_id)
        facts = AccountFacts.of(await self._account(claims))
        decision = await self._gateless_limiter.hit(budget, claims.subject.value) if budget else None
        return _admit(claims, facts, revoked=revoked, budget=decision)

    async def _account(self, claims: TokenClaims) -> User:
        try:
            return await self._users.get(claims.subject)
        except NotFoundError:
            raise InvalidTokenError from None

    async def _session_revoked(self, session_id: SessionId) -> bool:
        session = await self._sessions.get(session_id)
        return session is None or session.revoked_at is not None

    async def logout(self, claims: TokenClaims) -> None:
        """End this session: its refresh token and every access token it issued."""
        now = self._clock.now()
        await self._sessions.revoke(claims.session_id, now=now, reason="logout")
        await self._revoke_access(claims.subject, claims.session_id, token_id=claims.token_id, now=now)
        await self._audit.record(AuditKind.SIGN_OUT, actor=claims.subject, target=claims.subject)

    async def end(self, refresh_token: str) -> None:
        """End the session whose current refresh token this is (a web page signs out with its cookie).

        A token that is not current ends nothing: it proves no hold on the session.
        """
        session_id, secret = _parse(refresh_token)
        now = self._clock.now()
        known = await self._sessions.get(session_id)
        if known is None or not known.is_live(now) or not hmac.compare_digest(known.token_digest, digest(secret)):
            return
        await self._sessions.revoke(session_id, now=now, reason="logout")
        await self._revoke_access(known.user_id, session_id, token_id=None, now=now)
        await self._audit.record(AuditKind.SIGN_OUT, actor=known.user_id, target=known.user_id)

    async def end_all(self, user: User, *, reason: str) -> datetime:
        """Every session of the account, and every access token it holds, end now.

        Returns the cut-off: tokens issued from then on are valid again.
        """
        now = self._clock.now()
        user.tokens_valid_after = await self._move_cut_off(user.id, now)
        await self._sessions.revoke_all(user.id, now=now, reason=reason)
        return user.tokens_valid_after

    async def _revoke_access(
        self, user_id: UserId, session_id: SessionId, *, token_id: str | None, now: datetime
    ) -> None:
        try:
            await self._gate.revoke(token_id=token_id, session_id=session_id, until=now + self._access_ttl)
        except UnavailableError:
            # The list may come back without this entry: move the account's cut-off instead.
            # Other sessions just refresh once; their refresh tokens still work.
            await self._move_cut_off(user_id, now)
            self._log.record("revocation_list_unavailable", user_id=user_id.value, session_id=session_id.value)

    async def _move_cut_off(self, user_id: UserId, now: datetime) -> datetime:
        cut_off = _cut_off(now)
        await self._users.invalidate_tokens(user_id, issued_before=cut_off)
        return cut_off

    def _pair(self, session: Session, secret: str, now: datetime) -> TokenPair:
        return TokenPair(
            access=self._tokens.issue(session.user_id, session.id, now=now),
            refresh_token=f"{session.id.value}.{secret}",
        )


def _admit(claims: TokenClaims, facts: AccountFacts, *, revoked: bool, budget: RateDecision | None) -> Authenticated:
    if revoked or not facts.admits(claims):
        raise InvalidTokenError
    return Authenticated(principal=Principal(claims.subject, facts.role), claims=claims, budget=budget)


def _cut_off(now: datetime) -> datetime:
    """The next millisecond, so every token issued up to now falls before the cut-off.

    `iat` is rounded down to the millisecond, so even one issued within this one does.
    """
    return to_utc_millis(now, field_name="tokens_valid_after") + timedelta(milliseconds=1)


def _parse(refresh_token: str) -> tuple[SessionId, str]:
    match = _REFRESH_TOKEN.fullmatch(refresh_token)
    if match is None:
        raise InvalidRefreshTokenError
    try:
        return SessionId(match.group(1)), match.group(2)
    except InvalidValueError:
        raise InvalidRefreshTokenError from None
