"""The `users` collection: an account, its unique e-mail index, and the mapping both ways."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Final

import pymongo
from beanie import Document
from pymongo import IndexModel

from taskflow.adapters.mongo.mapping import EntityMapping
from taskflow.domain.model.accounts import User
from taskflow.domain.values import Role


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


_MAPPING: Final = EntityMapping(User, renamed={"id": "_id"})
user_to_entity: Final = _MAPPING.to_entity
user_to_document: Final = _MAPPING.to_document
