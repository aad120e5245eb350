"""What every project and membership repository does, in memory and on MongoDB alike."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from taskflow.domain.access import AccessService
from taskflow.domain.errors import ProjectNotFoundError
from taskflow.domain.gate import Principal
from taskflow.domain.grants import Grant
from taskflow.domain.projects import Action, Membership, Project, ProjectRole
from taskflow.domain.values import ProjectId, Role, UserId
from tests.contract.conftest import Repositories

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
    own = AccessService(repositories.memberships).personal(Principal(ADA, Role.USER))
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
