"""Projects and memberships on MongoDB (decision 0028).

A project is read and written by its grant: `_id` and `space` together, so each command
names the partition. Memberships are keyed by their member: "mine" and the check on
every request name `user_id`. Both read the primary while there is one: they decide access.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import ReadPreference, ReturnDocument
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.client import SCATTER_GATHER
from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.schema.invitations import INVITATIONS, invitation_to_document, invitation_to_entity
from taskflow.adapters.mongo.schema.memberships import (
    MEMBERSHIPS,
    membership_id,
    membership_to_document,
    membership_to_entity,
)
from taskflow.adapters.mongo.schema.projects import PROJECTS, project_to_document, project_to_entity
from taskflow.domain.errors import ProjectNotFoundError
from taskflow.domain.ports.projects import InvitationRepository, MembershipRepository, ProjectRepository

if TYPE_CHECKING:
    from datetime import datetime

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw
    from taskflow.domain.access.grants import Grant
    from taskflow.domain.access.roles import ProjectRole
    from taskflow.domain.model.projects import Invitation, Membership, Project
    from taskflow.domain.values import Email, ProjectId, UserId


def _where(grant: Grant) -> Raw:
    if grant.project is None:  # the caller's own tasks are no project
        raise ProjectNotFoundError
    return {"_id": ObjectId(grant.project.value), "space": ObjectId(grant.space.value)}


class MongoProjectRepository(ProjectRepository):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._projects = database.get_collection(PROJECTS, read_preference=ReadPreference.PRIMARY_PREFERRED)

    async def add(self, project: Project) -> None:
        with translate_errors(), contextlib.suppress(DuplicateKeyError):  # a retried create's: ids are never reused
            await self._projects.insert_one(project_to_document(project))

    async def find(self, grant: Grant) -> Project | None:
        with translate_errors():
            raw = await self._projects.find_one(_where(grant))
        return None if raw is None else project_to_entity(raw)

    async def many(self, grants: list[Grant]) -> list[Project]:
        places = [_where(grant) for grant in grants]
        if not places:
            return []
        with translate_errors():
            raws = await self._projects.find({"$or": places}).to_list()
        return [project_to_entity(raw) for raw in raws]

    async def replace(self, grant: Grant, project: Project, *, expected_version: int) -> bool:
        with translate_errors():
            result = await self._projects.replace_one(
                {**_where(grant), "version": expected_version}, project_to_document(project)
            )
        return result.matched_count == 1

    async def delete(self, grant: Grant) -> bool:
        with translate_errors():
            result = await self._projects.delete_one(_where(grant))
        return result.deleted_count == 1


class MongoMembershipRepository(MembershipRepository):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._memberships = database.get_collection(MEMBERSHIPS, read_preference=ReadPreference.PRIMARY_PREFERRED)

    async def add(self, membership: Membership) -> bool:
        with translate_errors():
            try:
                await self._memberships.insert_one(membership_to_document(membership))
            except DuplicateKeyError:
                return False
        return True

    async def find(self, user_id: UserId, project_id: ProjectId) -> Membership | None:
        with translate_errors():
            raw = await self._memberships.find_one(_member(user_id, project_id))
        return None if raw is None else membership_to_entity(raw)

    async def of_user(self, user_id: UserId) -> list[Membership]:
        with translate_errors():
            raws = await (
                self._memberships.find({"user_id": ObjectId(user_id.value)})
                .sort([("joined_at", 1), ("_id", 1)])
                .to_list()
            )
        return [membership_to_entity(raw) for raw in raws]

    async def count_of_user(self, user_id: UserId) -> int:
        with translate_errors():
            return await self._memberships.count_documents({"user_id": ObjectId(user_id.value)})

    async def of_project(self, grant: Grant) -> list[Membership]:
        """Members live in their own partitions: this one reaches every shard (at most 50 found)."""
        project = _where(grant)["_id"]
        with translate_errors():
            raws = await (
                self._memberships.find({"project_id": project}, comment=SCATTER_GATHER)
                .sort([("joined_at", 1), ("_id", 1)])
                .to_list()
            )
        return [membership_to_entity(raw) for raw in raws]

    async def set_role(
        self, user_id: UserId, project_id: ProjectId, role: ProjectRole, *, by: UserId | None = None
    ) -> Membership | None:
        changed_by = None if by is None else ObjectId(by.value)
        with translate_errors():
            raw = await self._memberships.find_one_and_update(
                _member(user_id, project_id),
                {"$set": {"role": role.value, "changed_by": changed_by}},
                return_document=ReturnDocument.AFTER,
            )
        return None if raw is None else membership_to_entity(raw)

    async def remove(self, user_id: UserId, project_id: ProjectId, *, by: UserId | None = None) -> bool:
        with translate_errors():
            # Who ended it, into the document the deletion's change carries as it was.
            await self._memberships.update_one(
                _member(user_id, project_id), {"$set": {"changed_by": None if by is None else ObjectId(by.value)}}
            )
            result = await self._memberships.delete_one(_member(user_id, project_id))
        return result.deleted_count == 1

    async def remove_all(self, grant: Grant, *, by: UserId | None = None) -> int:
        """Members live in their own partitions: this one reaches every shard."""
        project = _where(grant)["_id"]
        changed_by = None if by is None else ObjectId(by.value)
        with translate_errors():
            await self._memberships.update_many(
                {"project_id": project}, {"$set": {"changed_by": changed_by}}, comment=SCATTER_GATHER
            )
            result = await self._memberships.delete_many({"project_id": project}, comment=SCATTER_GATHER)
        return result.deleted_count


def _member(user_id: UserId, project_id: ProjectId) -> Raw:
    return {"_id": membership_id(user_id, project_id), "user_id": ObjectId(user_id.value)}


class MongoInvitationRepository(InvitationRepository):
    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._invitations = database.get_collection(INVITATIONS, read_preference=ReadPreference.PRIMARY_PREFERRED)

    async def add(self, invitation: Invitation) -> None:
        with translate_errors(), contextlib.suppress(DuplicateKeyError):  # a retried one's: ids are never reused
            await self._invitations.insert_one(invitation_to_document(invitation))

    async def get(self, invitation_id: str) -> Invitation | None:
        with translate_errors():
            raw = await self._invitations.find_one({"_id": invitation_id})
        return None if raw is None else invitation_to_entity(raw)

    async def find(self, token_digest: str, email: Email, *, now: datetime) -> Invitation | None:
        with translate_errors():
            raw = await self._invitations.find_one(_open(token_digest, email, now))
        return None if raw is None else invitation_to_entity(raw)

    async def take(self, token_digest: str, email: Email, *, now: datetime) -> Invitation | None:
        with translate_errors():
            raw = await self._invitations.find_one_and_delete(_open(token_digest, email, now))
        return None if raw is None else invitation_to_entity(raw)


def _open(token_digest: str, email: Email, now: datetime) -> Raw:
    """MongoDB removes expired invitations within a minute or so; the filter does not wait for it."""
    return {"token_digest": token_digest, "email": email.value, "expires_at": {"$gt": now}}
