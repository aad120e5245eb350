"""A clock that moves only when told, and ids in sequence."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
from taskflow.domain.values import ProjectId, TaskId, UserId


@dataclass
class FrozenClock(Clock):
    current: datetime = field(default_factory=lambda: datetime(2026, 1, 1, 12, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class SequentialIds(IdGenerator):
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_user_id(self) -> UserId:
        return UserId(f"{next(self._counter):024x}")

    def new_task_id(self) -> TaskId:
        return TaskId(f"{next(self._counter):024x}")

    def new_project_id(self) -> ProjectId:
        return ProjectId(f"{next(self._counter):024x}")

    def new_invitation_id(self) -> str:
        return f"{next(self._counter):024x}"

    def new_job_id(self) -> str:
        return f"{next(self._counter):024x}"
