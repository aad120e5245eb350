"""Projects, their memberships and invitations (decision 0028)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

# Runtime imports: the MongoDB adapter reads these dataclasses' annotations to map them.
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.values import Email, ProjectId, UserId, check_name

MAX_MEMBERS: Final = 50
MAX_PROJECTS_PER_USER: Final = 500
INVITATION_LIFETIME: Final = timedelta(days=7)


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    """`space` is the creator's id, fixed for life: the shard key of the project's tasks."""

    id: ProjectId
    space: UserId
    name: str
    owner_id: UserId
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def __post_init__(self) -> None:
        check_name(self.name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Membership:
    """One member of one project, kept in the member's own partition."""

    user_id: UserId
    project_id: ProjectId
    space: UserId
    role: ProjectRole
    joined_at: datetime
    changed_by: UserId | None = None
    """Who made its latest change (a new role; its end): none for a joining."""


@dataclass(frozen=True, slots=True)
class Member:
    """A membership with the member's name, as the project's other members see it."""

    membership: Membership
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Invitation:
    """An e-mail asked to join a project at a role; only a digest of its token is kept.

    `project_name` is as it was when the invitation was made: the mail says it.
    """

    id: str
    project_id: ProjectId
    space: UserId
    project_name: str
    email: Email
    role: ProjectRole
    invited_by: UserId
    token_digest: str
    created_at: datetime
    expires_at: datetime
