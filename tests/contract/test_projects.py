"""What every project and membership repository does, in memory and on MongoDB alike."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from taskflow.domain.access.grants import Grant
from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import Action, ProjectRole
from taskflow.domain.access.service import AccessService
from taskflow.domain.errors import ProjectNotFoundError, TaskNotFoundError
from taskflow.domain.model.projects import Invitation, Membership, Project
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.values import Email, ProjectId, Role, TaskId, UserId
from tests.contract.conftest import Repositories, add_task, own

NOW = datetime(2026, 12, 2, 9, 30, 15, 123000, tzinfo=UTC)
ADA, BOB = UserId("a" * 24), UserId("b" * 24)
PROJECT, OTHER = ProjectId("c" * 24), ProjectId("d" * 24)


def _project(project_id: ProjectId = PROJECT, space: UserId = ADA) -> Project:
    return Project(id=project_id, space=space, name="Home", owner_id=space, created_at=NOW, updated_at=NOW)


def _membership(user: UserId, project: ProjectId = PROJECT, role: ProjectRole = ProjectRole.OWNER) -> Membership:
    return Membership(user_id=user, project_id=project, space=ADA, role=role, joined_at=NOW)


async def _grant(repositories: Repositories, user: UserId, project: ProjectId = PROJECT) -> Grant:
    return await AccessService(repositories.memberships).project(Principal(user, Role.USER), project, Action.READ)


async def test_a_project_reads_back_through_a_members_grant(repositories: Repositories) -> None:
    project = _project()
    await repositories.projects.add(project)
    assert await repositories.memberships.add(_membership(ADA))
    grant = await _grant(repositories, ADA)
    assert await repositories.projects.find(grant) == project
    assert await repositories.projects.many([grant]) == [project]


async def test_a_grant_reaches_only_its_own_project_in_its_own_space(repositories: Repositories) -> None:
    await repositories.projects.add(_project())
    await repositories.projects.add(_project(OTHER, space=BOB))  # another space
    await repositories.memberships.add(_membership(ADA, OTHER))  # a membership that names the wrong space
    wrong_space = await _grant(repositories, ADA, OTHER)
    assert await repositories.projects.find(wrong_space) is None
    assert await repositories.projects.many([wrong_space]) == []
    own = AccessService.own(ADA)
    with pytest.raises(ProjectNotFoundError):  # one's own tasks are no project
        await repositories.projects.find(own)


async def test_a_replace_is_one_compare_and_set_on_the_version(repositories: Repositories) -> None:
    await repositories.projects.add(_project())
    await repositories.memberships.add(_membership(ADA))
    grant = await _grant(repositories, ADA)
    renamed = dataclasses.replace(_project(), name="House", version=2, updated_at=NOW + timedelta(seconds=1))
    assert await repositories.projects.replace(grant, renamed, expected_version=1)
    assert not await repositories.projects.replace(grant, renamed, expected_version=1)
    assert await repositories.projects.find(grant) == renamed


async def test_a_deleted_project_is_not_found(repositories: Repositories) -> None:
    await repositories.projects.add(_project())
    await repositories.memberships.add(_membership(ADA))
    grant = await _grant(repositories, ADA)
    assert await repositories.projects.delete(grant)
    assert not await repositories.projects.delete(grant)
    assert await repositories.projects.find(grant) is None


async def test_one_membership_per_member_and_project(repositories: Repositories) -> None:
    assert await repositories.memberships.add(_membership(BOB, role=ProjectRole.VIEWER))
    assert not await repositories.memberships.add(_membership(BOB, role=ProjectRole.ADMIN))
    assert await repositories.memberships.find(BOB, PROJECT) == _membership(BOB, role=ProjectRole.VIEWER)
    assert await repositories.memberships.find(BOB, OTHER) is None
    assert await repositories.memberships.find(ADA, PROJECT) is None


async def test_a_users_memberships_oldest_first_and_counted(repositories: Repositories) -> None:
    await repositories.memberships.add(_membership(BOB, PROJECT))
    await repositories.memberships.add(_membership(BOB, OTHER, ProjectRole.DOER))
    await repositories.memberships.add(_membership(ADA, OTHER))
    assert [m.project_id for m in await repositories.memberships.of_user(BOB)] == [PROJECT, OTHER]
    assert await repositories.memberships.count_of_user(BOB) == 2
    assert await repositories.memberships.remove(BOB, PROJECT)
    assert not await repositories.memberships.remove(BOB, PROJECT)
    assert await repositories.memberships.find(BOB, PROJECT) is None
    assert await repositories.memberships.count_of_user(BOB) == 1


async def test_ending_a_projects_memberships_ends_every_members(repositories: Repositories) -> None:
    await repositories.memberships.add(_membership(ADA))
    await repositories.memberships.add(_membership(BOB, role=ProjectRole.VIEWER))
    await repositories.memberships.add(_membership(BOB, OTHER))
    assert await repositories.memberships.remove_all(await _grant(repositories, ADA)) == 2
    assert await repositories.memberships.find(ADA, PROJECT) is None
    assert await repositories.memberships.find(BOB, PROJECT) is None
    assert await repositories.memberships.find(BOB, OTHER) is not None


async def test_a_projects_members_earliest_first_and_a_role_changed_in_place(repositories: Repositories) -> None:
    await repositories.memberships.add(_membership(ADA))
    await repositories.memberships.add(
        dataclasses.replace(_membership(BOB, role=ProjectRole.VIEWER), joined_at=NOW + timedelta(seconds=1))
    )
    await repositories.memberships.add(_membership(BOB, OTHER))
    grant = await _grant(repositories, ADA)
    assert [m.user_id for m in await repositories.memberships.of_project(grant)] == [ADA, BOB]
    changed = await repositories.memberships.set_role(BOB, PROJECT, ProjectRole.EDITOR)
    assert changed == dataclasses.replace(
        _membership(BOB, role=ProjectRole.EDITOR), joined_at=NOW + timedelta(seconds=1)
    )
    assert await repositories.memberships.find(BOB, PROJECT) == changed
    other = await repositories.memberships.find(BOB, OTHER)
    assert other is not None
    assert other.role is ProjectRole.OWNER
    assert await repositories.memberships.set_role(BOB, ProjectId("e" * 24), ProjectRole.EDITOR) is None


def _invitation(
    number: int, email: str = "bob@example.com", *, expires: datetime = NOW + timedelta(days=7)
) -> Invitation:
    return Invitation(
        id=f"{number:024x}",
        project_id=PROJECT,
        space=ADA,
        project_name="Home",
        email=Email(email),
        role=ProjectRole.EDITOR,
        invited_by=ADA,
        token_digest=f"digest-{number}",
        created_at=NOW,
        expires_at=expires,
    )


async def test_an_invitation_is_found_by_its_digest_and_address_until_it_expires(repositories: Repositories) -> None:
    invitation = _invitation(1)
    await repositories.invitations.add(invitation)
    await repositories.invitations.add(_invitation(2, "eve@example.com"))
    assert await repositories.invitations.get(invitation.id) == invitation
    assert await repositories.invitations.find("digest-1", Email("bob@example.com"), now=NOW) == invitation
    assert await repositories.invitations.find("digest-1", Email("eve@example.com"), now=NOW) is None
    assert await repositories.invitations.find("digest-2", Email("bob@example.com"), now=NOW) is None
    assert await repositories.invitations.find("digest-1", Email("bob@example.com"), now=invitation.expires_at) is None


async def test_an_invitation_is_taken_once(repositories: Repositories) -> None:
    await repositories.invitations.add(_invitation(3))
    address = Email("bob@example.com")
    taken = await asyncio.gather(*(repositories.invitations.take("digest-3", address, now=NOW) for _ in range(5)))
    assert [found.id for found in taken if found is not None] == [f"{3:024x}"]
    assert await repositories.invitations.get(f"{3:024x}") is None


async def test_a_places_tasks_are_deleted_together_and_no_others(repositories: Repositories) -> None:
    await repositories.memberships.add(_membership(ADA))
    grant = await _grant(repositories, ADA)
    for number in range(3):
        draft = TaskDraft(title=f"shared {number}")
        await repositories.tasks.add(
            grant, Task.create(TaskId(f"{number + 1:024x}"), ADA, draft, now=NOW, project_id=PROJECT)
        )
    await add_task(repositories.tasks, Task.create(TaskId("f" * 24), ADA, TaskDraft(title="own"), now=NOW))
    assert await repositories.tasks.delete_all(grant) == 3
    assert await repositories.tasks.delete_all(grant) == 0
    remaining = await repositories.tasks.list_page(own(ADA), TaskFilter(), TaskOrder(), after=None, limit=10)
    assert [task.title for task in remaining] == ["own"]


async def test_unassigning_a_user_clears_their_tasks_of_one_place_each_a_new_version(
    repositories: Repositories,
) -> None:
    await repositories.memberships.add(_membership(ADA))
    grant = await _grant(repositories, ADA)
    for number, assignee in enumerate((BOB, BOB, ADA)):
        draft = TaskDraft(title=f"shared {number}", assignee_id=assignee)
        await repositories.tasks.add(
            grant, Task.create(TaskId(f"{number + 1:024x}"), ADA, draft, now=NOW, project_id=PROJECT)
        )
    await add_task(repositories.tasks, Task.create(TaskId("f" * 24), ADA, TaskDraft(title="own"), now=NOW))
    cached = await repositories.tasks.get(grant, TaskId(f"{1:024x}"))  # a cached copy must not outlive it
    later = NOW + timedelta(minutes=1)
    assert await repositories.tasks.unassign(grant, BOB, now=later) == 2
    assert await repositories.tasks.unassign(grant, BOB, now=later) == 0
    tasks = await repositories.tasks.list_page(grant, TaskFilter(), TaskOrder(), after=None, limit=10)
    assert sorted((t.title, t.assignee_id, t.version) for t in tasks) == [
        ("shared 0", None, 2),
        ("shared 1", None, 2),
        ("shared 2", ADA, 1),
    ]
    again = await repositories.tasks.get(grant, cached.id)
    assert (again.assignee_id, again.updated_at) == (None, later)


async def test_a_listing_across_places_sees_each_place_and_no_other(repositories: Repositories) -> None:
    await repositories.memberships.add(_membership(ADA))
    await repositories.memberships.add(dataclasses.replace(_membership(ADA, OTHER), space=BOB))
    here, there = await _grant(repositories, ADA), await _grant(repositories, ADA, OTHER)
    mine = TaskDraft(title="mine", assignee_id=ADA)
    await repositories.tasks.add(here, Task.create(TaskId("1" * 24), ADA, mine, now=NOW, project_id=PROJECT))
    later = NOW + timedelta(seconds=1)
    await repositories.tasks.add(there, Task.create(TaskId("2" * 24), BOB, mine, now=later, project_id=OTHER))
    await repositories.tasks.add(
        there, Task.create(TaskId("3" * 24), BOB, TaskDraft(title="theirs"), now=NOW, project_id=OTHER)
    )
    await add_task(repositories.tasks, Task.create(TaskId("4" * 24), ADA, TaskDraft(title="own"), now=NOW))
    assigned = TaskFilter(assignee=ADA)
    found = await repositories.tasks.list_across([here, there], assigned, TaskOrder(), after=None, limit=10)
    assert [task.id.value for task in found] == ["2" * 24, "1" * 24]  # newest first, both places
    assert await repositories.tasks.list_across([here], assigned, TaskOrder(), after=None, limit=10) == found[1:]
    assert await repositories.tasks.list_across([], assigned, TaskOrder(), after=None, limit=10) == []
    everything = await repositories.tasks.list_across([here, there], TaskFilter(), TaskOrder(), after=None, limit=10)
    assert len(everything) == 3  # never the space owner's own task


async def test_a_move_is_one_compare_and_set_that_changes_the_place(repositories: Repositories) -> None:
    await repositories.memberships.add(_membership(ADA))
    project, own_place = await _grant(repositories, ADA), own(ADA)
    task = Task.create(TaskId("5" * 24), ADA, TaskDraft(title="move me"), now=NOW)
    await add_task(repositories.tasks, task)
    moved = dataclasses.replace(task, project_id=PROJECT, version=2)
    assert not await repositories.tasks.move(own_place, project, moved, expected_version=7)
    assert not await repositories.tasks.move(project, project, moved, expected_version=1)  # not in the source
    assert await repositories.tasks.move(own_place, project, moved, expected_version=1)
    assert (await repositories.tasks.get(project, task.id)).version == 2
    with pytest.raises(TaskNotFoundError):
        await repositories.tasks.get(own_place, task.id)
    with pytest.raises(ValueError, match="not in the grant's place"):
        await repositories.tasks.move(project, own_place, moved, expected_version=2)  # the task is not where it goes
    await repositories.memberships.add(dataclasses.replace(_membership(ADA, OTHER), space=BOB))
    elsewhere = await _grant(repositories, ADA, OTHER)  # another space: another shard, maybe
    away = dataclasses.replace(moved, owner_id=BOB, project_id=OTHER, version=3)
    assert await repositories.tasks.move(project, elsewhere, away, expected_version=2)
    assert (await repositories.tasks.get(elsewhere, task.id)).version == 3
    with pytest.raises(TaskNotFoundError):
        await repositories.tasks.get(project, task.id)
