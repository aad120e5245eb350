"""Access grants: the only way to reach a task or a project, made only here (decision 0028).

A repository takes a `Grant`, never a bare id, and only `AccessService` makes one, from
the caller's own id or their membership read now. So every id that arrives (in a path, a
body, a query, a cursor) is checked by the same code before any data is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.access.grants import _SEAL, Grant  # the one module that may mint grants
from taskflow.domain.access.roles import NEEDS, Action, ProjectRole
from taskflow.domain.errors import ForbiddenError, ProjectNotFoundError

if TYPE_CHECKING:
    from taskflow.domain.access.principal import Principal
    from taskflow.domain.model.projects import Invitation
    from taskflow.domain.ports.projects import MembershipRepository
    from taskflow.domain.values import ProjectId, UserId


class AccessService:
    def __init__(self, memberships: MembershipRepository) -> None:
        self._memberships = memberships

    @staticmethod
    def own(user: UserId) -> Grant:
        """A user's own tasks: theirs to do anything with, no read needed (also for work on their behalf)."""
        return Grant(user, user, None, ProjectRole.OWNER, _SEAL)

    async def project(self, principal: Principal, project_id: ProjectId, action: Action) -> Grant:
        """ProjectNotFoundError for a non-member (as for a missing id); ForbiddenError below the role."""
        membership = await self._memberships.find(principal.id, project_id)
        if membership is None:
            raise ProjectNotFoundError
        grant = Grant(principal.id, membership.space, project_id, membership.role, _SEAL)
        if not grant.allows(action):
            msg = f"this needs the {NEEDS[action]} role in the project; you are {membership.role}"
            raise ForbiddenError(msg)
        return grant

    async def memberships(self, principal: Principal) -> list[Grant]:
        """A grant for each of the caller's projects, from one read, oldest membership first."""
        return [
            Grant(principal.id, membership.space, membership.project_id, membership.role, _SEAL)
            for membership in await self._memberships.of_user(principal.id)
        ]

    def invited(self, principal: Principal, invitation: Invitation) -> Grant:
        """An open invitation for the caller's address is their grant to the project, at its role."""
        return Grant(principal.id, invitation.space, invitation.project_id, invitation.role, _SEAL)

    async def is_member(self, grant: Grant, user: UserId) -> bool:
        """Whether `user` is in the grant's project (a personal place has no members)."""
        if grant.project is None:
            return False
        return await self._memberships.find(user, grant.project) is not None

    async def where(self, principal: Principal, project_id: ProjectId | None, action: Action) -> Grant:
        """The grant for a place named by a client (`project_id` in a body or a query), or their own tasks."""
        if project_id is None:
            return self.own(principal.id)
        return await self.project(principal, project_id, action)
