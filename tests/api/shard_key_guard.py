"""A PyMongo command listener that sees every command the API sends to `tasks`.

Each query, update, delete, count and aggregation must carry `user_id` equality (the
shard key, so mongos routes it to one shard) and each inserted task its `user_id`. The
only exceptions are commands whose `comment` names them as deliberate scatter-gather
(admin figures, migrations) or as the tests' own housekeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bson import ObjectId
from pymongo import monitoring

from taskflow.adapters.mongo.client import SCATTER_GATHER
from taskflow.adapters.mongo.documents import TASKS

TEST_HOUSEKEEPING: Final = "test housekeeping"
_EXEMPT: Final = {SCATTER_GATHER, TEST_HOUSEKEEPING}
_NOT_DATA: Final = {"createIndexes", "listIndexes", "dropIndexes", "getMore", "killCursors", "drop", "create"}


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
        if event.command.get(name) != TASKS or name in _NOT_DATA:
            return
        if event.command.get("comment") in _EXEMPT:
            return
        self.seen += 1
        for query in _filters(name, event.command):
            if not isinstance(query.get("user_id"), ObjectId):
                self.violations.append(f"{name} without user_id equality: {event.command!r}"[:500])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass
