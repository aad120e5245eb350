"""Projects through the service, on fakes: the owner's powers, the limit, and what others see."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskflow.domain.errors import (
    ForbiddenError,
    InvalidValueError,
    PreconditionFailedError,
    ProjectLimitError,
    ProjectNotFoundError,
)
from taskflow.domain.gate import Principal
from taskflow.domain.projects import MAX_PROJECTS_PER_USER, Membership, ProjectRole
from taskflow.domain.values import ProjectId, Role, UserId
from tests.unit.conftest import World

ADA, BOB = Principal(UserId("a" * 24), Role.USER), Principal(UserId("b" * 24), Role.USER)


def _join(world: World, who: Principal, project: ProjectId, role: ProjectRole) -> None:
    space = next(key[0] for key in world.projects.projects if key[1] == project)
    world.memberships.join(
        Membership(user_id=who.id, project_id=project, space=space, role=role, joined_at=datetime.now(UTC))
    )


async def test_the_creator_owns_the_project_and_it_lives_in_their_space(world: World) -> None:
    view = await world.project_service.create(ADA, "Home")
    assert (view.project.owner_id, view.project.space, view.role) == (ADA.id, ADA.id, ProjectRole.OWNER)
    assert view.project.version == 1
    assert [mine.project.id for mine in await world.project_service.mine(ADA)] == [view.project.id]
    assert await world.project_service.mine(BOB) == []


async def test_a_blank_or_long_name_is_refused(world: World) -> None:
    for name in ("  ", "x" * 101):
        with pytest.raises(InvalidValueError):
            await world.project_service.create(ADA, name)
    assert await world.memberships.count_of_user(ADA.id) == 0


async def test_a_user_is_in_at_most_the_limit_of_projects(world: World) -> None:
    for number in range(MAX_PROJECTS_PER_USER):
        await world.project_service.create(ADA, f"p{number}")
    with pytest.raises(ProjectLimitError):
        await world.project_service.create(ADA, "one more")


async def test_only_members_see_a_project_and_only_the_owner_renames_or_deletes(world: World) -> None:
    project = (await world.project_service.create(ADA, "Home")).project
    with pytest.raises(ProjectNotFoundError):
        await world.project_service.get(BOB, project.id)
    _join(world, BOB, project.id, ProjectRole.ADMIN)
    assert (await world.project_service.get(BOB, project.id)).role is ProjectRole.ADMIN
    with pytest.raises(ForbiddenError):
        await world.project_service.rename(BOB, project.id, "Mine now", if_match=None)
    with pytest.raises(ForbiddenError):
        await world.project_service.delete(BOB, project.id, if_match=None)
    assert [view.project.name for view in await world.project_service.mine(BOB)] == ["Home"]


async def test_a_rename_bumps_the_version_and_honours_if_match(world: World) -> None:
    project = (await world.project_service.create(ADA, "Home")).project
    renamed = await world.project_service.rename(ADA, project.id, "House", if_match=1)
    assert (renamed.project.name, renamed.project.version) == ("House", 2)
    with pytest.raises(PreconditionFailedError):
        await world.project_service.rename(ADA, project.id, "Flat", if_match=1)


async def test_deleting_ends_every_membership_at_once(world: World) -> None:
    project = (await world.project_service.create(ADA, "Home")).project
    _join(world, BOB, project.id, ProjectRole.EDITOR)
    with pytest.raises(PreconditionFailedError):
        await world.project_service.delete(ADA, project.id, if_match=7)
    await world.project_service.delete(ADA, project.id, if_match=1)
    for who in (ADA, BOB):
        with pytest.raises(ProjectNotFoundError):
            await world.project_service.get(who, project.id)
        assert await world.project_service.mine(who) == []
