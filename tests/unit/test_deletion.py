"""Deleting an account on fakes: it stops at once, and the erasure removes it and all of it, resumably."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from taskflow.domain.access.grants import Grant
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.access.service import AccessService
from taskflow.domain.errors import (
    ForbiddenError,
    InvalidCredentialsError,
    LastAdminError,
    ProjectNotFoundError,
    SelfLockoutError,
    UnavailableError,
    UserNotFoundError,
    WrongPasswordError,
)
from taskflow.domain.model.accounts import User
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.services.deletion import ErasureNotDueError
from taskflow.domain.services.mail import ERASE_JOB, PROJECT_NOTICE_JOB, erase_job_id
from taskflow.domain.task_files.rows import ImportFormat
from taskflow.domain.values import ProjectId, Role, TaskId, UserId
from tests.fakes.tasks import InMemoryTaskRepository
from tests.unit.conftest import SETTINGS, World, as_principal

PASSWORD = "a long enough password"
SETTLE = timedelta(seconds=SETTINGS.request_timeout_seconds + 5)


async def _account(world: World, name: str, role: Role = Role.USER) -> User:
    user = await world.registration.register(f"{name}@example.com", PASSWORD, name.title())
    if role is Role.ADMIN:
        user.role = Role.ADMIN
        await world.users.save(user, fields=frozenset({"role"}))
    return user


def _join(world: World, who: User, project: ProjectId, space: UserId, *, role: ProjectRole, minutes: int) -> None:
    joined = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    world.memberships.join(Membership(user_id=who.id, project_id=project, space=space, role=role, joined_at=joined))


async def _erase(world: World, user: User) -> None:
    world.clock.advance(seconds=SETTLE.total_seconds())
    await world.erasure.erase(user.id)


async def _run_notices(world: World) -> list[tuple[str, str]]:
    for job, args in list(world.jobs.jobs.values()):
        if job == PROJECT_NOTICE_JOB:
            heir = UserId(args["heir_id"]) if args["heir_id"] else None
            await world.project_notices.send(
                UserId(args["member_id"]), ProjectId(args["project_id"]), args["project_name"], heir
            )
    return sorted((mail.to, mail.subject) for mail in world.mailer.sent if "owner left" in mail.subject)


async def test_a_wrong_password_deletes_nothing(world: World) -> None:
    ada = await _account(world, "ada")
    with pytest.raises(WrongPasswordError):
        await world.accounts.delete(ada, password="not the password at all")
    assert (await world.users.get(ada.id)).deleted_at is None
    assert erase_job_id(ada.id) not in world.jobs.jobs


async def test_a_deleted_account_stops_at_once_and_its_erasure_waits_for_requests_already_admitted(
    world: World,
) -> None:
    ada = await _account(world, "ada")
    await world.sign_in.login("ada@example.com", PASSWORD, client="c")
    await world.accounts.delete(ada, password=PASSWORD)
    stored = await world.users.get(ada.id)
    assert (stored.is_active, stored.deleted_at) == (False, world.clock.now())
    assert world.gate.entries[ada.id]["is_active"] is False  # written through: no token works next request
    with pytest.raises(InvalidCredentialsError):  # as for an address nobody registered
        await world.sign_in.login("ada@example.com", PASSWORD, client="c")
    assert all(session.revoked_at is not None for session in world.sessions.by_id.values())
    assert world.jobs.jobs[erase_job_id(ada.id)] == (ERASE_JOB, {"user_id": ada.id.value})
    assert world.jobs.run_at[erase_job_id(ada.id)] == world.clock.now() + SETTLE
    # A request admitted just before the deletion writes a task after it: the erasure must wait for it.
    late = Task.create(TaskId("e" * 24), ada.id, TaskDraft(title="late"), now=world.clock.now())
    await world.tasks.add(AccessService.own(ada.id), late)
    with pytest.raises(ErasureNotDueError) as early:
        await world.erasure.erase(ada.id)
    assert early.value.retry_after == SETTLE.total_seconds()
    await _erase(world, ada)
    assert world.tasks.all() == []
    assert world.sessions.by_id == {}


async def test_the_erasure_removes_the_account_and_its_records_and_frees_the_email(world: World) -> None:
    ada = await _account(world, "ada")
    bob = await _account(world, "bob")
    for title in ("one", "two"):
        await world.task_service.create(as_principal(ada), TaskDraft(title=title))
    await world.task_service.create(as_principal(bob), TaskDraft(title="Bob's"))
    await world.imports.submit(ada.id, b"title\nx\n", ImportFormat.CSV, dry_run=True)
    await world.idempotency.claim(
        ada.id, "k", "f", now=world.clock.now(), lease_until=world.clock.now(), expires_at=world.clock.now()
    )
    await world.accounts.delete(ada, password=PASSWORD)
    await _erase(world, ada)
    with pytest.raises(UserNotFoundError):
        await world.users.get(ada.id)
    assert [task.owner_id for task in world.tasks.all()] == [bob.id]
    assert not [key for key in world.idempotency.records if key[0] == ada.id]
    assert not [job for job in world.import_jobs.jobs.values() if job.owner == ada.id]
    assert set(world.outbox.entries) == {f"welcome:{bob.id}", erase_job_id(ada.id)}
    assert await world.outbox.is_done(erase_job_id(ada.id))
    await world.erasure.erase(ada.id)  # run again (arq may): nothing to do, nothing fails
    again = await world.registration.register("ada@example.com", PASSWORD, "Ada again")
    assert again.id != ada.id


async def test_owned_projects_pass_to_the_longest_standing_admin_or_go_and_members_are_told(world: World) -> None:
    ada, bob, carol, dan, eve = [await _account(world, name) for name in ("ada", "bob", "carol", "dan", "eve")]
    kept = (await world.project_service.create(as_principal(ada), "Kept")).project.id
    _join(world, carol, kept, ada.id, role=ProjectRole.ADMIN, minutes=2)
    _join(world, bob, kept, ada.id, role=ProjectRole.ADMIN, minutes=1)  # admin for longer
    _join(world, dan, kept, ada.id, role=ProjectRole.VIEWER, minutes=0)
    gone = (await world.project_service.create(as_principal(ada), "Gone")).project.id
    _join(world, dan, gone, ada.id, role=ProjectRole.EDITOR, minutes=0)
    await world.task_service.create(as_principal(dan), TaskDraft(title="in Gone"), project=gone)
    theirs = (await world.project_service.create(as_principal(eve), "Eve's")).project.id
    _join(world, ada, theirs, eve.id, role=ProjectRole.EDITOR, minutes=0)
    assigned = await world.task_service.create(
        as_principal(eve), TaskDraft(title="Ada's job", assignee_id=ada.id), project=theirs
    )
    in_kept = await world.task_service.create(
        as_principal(ada), TaskDraft(title="kept", assignee_id=ada.id), project=kept
    )

    await world.accounts.delete(ada, password=PASSWORD)
    await _erase(world, ada)

    view = await world.project_service.get(as_principal(bob), kept)
    assert (view.project.owner_id, view.role) == (bob.id, ProjectRole.OWNER)
    members = {m.user_id: m.role for m in await world.project_service.members(as_principal(bob), kept)}
    assert members == {bob.id: ProjectRole.OWNER, carol.id: ProjectRole.ADMIN, dan.id: ProjectRole.VIEWER}
    assert (await world.task_service.get(as_principal(bob), in_kept.id, project=kept)).assignee_id is None
    with pytest.raises(ProjectNotFoundError):
        await world.project_service.get(as_principal(dan), gone)
    assert not [task for task in world.tasks.all() if task.project_id == gone]
    left = await world.task_service.get(as_principal(eve), assigned.id, project=theirs)
    assert (left.assignee_id, left.version) == (None, assigned.version + 1)
    assert ada.id not in {m.user_id for m in await world.project_service.members(as_principal(eve), theirs)}
    assert await _run_notices(world) == [
        ("bob@example.com", "Kept: its owner left taskflow"),
        ("carol@example.com", "Kept: its owner left taskflow"),
        ("dan@example.com", "Gone: its owner left taskflow"),
        ("dan@example.com", "Kept: its owner left taskflow"),
    ]
    bobs = next(mail for mail in world.mailer.sent if mail.to == "bob@example.com")
    assert "is yours now" in bobs.text


async def test_an_erasure_killed_half_way_is_finished_by_the_next_run(world: World) -> None:
    ada, bob = await _account(world, "ada"), await _account(world, "bob")
    kept = (await world.project_service.create(as_principal(ada), "Kept")).project.id
    _join(world, bob, kept, ada.id, role=ProjectRole.ADMIN, minutes=1)
    await world.task_service.create(as_principal(ada), TaskDraft(title="mine"))
    await world.accounts.delete(ada, password=PASSWORD)
    # The first run dies after it promoted the heir, before the project named them.
    await world.memberships.set_role(bob.id, kept, ProjectRole.OWNER)
    failing = _FailingOnce(world.tasks)
    world.tasks.delete_all = failing.delete_all  # type: ignore[method-assign]
    with pytest.raises(UnavailableError):
        await _erase(world, ada)
    assert (await world.users.get(ada.id)).deleted_at is not None  # the account goes last
    await world.erasure.erase(ada.id)
    with pytest.raises(UserNotFoundError):
        await world.users.get(ada.id)
    assert (await world.project_service.get(as_principal(bob), kept)).project.owner_id == bob.id
    assert not [task for task in world.tasks.all() if task.owner_id == ada.id and task.project_id is None]


async def test_the_last_admin_cannot_delete_their_account_and_admins_delete_others(world: World) -> None:
    root = await _account(world, "root", Role.ADMIN)
    with pytest.raises(LastAdminError):
        await world.accounts.delete(root, password=PASSWORD)
    second = await _account(world, "second", Role.ADMIN)
    ada = await _account(world, "ada")
    with pytest.raises(SelfLockoutError):
        await world.admin.delete_user(as_principal(root), root.id)
    with pytest.raises(ForbiddenError):
        await world.admin.delete_user(as_principal(ada), second.id)
    await world.admin.delete_user(as_principal(root), ada.id)
    assert (await world.users.get(ada.id)).deleted_at is not None
    await world.accounts.delete(second, password=PASSWORD)  # another admin remains: allowed
    assert (await world.users.get(second.id)).deleted_at is not None
    with pytest.raises(UserNotFoundError):
        await world.admin.delete_user(as_principal(root), UserId("f" * 24))
    # Deleted, the account is gone for the admins too: it cannot be made active again before its erasure.
    with pytest.raises(UserNotFoundError):
        await world.admin.update_user(as_principal(root), ada.id, is_active=True)
    assert not (await world.users.get(ada.id)).is_active


class _FailingOnce:
    """`delete_all` that fails its first call, as a run killed there would."""

    def __init__(self, tasks: InMemoryTaskRepository) -> None:
        self._delete_all = tasks.delete_all
        self.failed = False

    async def delete_all(self, grant: Grant) -> int:
        if not self.failed:
            self.failed = True
            raise UnavailableError
        return await self._delete_all(grant)
