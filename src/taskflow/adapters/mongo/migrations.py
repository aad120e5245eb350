"""Data changes `taskflow migrate` makes after the indexes; each is idempotent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from taskflow.adapters.mongo.client import SCATTER_GATHER
from taskflow.adapters.mongo.schema.memberships import MEMBERSHIPS
from taskflow.adapters.mongo.schema.tasks import TASKS
from taskflow.adapters.mongo.task_directory import MongoTaskDirectory
from taskflow.adapters.mongo.task_listing import RETIRED_TASK_INDEXES
from taskflow.domain.model.task_queries import PRIORITY_RANK
from taskflow.domain.ports.tasks import TaskRoute
from taskflow.domain.values import ProjectId, TaskId

BATCH: Final = 1000

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase


async def backfill_priority_rank_across_users(database: AsyncDatabase[Any]) -> int:
    """Tasks written before `priority_rank` existed get it, so sorting by priority sees them.

    Across every user on purpose (it runs at deploy); only documents missing the field are
    touched. Returns how many were.
    """
    # One pass over the collection (a pipeline update derives the rank from the name), not
    # one per priority: this runs on every deploy.
    ranks = [priority.value for priority in PRIORITY_RANK]
    result = await database[TASKS].update_many(
        {"priority_rank": {"$exists": False}},
        [{"$set": {"priority_rank": {"$indexOfArray": [ranks, "$priority"]}}}],
        comment=SCATTER_GATHER,
    )
    return result.modified_count


async def backfill_task_places_across_users(database: AsyncDatabase[Any]) -> int:
    """Tasks written before projects existed get an explicit `project_id: null` (and no assignee).

    A personal listing asks for `project_id: null`, which a missing field matches too, but an
    explicit null is what the place indexes hold for every task. Returns how many were touched.
    """
    result = await database[TASKS].update_many(
        {"project_id": {"$exists": False}},
        {"$set": {"project_id": None, "assignee_id": None}},
        comment=SCATTER_GATHER,
    )
    return result.modified_count


async def backfill_task_directory_across_users(database: AsyncDatabase[Any]) -> int:
    """A route for every task in a project (decision 0039): those written before the directory existed.

    Reads each project task's id, project and version once per migrate (scatter-gather),
    in batches; a route noted since at a newer version stays. Returns how many it noted.
    """
    directory = MongoTaskDirectory(database)
    noted = 0
    batch: list[TaskRoute] = []
    cursor = database[TASKS].find(
        {"project_id": {"$ne": None}}, {"project_id": 1, "version": 1}, comment=SCATTER_GATHER, batch_size=BATCH
    )
    async for raw in cursor:
        batch.append(TaskRoute(TaskId(str(raw["_id"])), ProjectId(str(raw["project_id"])), int(raw["version"])))
        if len(batch) == BATCH:
            await directory.note(batch)
            noted, batch = noted + len(batch), []
    await directory.note(batch)
    return noted + len(batch)


async def drop_retired_task_indexes(database: AsyncDatabase[Any]) -> list[str]:
    """Drop the sort indexes the place indexes replaced; returns the names it dropped."""
    present = {index["name"] async for index in await database[TASKS].list_indexes()}
    retired = [name for name in RETIRED_TASK_INDEXES if name in present]
    for name in retired:
        await database[TASKS].drop_index(name)
    return retired


async def record_change_images(database: AsyncDatabase[Any]) -> None:
    """Keep each task's and membership's pre-image with its change (decisions 0034, 0038).

    So a task's deletion says whose task it was, and a membership's end who ended it and
    its new role the old one. Idempotent. Each update and deletion then stores the
    document as it was, kept as long as the change history.
    """
    for collection in (TASKS, MEMBERSHIPS):
        await database.command({"collMod": collection, "changeStreamPreAndPostImages": {"enabled": True}})
