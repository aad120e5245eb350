"""What every SessionRepository does, in memory and on MongoDB alike."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from taskflow.domain.model.accounts import Session
from taskflow.domain.values import SessionId, UserId
from tests.contract.conftest import Repositories

NOW = datetime(2026, 3, 1, 9, 30, 15, 123000, tzinfo=UTC)
ADA, BOB = UserId("a" * 24), UserId("b" * 24)


def _session(number: int, user: UserId = ADA, digest: str = "d0") -> Session:
    return Session(
        id=SessionId(f"{number:032x}"),
        user_id=user,
        token_digest=digest,
        created_at=NOW,
        refreshed_at=NOW,
        expires_at=NOW + timedelta(days=14),
        ends_at=NOW + timedelta(days=30),
    )


async def test_a_session_reads_back_exactly_as_written(repositories: Repositories) -> None:
    session = _session(1)
    await repositories.sessions.add(session)
    assert await repositories.sessions.get(session.id) == session
    assert await repositories.sessions.get(SessionId("f" * 32)) is None


async def test_rotation_swaps_the_digest_once(repositories: Repositories) -> None:
    session = _session(2)
    await repositories.sessions.add(session)
    later = NOW + timedelta(hours=1)
    rotated = await repositories.sessions.rotate(
        session.id, presented="d0", replacement="d1", now=later, expires_at=later + timedelta(days=14)
    )
    assert rotated == dataclasses.replace(
        session, token_digest="d1", refreshed_at=later, expires_at=later + timedelta(days=14)
    )
    again = await repositories.sessions.rotate(
        session.id, presented="d0", replacement="d2", now=later, expires_at=later
    )
    assert again is None
    assert (await repositories.sessions.get(session.id)) == rotated


async def test_concurrent_rotations_of_one_digest_have_one_winner(repositories: Repositories) -> None:
    session = _session(3)
    await repositories.sessions.add(session)
    results = await asyncio.gather(
        *(
            repositories.sessions.rotate(
                session.id, presented="d0", replacement=f"r{i}", now=NOW, expires_at=NOW + timedelta(days=1)
            )
            for i in range(8)
        )
    )
    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    assert (await repositories.sessions.get(session.id)) == winners[0]


async def test_revoked_or_expired_sessions_do_not_rotate(repositories: Repositories) -> None:
    revoked, idle, ended = _session(4), _session(5), _session(6)
    for session in (revoked, idle, ended):
        await repositories.sessions.add(session)
    await repositories.sessions.revoke(revoked.id, now=NOW, reason="logout")
    assert (
        await repositories.sessions.rotate(revoked.id, presented="d0", replacement="x", now=NOW, expires_at=NOW) is None
    )
    late = NOW + timedelta(days=15)
    assert (
        await repositories.sessions.rotate(idle.id, presented="d0", replacement="x", now=late, expires_at=late) is None
    )
    stored = await repositories.sessions.get(revoked.id)
    assert stored is not None
    assert (stored.revoked_at, stored.revoked_reason) == (NOW, "logout")


async def test_a_second_revocation_keeps_the_first_reason(repositories: Repositories) -> None:
    session = _session(7)
    await repositories.sessions.add(session)
    await repositories.sessions.revoke(session.id, now=NOW, reason="reuse")
    await repositories.sessions.revoke(session.id, now=NOW + timedelta(hours=1), reason="logout")
    stored = await repositories.sessions.get(session.id)
    assert stored is not None
    assert (stored.revoked_at, stored.revoked_reason) == (NOW, "reuse")


async def test_revoke_all_ends_one_accounts_sessions_only(repositories: Repositories) -> None:
    mine, also_mine, theirs = _session(8), _session(9), _session(10, user=BOB)
    for session in (mine, also_mine, theirs):
        await repositories.sessions.add(session)
    await repositories.sessions.revoke_all(ADA, now=NOW, reason="password-change")
    for session in (mine, also_mine):
        stored = await repositories.sessions.get(session.id)
        assert stored is not None
        assert stored.revoked_reason == "password-change"
    bobs = await repositories.sessions.get(theirs.id)
    assert bobs is not None
    assert bobs.is_live(NOW)
