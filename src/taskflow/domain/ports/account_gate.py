"""The account gate: what admits a signed-in request, kept where one round trip reads it.

Authenticating used to read the whole account from the primary on every request. The
facts that decide whether a token is honoured (the account is active, its role, the
cut-off before which its tokens are void, and whether the token's session was revoked)
are few and change rarely, so the gate keeps them beside the request budget and answers
both in one look-up. MongoDB stays the record: every change is written there first and
then through to the gate, and what the gate does not know is read from MongoDB
(decision 0024).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

# Runtime imports: Litestar resolves a Principal's annotations when it injects one.
from taskflow.domain.values import Role, UserId

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.security import RateDecision, RateRule, TokenClaims
    from taskflow.domain.values import SessionId


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """The part of an account that decides whether its tokens are honoured."""

    is_active: bool
    role: Role
    tokens_valid_after: datetime | None

    @classmethod
    def of(cls, user: User) -> AccountFacts:
        return cls(is_active=user.is_active, role=user.role, tokens_valid_after=user.tokens_valid_after)

    def admits(self, claims: TokenClaims) -> bool:
        cut_off = self.tokens_valid_after
        return self.is_active and (cut_off is None or claims.issued_at >= cut_off)


@dataclass(frozen=True, slots=True)
class GateReading:
    """One look-up: the account's facts if known, the token's revocation, the budget's count."""

    account: AccountFacts | None
    """None when the gate does not know the account: never seen, expired, or from before it lost data."""
    revoked: bool
    """The token or its session is on the revocation list."""
    complete_since: datetime
    """The revocation list holds every revocation made since then; an older token's session is checked."""
    budget: RateDecision | None
    seen: str
    """Opaque: what a `fill` must still find for its facts to be stored."""


class AccountGate(Protocol):
    """Account facts, revocations and the per-user budget, answered together."""

    async def read(self, claims: TokenClaims, budget: RateRule | None) -> GateReading:
        """Counts one request against `budget` (keyed by the token's subject). UnavailableError."""
        ...

    async def fill(self, user_id: UserId, facts: AccountFacts, *, seen: str) -> None:
        """Store facts read from the record; best effort, never raises.

        Not if the gate changed since `seen`, and not over a fact a write already stored.
        """
        ...

    async def begin(self, user_id: UserId) -> None:
        """Before the record changes: until `record`, the account is unknown to the gate and takes no fill.

        So a process that dies between the record's change and `record` leaves the account
        read from the record, not answered with what the gate held. Never raises.
        """
        ...

    async def record(
        self,
        user_id: UserId,
        *,
        is_active: bool | None = None,
        role: Role | None = None,
        tokens_valid_after: datetime | None = None,
    ) -> None:
        """Write a change through, after the record has it; never raises.

        If the gate cannot be told, it stops trusting every fact it holds before this
        process reads it again, and as soon as it answers.
        """
        ...

    async def revoke(self, *, token_id: str | None, session_id: SessionId, until: datetime) -> None:
        """List a token (if given) and its session as revoked until `until`. UnavailableError."""
        ...
