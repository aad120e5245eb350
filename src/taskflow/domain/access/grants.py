"""A grant: what a caller may do, where. Only `access.AccessService` makes one (decision 0028)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from taskflow.domain.access.roles import NEEDS
from taskflow.domain.changes.feed import Place

if TYPE_CHECKING:
    from taskflow.domain.access.roles import Action, ProjectRole
    from taskflow.domain.model.tasks import Task
    from taskflow.domain.values import ProjectId, UserId

_SEAL: Final = object()


@dataclass(frozen=True, slots=True)
class Grant:
    """What `user` may do (`role`) in one place: their own tasks, or one project's.

    `space` is where that place's tasks are stored (their shard key); `project` is None
    for the user's own tasks.
    """

    user: UserId
    space: UserId
    project: ProjectId | None
    role: ProjectRole
    _seal: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._seal is not _SEAL:
            msg = "a Grant is made by AccessService only"
            raise TypeError(msg)

    def allows(self, action: Action) -> bool:
        return self.role.covers(NEEDS[action])

    @property
    def place(self) -> Place:
        return Place(self.space, self.project)

    def holds(self, task: Task) -> bool:
        """Whether `task` is in this grant's place."""
        return Place.of(task) == self.place
