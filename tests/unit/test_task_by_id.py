"""A task's id alone reaches it, for whoever may see it, through the task directory (decision 0039)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import ForbiddenError, ProjectNotFoundError, TaskNotFoundError
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.tasks import TaskChanges, TaskDraft
from taskflow.domain.ports.tasks import TaskRoute
from taskflow.domain.values import ProjectId, Role, TaskStatus, UserId
from tests.unit.conftest import World

ADA, BOB, CAROL, EVE = (Principal(UserId(c * 24), Role.USER) for c in "abce")


def _join(world: World, who: Principal, project: ProjectId, role: ProjectRole) -> None:
    world.memberships.join(
        Membership(user_id=who.id, project_id=project, space=ADA.id, role=role, joined_at=datetime.now(UTC))
    )


async def _garden(world: World) -> ProjectId:
    """Ada's project, Bob a viewer in it."""
    project = (await world.project_service.create(ADA, "Garden")).project.id
    _join(world, BOB, project, ProjectRole.VIEWER)
    return project


async def _settle(world: World) -> None:
    """The directory's handler on every change so far, as the durable consumer runs it."""
    (handler,) = (handler for handler in world.change_handlers if handler.name == "task_directory")
    await handler.handle(world.change_feed.changes)


async def test_a_projects_task_is_read_by_its_id_alone_by_members_only(world: World) -> None:
    garden = await _garden(world)
    task = await world.task_service.create(ADA, TaskDraft(title="Weed"), project=garden)
    assert world.task_directory.routes[task.id] == TaskRoute(task.id, garden, 1)  # before any consumer ran
    assert (await world.task_service.get(BOB, task.id)).id == task.id
    assert (await world.task_service.get(ADA, task.id)).id == task.id
    with pytest.raises(TaskNotFoundError):  # not the project's 404: an outsider learns nothing of it
        await world.task_service.get(EVE, task.id)
    # A project named is checked: the task must be in it.
    assert (await world.task_service.get(BOB, task.id, project=garden)).id == task.id
    other = (await world.project_service.create(BOB, "Bob's")).project.id
    with pytest.raises(TaskNotFoundError):
        await world.task_service.get(BOB, task.id, project=other)
    with pytest.raises(ProjectNotFoundError):
        await world.task_service.get(EVE, task.id, project=garden)


async def test_changing_and_deleting_by_id_alone_follow_the_callers_role(world: World) -> None:
    garden = await _garden(world)
    task = await world.task_service.create(ADA, TaskDraft(title="Weed"), project=garden)
    with pytest.raises(ForbiddenError):  # a viewer sees it, so is told why not
        await world.task_service.update(BOB, task.id, TaskChanges(title="Mine"), if_match=None)
    with pytest.raises(TaskNotFoundError):
        await world.task_service.update(EVE, task.id, TaskChanges(title="Mine"), if_match=None)
    with pytest.raises(TaskNotFoundError):
        await world.task_service.delete(EVE, task.id, if_match=None)
    _join(world, CAROL, garden, ProjectRole.EDITOR)
    changed = await world.task_service.update(CAROL, task.id, TaskChanges(status=TaskStatus.DONE), if_match=1)
    assert (changed.version, changed.status, changed.updated_by) == (2, TaskStatus.DONE, CAROL.id)
    await world.task_service.delete(CAROL, task.id, if_match=2)
    with pytest.raises(TaskNotFoundError):
        await world.task_service.get(ADA, task.id)


async def test_a_moved_task_is_found_where_it_went_and_the_feed_settles_the_directory(world: World) -> None:
    garden = await _garden(world)
    house = (await world.project_service.create(ADA, "House")).project.id
    task = await world.task_service.create(ADA, TaskDraft(title="Paint"), project=garden)
    moved = await world.task_service.update(ADA, task.id, TaskChanges(moves=True, to_project=house), if_match=None)
    assert moved.project_id == house
    with pytest.raises(TaskNotFoundError):  # Bob is not in the house
        await world.task_service.get(BOB, task.id)
    assert (await world.task_service.get(ADA, task.id)).project_id == house
    # A racing mover's older note lands last: the committed change puts the route right.
    await world.task_directory.note([TaskRoute(task.id, garden, moved.version)])
    await _settle(world)
    assert await world.task_directory.project_of(task.id) == house
    # Out of projects: Ada finds it among her own, and the route goes.
    personal = await world.task_service.update(ADA, task.id, TaskChanges(moves=True, to_project=None), if_match=None)
    assert personal.project_id is None
    assert (await world.task_service.get(ADA, task.id)).id == task.id
    await _settle(world)
    assert task.id not in world.task_directory.routes


async def test_a_deleted_projects_tasks_lose_their_routes_from_the_feed(world: World) -> None:
    garden = await _garden(world)
    tasks = [await world.task_service.create(ADA, TaskDraft(title=f"T{n}"), project=garden) for n in range(3)]
    own = await world.task_service.create(ADA, TaskDraft(title="Mine"))
    await world.project_service.delete(ADA, garden, if_match=None)
    await _settle(world)
    assert world.task_directory.routes == {}
    assert (await world.task_service.get(ADA, own.id)).id == own.id
    with pytest.raises(TaskNotFoundError):
        await world.task_service.get(ADA, tasks[0].id)
