"""A caller's task list as the API shows it: keyset pages behind signed cursors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.adapters.http.tasks.schemas import TaskPageResponse, TaskResponse

if TYPE_CHECKING:
    from taskflow.adapters.http.tasks.cursors import TaskCursors
    from taskflow.domain.access.principal import Principal
    from taskflow.domain.model.task_queries import TaskFilter, TaskOrder
    from taskflow.domain.services.tasks import TaskService
    from taskflow.domain.values import ProjectId


class TaskPages:
    """One dependency for the listing, so Litestar resolves it without a task group."""

    def __init__(self, tasks: TaskService, cursors: TaskCursors) -> None:
        self._tasks = tasks
        self._cursors = cursors

    async def page(
        self,
        principal: Principal,
        task_filter: TaskFilter,
        order: TaskOrder,
        cursor: str | None,
        *,
        limit: int,
        project: ProjectId | None = None,
    ) -> TaskPageResponse:
        """A cursor is bound to its user, project, order and filter: used with any other, a 422.

        It carries no permission: each page is authorised again.
        """
        bound = (principal.id, order, task_filter, project)
        after = self._cursors.decode(cursor, *bound) if cursor else None
        page = await self._tasks.list(principal, task_filter, order, after=after, limit=limit, project=project)
        return TaskPageResponse(
            items=[TaskResponse.of(task) for task in page.items],
            next_cursor=self._cursors.encode(page.next_after, *bound) if page.next_after else None,
        )
