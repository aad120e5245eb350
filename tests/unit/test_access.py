"""Access grants: made only by the access service, from the caller's membership read now."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from taskflow.domain.access.grants import Grant
from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import NEEDS, Action, ProjectRole
from taskflow.domain.access.service import AccessService
from taskflow.domain.errors import ForbiddenError, ProjectNotFoundError
from taskflow.domain.model.projects import Membership
from taskflow.domain.values import ProjectId, Role, UserId
from tests.fakes.projects import InMemoryMemberships

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
PROJECT = ProjectId("c" * 24)
JOINED = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def memberships() -> InMemoryMemberships:
    found = InMemoryMemberships()
    found.join(Membership(user_id=ADA, project_id=PROJECT, space=ADA, role=ProjectRole.OWNER, joined_at=JOINED))
    return found


def _member(memberships: InMemoryMemberships, role: ProjectRole) -> Principal:
    memberships.join(Membership(user_id=BOB, project_id=PROJECT, space=ADA, role=role, joined_at=JOINED))
    return Principal(BOB, Role.USER)


def test_the_roles_are_ordered_and_each_covers_those_below() -> None:
    assert list(ProjectRole) == sorted(ProjectRole, key=lambda role: role.rank)
    assert ProjectRole.EDITOR.covers(ProjectRole.DOER)
    assert not ProjectRole.DOER.covers(ProjectRole.EDITOR)
    assert set(NEEDS) == set(Action)


async def test_ones_own_tasks_need_no_membership(memberships: InMemoryMemberships) -> None:
    grant = await AccessService(memberships).where(Principal(BOB, Role.USER), None, Action.EDIT)
    assert (grant.user, grant.space, grant.project, grant.role) == (BOB, BOB, None, ProjectRole.OWNER)


async def test_a_member_gets_a_grant_in_the_projects_space(memberships: InMemoryMemberships) -> None:
    bob = _member(memberships, ProjectRole.EDITOR)
    grant = await AccessService(memberships).project(bob, PROJECT, Action.EDIT)
    assert (grant.user, grant.space, grant.project, grant.role) == (BOB, ADA, PROJECT, ProjectRole.EDITOR)


@pytest.mark.parametrize(
    ("role", "action"),
    [
        (ProjectRole.VIEWER, Action.COMPLETE),
        (ProjectRole.DOER, Action.EDIT),
        (ProjectRole.EDITOR, Action.MANAGE_MEMBERS),
        (ProjectRole.ADMIN, Action.RENAME),
        (ProjectRole.ADMIN, Action.DELETE),
        (ProjectRole.ADMIN, Action.TRANSFER),
    ],
)
async def test_a_member_below_the_role_is_forbidden(
    memberships: InMemoryMemberships, role: ProjectRole, action: Action
) -> None:
    bob = _member(memberships, role)
    with pytest.raises(ForbiddenError):
        await AccessService(memberships).project(bob, PROJECT, action)


async def test_a_non_member_and_a_removed_member_see_no_project(memberships: InMemoryMemberships) -> None:
    access = AccessService(memberships)
    bob = Principal(BOB, Role.USER)
    with pytest.raises(ProjectNotFoundError):
        await access.project(bob, PROJECT, Action.READ)
    _member(memberships, ProjectRole.ADMIN)
    await access.project(bob, PROJECT, Action.READ)
    memberships.leave(BOB, PROJECT)
    with pytest.raises(ProjectNotFoundError):  # the very next call
        await access.project(bob, PROJECT, Action.READ)


async def test_a_site_admin_is_no_member_of_other_peoples_projects(memberships: InMemoryMemberships) -> None:
    with pytest.raises(ProjectNotFoundError):
        await AccessService(memberships).project(Principal(BOB, Role.ADMIN), PROJECT, Action.READ)


async def test_a_place_named_by_a_client_is_checked_like_a_path(memberships: InMemoryMemberships) -> None:
    access = AccessService(memberships)
    bob = Principal(BOB, Role.USER)
    assert (await access.where(bob, None, Action.EDIT)).space == BOB
    with pytest.raises(ProjectNotFoundError):
        await access.where(bob, PROJECT, Action.EDIT)


def test_a_grant_cannot_be_made_outside_the_access_service() -> None:
    with pytest.raises(TypeError):
        Grant(BOB, ADA, PROJECT, ProjectRole.OWNER, object())
    source = Path(__file__).resolve().parents[2] / "src" / "taskflow"
    minters = {source / "domain/access/grants.py", source / "domain/access/service.py"}
    sealed = [path for path in source.rglob("*.py") if "_SEAL" in path.read_text() and path not in minters]
    assert sealed == []
