"""The membership gate on a real redis-server: fills, written-through changes, lost data, an outage."""

from __future__ import annotations

import signal
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime
from typing import cast

import pytest
from redis.asyncio import Redis

from taskflow.adapters.redis.epoch import EPOCH_KEY, Epoch
from taskflow.adapters.redis.membership_gate import RedisMembershipGate
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import UnavailableError
from taskflow.domain.model.projects import Membership
from taskflow.domain.values import ProjectId, UserId
from taskflow.entrypoints.processes import Child

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
HOME, WORK = ProjectId("d" * 24), ProjectId("e" * 24)
BOB_IN_HOME = Membership(
    user_id=BOB,
    project_id=HOME,
    space=ADA,
    role=ProjectRole.EDITOR,
    joined_at=datetime(2026, 3, 1, 9, 30, 0, 123000, tzinfo=UTC),
)


@pytest.fixture
def gate(redis: Redis) -> RedisMembershipGate:
    return RedisMembershipGate(redis, Epoch(redis, RedisHealth()))


async def test_an_unknown_membership_is_learned_by_a_fill_and_then_read_whole(gate: RedisMembershipGate) -> None:
    first = await gate.read(BOB, HOME)
    assert (first.known, first.membership) == (False, None)
    await gate.fill(BOB_IN_HOME, seen=first.seen)
    again = await gate.read(BOB, HOME)
    assert (again.known, again.membership) == (True, BOB_IN_HOME)
    assert not (await gate.read(BOB, WORK)).known  # one field per project


async def test_an_ended_membership_stays_ended_whatever_a_late_fill_read(gate: RedisMembershipGate) -> None:
    await gate.fill(BOB_IN_HOME, seen=(await gate.read(BOB, HOME)).seen)
    before = await gate.read(BOB, HOME)  # a request read the membership ...
    await gate.record(BOB, HOME, None)  # ... Bob is removed ...
    await gate.fill(BOB_IN_HOME, seen=before.seen)  # ... and the request fills what it read
    ended = await gate.read(BOB, HOME)
    assert (ended.known, ended.membership) == (True, None)
    promoted = replace(BOB_IN_HOME, role=ProjectRole.ADMIN)
    await gate.record(BOB, HOME, promoted)  # joins again, higher
    assert (await gate.read(BOB, HOME)).membership == promoted


async def test_what_redis_held_before_it_lost_its_data_or_the_epoch_moved_does_not_count(
    gate: RedisMembershipGate, redis: Redis
) -> None:
    await gate.fill(BOB_IN_HOME, seen=(await gate.read(BOB, HOME)).seen)
    stale = await gate.read(BOB, HOME)
    await cast("Awaitable[int]", redis.hincrby(EPOCH_KEY, "n", 1))
    assert not (await gate.read(BOB, HOME)).known
    await gate.fill(BOB_IN_HOME, seen=stale.seen)  # read under the old epoch: not stored
    assert not (await gate.read(BOB, HOME)).known
    await gate.record(BOB, HOME, BOB_IN_HOME)
    await redis.flushall()
    assert not (await gate.read(BOB, HOME)).known


async def test_a_change_redis_could_not_take_voids_what_it_held(
    own_redis: Child, gate: RedisMembershipGate, redis: Redis
) -> None:
    await gate.fill(BOB_IN_HOME, seen=(await gate.read(BOB, HOME)).seen)
    own_redis.process.send_signal(signal.SIGSTOP)
    try:
        with pytest.raises(UnavailableError):
            await gate.read(BOB, HOME)
        await gate.record(BOB, HOME, None)  # never raises: the gate owes an epoch change
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    # Whatever the thawed Redis did with the write, the membership from before it no longer counts
    # (the epoch moves before this process's next call, if the background retry has not moved it).
    reading = await gate.read(BOB, HOME)
    assert reading.membership is None
    assert await cast("Awaitable[bytes]", redis.hget(EPOCH_KEY, "n")) != b"1"


async def test_while_a_change_is_made_the_gate_knows_nothing_and_takes_no_fill(gate: RedisMembershipGate) -> None:
    await gate.fill(BOB_IN_HOME, seen=(await gate.read(BOB, HOME)).seen)
    await gate.begin(BOB, HOME)  # the record is about to change (and the process may die before it says how)
    changing = await gate.read(BOB, HOME)
    assert (changing.known, changing.membership) == (False, None)
    await gate.fill(BOB_IN_HOME, seen=changing.seen)  # what a reader saw in the record meanwhile
    assert not (await gate.read(BOB, HOME)).known
    await gate.record(BOB, HOME, None)
    assert (await gate.read(BOB, HOME)).known
