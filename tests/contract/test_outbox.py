"""The outbox: first record wins, done is final, pending comes oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskflow.domain.ports.jobs import OutboxEntry
from tests.contract.conftest import Repositories

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _entry(entry_id: str, minutes: int, **args: str) -> OutboxEntry:
    return OutboxEntry(id=entry_id, job="send_welcome_mail", args=args, created_at=T0 + timedelta(minutes=minutes))


async def test_recording_an_entry_twice_keeps_the_first(repositories: Repositories) -> None:
    outbox = repositories.outbox
    assert await outbox.add(_entry("welcome:a", 0, user_id="a")) is True
    assert await outbox.add(_entry("welcome:a", 5, user_id="changed")) is False
    (pending,) = await outbox.pending(created_before=T0 + timedelta(hours=1), limit=10)
    assert pending == _entry("welcome:a", 0, user_id="a")


async def test_pending_is_oldest_first_before_the_cut_off_and_bounded(repositories: Repositories) -> None:
    outbox = repositories.outbox
    for entry_id, minutes in (("c", 2), ("a", 0), ("b", 1), ("late", 30)):
        await outbox.add(_entry(entry_id, minutes))
    assert [e.id for e in await outbox.pending(created_before=T0 + timedelta(minutes=10), limit=10)] == ["a", "b", "c"]
    assert [e.id for e in await outbox.pending(created_before=T0 + timedelta(minutes=10), limit=2)] == ["a", "b"]


async def test_a_done_entry_is_not_pending_and_stays_done(repositories: Repositories) -> None:
    outbox = repositories.outbox
    await outbox.add(_entry("x", 0))
    assert not await outbox.is_done("x")
    await outbox.mark_done("x", at=T0)
    await outbox.mark_done("x", at=T0 + timedelta(minutes=1))
    await outbox.add(_entry("x", 0))  # recorded again by a retried request: still done
    assert await outbox.is_done("x")
    assert await outbox.pending(created_before=T0 + timedelta(hours=1), limit=10) == []
    assert not await outbox.is_done("never-recorded")
