"""Invitations on fakes: the same answer for any address, a token never stored, used once, for its address."""

from __future__ import annotations

import re

import pytest

from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import (
    ForbiddenError,
    InvalidValueError,
    InvitationNotFoundError,
    MemberLimitError,
    ProjectNotFoundError,
    TooManyRequestsError,
)
from taskflow.domain.model.accounts import User
from taskflow.domain.model.projects import MAX_MEMBERS, Membership
from taskflow.domain.services.mail import INVITATION_JOB
from taskflow.domain.values import ProjectId, UserId
from tests.unit.conftest import SETTINGS, World, as_principal

PASSWORD = "a long enough password"


async def _people(world: World) -> tuple[User, User, ProjectId]:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    bob = await world.registration.register("bob@example.com", PASSWORD, "Bob")
    project = (await world.project_service.create(as_principal(ada), "Home")).project.id
    return ada, bob, project


async def _mailed_token(world: World) -> str:
    """Run the queued invitation jobs as the worker would; the token of the last mail."""
    for job_id, (job, args) in list(world.jobs.jobs.items()):
        if job == INVITATION_JOB:
            await world.invitation_mail.send(args["invitation_id"])
            del world.jobs.jobs[job_id]
    found = re.search(r"/api/v1/invitations/([\w-]+)/accept", world.mailer.sent[-1].text)
    assert found is not None
    return found.group(1)


async def test_an_invitation_is_mailed_and_accepted_once_by_its_address(world: World) -> None:
    ada, bob, project = await _people(world)
    await world.invitation_service.invite(as_principal(ada), project, "Bob@Example.com", ProjectRole.EDITOR)
    token = await _mailed_token(world)
    assert world.mailer.sent[-1].to == "bob@example.com"
    assert all(token not in repr(invitation) for invitation in world.invitations.invitations.values())
    joined = await world.invitation_acceptance.accept(as_principal(bob), token)
    assert (joined.project.id, joined.role) == (project, ProjectRole.EDITOR)
    assert (await world.project_service.get(as_principal(bob), project)).role is ProjectRole.EDITOR
    with pytest.raises(InvitationNotFoundError):
        await world.invitation_acceptance.accept(as_principal(bob), token)


async def test_any_address_gets_the_same_answer_and_a_mail(world: World) -> None:
    ada, _, project = await _people(world)
    for address in ("bob@example.com", "nobody@example.com"):
        await world.invitation_service.invite(as_principal(ada), project, address, ProjectRole.VIEWER)
        await _mailed_token(world)
        assert world.mailer.sent[-1].to == address


async def test_only_the_invited_address_can_accept(world: World) -> None:
    ada, bob, project = await _people(world)
    eve = await world.registration.register("eve@example.com", PASSWORD, "Eve")
    await world.invitation_service.invite(as_principal(ada), project, "bob@example.com", ProjectRole.VIEWER)
    token = await _mailed_token(world)
    for wrong in (token, token[:-1] + ("A" if token[-1] != "A" else "B"), "x"):
        with pytest.raises(InvitationNotFoundError):
            await world.invitation_acceptance.accept(as_principal(eve), wrong)
    with pytest.raises(ProjectNotFoundError):
        await world.project_service.get(as_principal(eve), project)
    assert (
        await world.invitation_acceptance.accept(as_principal(bob), token)
    ).role is ProjectRole.VIEWER  # not used up


async def test_an_invitation_expires_after_seven_days(world: World) -> None:
    ada, bob, project = await _people(world)
    await world.invitation_service.invite(as_principal(ada), project, "bob@example.com", ProjectRole.VIEWER)
    token = await _mailed_token(world)
    world.clock.advance(days=7)
    with pytest.raises(InvitationNotFoundError):
        await world.invitation_acceptance.accept(as_principal(bob), token)


