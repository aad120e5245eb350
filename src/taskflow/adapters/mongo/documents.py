"""Beanie documents declare the collections and their indexes; raw BSON maps to entities."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from bson import ObjectId
from pydantic import Field
from pymongo import IndexModel

from taskflow.adapters.mongo.raw import Raw
from taskflow.adapters.mongo.task_listing import TASK_SORT_INDEXES
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.accounts import Session, User
from taskflow.domain.model.projects import Invitation, Membership, Project
from taskflow.domain.model.task_queries import PRIORITY_RANK
from taskflow.domain.model.tasks import Task
from taskflow.domain.values import Email, Priority, ProjectId, Role, SessionId, TaskId, TaskStatus, UserId


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


class TaskDocument(Document):
    """A task; `user_id` is the shard key and leads every index."""

    user_id: PydanticObjectId
    project_id: PydanticObjectId | None = None
    assignee_id: PydanticObjectId | None = None
    title: str
    description: str = ""
    status: str = TaskStatus.TODO.value
    priority: str = Priority.MEDIUM.value
    priority_rank: int = PRIORITY_RANK[Priority.MEDIUM]  # what "sort by priority" walks
    due_at: datetime | None = None
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    version: int = 1

    class Settings:
        name = "tasks"
        # The reminder cron's query across users (scatter-gather on a sharded cluster).
        indexes: ClassVar = [*TASK_SORT_INDEXES, IndexModel([("due_at", pymongo.ASCENDING)], name="due_at")]


class SessionDocument(Document):
    """A sign-in and its refresh-token family; `_id` is the 128-bit random session id.

    MongoDB deletes a session once it idles past `expires_at` (a TTL index); revoked ones
    stay until then, so the revocation fallback still finds them.
    """

    id: str  # type: ignore[assignment]  # a random hex id, not Beanie's ObjectId
    user_id: PydanticObjectId
    token_digest: str
    created_at: datetime
    refreshed_at: datetime
    expires_at: datetime
    ends_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    class Settings:
        name = "refresh_tokens"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING)], name="user"),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


class IdempotencyKeyDocument(Document):
    """A key's first request; the unique (user, key) index decides which request is first.

    `response` is null while that request runs; MongoDB deletes the key at `expires_at`.
    """

    user_id: PydanticObjectId
    key: str
    fingerprint: str
    response: dict[str, Any] | None = None
    lease_until: datetime
    expires_at: datetime

    class Settings:
        name = "idempotency_keys"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING), ("key", pymongo.ASCENDING)], name="user_key", unique=True),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


class OutboxDocument(Document):
    """A job that must run at least once (decision 0020); `_id` is the job's id.

    MongoDB deletes an entry a week after it was done (a TTL index; pending ones stay).
    """

    id: str  # type: ignore[assignment]  # the job id, not Beanie's ObjectId
    job: str
    args: dict[str, str]
    state: str  # "pending" or "done"
    created_at: datetime
    done_at: datetime | None = None

    class Settings:
        name = "outbox"
        indexes: ClassVar = [
            IndexModel([("state", pymongo.ASCENDING), ("created_at", pymongo.ASCENDING)], name="state_created"),
            IndexModel([("done_at", pymongo.ASCENDING)], name="done_ttl", expireAfterSeconds=7 * 24 * 3600),
        ]


class ImportJobDocument(Document):
    """An import job (`_id` a hex ObjectId string); `errors` keeps the first 100 row errors."""

    id: str  # type: ignore[assignment]  # the job id the API shows
    user_id: PydanticObjectId
    kind: str = "import"
    format: str
    dry_run: bool
    state: str
    total: int | None = None
    processed: int = 0
    created: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list)
    reason: str | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None

    class Settings:
        name = "jobs"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING), ("state", pymongo.ASCENDING)], name="user_state"),
            IndexModel([("created_at", pymongo.ASCENDING)], name="created_ttl", expireAfterSeconds=30 * 24 * 3600),
        ]


class ImportUploadDocument(Document):
    """The uploaded file of an import job, kept a week (the job's retries read it)."""

    id: str  # type: ignore[assignment]  # the job id
    data: bytes
    created_at: datetime

    class Settings:
        name = "import_uploads"
        indexes: ClassVar = [
            IndexModel([("created_at", pymongo.ASCENDING)], name="created_ttl", expireAfterSeconds=7 * 24 * 3600),
        ]


class ProjectDocument(Document):
    """A project; `space` (its creator's id) holds its tasks and leads every query (decision 0028)."""

    space: PydanticObjectId
    name: str
    owner_id: PydanticObjectId
    created_at: datetime
    updated_at: datetime
    version: int = 1

    class Settings:
        name = "projects"
        indexes: ClassVar = [
            IndexModel([("space", pymongo.ASCENDING), ("_id", pymongo.ASCENDING)], name="space_id"),
        ]


class MembershipDocument(Document):
    """One member of one project, in the member's partition.

    `_id` is `<user_id>:<project_id>`, so joining twice is a duplicate key: on a sharded
    cluster a unique index beside a hashed shard key is not allowed, `_id` is.
    """

    id: str  # type: ignore[assignment]  # "<user_id>:<project_id>"
    user_id: PydanticObjectId
    project_id: PydanticObjectId
    space: PydanticObjectId
    role: str
    joined_at: datetime

    class Settings:
        name = "memberships"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING), ("joined_at", pymongo.ASCENDING)], name="user_joined"),
            IndexModel([("project_id", pymongo.ASCENDING)], name="project"),
        ]


