"""A PyMongo command listener that sees every command the API sends to a sharded collection.

Each query, update, delete, count and aggregation must carry the shard key's field (`user_id`
of a task, a membership or a notification, `space` of a project, `task_id` of a task's
history, `_id` of a task's route) as an equality, a bounded `$in`, or in every clause of an
`$or`, so mongos routes it to the shards that hold it; each inserted document carries it.
The only exceptions are commands whose `comment` names them as deliberate scatter-gather
(admin figures, migrations, a project's members) or the tests' own housekeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bson import ObjectId
from pymongo import monitoring

from taskflow.adapters.mongo.client import SCATTER_GATHER
from taskflow.adapters.mongo.schema.memberships import MEMBERSHIPS
from taskflow.adapters.mongo.schema.notifications import NOTIFICATIONS
from taskflow.adapters.mongo.schema.projects import PROJECTS
from taskflow.adapters.mongo.schema.task_activity import TASK_ACTIVITY
from taskflow.adapters.mongo.schema.task_directory import TASK_DIRECTORY
from taskflow.adapters.mongo.schema.tasks import TASKS

TEST_HOUSEKEEPING: Final = "test housekeeping"
_EXEMPT: Final = {SCATTER_GATHER, TEST_HOUSEKEEPING}
KEY_FIELD: Final = {
    TASKS: "user_id",
    PROJECTS: "space",
    MEMBERSHIPS: "user_id",
    TASK_ACTIVITY: "task_id",
    NOTIFICATIONS: "user_id",
    TASK_DIRECTORY: "_id",
}
MAX_IN: Final = 500  # a user's projects at most
_NOT_DATA: Final = {
    "createIndexes",
    "listIndexes",
    "dropIndexes",
    "getMore",
    "killCursors",
    "drop",
    "create",
    "collMod",
}


_FILTERS: Final[dict[str, Callable[[Mapping[str, Any]], list[Any]]]] = {
    "find": lambda command: [command["filter"]],
    "count": lambda command: [command.get("query", {})],
    "distinct": lambda command: [command.get("query", {})],
    "aggregate": lambda command: [(command["pipeline"] or [{}])[0].get("$match", {})],
    "update": lambda command: [statement["q"] for statement in command["updates"]],
    "delete": lambda command: [statement["q"] for statement in command["deletes"]],
    "findAndModify": lambda command: [command["query"]],
    "insert": lambda command: list(command["documents"]),
}


def _routes(query: Mapping[str, Any], key: str) -> bool:
    value = query.get(key)
    if isinstance(value, ObjectId):
        return True
    if isinstance(value, Mapping) and set(value) == {"$in"}:
        members = value["$in"]
        return 0 < len(members) <= MAX_IN and all(isinstance(member, ObjectId) for member in members)
    clauses = query.get("$or")
    return isinstance(clauses, list) and bool(clauses) and all(_routes(clause, key) for clause in clauses)


def _filters(name: str, command: Mapping[str, Any]) -> list[Any]:
    """What must route by user; a command this guard does not know is reported, not missed."""
    extract = _FILTERS.get(name)
    return extract(command) if extract else [{}]


@dataclass
class ShardKeyGuard(monitoring.CommandListener):
    seen: int = 0
    violations: list[str] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        target = event.command.get(name)
        key = KEY_FIELD.get(target) if isinstance(target, str) else None
        if key is None or name in _NOT_DATA:
            return
        if event.command.get("comment") in _EXEMPT:
            return
        self.seen += 1
        for query in _filters(name, event.command):
            if not _routes(query, key):
                self.violations.append(f"{name} not routed by {key}: {event.command!r}"[:500])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
