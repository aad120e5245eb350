"""One suite for the task directory: the in-memory one and MongoDB's alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from taskflow.adapters.mongo.task_directory import MongoTaskDirectory
from taskflow.domain.ports.tasks import TaskDirectory, TaskRoute
from taskflow.domain.values import ProjectId, TaskId
from tests.conftest import MEMORY
from tests.contract.conftest import memory_or_mongo
from tests.fakes.tasks import InMemoryTaskDirectory

TASK, OTHER = TaskId("1" * 24), TaskId("2" * 24)
GARDEN, HOUSE = ProjectId("a" * 24), ProjectId("b" * 24)


@pytest.fixture(params=[MEMORY, "mongo"])
async def directory(request: pytest.FixtureRequest) -> AsyncIterator[TaskDirectory]:
    async with memory_or_mongo(request, "directory", InMemoryTaskDirectory, MongoTaskDirectory) as store:
        yield store


async def test_a_route_names_the_project_of_its_newest_version(directory: TaskDirectory) -> None:
    assert await directory.project_of(TASK) is None
    await directory.note([TaskRoute(TASK, GARDEN, 1), TaskRoute(OTHER, HOUSE, 3)])
    assert await directory.project_of(TASK) == GARDEN
    await directory.note([TaskRoute(TASK, HOUSE, 2)])
    assert await directory.project_of(TASK) == HOUSE
    # An older note, as a late consumer or the loser of a race writes it, changes nothing.
    await directory.note([TaskRoute(TASK, GARDEN, 1), TaskRoute(OTHER, GARDEN, 2)])
    assert (await directory.project_of(TASK), await directory.project_of(OTHER)) == (HOUSE, HOUSE)
    # The same version again wins (the committed change settles a race between two moves).
    await directory.note([TaskRoute(TASK, GARDEN, 2)])
    assert await directory.project_of(TASK) == GARDEN
    await directory.note([])


async def test_leaving_projects_forgets_the_route_unless_it_is_newer_and_a_deletion_forgets_it_anyway(
    directory: TaskDirectory,
) -> None:
    await directory.note([TaskRoute(TASK, GARDEN, 5), TaskRoute(OTHER, HOUSE, 2)])
    await directory.note([TaskRoute(TASK, None, 4)])  # an older version out of projects: the newer route stays
    assert await directory.project_of(TASK) == GARDEN
    await directory.note([TaskRoute(TASK, None, 6)])
    assert await directory.project_of(TASK) is None
    await directory.note([TaskRoute(TASK, None, 7)])  # nothing to forget: no error
    await directory.forget([OTHER, TaskId("3" * 24)])
    assert await directory.project_of(OTHER) is None
    await directory.forget([])
