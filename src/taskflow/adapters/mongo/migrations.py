"""Data changes `taskflow migrate` makes after the indexes; each is idempotent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskflow.adapters.mongo.client import SCATTER_GATHER
from taskflow.adapters.mongo.documents import TASKS
from taskflow.domain.task_queries import PRIORITY_RANK

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
