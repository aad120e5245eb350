"""The account gate and the membership gate without Redis; tests/contract/ holds them to the Redis ones."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from taskflow.domain.errors import (
    UnavailableError,
)
from taskflow.domain.model.projects import Membership
from taskflow.domain.ports.gates import AccountFacts, AccountGate, GateReading, MembershipGate, MembershipReading
from taskflow.domain.ports.security import (
    RateLimiter,
    RateRule,
    TokenClaims,
)
from taskflow.domain.ports.time_and_ids import Clock
from taskflow.domain.values import ProjectId, Role, SessionId, UserId


class InMemoryAccountGate(AccountGate):
    """The gate's rules without Redis.

    Entries count only under the current epoch and whole; a fill sets only unset fields; a
    write sets its fields (the cut-off only forward); a write that cannot be made moves the
    epoch once the gate answers again.

    `down` plays an outage (reads and revocations raise, nothing is kept); `lose_data()` a
    Redis that came back empty. `reads` counts look-ups.
    """

    def __init__(self, clock: Clock, limiter: RateLimiter) -> None:
        self._clock = clock
        self._limiter = limiter
        self.entries: dict[UserId, dict[str, object]] = {}
        self.revoked: dict[str, datetime] = {}  # token or session -> until when
        self.vouched: dict[SessionId, tuple[int, datetime]] = {}  # session -> (epoch, until when)
        self.epoch, self.epoch_at = 1, clock.now()
        self.down = False
        self.owed = False
        self.reads = 0

    def lose_data(self) -> None:
        self.entries.clear()
        self.revoked.clear()
        self.vouched.clear()
        self.epoch, self.epoch_at = self.epoch + 1, self._clock.now()

    def _answering(self) -> None:
        if self.down:
            raise UnavailableError
        if self.owed:
            self.epoch, self.epoch_at, self.owed = self.epoch + 1, self._clock.now(), False

    def _entry(self, user_id: UserId) -> dict[str, object]:
        entry = self.entries.get(user_id)
        if entry is None or entry["epoch"] != self.epoch:
            entry = self.entries[user_id] = {"epoch": self.epoch}
        return entry

    async def read(self, claims: TokenClaims, budget: RateRule | None) -> GateReading:
        self._answering()
        self.reads += 1
        entry = self.entries.get(claims.subject, {})
        whole = (
            entry.get("epoch") == self.epoch
            and {"is_active", "role", "cut"} <= entry.keys()
            and "changing" not in entry
        )
        return GateReading(
            account=AccountFacts(
                is_active=bool(entry["is_active"]),
                role=Role(str(entry["role"])),
                tokens_valid_after=entry["cut"] if isinstance(entry["cut"], datetime) else None,
            )
            if whole
            else None,
            revoked=self._revoked(f"jti:{claims.token_id}") or self._revoked(f"sid:{claims.session_id.value}"),
            complete_since=self.epoch_at,
            session_checked=self._vouched(claims.session_id),
            budget=await self._limiter.hit(budget, claims.subject.value) if budget else None,
            seen=str(self.epoch),
        )

    def _vouched(self, session_id: SessionId) -> bool:
        epoch, until = self.vouched.get(session_id, (0, self._clock.now()))
        return epoch == self.epoch and until > self._clock.now()

    async def vouch(self, session_id: SessionId, *, seen: str, until: datetime) -> None:
        if not self.down and seen == str(self.epoch):
            self.vouched[session_id] = (self.epoch, until)

    def _revoked(self, key: str) -> bool:
        until = self.revoked.get(key)
        return until is not None and until > self._clock.now()

    async def fill(self, user_id: UserId, facts: AccountFacts, *, seen: str) -> None:
        if self.down or seen != str(self.epoch):
            return
        entry = self._entry(user_id)
        if "changing" in entry:
            return
        entry.setdefault("is_active", facts.is_active)
        entry.setdefault("role", facts.role.value)
        entry.setdefault("cut", facts.tokens_valid_after)

    async def record(
        self,
        user_id: UserId,
        *,
        is_active: bool | None = None,
        role: Role | None = None,
        tokens_valid_after: datetime | None = None,
    ) -> None:
        if self.down:
            self.owed = True
            return
        self._answering()
        entry = self._entry(user_id)
        if is_active is not None:
            entry["is_active"] = is_active
        if role is not None:
            entry["role"] = role.value
        current = entry.get("cut")
        if tokens_valid_after is not None and (not isinstance(current, datetime) or tokens_valid_after > current):
            entry["cut"] = tokens_valid_after
        entry.pop("changing", None)

    async def begin(self, user_id: UserId) -> None:
        if self.down:
            self.owed = True
            return
        self._answering()
        self._entry(user_id)["changing"] = True

    async def revoke(self, *, token_id: str | None, session_id: SessionId, until: datetime) -> None:
        """Each revocation lasts until `until`, as a Redis key expiring then."""
        self._answering()
        self.revoked[f"sid:{session_id.value}"] = until
        if token_id is not None:
            self.revoked[f"jti:{token_id}"] = until


CHANGING: Final = object()
"""A membership being changed: unknown to readers, and no fill replaces it."""


class InMemoryMembershipGate(MembershipGate):
    """The membership gate's rules without Redis: epochs, fills under writes, an ended membership kept as ended.

    `down` plays an outage (reads raise, writes are owed); `lose_data()` a Redis that came
    back empty. `reads` counts look-ups.
    """

    def __init__(self) -> None:
        self.entries: dict[UserId, dict[str, object]] = {}
        self.epoch = 1
        self.down = False
        self.owed = False
        self.reads = 0

    def lose_data(self) -> None:
        self.entries.clear()
        self.epoch += 1

    def _entry(self, user_id: UserId) -> dict[str, object]:
        if self.owed:
            self.epoch, self.owed = self.epoch + 1, False
        entry = self.entries.get(user_id)
        if entry is None or entry["epoch"] != self.epoch:
            entry = self.entries[user_id] = {"epoch": self.epoch}
        return entry

    async def read(self, user_id: UserId, project_id: ProjectId) -> MembershipReading:
        if self.down:
            raise UnavailableError
        self.reads += 1
        entry = self._entry(user_id)
        found = entry.get(project_id.value)
        known = project_id.value in entry and found is not CHANGING
        return MembershipReading(
            known=known, membership=found if isinstance(found, Membership) else None, seen=str(self.epoch)
        )

    async def fill(self, membership: Membership, *, seen: str) -> None:
        if self.down or seen != str(self.epoch):
            return
        self._entry(membership.user_id).setdefault(membership.project_id.value, membership)

    async def begin(self, user_id: UserId, project_id: ProjectId) -> None:
        if self.down:
            self.owed = True
            return
        self._entry(user_id)[project_id.value] = CHANGING

    async def record(self, user_id: UserId, project_id: ProjectId, membership: Membership | None) -> None:
        if self.down:
            self.owed = True
            return
        self._entry(user_id)[project_id.value] = membership
