"""Ports for projects and their memberships (decision 0028).

Each project read or write takes a `Grant` for that project, never a bare id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from taskflow.domain.access.grants import Grant
    from taskflow.domain.access.roles import ProjectRole
    from taskflow.domain.model.projects import Invitation, Membership, Project
    from taskflow.domain.values import Email, ProjectId, UserId


class ProjectRepository(Protocol):
    """Projects, kept in their space (the creator's partition)."""

    async def add(self, project: Project) -> None:
        """A project with this id there already (a retried create's) is left as it is."""
        ...

    async def find(self, grant: Grant) -> Project | None:
        """The grant's project; None if it is gone (deleted meanwhile)."""
        ...

    async def many(self, grants: list[Grant]) -> list[Project]:
        """The projects of these grants that still exist, in one read, in no particular order."""
        ...

    async def replace(self, grant: Grant, project: Project, *, expected_version: int) -> bool:
        """Store `project` if the stored one is still at `expected_version`; False if not."""
        ...

    async def delete(self, grant: Grant) -> bool: ...


class MembershipRepository(Protocol):
    """Memberships, in each member's own partition: "mine" and the per-request check are one shard."""

    async def add(self, membership: Membership) -> bool:
        """False if the user is a member already (the stored membership stays as it was)."""
        ...

    async def find(self, user_id: UserId, project_id: ProjectId) -> Membership | None:
        """The newest there is (it decides access): a removal is seen by the very next call."""
        ...

    async def of_user(self, user_id: UserId) -> list[Membership]:
        """The user's memberships, earliest joined first."""
        ...

    async def count_of_user(self, user_id: UserId) -> int: ...

    async def of_project(self, grant: Grant) -> list[Membership]:
        """Every member of the grant's project, earliest joined first."""
        ...

    async def set_role(
        self, user_id: UserId, project_id: ProjectId, role: ProjectRole, *, by: UserId | None = None
    ) -> Membership | None:
        """The membership with its new role, made by `by`; None if the user is no member."""
        ...

    async def remove(self, user_id: UserId, project_id: ProjectId, *, by: UserId | None = None) -> bool:
        """End the membership; `by` (who ended it) rides in the change feed's image of it."""
        ...

    async def remove_all(self, grant: Grant, *, by: UserId | None = None) -> int:
        """End every membership of the grant's project; how many there were."""
        ...


class InvitationRepository(Protocol):
    """Open invitations; MongoDB forgets them once expired."""

    async def add(self, invitation: Invitation) -> None:
        """An invitation with this id there already (a retried one's) is left as it is."""
        ...

    async def get(self, invitation_id: str) -> Invitation | None:
        """For the job that mails it: None once accepted or expired."""
        ...

    async def find(self, token_digest: str, email: Email, *, now: datetime) -> Invitation | None:
        """The open invitation with this token for this address."""
        ...

    async def take(self, token_digest: str, email: Email, *, now: datetime) -> Invitation | None:
        """As `find`, and gone in the same step: of two concurrent takes, one gets it."""
        ...
