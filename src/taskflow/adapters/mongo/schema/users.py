"""The `users` collection: an account, its unique e-mail index, and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document
from bson import ObjectId
from pymongo import IndexModel

from taskflow.adapters.mongo.raw import Raw
from taskflow.domain.model.accounts import User
from taskflow.domain.values import Email, Role, UserId


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
    deleted_at: datetime | None = None
    email_verified: bool = False

    class Settings:
        name = "users"
        indexes: ClassVar = [IndexModel([("email", pymongo.ASCENDING)], name="email_unique", unique=True)]


USERS = UserDocument.Settings.name


def user_to_entity(raw: Raw) -> User:
    return User(
        id=UserId(str(raw["_id"])),
        email=Email(raw["email"]),
        name=raw["name"],
        password_hash=raw["password_hash"],
        role=Role(raw["role"]),
        is_active=raw["is_active"],
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        tokens_valid_after=raw.get("tokens_valid_after"),
        deleted_at=raw.get("deleted_at"),
        email_verified=raw.get("email_verified", False),
    )


def user_to_document(user: User) -> Raw:
    return {
        "_id": ObjectId(user.id.value),
        "email": user.email.value,
        "name": user.name,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "is_active": user.is_active,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "tokens_valid_after": user.tokens_valid_after,
        "deleted_at": user.deleted_at,
        "email_verified": user.email_verified,
    }