async def test_inviting_needs_a_role_above_the_one_given(world: World) -> None:
    ada, bob, project = await _people(world)
    world.memberships.join(
        Membership(user_id=bob.id, project_id=project, space=ada.id, role=ProjectRole.ADMIN, joined_at=ada.created_at)
    )
    for role in (ProjectRole.ADMIN, ProjectRole.OWNER):
        with pytest.raises(ForbiddenError):
            await world.invitation_service.invite(as_principal(bob), project, "c@example.com", role)
    stranger = Principal(UserId("f" * 24), ada.role)
    with pytest.raises(ProjectNotFoundError):
        await world.invitation_service.invite(stranger, project, "c@example.com", ProjectRole.VIEWER)
    with pytest.raises(InvalidValueError):
        await world.invitation_service.invite(as_principal(ada), project, "not an address", ProjectRole.VIEWER)
    assert world.invitations.invitations == {}


async def test_a_full_project_takes_no_one_more(world: World) -> None:
    ada, bob, project = await _people(world)
    await world.invitation_service.invite(as_principal(ada), project, "bob@example.com", ProjectRole.VIEWER)
    token = await _mailed_token(world)
    for number in range(MAX_MEMBERS - 1):
        member = UserId(f"{number + 1:024x}"[::-1])
        world.memberships.join(
            Membership(
                user_id=member, project_id=project, space=ada.id, role=ProjectRole.VIEWER, joined_at=ada.created_at
            )
        )
    with pytest.raises(MemberLimitError):
        await world.invitation_acceptance.accept(as_principal(bob), token)


async def test_no_mail_for_an_invitation_accepted_before_its_job_ran(world: World) -> None:
    ada, bob, project = await _people(world)
    await world.invitation_service.invite(as_principal(ada), project, "bob@example.com", ProjectRole.VIEWER)
    token = await _mailed_token(world)
    sent = len(world.mailer.sent)
    await world.invitation_acceptance.accept(as_principal(bob), token)
    invitation_ids = [args["invitation_id"] for job, args in world.jobs.jobs.values() if job == INVITATION_JOB]
    for invitation_id in invitation_ids:
        await world.invitation_mail.send(invitation_id)
    assert len(world.mailer.sent) == sent


async def test_a_member_who_accepts_keeps_their_role_and_uses_the_invitation_up(world: World) -> None:
    ada, bob, project = await _people(world)
    await world.invitation_service.invite(as_principal(ada), project, "bob@example.com", ProjectRole.VIEWER)
    token = await _mailed_token(world)
    joined = Membership(
        user_id=bob.id, project_id=project, space=ada.id, role=ProjectRole.EDITOR, joined_at=ada.created_at
    )
    world.memberships.join(joined)
    assert (await world.invitation_acceptance.accept(as_principal(bob), token)).role is ProjectRole.EDITOR
    assert await world.memberships.find(bob.id, project) == joined
    with pytest.raises(InvitationNotFoundError):
        await world.invitation_acceptance.accept(as_principal(bob), token)


async def test_an_account_sends_at_most_its_daily_budget_of_invitations(world: World) -> None:
    ada, _, project = await _people(world)
    other = (await world.project_service.create(as_principal(ada), "Work")).project.id
    budget = SETTINGS.rate_limits.invitations_per_user.count
    for number in range(budget):  # across projects: one budget per inviter
        place = project if number % 2 else other
        await world.invitation_service.invite(as_principal(ada), place, f"p{number}@example.com", ProjectRole.VIEWER)
    with pytest.raises(TooManyRequestsError) as refused:
        await world.invitation_service.invite(as_principal(ada), project, "one@example.com", ProjectRole.VIEWER)
    assert 0 < refused.value.retry_after <= SETTINGS.rate_limits.invitations_per_user.window_seconds
    assert len(world.invitations.invitations) == budget  # the refused one was not made, nor queued
    assert sum(job == INVITATION_JOB for job, _ in world.jobs.jobs.values()) == budget
    world.clock.advance(days=1)
    await world.invitation_service.invite(as_principal(ada), project, "one@example.com", ProjectRole.VIEWER)