class InvitationDocument(Document):
    """An open invitation (`_id` its hex id); only the token's SHA-256 is kept; gone once expired."""

    id: str  # type: ignore[assignment]  # the invitation id
    project_id: PydanticObjectId
    space: PydanticObjectId
    project_name: str
    email: str
    role: str
    invited_by: PydanticObjectId
    token_digest: str
    created_at: datetime
    expires_at: datetime

    class Settings:
        name = "invitations"
        indexes: ClassVar = [
            IndexModel([("token_digest", pymongo.ASCENDING)], name="token_digest", unique=True),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


class PasswordResetDocument(Document):
    """A mailed password reset: `_id` is its token's SHA-256 (the token is stored nowhere); gone once expired."""

    id: str  # type: ignore[assignment]  # the token's digest
    user_id: PydanticObjectId
    expires_at: datetime

    class Settings:
        name = "password_resets"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING)], name="user"),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


class AuditDocument(Document):
    """One audit entry; `expires_at` (the retention, decision 0033) lets a TTL index remove it."""

    kind: str
    actor: PydanticObjectId | None = None
    target: PydanticObjectId | None = None
    at: datetime
    address: str | None = None
    request_id: str | None = None
    detail: dict[str, str] = Field(default_factory=dict)
    expires_at: datetime

    class Settings:
        name = "audit"
        indexes: ClassVar = [
            IndexModel([("actor", pymongo.ASCENDING), ("_id", pymongo.DESCENDING)], name="actor_id"),
            IndexModel([("target", pymongo.ASCENDING), ("_id", pymongo.DESCENDING)], name="target_id"),
            IndexModel([("kind", pymongo.ASCENDING), ("_id", pymongo.DESCENDING)], name="kind_id"),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


DOCUMENTS = (
    UserDocument,
    TaskDocument,
    SessionDocument,
    IdempotencyKeyDocument,
    OutboxDocument,
    ImportJobDocument,
    ImportUploadDocument,
    ProjectDocument,
    MembershipDocument,
    InvitationDocument,
    PasswordResetDocument,
    AuditDocument,
)
USERS = UserDocument.Settings.name
PASSWORD_RESETS = PasswordResetDocument.Settings.name
AUDIT = AuditDocument.Settings.name
TASKS = TaskDocument.Settings.name
SESSIONS = SessionDocument.Settings.name
IDEMPOTENCY_KEYS = IdempotencyKeyDocument.Settings.name
PROJECTS = ProjectDocument.Settings.name
MEMBERSHIPS = MembershipDocument.Settings.name
INVITATIONS = InvitationDocument.Settings.name
OUTBOX = OutboxDocument.Settings.name
JOBS = ImportJobDocument.Settings.name
IMPORT_UPLOADS = ImportUploadDocument.Settings.name


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


def task_to_entity(raw: Raw) -> Task:
    return Task(
        id=TaskId(str(raw["_id"])),
        owner_id=UserId(str(raw["user_id"])),
        project_id=None if raw.get("project_id") is None else ProjectId(str(raw["project_id"])),
        assignee_id=None if raw.get("assignee_id") is None else UserId(str(raw["assignee_id"])),
        title=raw["title"],
        description=raw["description"],
        status=TaskStatus(raw["status"]),
        priority=Priority(raw["priority"]),
        due_at=raw.get("due_at"),
        tags=tuple(raw["tags"]),
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        completed_at=raw.get("completed_at"),
        version=raw["version"],
    )


def task_to_document(task: Task) -> Raw:
    return {
        "_id": ObjectId(task.id.value),
        "user_id": ObjectId(task.owner_id.value),
        "project_id": None if task.project_id is None else ObjectId(task.project_id.value),
        "assignee_id": None if task.assignee_id is None else ObjectId(task.assignee_id.value),
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "priority_rank": PRIORITY_RANK[task.priority],
        "due_at": task.due_at,
        "tags": list(task.tags),
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "completed_at": task.completed_at,
        "version": task.version,
    }


def session_to_entity(raw: Raw) -> Session:
    return Session(
        id=SessionId(raw["_id"]),
        user_id=UserId(str(raw["user_id"])),
        token_digest=raw["token_digest"],
        created_at=raw["created_at"],
        refreshed_at=raw["refreshed_at"],
        expires_at=raw["expires_at"],
        ends_at=raw["ends_at"],
        revoked_at=raw.get("revoked_at"),
        revoked_reason=raw.get("revoked_reason"),
    )


def session_to_document(session: Session) -> Raw:
    return {
        "_id": session.id.value,
        "user_id": ObjectId(session.user_id.value),
        "token_digest": session.token_digest,
        "created_at": session.created_at,
        "refreshed_at": session.refreshed_at,
        "expires_at": session.expires_at,
        "ends_at": session.ends_at,
        "revoked_at": session.revoked_at,
        "revoked_reason": session.revoked_reason,
    }


def project_to_entity(raw: Raw) -> Project:
    return Project(
        id=ProjectId(str(raw["_id"])),
        space=UserId(str(raw["space"])),
        name=raw["name"],
        owner_id=UserId(str(raw["owner_id"])),
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        version=raw["version"],
    )


def project_to_document(project: Project) -> Raw:
    return {
        "_id": ObjectId(project.id.value),
        "space": ObjectId(project.space.value),
        "name": project.name,
        "owner_id": ObjectId(project.owner_id.value),
        "created_at": project.created_at,
        "updated_at": project.updated_at,
        "version": project.version,
    }


def membership_to_entity(raw: Raw) -> Membership:
    return Membership(
        user_id=UserId(str(raw["user_id"])),
        project_id=ProjectId(str(raw["project_id"])),
        space=UserId(str(raw["space"])),
        role=ProjectRole(raw["role"]),
        joined_at=raw["joined_at"],
    )


def membership_id(user_id: UserId, project_id: ProjectId) -> str:
    return f"{user_id.value}:{project_id.value}"


def membership_to_document(membership: Membership) -> Raw:
    return {
        "_id": membership_id(membership.user_id, membership.project_id),
        "user_id": ObjectId(membership.user_id.value),
        "project_id": ObjectId(membership.project_id.value),
        "space": ObjectId(membership.space.value),
        "role": membership.role.value,
        "joined_at": membership.joined_at,
    }


def invitation_to_entity(raw: Raw) -> Invitation:
    return Invitation(
        id=raw["_id"],
        project_id=ProjectId(str(raw["project_id"])),
        space=UserId(str(raw["space"])),
        project_name=raw["project_name"],
        email=Email(raw["email"]),
        role=ProjectRole(raw["role"]),
        invited_by=UserId(str(raw["invited_by"])),
        token_digest=raw["token_digest"],
        created_at=raw["created_at"],
        expires_at=raw["expires_at"],
    )


def invitation_to_document(invitation: Invitation) -> Raw:
    return {
        "_id": invitation.id,
        "project_id": ObjectId(invitation.project_id.value),
        "space": ObjectId(invitation.space.value),
        "project_name": invitation.project_name,
        "email": invitation.email.value,
        "role": invitation.role.value,
        "invited_by": ObjectId(invitation.invited_by.value),
        "token_digest": invitation.token_digest,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }
