"""Identities as MongoDB ObjectIds, rendered as 24 hexadecimal characters."""

from __future__ import annotations

from bson import ObjectId

from taskflow.domain.ports.time_and_ids import IdGenerator
from taskflow.domain.values import ProjectId, TaskId, UserId


class ObjectIdGenerator(IdGenerator):
    """ObjectIds sort by creation time, which keeps `_id` a useful tie-breaker."""

    def new_user_id(self) -> UserId:
        return UserId(str(ObjectId()))

    def new_task_id(self) -> TaskId:
        return TaskId(str(ObjectId()))

    def new_project_id(self) -> ProjectId:
        return ProjectId(str(ObjectId()))

    def new_invitation_id(self) -> str:
        return str(ObjectId())

    def new_job_id(self) -> str:
        return str(ObjectId())
