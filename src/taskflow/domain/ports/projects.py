"""Ports for projects and their memberships (decision 0028)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from taskflow.domain.projects import Membership
    from taskflow.domain.values import ProjectId, UserId


class MembershipRepository(Protocol):
    """Memberships, in each member's own partition: "mine" and the per-request check are one shard."""

    async def find(self, user_id: UserId, project_id: ProjectId) -> Membership | None:
        """The newest there is (it decides access): a removal is seen by the very next call."""
        ...

    async def of_user(self, user_id: UserId) -> list[Membership]: ...
