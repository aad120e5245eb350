"""The signed-in person's own account: reading it, its profile, a new password, closing it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.errors import InvalidTokenError, UserNotFoundError
from taskflow.domain.model.audit import AuditKind
from taskflow.domain.services.passwords import PasswordPolicy
from taskflow.domain.values import UserId, check_name

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.accounts import AuditTrail, UserRepository
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.deletion import AccountDeletion
    from taskflow.domain.services.passwords import NewPasswords, PasswordConfirmation
    from taskflow.domain.services.sessions import SessionService, TokenPair


class AccountService:
    """The account itself, as its owner reads and changes it.

    Rules:
    - the display name may change; the e-mail address may not (it would need verifying);
    - closing the account is confirmed with the password (a login attempt); it stops at
      once and is erased soon after.
    """

    def __init__(
        self, *, users: UserRepository, confirmation: PasswordConfirmation, deletion: AccountDeletion, clock: Clock
    ) -> None:
        self._users = users
        self._confirmation = confirmation
        self._deletion = deletion
        self._clock = clock

    async def get(self, user_id: UserId) -> User:
        """The whole account, for the few requests that need more than the gate's facts."""
        try:
            return await self._users.get(user_id)
        except UserNotFoundError:
            raise InvalidTokenError from None  # deleted since its token was checked

    async def update_profile(self, user: User, *, name: str) -> User:
        user.name = check_name(name)
        user.updated_at = self._clock.now()
        await self._users.save(user, fields=frozenset({"name", "updated_at"}))
        return user

    async def delete(self, user: User, *, password: str) -> datetime:
        await self._confirmation.confirm(user, password)
        return await self._deletion.request(user, actor=user.id)


class PasswordChangeService:
    """A new password, confirmed with the current one (a login attempt).

    Every session ends, and a new one opens for the caller.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        passwords: NewPasswords,
        confirmation: PasswordConfirmation,
        sessions: SessionService,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self._users = users
        self._passwords = passwords
        self._confirmation = confirmation
        self._sessions = sessions
        self._clock = clock
        self._audit = audit

    async def change(self, user: User, *, current: str, new: str) -> TokenPair:
        PasswordPolicy.check_size(current)
        self._passwords.check(new, field="new_password")
        await self._confirmation.confirm(user, current)
        user.password_hash = await self._passwords.hash(new, field="new_password")
        user.updated_at = self._clock.now()
        await self._users.save(user, fields=frozenset({"password_hash", "updated_at"}))
        cut_off = await self._sessions.end_all(user, reason="password-change")
        await self._audit.record(AuditKind.PASSWORD_CHANGED, actor=user.id, target=user.id)
        return await self._sessions.open(user, at=cut_off)
