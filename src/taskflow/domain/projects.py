"""Projects, the roles of their members, and what each role may do (decision 0028)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from taskflow.domain.values import check_name

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.values import Email, ProjectId, UserId

MAX_MEMBERS: Final = 50
MAX_PROJECTS_PER_USER: Final = 500
INVITATION_LIFETIME: Final = timedelta(days=7)


class ProjectRole(StrEnum):
    """Lowest first; each role may do all that the ones below it may."""

    VIEWER = "viewer"
    DOER = "doer"
    EDITOR = "editor"
    ADMIN = "admin"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def covers(self, needed: ProjectRole) -> bool:
        return self.rank >= needed.rank


_RANK: Final = {role: rank for rank, role in enumerate(ProjectRole)}


class Action(StrEnum):
    READ = "read"
    COMPLETE = "complete"
    """Complete or reopen a task, assign oneself."""
    EDIT = "edit"
    """Create, edit, move and delete tasks; assign any member."""
    MANAGE_MEMBERS = "manage-members"
    """Invite, change roles below one's own, remove members below one's own."""
    RENAME = "rename"
    DELETE = "delete"
    TRANSFER = "transfer"


NEEDS: Final[dict[Action, ProjectRole]] = {
    Action.READ: ProjectRole.VIEWER,
    Action.COMPLETE: ProjectRole.DOER,
    Action.EDIT: ProjectRole.EDITOR,
    Action.MANAGE_MEMBERS: ProjectRole.ADMIN,
    Action.RENAME: ProjectRole.OWNER,
    Action.DELETE: ProjectRole.OWNER,
    Action.TRANSFER: ProjectRole.OWNER,
}


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
