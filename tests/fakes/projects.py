"""Projects, memberships and invitations in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from taskflow.domain.access.grants import Grant
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.changes.feed import MembershipChanged
from taskflow.domain.errors import (
    ProjectNotFoundError,
)
from taskflow.domain.model.projects import Invitation, Membership, Project
from taskflow.domain.ports.projects import InvitationRepository, MembershipRepository, ProjectRepository
from taskflow.domain.values import Email, ProjectId, UserId
from tests.fakes.changes import InMemoryChangeFeed


class InMemoryMemberships(MembershipRepository):
    """The record; `finds` counts look-ups of one membership (what the gate spares).

    With a `feed`, each joining, new role and leaving is published there, as MongoDB's
    change stream carries it.
    """

    def __init__(self, feed: InMemoryChangeFeed | None = None) -> None:
        self.memberships: dict[tuple[UserId, ProjectId], Membership] = {}
        self.finds = 0
        self._feed = feed

    def join(self, membership: Membership) -> None:
        self.memberships[membership.user_id, membership.project_id] = membership
        self._publish(
            membership.user_id, membership.project_id, member=True, role=membership.role, by=membership.changed_by
        )

    def leave(self, user_id: UserId, project_id: ProjectId, *, by: UserId | None = None) -> None:
        gone = self.memberships.pop((user_id, project_id))
        self._publish(user_id, project_id, member=False, previous=gone.role, by=by)

    def _publish(
        self,
        user_id: UserId,
        project_id: ProjectId,
        *,
        member: bool,
        role: ProjectRole | None = None,
        previous: ProjectRole | None = None,
        by: UserId | None = None,
    ) -> None:
        if self._feed is not None:
            self._feed.publish(
                MembershipChanged(
                    self._feed.next_position(), user_id, project_id, member=member, role=role, previous_role=previous,
                    actor=by,
                )
            )  # fmt: skip

    async def add(self, membership: Membership) -> bool:
        if (membership.user_id, membership.project_id) in self.memberships:
            return False
        self.join(membership)
        return True

    async def find(self, user_id: UserId, project_id: ProjectId) -> Membership | None:
        self.finds += 1
        return self.memberships.get((user_id, project_id))

    async def of_user(self, user_id: UserId) -> list[Membership]:
        found = [membership for (member, _), membership in self.memberships.items() if member == user_id]
        return sorted(found, key=lambda membership: (membership.joined_at, membership.project_id.value))

    async def count_of_user(self, user_id: UserId) -> int:
        return len(await self.of_user(user_id))

    async def of_project(self, grant: Grant) -> list[Membership]:
        found = [membership for (_, project), membership in self.memberships.items() if project == grant.project]
        return sorted(found, key=lambda membership: membership.joined_at)

    async def set_role(
        self, user_id: UserId, project_id: ProjectId, role: ProjectRole, *, by: UserId | None = None
    ) -> Membership | None:
        found = self.memberships.get((user_id, project_id))
        if found is None:
            return None
        self.memberships[user_id, project_id] = replace(found, role=role, changed_by=by)
        if role is not found.role:
            self._publish(user_id, project_id, member=True, role=role, previous=found.role, by=by)
        return self.memberships[user_id, project_id]

    async def remove(self, user_id: UserId, project_id: ProjectId, *, by: UserId | None = None) -> bool:
        if (user_id, project_id) not in self.memberships:
            return False
        self.leave(user_id, project_id, by=by)
        return True

    async def remove_all(self, grant: Grant, *, by: UserId | None = None) -> int:
        ended = [key for key in self.memberships if key[1] == grant.project]
        for user_id, project_id in ended:
            self.leave(user_id, project_id, by=by)
        return len(ended)


class InMemoryProjects(ProjectRepository):
    def __init__(self) -> None:
        self.projects: dict[tuple[UserId, ProjectId], Project] = {}

    def _key(self, grant: Grant) -> tuple[UserId, ProjectId]:
        if grant.project is None:
            raise ProjectNotFoundError
        return grant.space, grant.project

    async def add(self, project: Project) -> None:
        self.projects.setdefault((project.space, project.id), project)

    async def find(self, grant: Grant) -> Project | None:
        return self.projects.get(self._key(grant))

    async def many(self, grants: list[Grant]) -> list[Project]:
        return [project for grant in grants if (project := self.projects.get(self._key(grant))) is not None]

    async def replace(self, grant: Grant, project: Project, *, expected_version: int) -> bool:
        stored = self.projects.get(self._key(grant))
        if stored is None or stored.version != expected_version:
            return False
        self.projects[self._key(grant)] = project
        return True

    async def delete(self, grant: Grant) -> bool:
        return self.projects.pop(self._key(grant), None) is not None


class InMemoryInvitations(InvitationRepository):
    def __init__(self) -> None:
        self.invitations: dict[str, Invitation] = {}

    async def add(self, invitation: Invitation) -> None:
        self.invitations.setdefault(invitation.id, invitation)

    async def get(self, invitation_id: str) -> Invitation | None:
        return self.invitations.get(invitation_id)

    async def find(self, token_digest: str, email: Email, *, now: datetime) -> Invitation | None:
        return next(
            (
                found
                for found in self.invitations.values()
                if (found.token_digest, found.email) == (token_digest, email) and found.expires_at > now
            ),
            None,
        )

    async def take(self, token_digest: str, email: Email, *, now: datetime) -> Invitation | None:
        found = await self.find(token_digest, email, now=now)
        if found is not None:
            del self.invitations[found.id]
        return found
