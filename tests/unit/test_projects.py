"""Projects through the service, on fakes: the owner's powers, the limit, and what others see."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import (
    ForbiddenError,
    InvalidValueError,
    MemberNotFoundError,
    OwnerMustTransferError,
    PreconditionFailedError,
    ProjectLimitError,
    ProjectNotFoundError,
)
from taskflow.domain.model.projects import MAX_PROJECTS_PER_USER, Membership
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder
from taskflow.domain.model.tasks import TaskChanges, TaskDraft
from taskflow.domain.values import ProjectId, Role, TaskStatus, UserId
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
    await world.task_service.create(BOB, TaskDraft(title="in the project"), project=project.id)
    await world.task_service.create(ADA, TaskDraft(title="Ada's own"))
    with pytest.raises(PreconditionFailedError):
        await world.project_service.delete(ADA, project.id, if_match=7)
    await world.project_service.delete(ADA, project.id, if_match=1)
    for who in (ADA, BOB):
        with pytest.raises(ProjectNotFoundError):
            await world.project_service.get(who, project.id)
        assert await world.project_service.mine(who) == []
    mine = await world.task_service.list(ADA, TaskFilter(), TaskOrder(), after=None, limit=10)
    assert [task.title for task in mine.items] == ["Ada's own"]
    assert len(world.tasks) == 1  # the project's task went with it


CAROL = Principal(UserId("c" * 24), Role.USER)


async def _shared(world: World, **roles: ProjectRole) -> ProjectId:
    """Ada's project, with Bob and Carol in it at the roles given."""
    project = (await world.project_service.create(ADA, "Home")).project
    for name, role in roles.items():
        _join(world, {"bob": BOB, "carol": CAROL}[name], project.id, role)
    return project.id


async def test_members_are_listed_for_every_member_earliest_first(world: World) -> None:
    project = await _shared(world, bob=ProjectRole.VIEWER)
    members = await world.project_service.members(BOB, project)
    assert [(m.user_id, m.role) for m in members] == [(ADA.id, ProjectRole.OWNER), (BOB.id, ProjectRole.VIEWER)]
    with pytest.raises(ProjectNotFoundError):
        await world.project_service.members(CAROL, project)


@pytest.mark.parametrize(
    ("actor_role", "target_role", "new_role"),
    [
        (ProjectRole.EDITOR, ProjectRole.VIEWER, ProjectRole.DOER),  # editors manage nobody
        (ProjectRole.ADMIN, ProjectRole.VIEWER, ProjectRole.ADMIN),  # not up to one's own role
        (ProjectRole.ADMIN, ProjectRole.ADMIN, ProjectRole.VIEWER),  # not a peer
        (ProjectRole.ADMIN, ProjectRole.VIEWER, ProjectRole.OWNER),
    ],
)
async def test_nobody_grants_or_changes_at_or_above_their_own_role(
    world: World, actor_role: ProjectRole, target_role: ProjectRole, new_role: ProjectRole
) -> None:
    project = await _shared(world, bob=actor_role, carol=target_role)
    with pytest.raises(ForbiddenError):
        await world.project_service.change_role(BOB, project, CAROL.id, new_role)
    with pytest.raises(ForbiddenError):
        await world.project_service.change_role(BOB, project, ADA.id, ProjectRole.VIEWER)  # the owner
    carol = await world.memberships.find(CAROL.id, project)
    assert carol is not None
    assert carol.role is target_role


async def test_an_admin_manages_members_below_them(world: World) -> None:
    project = await _shared(world, bob=ProjectRole.ADMIN, carol=ProjectRole.VIEWER)
    changed = await world.project_service.change_role(BOB, project, CAROL.id, ProjectRole.EDITOR)
    assert changed.membership.role is ProjectRole.EDITOR
    with pytest.raises(ForbiddenError):
        await world.project_service.change_role(BOB, project, BOB.id, ProjectRole.VIEWER)  # one's own role
    await world.project_service.remove_member(BOB, project, CAROL.id)
    with pytest.raises(ProjectNotFoundError):
        await world.project_service.get(CAROL, project)
    with pytest.raises(MemberNotFoundError):
        await world.project_service.remove_member(BOB, project, CAROL.id)


async def test_anyone_but_the_owner_may_leave(world: World) -> None:
    project = await _shared(world, bob=ProjectRole.DOER)
    await world.project_service.leave(BOB, project)
    assert await world.project_service.mine(BOB) == []
    with pytest.raises(OwnerMustTransferError):
        await world.project_service.leave(ADA, project)


async def test_a_transfer_makes_a_member_the_owner_and_the_owner_an_admin(world: World) -> None:
    project = await _shared(world, bob=ProjectRole.VIEWER)
    for heir in (CAROL.id, ADA.id):  # not a member; oneself
        with pytest.raises(InvalidValueError):
            await world.project_service.transfer(ADA, project, heir)
    handed = await world.project_service.transfer(ADA, project, BOB.id)
    assert (handed.project.owner_id, handed.project.space, handed.role) == (BOB.id, ADA.id, ProjectRole.ADMIN)
    assert (await world.project_service.get(BOB, project)).role is ProjectRole.OWNER
    with pytest.raises(ForbiddenError):
        await world.project_service.transfer(ADA, project, BOB.id)
    await world.project_service.leave(ADA, project)  # no longer the owner
    assert [view.project.owner_id for view in await world.project_service.mine(BOB)] == [BOB.id]


async def test_the_roster_names_each_member_and_a_role_change_names_its_member(world: World) -> None:
    ada = await world.registration.register("ada@example.com", "correct horse battery staple", "Ada")
    bob = await world.registration.register("bob@example.com", "correct horse battery staple", "Bob")
    owner, member = Principal(ada.id, Role.USER), Principal(bob.id, Role.USER)
    project = (await world.project_service.create(owner, "Home")).project.id
    _join(world, member, project, ProjectRole.VIEWER)
    roster = await world.project_service.roster(member, project)
    assert [(m.name, m.membership.role) for m in roster] == [("Ada", ProjectRole.OWNER), ("Bob", ProjectRole.VIEWER)]
    changed = await world.project_service.change_role(owner, project, bob.id, ProjectRole.EDITOR)
    assert (changed.name, changed.membership.role) == ("Bob", ProjectRole.EDITOR)


async def test_a_members_change_to_a_projects_task_names_the_member(world: World) -> None:
    project = (await world.project_service.create(ADA, "Home")).project
    _join(world, BOB, project.id, ProjectRole.DOER)
    task = await world.task_service.create(ADA, TaskDraft(title="Water the plants"), project=project.id)
    done = await world.task_service.update(
        BOB, task.id, TaskChanges(status=TaskStatus.DONE), if_match=None, project=project.id
    )
    assert (task.updated_by, done.updated_by) == (ADA.id, BOB.id)
