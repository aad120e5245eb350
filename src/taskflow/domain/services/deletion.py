"""Deleting an account: it stops at once, and a job then erases it and everything of it (decision 0030).

Rules:
- the request marks the account deleted and inactive (written through the account gate,
  so no token works on the next request), ends every session, and records the erasure
  in the outbox before it answers;
- the erasure waits until every request admitted before the deletion has finished (the
  request deadline and some slack), so no write of theirs lands after it;
- each step is idempotent and the account itself goes last, so an erasure killed half way
  is finished by the next run;
- a project the account owns passes to its longest-standing admin (or to a member a
  killed run had already made owner); with none it is deleted with its tasks; either way
  every other member is told by mail, each notice recorded before the change;
- in other projects the account leaves, and its tasks there are no longer assigned to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.access.service import AccessService
from taskflow.domain.errors import LastAdminError, UserNotFoundError
from taskflow.domain.model.audit import AuditKind
from taskflow.domain.ports.accounts import UserFilter
from taskflow.domain.services.mail import (
    ERASE_JOB,
    PROJECT_NOTICE_JOB,
    erase_job_id,
    project_notice_job_id,
    project_notice_mail,
)
from taskflow.domain.services.outbox import NotDueError
from taskflow.domain.values import Role

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from taskflow.domain.access.grants import Grant
    from taskflow.domain.model.accounts import User
    from taskflow.domain.ports.accounts import AccountRecords, AuditTrail, UserRepository
    from taskflow.domain.ports.jobs import OutboxEntry
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.projects import MembershipRepository, ProjectRepository
    from taskflow.domain.ports.tasks import TaskRepository
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.services.outbox import OutboxService
    from taskflow.domain.services.projects import ProjectService
    from taskflow.domain.services.sessions import SessionService
    from taskflow.domain.values import ProjectId, UserId


class ErasureNotDueError(NotDueError):
    """Requests admitted before the deletion may still be running: try again in `retry_after` seconds."""


class AccountDeletion:
    """The request: the account stops now, and its erasure is recorded for when it is due."""

    def __init__(
        self,
        *,
        users: UserRepository,
        sessions: SessionService,
        outbox: OutboxService,
        clock: Clock,
        audit: AuditTrail,
        settle: timedelta,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._outbox = outbox
        self._clock = clock
        self._audit = audit
        self._settle = settle

    async def request(self, user: User, *, actor: UserId) -> datetime:
        """Stop the account now and have it erased; when it stopped. Asking again changes nothing."""
        if user.deleted_at is not None:
            return user.deleted_at
        if user.role is Role.ADMIN and user.is_active:
            admins = await self._users.list_page(UserFilter(role=Role.ADMIN, is_active=True), after=None, limit=2)
            if all(admin.id == user.id for admin in admins):
                raise LastAdminError
        now = self._clock.now()
        entry = await self._outbox.record(erase_job_id(user.id), ERASE_JOB, user_id=user.id.value)
        user.deleted_at, user.is_active, user.updated_at = now, False, now
        await self._users.save(user, fields=frozenset({"deleted_at", "is_active", "updated_at"}))
        await self._sessions.end_all(user, reason="deleted")
        await self._audit.record(AuditKind.ACCOUNT_DELETED, actor=actor, target=user.id)
        await self._outbox.dispatch(entry, run_at=now + self._settle)
        return now


class AccountErasure:
    """The job: at least once, resumable; the account itself goes last."""

    def __init__(
        self,
        *,
        users: UserRepository,
        departure: ProjectDeparture,
        tasks: TaskRepository,
        records: AccountRecords,
        outbox: OutboxService,
        clock: Clock,
        audit: AuditTrail,
        settle: timedelta,
    ) -> None:
        self._users = users
        self._departure = departure
        self._tasks = tasks
        self._records = records
        self._outbox = outbox
        self._clock = clock
        self._audit = audit
        self._settle = settle

    async def erase(self, user_id: UserId) -> None:
        """ErasureNotDueError while requests from before the deletion may still run."""
        entry_id = erase_job_id(user_id)
        try:
            user = await self._users.get(user_id)
        except UserNotFoundError:
            await self._outbox.mark_done(entry_id)  # erased by an earlier run
            return
        if user.deleted_at is None:  # never a live account, whatever queued this
            await self._outbox.mark_done(entry_id)
            return
        wait = (user.deleted_at + self._settle - self._clock.now()).total_seconds()
        if wait > 0:
            raise ErasureNotDueError(wait)
        await self._departure.leave_every_project(Principal(user.id, user.role))
        await self._tasks.delete_all(AccessService.own(user.id))
        await self._records.erase(user.id, keep_entry=entry_id)
        await self._users.delete(user.id)
        await self._audit.record(AuditKind.ACCOUNT_ERASED, actor=None, target=user.id)
        await self._outbox.mark_done(entry_id)


class ProjectDeparture:
    """An erased account leaves every project: one it owns passes on (or goes), and every other member is told."""

    def __init__(
        self,
        *,
        access: AccessService,
        projects: ProjectRepository,
        project_service: ProjectService,
        memberships: MembershipRepository,
        tasks: TaskRepository,
        outbox: OutboxService,
        clock: Clock,
    ) -> None:
        self._access = access
        self._projects = projects
        self._project_service = project_service
        self._memberships = memberships
        self._tasks = tasks
        self._outbox = outbox
        self._clock = clock

    async def leave_every_project(self, principal: Principal) -> None:
        for grant in await self._access.memberships(principal):
            if grant.role is ProjectRole.OWNER:
                await self._hand_over(principal, grant)
            else:
                await self._tasks.unassign(grant, principal.id, now=self._clock.now())
                await self._project_service.leave(principal, _project(grant))

    async def _hand_over(self, principal: Principal, grant: Grant) -> None:
        project_id = _project(grant)
        project = await self._projects.find(grant)
        if project is None:  # deleted meanwhile, all but this membership
            await self._memberships.remove(principal.id, project_id, by=principal.id)
            return
        members = [m for m in await self._memberships.of_project(grant) if m.user_id != principal.id]
        # Earliest joined first (a stable sort); another owner is the heir a killed run had promoted.
        ranked = sorted(members, key=lambda m: (m.role is not ProjectRole.OWNER, m.role is not ProjectRole.ADMIN))
        heir = next((m.user_id for m in ranked if m.role in {ProjectRole.OWNER, ProjectRole.ADMIN}), None)
        notices = [await self._notice(m.user_id, project_id, project.name, heir) for m in members]
        if heir is None:
            await self._project_service.delete(principal, project_id, if_match=None)
        else:
            await self._tasks.unassign(grant, principal.id, now=self._clock.now())
            await self._project_service.transfer(principal, project_id, heir)
            await self._project_service.leave(principal, project_id)
        for entry in notices:
            if entry is not None:  # recorded by a killed run: the sweeper queues it
                await self._outbox.dispatch(entry)

    async def _notice(
        self, member: UserId, project_id: ProjectId, name: str, heir: UserId | None
    ) -> OutboxEntry | None:
        return await self._outbox.record_once(
            project_notice_job_id(project_id, member),
            PROJECT_NOTICE_JOB,
            member_id=member.value,
            project_id=project_id.value,
            project_name=name,
            heir_id="" if heir is None else heir.value,
        )


class ProjectNotices:
    """The notice job: at least once, with a stable Message-ID; nothing for an account gone meanwhile."""

    def __init__(self, *, users: UserRepository, outbox: OutboxService, mailer: Mailer) -> None:
        self._users = users
        self._outbox = outbox
        self._mailer = mailer

    async def send(self, member_id: UserId, project_id: ProjectId, name: str, heir: UserId | None) -> None:
        entry_id = project_notice_job_id(project_id, member_id)
        if await self._outbox.is_done(entry_id):
            return
        try:
            member = await self._users.get(member_id)
            heir_account = None if heir is None else await self._users.get(heir)
        except UserNotFoundError:
            pass
        else:
            await self._mailer.send(project_notice_mail(member, project_id, name, heir_account))
        await self._outbox.mark_done(entry_id)


def _project(grant: Grant) -> ProjectId:
    if grant.project is None:  # memberships are always of a project
        msg = "a membership grant without a project"
        raise AssertionError(msg)
    return grant.project
