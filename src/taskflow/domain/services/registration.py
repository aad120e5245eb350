"""New accounts: registration, the first admin, and the welcome mail each new account gets once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.errors import UserNotFoundError
from taskflow.domain.model.accounts import User, new_user
from taskflow.domain.model.audit import AuditKind
from taskflow.domain.services.mail import WELCOME_JOB, welcome_job_id, welcome_mail
from taskflow.domain.values import Email, Role, UserId

if TYPE_CHECKING:
    from taskflow.domain.ports.accounts import AuditTrail, UserRepository
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.domain.services.outbox import OutboxService
    from taskflow.domain.services.passwords import NewPasswords
    from taskflow.domain.services.verification import EmailVerification


class Registration:
    """New accounts, and the first admin.

    Rules:
    - an e-mail address belongs to one account, compared case-insensitively;
    - a new account gets one welcome mail, through the outbox: recorded before the account,
      so no account misses it (if the account then fails, the job finds no one to greet);
      registration never waits for it.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        passwords: NewPasswords,
        clock: Clock,
        ids: IdGenerator,
        outbox: OutboxService,
        audit: AuditTrail,
    ) -> None:
        self._users = users
        self._passwords = passwords
        self._clock = clock
        self._ids = ids
        self._outbox = outbox
        self._audit = audit

    @property
    def password_min_length(self) -> int:
        return self._passwords.min_length

    async def register(self, email: str, password: str, name: str) -> User:
        user = await self._account(Email(email), password, name, Role.USER)
        welcome = await self._outbox.record(welcome_job_id(user.id), WELCOME_JOB, user_id=user.id.value)
        await self._users.add(user)
        await self._audit.record(AuditKind.ACCOUNT_CREATED, actor=user.id, target=user.id)
        await self._outbox.dispatch(welcome)
        return user

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

    async def _account(self, email: Email, password: str, name: str, role: Role) -> User:
        password_hash = await self._passwords.hash(password)
        user = new_user(self._ids.new_user_id(), email, name, password_hash, now=self._clock.now())
        user.role = role
        return user


class WelcomeMail:
    """The job behind a registration: at least once, and a mail sent again has the same Message-ID."""

    def __init__(
        self,
        *,
        users: UserRepository,
        verification: EmailVerification,
        outbox: OutboxService,
        mailer: Mailer,
        web_url: str,
    ) -> None:
        self._users = users
        self._verification = verification
        self._outbox = outbox
        self._mailer = mailer
        self._web_url = web_url

    async def send(self, user_id: UserId) -> None:
        entry_id = welcome_job_id(user_id)
        if await self._outbox.is_done(entry_id):
            return
        try:
            user = await self._users.get(user_id)
        except UserNotFoundError:  # the registration failed after its entry was recorded
            await self._outbox.mark_done(entry_id)
            return
        token = self._verification.token(user, issued_at=user.created_at)
        await self._mailer.send(welcome_mail(user, token, web_url=self._web_url))
        await self._outbox.mark_done(entry_id)
