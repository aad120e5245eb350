"""The membership gate's rules through the services, on fakes (decision 0029).

A member's requests read the gate, not the record; every change reaches the gate before
the request that made it answers; a fill cannot undo a removal; an outage falls back to
the record and voids what the gate held.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskflow.adapters.stores.memberships import GatedMembershipRepository
from taskflow.domain.access.grants import Grant
from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import Action, ProjectRole
from taskflow.domain.access.service import AccessService
from taskflow.domain.errors import ForbiddenError, ProjectNotFoundError
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder
from taskflow.domain.model.tasks import TaskDraft
from taskflow.domain.values import ProjectId, Role, UserId
from tests.fakes.gates import InMemoryMembershipGate
from tests.fakes.projects import InMemoryMemberships
from tests.unit.conftest import World

ADA, BOB = Principal(UserId("a" * 24), Role.USER), Principal(UserId("b" * 24), Role.USER)
CAROL = Principal(UserId("c" * 24), Role.USER)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _member(who: Principal, project: ProjectId, role: ProjectRole) -> Membership:
    """A membership of a project in Ada's space."""
    return Membership(user_id=who.id, project_id=project, space=ADA.id, role=role, joined_at=NOW)


async def _shared(world: World, role: ProjectRole = ProjectRole.EDITOR) -> ProjectId:
    """Ada's project with Bob in it, added to the record only (as before the gate knew him)."""
    project = (await world.project_service.create(ADA, "Home")).project
    world.memberships.join(_member(BOB, project.id, role))
    return project.id


async def _list(world: World, who: Principal, project: ProjectId) -> int:
    page = await world.task_service.list(who, TaskFilter(), TaskOrder(), after=None, limit=20, project=project)
    return len(page.items)


async def test_a_members_later_requests_read_the_gate_not_the_record(world: World) -> None:
    project = await _shared(world)
    await _list(world, BOB, project)  # the first reads the record and fills the gate
    finds = world.memberships.finds
    for _ in range(3):
        await _list(world, BOB, project)
    assert world.memberships.finds == finds
    assert world.membership_gate.reads >= 4


async def test_a_stranger_is_read_from_the_record_every_time_and_never_stored(world: World) -> None:
    project = await _shared(world)
    for _ in range(2):
        with pytest.raises(ProjectNotFoundError):
            await _list(world, CAROL, project)
    assert project.value not in world.membership_gate.entries.get(CAROL.id, {})


async def test_a_removal_holds_on_the_next_request_with_the_gate_warm(world: World) -> None:
    project = await _shared(world)
    await _list(world, BOB, project)
    await world.project_service.remove_member(ADA, project, BOB.id)
    with pytest.raises(ProjectNotFoundError):
        await _list(world, BOB, project)


async def test_a_role_change_holds_on_the_next_request_with_the_gate_warm(world: World) -> None:
    project = await _shared(world, ProjectRole.EDITOR)
    await world.task_service.create(BOB, TaskDraft(title="mine"), project=project)
    await world.project_service.change_role(ADA, project, BOB.id, ProjectRole.VIEWER)
    with pytest.raises(ForbiddenError):
        await world.task_service.create(BOB, TaskDraft(title="not any more"), project=project)


async def test_a_fill_that_read_before_a_removal_cannot_bring_the_member_back() -> None:
    record, gate = InMemoryMemberships(), InMemoryMembershipGate()
    bob = Membership(
        user_id=BOB.id, project_id=ProjectId("d" * 24), space=ADA.id, role=ProjectRole.VIEWER, joined_at=NOW
    )
    record.join(bob)
    memberships = GatedMembershipRepository(record, gate)
    before = await gate.read(BOB.id, bob.project_id)  # a request misses and reads the record ...
    assert await memberships.remove(BOB.id, bob.project_id)  # ... Bob is removed meanwhile ...
    await gate.fill(bob, seen=before.seen)  # ... and the request stores what it read
    assert await memberships.find(BOB.id, bob.project_id) is None
    assert record.finds == 0  # the gate knows the membership ended


