"""The gates: the facts that admit a request, kept where one round trip reads them (decisions 0024, 0029).

Authenticating used to read the whole account from the primary on every request, and
every project request a membership. The facts that decide (the account is active, its
role, the cut-off before which its tokens are void, whether the token's session was
revoked; whether someone is in a project, as what) are few and change rarely, so a gate
keeps them, the account gate beside the request budget. MongoDB stays the record: every
change is written there first and then through to its gate (`adapters/stores`), and
what a gate does not know is read from MongoDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from taskflow.domain.values import Role, UserId

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.model.accounts import User
    from taskflow.domain.model.projects import Membership
    from taskflow.domain.ports.security import RateDecision, RateRule, TokenClaims
    from taskflow.domain.values import ProjectId, SessionId


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
    session_checked: bool
    """The token's session was found live in the record since then (`vouch`): no need to check it again."""
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

    async def vouch(self, session_id: SessionId, *, seen: str, until: datetime) -> None:
        """The session was found live in the record: say so until `until`; best effort, never raises.

        Only under the gate `seen` read: from then on the revocation list holds any later
        revocation of it, so one look at the record per session is enough until the gate
        loses what it holds.
        """
        ...


@dataclass(frozen=True, slots=True)
class MembershipReading:
    """What the membership gate knows of one user in one project."""

    known: bool
    """False: never stored, expired, or from before the gate lost data; the record decides."""
    membership: Membership | None
    """When known: the membership, or None if a write said it ended."""
    seen: str
    """Opaque: what a `fill` must still find for its membership to be stored."""


class MembershipGate(Protocol):
    """Memberships where one round trip reads them, written through after the record (decision 0029)."""

    async def read(self, user_id: UserId, project_id: ProjectId) -> MembershipReading:
        """UnavailableError when the gate does not answer: the record decides then."""
        ...

    async def fill(self, membership: Membership, *, seen: str) -> None:
        """Store a membership read from the record; best effort, never raises.

        Not if the gate changed since `seen`, and not over what a write already stored.
        """
        ...

    async def begin(self, user_id: UserId, project_id: ProjectId) -> None:
        """Before the record changes: until `record`, the gate answers "unknown" and takes no fill; never raises.

        So a process that dies between the record's change and `record` leaves the gate
        sending reads to the record, not holding what was there before.
        """
        ...

    async def record(self, user_id: UserId, project_id: ProjectId, membership: Membership | None) -> None:
        """Write a change through (None: it ended), after the record has it; never raises.

        If the gate cannot be told, it stops trusting everything it holds before this
        process reads it again, and as soon as it answers.
        """
        ...
