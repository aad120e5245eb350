"""Users whose account-gate facts are written through on every change, so no caller can forget (decision 0024)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from taskflow.domain.ports.accounts import UserRepository

# Runtime imports: Litestar resolves a Principal's annotations when it injects one.
from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.accounts import UserCounts, UserFilter
    from taskflow.domain.values import Email
from taskflow.domain.ports.gates import AccountGate

GATE_FIELDS: Final = frozenset({"is_active", "role", "tokens_valid_after"})


class GatedUserRepository(UserRepository):
    """Users whose gate facts are written through on every change, so no caller can forget."""

    def __init__(self, users: UserRepository, gate: AccountGate) -> None:
        self._users = users
        self._gate = gate

    async def add(self, user: User) -> None:
        await self._users.add(user)  # nothing to write through: the gate learns it on first use

    async def get(self, user_id: UserId) -> User:
        return await self._users.get(user_id)

    async def find_by_email(self, email: Email) -> User | None:
        return await self._users.find_by_email(email)

    async def names(self, user_ids: Sequence[UserId]) -> dict[UserId, str]:
        return await self._users.names(user_ids)

    async def save(self, user: User, *, fields: frozenset[str]) -> None:
        if fields & GATE_FIELDS:
            await self._gate.begin(user.id)
        await self._users.save(user, fields=fields)
        if fields & GATE_FIELDS:
            await self._gate.record(
                user.id,
                is_active=user.is_active if "is_active" in fields else None,
                role=user.role if "role" in fields else None,
                tokens_valid_after=user.tokens_valid_after if "tokens_valid_after" in fields else None,
            )

    async def invalidate_tokens(self, user_id: UserId, *, issued_before: datetime) -> None:
        await self._gate.begin(user_id)
        await self._users.invalidate_tokens(user_id, issued_before=issued_before)
        await self._gate.record(user_id, tokens_valid_after=issued_before)

    async def list_page(self, user_filter: UserFilter, *, after: UserId | None, limit: int) -> list[User]:
        return await self._users.list_page(user_filter, after=after, limit=limit)

    async def counts(self) -> UserCounts:
        return await self._users.counts()

    async def delete(self, user_id: UserId) -> None:
        await self._users.delete(user_id)  # the gate holds it inactive already: its deletion was written through
