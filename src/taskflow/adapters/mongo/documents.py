"""Beanie documents: adapter types, mapped to entities explicitly and cheaply."""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - pydantic needs it at runtime
from typing import ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from taskflow.domain.entities import Task, User
from taskflow.domain.values import Email, Priority, Role, TaskId, TaskStatus, UserId


class UserDocument(Document):
    """An account; the unique index on `email` is what makes e-mails unique."""

    email: str
    name: str
    password_hash: str
    role: str = Role.USER.value
    is_active: bool = True
    created_at: datetime
    updated_at: datetime
    tokens_valid_after: datetime | None = None

    class Settings:
        name = "users"
        indexes: ClassVar = [
            IndexModel([("email", pymongo.ASCENDING)], name="email_unique", unique=True)
        ]


class TaskDocument(Document):
    """A task; `user_id` is the shard key and leads every index."""

    user_id: PydanticObjectId
    title: str
    description: str = ""
    status: str = TaskStatus.TODO.value
    priority: str = Priority.MEDIUM.value
    due_at: datetime | None = None
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    version: int = 1

    class Settings:
        name = "tasks"
        indexes: ClassVar = [
            IndexModel(
                [
                    ("user_id", pymongo.ASCENDING),
                    ("created_at", pymongo.DESCENDING),
                    ("_id", pymongo.DESCENDING),
                ],
                name="user_created_desc",
            ),
        ]


DOCUMENTS = (UserDocument, TaskDocument)


def user_to_entity(doc: UserDocument) -> User:
    return User(
        id=UserId(str(doc.id)),
        email=Email(doc.email),
        name=doc.name,
        password_hash=doc.password_hash,
        role=Role(doc.role),
        is_active=doc.is_active,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
        tokens_valid_after=doc.tokens_valid_after,
    )


def user_from_entity(user: User) -> UserDocument:
    return UserDocument(
        id=PydanticObjectId(user.id.value),
        email=user.email.value,
        name=user.name,
        password_hash=user.password_hash,
        role=user.role.value,
        is_active=user.is_active,
        created_at=user.created_at,
        updated_at=user.updated_at,
        tokens_valid_after=user.tokens_valid_after,
    )


def task_to_entity(doc: TaskDocument) -> Task:
    return Task(
        id=TaskId(str(doc.id)),
        owner_id=UserId(str(doc.user_id)),
        title=doc.title,
        description=doc.description,
        status=TaskStatus(doc.status),
        priority=Priority(doc.priority),
        due_at=doc.due_at,
        tags=tuple(doc.tags),
        created_at=doc.created_at,
        updated_at=doc.updated_at,
        completed_at=doc.completed_at,
        version=doc.version,
    )


def task_from_entity(task: Task) -> TaskDocument:
    return TaskDocument(
        id=PydanticObjectId(task.id.value),
        user_id=PydanticObjectId(task.owner_id.value),
        title=task.title,
        description=task.description,
        status=task.status.value,
        priority=task.priority.value,
        due_at=task.due_at,
        tags=list(task.tags),
        created_at=task.created_at,
        updated_at=task.updated_at,
        completed_at=task.completed_at,
        version=task.version,
    )
