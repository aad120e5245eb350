"""The task directory kept true from the change feed (decision 0039).

The task service notes a route before it writes a task into a project, so the id alone
reaches the task at once. What that cannot cover is settled here, from what was committed:
two moves racing (the loser's route noted last), a move out of projects, a deletion.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.changes.feed import TaskChanged
from taskflow.domain.ports.tasks import TaskRoute

if TYPE_CHECKING:
    from collections.abc import Sequence

    from taskflow.domain.changes.feed import Change
    from taskflow.domain.ports.tasks import TaskDirectory
    from taskflow.domain.values import TaskId


class DirectoryOnChange:
    """Each change to a task that is or was in a project, noted at its version; a deleted one's route forgotten."""

    name = "task_directory"

    def __init__(self, directory: TaskDirectory) -> None:
        self._directory = directory

    async def handle(self, changes: Sequence[Change]) -> None:
        routes: list[TaskRoute] = []
        gone: list[TaskId] = []
        for change in changes:
            if not isinstance(change, TaskChanged):
                continue
            was_in_one = change.before is not None and change.before.project is not None
            if change.task is None:
                if was_in_one or change.before is None:  # where it was unknown: forgotten all the same
                    gone.append(change.task_id)
            elif was_in_one or change.task.project_id is not None:
                routes.append(TaskRoute(change.task_id, change.task.project_id, change.version))
        await self._directory.note(routes)
        await self._directory.forget(gone)
