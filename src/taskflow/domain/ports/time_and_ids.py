"""Ports for what the domain takes from the machine: the time and fresh ids."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from taskflow.domain.values import ProjectId, TaskId


class Clock(Protocol):
    """Time enters the domain only through here."""

    def now(self) -> datetime:
        """The current time, time-zone aware, in UTC."""
        ...


class IdGenerator(Protocol):
    """New identities, made before the write so a retried write reuses them."""

    def new_user_id(self) -> UserId: ...

    def new_task_id(self) -> TaskId: ...

    def new_project_id(self) -> ProjectId: ...

    def new_invitation_id(self) -> str: ...

    def new_job_id(self) -> str: ...
