"""Invitations by e-mail to a project (decision 0028).

Rules:
- admins and the owner invite, at a role below their own; the answer is the same whatever
  the address (no account is looked up), so it reveals nothing about who has one;
- the token is an HMAC of the invitation's id under the server's secret: only its SHA-256
  is stored, and the mail job derives the token again, so it is never stored anywhere;
- the signed-in account whose e-mail was invited accepts it once, within 7 days; the
  token of another address, or a used or expired one, is one and the same 404;
- accepting keeps both limits: 50 members per project, 500 projects per user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.access.roles import Action, ProjectRole
from taskflow.domain.errors import (
    ForbiddenError,
    InvitationNotFoundError,
    MemberLimitError,
    ProjectLimitError,
    ProjectNotFoundError,
)
from taskflow.domain.model.projects import (
    INVITATION_LIFETIME,
    MAX_MEMBERS,
    MAX_PROJECTS_PER_USER,
    Invitation,
    Membership,
)
from taskflow.domain.services.idempotency import keyed_id
from taskflow.domain.services.mail import INVITATION_JOB, invitation_job_id, invitation_mail
from taskflow.domain.services.projects import ProjectView
from taskflow.domain.services.sessions import digest
from taskflow.domain.values import Email

if TYPE_CHECKING:
    from taskflow.domain.access.principal import Principal
    from taskflow.domain.access.service import AccessService
    from taskflow.domain.ports.accounts import UserRepository
    from taskflow.domain.ports.mail import Mailer
    from taskflow.domain.ports.projects import InvitationRepository, MembershipRepository, ProjectRepository
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.domain.services.budgets import Budget
    from taskflow.domain.services.derived_tokens import DerivedTokens
    from taskflow.domain.services.outbox import OutboxService
    from taskflow.domain.values import ProjectId


class InvitationService:
    """Inviting: an invitation stored, and its mail recorded in the outbox before the answer."""

    def __init__(
        self,
        *,
        invitations: InvitationRepository,
        projects: ProjectRepository,
        access: AccessService,
        tokens: DerivedTokens,
        outbox: OutboxService,
        ids: IdGenerator,
        clock: Clock,
        budget: Budget,
    ) -> None:
        self._invitations = invitations
        self._projects = projects
        self._access = access
        self._tokens = tokens
        self._outbox = outbox
        self._ids = ids
        self._clock = clock
        self._budget = budget

    async def invite(
        self,
        principal: Principal,
        project_id: ProjectId,
        email: str,
        role: ProjectRole,
        *,
        request_key: str | None = None,
    ) -> Invitation:
        """Sends once per `request_key`: a retry after an unknown outcome gets the first invitation, no second mail."""
        address = Email(email)
        grant = await self._access.project(principal, project_id, Action.MANAGE_MEMBERS)
        invitation_id = (
            self._ids.new_invitation_id()
            if request_key is None
            else keyed_id(principal.id, request_key, kind="invitation")
        )
        if request_key is not None and (sent := await self._invitations.get(invitation_id)) is not None:
            return sent
        if role.covers(grant.role):
            msg = f"you can invite at roles below your own ({grant.role}) only"
            raise ForbiddenError(msg)
        project = await self._projects.find(grant)
        if project is None:
            raise ProjectNotFoundError
        # Each invitation is a mail to an address of the inviter's choosing: budgeted, so no
        # account can make taskflow send mail for it at will.
        detail = "you have sent as many invitations as one account may for now"
        await self._budget.spend(principal.id.value, detail=detail)
        now = self._clock.now()
        invitation = Invitation(
            id=invitation_id,
            project_id=project.id,
            space=project.space,
            project_name=project.name,
            email=address,
            role=role,
            invited_by=principal.id,
            token_digest=digest(self._tokens.token(invitation_id)),
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        entry = await self._outbox.record(invitation_job_id(invitation_id), INVITATION_JOB, invitation_id=invitation_id)
        await self._invitations.add(invitation)
        await self._outbox.dispatch(entry)
        return invitation


class InvitationMail:
    """The worker's job: at least once, with a stable Message-ID; nothing for one accepted or expired."""

    def __init__(
        self,
        *,
        invitations: InvitationRepository,
        tokens: DerivedTokens,
        outbox: OutboxService,
        mailer: Mailer,
        clock: Clock,
        web_url: str,
    ) -> None:
        self._invitations = invitations
        self._tokens = tokens
        self._outbox = outbox
        self._mailer = mailer
        self._clock = clock
        self._web_url = web_url

    async def send(self, invitation_id: str) -> None:
        entry_id = invitation_job_id(invitation_id)
        if await self._outbox.is_done(entry_id):
            return
        invitation = await self._invitations.get(invitation_id)
        if invitation is not None and invitation.expires_at > self._clock.now():
            await self._mailer.send(
                invitation_mail(invitation, self._tokens.token(invitation_id), web_url=self._web_url)
            )
        await self._outbox.mark_done(entry_id)


class InvitationAcceptance:
    """Accepting, once, by the signed-in account the invitation was sent to, within both limits."""

    def __init__(
        self,
        *,
        invitations: InvitationRepository,
        projects: ProjectRepository,
        memberships: MembershipRepository,
        users: UserRepository,
        access: AccessService,
        clock: Clock,
    ) -> None:
        self._invitations = invitations
        self._projects = projects
        self._memberships = memberships
        self._users = users
        self._access = access
        self._clock = clock

    async def accept(self, principal: Principal, token: str) -> ProjectView:
        account = await self._users.get(principal.id)
        token_digest, now = digest(token), self._clock.now()
        invitation = await self._invitations.find(token_digest, account.email, now=now)
        if invitation is None:
            raise InvitationNotFoundError
        grant = self._access.invited(principal, invitation)
        project = await self._projects.find(grant)
        if project is None:
            raise InvitationNotFoundError  # the project was deleted
        member = await self._memberships.find(principal.id, invitation.project_id)
        if member is None:
            if await self._memberships.count_of_user(principal.id) >= MAX_PROJECTS_PER_USER:
                raise ProjectLimitError
            if len(await self._memberships.of_project(grant)) >= MAX_MEMBERS:
                raise MemberLimitError
        if await self._invitations.take(token_digest, account.email, now=now) is None:
            raise InvitationNotFoundError  # taken meanwhile
        joined = Membership(
            user_id=principal.id,
            project_id=invitation.project_id,
            space=invitation.space,
            role=invitation.role,
            joined_at=now,
        )
        if member is None and not await self._memberships.add(joined):
            member = await self._memberships.find(principal.id, invitation.project_id)  # joined meanwhile
        return ProjectView(project, invitation.role if member is None else member.role)  # a member keeps theirs
