"""One suite for the membership gate: the in-memory fake and Redis keep the same rules (decision 0029)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from taskflow.adapters.redis.membership_gate import RedisMembershipGate
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import UnavailableError
from taskflow.domain.model.projects import Membership
from taskflow.domain.ports.gates import MembershipGate
from taskflow.domain.values import ProjectId, UserId
from tests.conftest import MEMORY
from tests.contract.gates import Levers, fake_levers, own_redis
from tests.fakes.gates import InMemoryMembershipGate

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
HOME, WORK = ProjectId("d" * 24), ProjectId("e" * 24)
BOB_IN_HOME = Membership(
    user_id=BOB,
    project_id=HOME,
    space=ADA,
    role=ProjectRole.EDITOR,
    joined_at=datetime(2026, 3, 1, 9, 30, 0, 123000, tzinfo=UTC),
)
Subject = Levers[MembershipGate]


@pytest.fixture(params=[MEMORY, "redis"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == MEMORY:
        fake = InMemoryMembershipGate()

        yield Subject(fake, *fake_levers(fake))
        return
    async with own_redis() as redis:
        gate = RedisMembershipGate(redis.client, redis.epoch)
        yield Subject(gate, redis.move_epoch, redis.lose_data, redis.outage, redis.stop)


async def test_an_unknown_membership_is_learned_by_a_fill_and_then_read_whole(subject: Subject) -> None:
    gate = subject.gate
    first = await gate.read(BOB, HOME)
    assert (first.known, first.membership) == (False, None)
    await gate.fill(BOB_IN_HOME, seen=first.seen)
    again = await gate.read(BOB, HOME)
    assert (again.known, again.membership) == (True, BOB_IN_HOME)
    assert not (await gate.read(BOB, WORK)).known  # one entry per project


async def test_an_ended_membership_stays_ended_whatever_a_late_fill_read(subject: Subject) -> None:
    gate = subject.gate
    await gate.fill(BOB_IN_HOME, seen=(await gate.read(BOB, HOME)).seen)
    before = await gate.read(BOB, HOME)  # a request read the membership ...
    await gate.record(BOB, HOME, None)  # ... Bob is removed ...
    await gate.fill(BOB_IN_HOME, seen=before.seen)  # ... and the request fills what it read
    ended = await gate.read(BOB, HOME)
    assert (ended.known, ended.membership) == (True, None)
    promoted = replace(BOB_IN_HOME, role=ProjectRole.ADMIN)
    await gate.record(BOB, HOME, promoted)  # joins again, higher
    assert (await gate.read(BOB, HOME)).membership == promoted


async def test_what_the_gate_held_before_the_epoch_moved_does_not_count_nor_does_a_fill_read_before(
    subject: Subject,
) -> None:
    gate = subject.gate
    await gate.fill(BOB_IN_HOME, seen=(await gate.read(BOB, HOME)).seen)
    stale = await gate.read(BOB, HOME)
    await subject.move_epoch()
    assert not (await gate.read(BOB, HOME)).known
    await gate.fill(BOB_IN_HOME, seen=stale.seen)  # read under the old epoch: not stored
    assert not (await gate.read(BOB, HOME)).known


async def test_a_gate_that_lost_its_data_knows_no_membership(subject: Subject) -> None:
    await subject.gate.record(BOB, HOME, BOB_IN_HOME)
    await subject.lose_data()
    assert not (await subject.gate.read(BOB, HOME)).known


async def test_a_change_the_gate_could_not_take_voids_what_it_held(subject: Subject) -> None:
    gate = subject.gate
    await gate.fill(BOB_IN_HOME, seen=(await gate.read(BOB, HOME)).seen)
    async with subject.outage():
        with pytest.raises(UnavailableError):
            await gate.read(BOB, HOME)
        await gate.begin(BOB, HOME)  # never raises: the gate owes an epoch change
        await gate.record(BOB, HOME, None)
    # Whatever the store did with the writes, the membership from before them no longer counts.
    assert (await gate.read(BOB, HOME)).membership is None


async def test_a_gone_store_is_unavailable_for_reads_and_fills_and_writes_do_not_raise(subject: Subject) -> None:
    gate = subject.gate
    await subject.stop()
    with pytest.raises(UnavailableError):
        await gate.read(BOB, HOME)
    await gate.fill(BOB_IN_HOME, seen="1")
    await gate.begin(BOB, HOME)
    await gate.record(BOB, HOME, None)


async def test_while_a_change_is_made_the_gate_knows_nothing_and_takes_no_fill(subject: Subject) -> None:
    gate = subject.gate
    await gate.fill(BOB_IN_HOME, seen=(await gate.read(BOB, HOME)).seen)
    await gate.begin(BOB, HOME)  # the record is about to change (and the process may die before it says how)
    changing = await gate.read(BOB, HOME)
    assert (changing.known, changing.membership) == (False, None)
    await gate.fill(BOB_IN_HOME, seen=changing.seen)  # what a reader saw in the record meanwhile
    assert not (await gate.read(BOB, HOME)).known
    await gate.record(BOB, HOME, None)
    assert (await gate.read(BOB, HOME)).known
