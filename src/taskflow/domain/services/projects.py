"""Projects: made, listed, renamed and deleted through grants (decision 0028).

Rules:
- the creator is the owner, and the project's space is the creator's for its whole life;
- a user is in at most `MAX_PROJECTS_PER_USER` projects, owned or joined;
- only the owner renames or deletes; a change may name the version it read (412 otherwise);
- deleting removes the project's tasks, then every membership (no member reaches it
  from then on), then the project: a failure half way leaves a project its owner can
  delete again, or one nobody reaches;
- an admin or the owner manages members: nobody gives a role at or above their own, nor
  changes or removes a member at or above their own (so nobody changes their own role);
- anyone may leave but the owner, who transfers the project to a member first; the
  transfer makes that member the owner and the old owner an admin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from taskflow.domain.access.roles import Action, ProjectRole
from taskflow.domain.errors import (
    ForbiddenError,
    InvalidValueError,
    MemberNotFoundError,
    OwnerMustTransferError,
    PreconditionFailedError,
    ProjectLimitError,
    ProjectNotFoundError,
)
from taskflow.domain.model.projects import MAX_PROJECTS_PER_USER, Member, Membership, Project
from taskflow.domain.services.idempotency import keyed_id
from taskflow.domain.values import ProjectId

if TYPE_CHECKING:
    from taskflow.domain.access.grants import Grant
    from taskflow.domain.access.principal import Principal
    from taskflow.domain.access.service import AccessService
    from taskflow.domain.ports.accounts import UserRepository
    from taskflow.domain.ports.projects import MembershipRepository, ProjectRepository
    from taskflow.domain.ports.tasks import TaskRepository
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.domain.values import UserId


@dataclass(frozen=True, slots=True)
class ProjectView:
    """A project as one member sees it: with their role in it."""

    project: Project
    role: ProjectRole


class ProjectService:
    def __init__(
        self,
        *,
        projects: ProjectRepository,
        memberships: MembershipRepository,
        tasks: TaskRepository,
        users: UserRepository,
        access: AccessService,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._projects = projects
        self._memberships = memberships
        self._tasks = tasks
        self._users = users
        self._access = access
        self._clock = clock
        self._ids = ids

    async def create(self, principal: Principal, name: str, *, request_key: str | None = None) -> ProjectView:
        """Creates once per `request_key`: a retry after an unknown outcome gets the first project."""
        project_id = (
            self._ids.new_project_id()
            if request_key is None
            else ProjectId(keyed_id(principal.id, request_key, kind="project"))
        )
        if request_key is not None and await self._memberships.find(principal.id, project_id) is not None:
            return await self.get(principal, project_id)
        if await self._memberships.count_of_user(principal.id) >= MAX_PROJECTS_PER_USER:
            raise ProjectLimitError
        now = self._clock.now()
        project = Project(
            id=project_id,
            space=principal.id,
            name=name,
            owner_id=principal.id,
            created_at=now,
            updated_at=now,
        )
        await self._projects.add(project)
        owner = Membership(
            user_id=principal.id, project_id=project.id, space=project.space, role=ProjectRole.OWNER, joined_at=now
        )
        await self._memberships.add(owner)
        return ProjectView(project, ProjectRole.OWNER)

    async def mine(self, principal: Principal) -> list[ProjectView]:
        """Every project the caller is in, oldest membership first."""
        grants = await self._access.memberships(principal)
        found = {project.id: project for project in await self._projects.many(grants)}
        # A project deleted whose memberships are not all gone yet is skipped.
        return [ProjectView(found[grant.project], grant.role) for grant in grants if grant.project in found]

    async def get(self, principal: Principal, project_id: ProjectId) -> ProjectView:
        grant = await self._access.project(principal, project_id, Action.READ)
        return ProjectView(await self._current(grant), grant.role)

    async def rename(
        self, principal: Principal, project_id: ProjectId, name: str, *, if_match: int | None
    ) -> ProjectView:
        grant = await self._access.project(principal, project_id, Action.RENAME)
        current = await self._current(grant)
        if if_match is not None and if_match != current.version:
            raise PreconditionFailedError
        renamed = replace(current, name=name, updated_at=self._clock.now(), version=current.version + 1)
        if not await self._projects.replace(grant, renamed, expected_version=current.version):
            raise PreconditionFailedError  # changed meanwhile
        return ProjectView(renamed, grant.role)

    async def delete(self, principal: Principal, project_id: ProjectId, *, if_match: int | None) -> None:
        grant = await self._access.project(principal, project_id, Action.DELETE)
        current = await self._current(grant)
        if if_match is not None and if_match != current.version:
            raise PreconditionFailedError
        await self._tasks.delete_all(grant)
        await self._memberships.remove_all(grant, by=principal.id)
        await self._projects.delete(grant)

    async def members(self, principal: Principal, project_id: ProjectId) -> list[Membership]:
        grant = await self._access.project(principal, project_id, Action.READ)
        return await self._memberships.of_project(grant)

    async def roster(self, principal: Principal, project_id: ProjectId) -> list[Member]:
        """The members with their names (an erased account's is empty until its membership goes)."""
        found = await self.members(principal, project_id)
        names = await self._users.names([membership.user_id for membership in found])
        return [Member(membership, names.get(membership.user_id, "")) for membership in found]

    async def change_role(
        self, principal: Principal, project_id: ProjectId, member: UserId, role: ProjectRole
    ) -> Member:
        grant = await self._access.project(principal, project_id, Action.MANAGE_MEMBERS)
        await self._below(grant, member)
        if role.covers(grant.role):
            msg = f"you can give roles below your own ({grant.role}) only"
            raise ForbiddenError(msg)
        changed = await self._memberships.set_role(member, project_id, role, by=principal.id)
        if changed is None:
            raise MemberNotFoundError
        names = await self._users.names([member])
        return Member(changed, names.get(member, ""))

    async def remove_member(self, principal: Principal, project_id: ProjectId, member: UserId) -> None:
        grant = await self._access.project(principal, project_id, Action.MANAGE_MEMBERS)
        await self._below(grant, member)
        if not await self._memberships.remove(member, project_id, by=principal.id):
            raise MemberNotFoundError

    async def leave(self, principal: Principal, project_id: ProjectId) -> None:
        grant = await self._access.project(principal, project_id, Action.READ)
        if grant.role is ProjectRole.OWNER:
            raise OwnerMustTransferError
        await self._memberships.remove(principal.id, project_id, by=principal.id)

    async def transfer(self, principal: Principal, project_id: ProjectId, to: UserId) -> ProjectView:
        """Promote first, then name the owner, then step down: a failure half way leaves two owners, never none."""
        grant = await self._access.project(principal, project_id, Action.TRANSFER)
        heir = None if to == principal.id else await self._memberships.find(to, project_id)
        if heir is None:
            msg = "the new owner must be another member of the project"
            raise InvalidValueError(msg, field="user_id")
        current = await self._current(grant)
        await self._memberships.set_role(to, project_id, ProjectRole.OWNER, by=principal.id)
        handed = replace(current, owner_id=to, updated_at=self._clock.now(), version=current.version + 1)
        if not await self._projects.replace(grant, handed, expected_version=current.version):
            await self._memberships.set_role(to, project_id, heir.role, by=principal.id)  # renamed meanwhile: as it was
            raise PreconditionFailedError
        await self._memberships.set_role(principal.id, project_id, ProjectRole.ADMIN, by=principal.id)
        return ProjectView(handed, ProjectRole.ADMIN)

    async def _below(self, grant: Grant, member: UserId) -> Membership:
        """The member, if their role is below the caller's; MemberNotFoundError if they are none."""
        target = await self._member(grant, member)
        if target.role.covers(grant.role):
            msg = f"you can change members below your own role ({grant.role}) only"
            raise ForbiddenError(msg)
        return target

    async def _member(self, grant: Grant, member: UserId) -> Membership:
        if grant.project is None:
            raise ProjectNotFoundError
        found = await self._memberships.find(member, grant.project)
        if found is None:
            raise MemberNotFoundError
        return found

    async def _current(self, grant: Grant) -> Project:
        project = await self._projects.find(grant)
        if project is None:
            raise ProjectNotFoundError
        return project
