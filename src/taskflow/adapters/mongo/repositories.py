"""Repositories on MongoDB. Every task operation carries `user_id`, the shard key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from beanie import PydanticObjectId
from pymongo import ReadPreference
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.documents import (
    TaskDocument,
    UserDocument,
    task_from_entity,
    task_to_entity,
    user_from_entity,
    user_to_entity,
)
from taskflow.adapters.mongo.errors import translate_errors
from taskflow.domain.errors import (
    EmailAlreadyRegisteredError,
    TaskNotFoundError,
    UserNotFoundError,
)
from taskflow.domain.ports import TaskRepository, UserRepository

if TYPE_CHECKING:
    from taskflow.domain.entities import Task, User
    from taskflow.domain.values import Email, TaskId, UserId


class MongoUserRepository(UserRepository):
    """Accounts. Reads here decide logins and token checks, so they read the primary."""

    async def add(self, user: User) -> None:
        with translate_errors():
            try:
                await user_from_entity(user).insert()
            except DuplicateKeyError:
                raise EmailAlreadyRegisteredError from None

    async def get(self, user_id: UserId) -> User:
        found = await self._find_one({"_id": PydanticObjectId(user_id.value)})
        if found is None:
            raise UserNotFoundError
        return found

    async def find_by_email(self, email: Email) -> User | None:
        return await self._find_one({"email": email.value})

    async def save(self, user: User) -> None:
        with translate_errors():
            await user_from_entity(user).replace()

    async def _find_one(self, query: dict[str, object]) -> User | None:
        collection = UserDocument.get_pymongo_collection().with_options(
            read_preference=ReadPreference.PRIMARY
        )
        with translate_errors():
            raw = await collection.find_one(query)
        return None if raw is None else user_to_entity(UserDocument.model_validate(raw))


class MongoTaskRepository(TaskRepository):
    """Tasks, always filtered by owner so mongos routes each call to one shard."""

    async def add(self, task: Task) -> None:
        with translate_errors():
            await task_from_entity(task).insert()

    async def get(self, owner: UserId, task_id: TaskId) -> Task:
        with translate_errors():
            doc = await TaskDocument.find_one(
                {
                    "_id": PydanticObjectId(task_id.value),
                    "user_id": PydanticObjectId(owner.value),
                }
            )
        if doc is None:
            raise TaskNotFoundError
        return task_to_entity(doc)
