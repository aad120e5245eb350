"""The roles of a project's members, lowest first, and what each may do (decision 0028)."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


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