async def test_when_the_gate_is_down_the_record_decides_and_what_it_held_is_void_after(world: World) -> None:
    project = await _shared(world)
    await _list(world, BOB, project)  # known to the gate
    world.membership_gate.down = True
    await world.project_service.remove_member(ADA, project, BOB.id)  # cannot be written through
    with pytest.raises(ProjectNotFoundError):
        await _list(world, BOB, project)
    world.membership_gate.down = False  # back, with what it held before the removal
    with pytest.raises(ProjectNotFoundError):
        await _list(world, BOB, project)


async def test_ending_every_membership_also_ends_one_made_while_it_runs() -> None:
    project = ProjectId("d" * 24)

    class JoinedMeanwhile(InMemoryMemberships):
        async def of_project(self, grant: Grant) -> list[Membership]:
            found = await super().of_project(grant)
            if (CAROL.id, project) not in self.memberships and found:  # Carol joins after the first read
                self.join(
                    Membership(user_id=CAROL.id, project_id=project, space=ADA.id, role=ProjectRole.DOER, joined_at=NOW)
                )
            return found

    record, gate = JoinedMeanwhile(), InMemoryMembershipGate()
    memberships = GatedMembershipRepository(record, gate)
    for who in (ADA, BOB):
        await memberships.add(
            Membership(user_id=who.id, project_id=project, space=ADA.id, role=ProjectRole.OWNER, joined_at=NOW)
        )
    grant = await AccessService(memberships).project(ADA, project, Action.DELETE)
    assert await memberships.remove_all(grant) == 3
    assert record.memberships == {}
    for who in (ADA, BOB, CAROL):
        assert (await gate.read(who.id, project)).known
        assert await memberships.find(who.id, project) is None


class _KilledError(Exception):
    """The process died here."""


async def test_a_process_killed_between_the_change_and_its_write_through_leaves_the_gate_reading_the_record() -> None:
    project = ProjectId("d" * 24)

    class DiesAfterWriting(InMemoryMemberships):
        async def set_role(
            self, user_id: UserId, project_id: ProjectId, role: ProjectRole, *, by: UserId | None = None
        ) -> Membership | None:
            await super().set_role(user_id, project_id, role, by=by)
            raise _KilledError

        async def remove(self, user_id: UserId, project_id: ProjectId, *, by: UserId | None = None) -> bool:
            await super().remove(user_id, project_id, by=by)
            raise _KilledError

    record, gate = DiesAfterWriting(), InMemoryMembershipGate()
    memberships = GatedMembershipRepository(record, gate)
    record.join(_member(BOB, project, ProjectRole.EDITOR))
    assert (await memberships.find(BOB.id, project)) is not None  # known to the gate now
    with pytest.raises(_KilledError):
        await memberships.set_role(BOB.id, project, ProjectRole.VIEWER)
    demoted = await memberships.find(BOB.id, project)
    assert demoted is not None
    assert demoted.role is ProjectRole.VIEWER
    await gate.fill(_member(BOB, project, ProjectRole.EDITOR), seen=str(gate.epoch))  # a late fill changes nothing
    with pytest.raises(_KilledError):
        await memberships.remove(BOB.id, project)
    assert await memberships.find(BOB.id, project) is None


async def test_ending_every_membership_ends_the_owners_last() -> None:
    project = ProjectId("d" * 24)

    class Ordered(InMemoryMemberships):
        removed: list[UserId]

        async def remove(self, user_id: UserId, project_id: ProjectId, *, by: UserId | None = None) -> bool:
            self.removed.append(user_id)
            return await super().remove(user_id, project_id, by=by)

    record = Ordered()
    record.removed = []
    memberships = GatedMembershipRepository(record, InMemoryMembershipGate())
    await memberships.add(_member(ADA, project, ProjectRole.OWNER))  # joined first
    await memberships.add(_member(BOB, project, ProjectRole.EDITOR))
    grant = await AccessService(memberships).project(ADA, project, Action.DELETE)
    assert await memberships.remove_all(grant) == 2
    assert record.removed == [BOB.id, ADA.id]
