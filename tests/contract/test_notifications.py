"""One suite for inboxes, notification settings and mail windows: the in-memory ones and MongoDB's alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from taskflow.adapters.mongo.notifications import MongoInbox, MongoMailWindows, MongoNotificationPreferences
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.notifications import (
    Channels,
    InboxPosition,
    MailState,
    Notification,
    NotificationKind,
    NotificationSettings,
    ProjectRef,
    TaskRef,
    notification_id,
)
from taskflow.domain.ports.notifications import Inbox, MailWindows, NotificationPreferences
from taskflow.domain.values import ProjectId, TaskId, UserId
from tests.conftest import MEMORY
from tests.contract.conftest import memory_or_mongo
from tests.fakes.notifications import InMemoryInbox, InMemoryMailWindows, InMemoryNotificationPreferences

NOW = datetime(2026, 3, 1, 9, 0, 0, 123_000, tzinfo=UTC)
ADA, BOB = UserId("a" * 24), UserId("b" * 24)
PROJECT = ProjectId("d" * 24)


@dataclass
class Stores:
    inbox: Inbox
    preferences: NotificationPreferences
    windows: MailWindows


@pytest.fixture(params=[MEMORY, "mongo"])
async def stores(request: pytest.FixtureRequest) -> AsyncIterator[Stores]:
    def in_memory() -> Stores:
        return Stores(InMemoryInbox(), InMemoryNotificationPreferences(), InMemoryMailWindows())

    def on_mongo(database: AsyncDatabase[dict[str, object]]) -> Stores:
        return Stores(MongoInbox(database), MongoNotificationPreferences(database), MongoMailWindows(database))

    async with memory_or_mongo(request, "notifications", in_memory, on_mongo) as store:
        yield store


def _told(user: UserId, number: int, *, seconds: int = 0, **changes: object) -> Notification:
    told = Notification(
        id=notification_id(user, NotificationKind.ASSIGNED, str(number)),
        user=user,
        kind=NotificationKind.ASSIGNED,
        at=NOW + timedelta(seconds=seconds),
        actor=ADA,
        task=TaskRef(TaskId(f"{number:024x}"), f"Task {number}", PROJECT),
        project=ProjectRef(PROJECT, "Home"),
    )
    return replace(told, **changes)  # type: ignore[arg-type]


async def test_a_notification_comes_back_whole_and_is_stored_once(stores: Stores) -> None:
    whole = _told(BOB, 1, fields=("title", "due_at"), role=ProjectRole.EDITOR, due_at=NOW, mail=MailState.PENDING)
    assert await stores.inbox.add([whole]) == {whole.id}
    bare = replace(_told(BOB, 2), task=None, project=ProjectRef(PROJECT, None), actor=None)
    # Told again, with another: the first is kept as it was, the other stored.
    assert await stores.inbox.add([replace(whole, read=True), bare]) == {bare.id}
    assert await stores.inbox.find(BOB, whole.id) == whole
    assert await stores.inbox.find(ADA, whole.id) is None  # another's is not found
    assert await stores.inbox.find(BOB, bare.id) == bare
    assert await stores.inbox.add([]) == set()


async def test_pages_are_newest_first_by_person_and_skip_what_is_kept_for_mail_only(stores: Stores) -> None:
    told = [_told(BOB, number, seconds=number // 2) for number in range(6)]  # two at each moment
    await stores.inbox.add([*told, _told(BOB, 9, seconds=99, in_inbox=False), _told(ADA, 7, seconds=99)])
    newest_first = sorted(told, key=lambda item: (item.at, item.id), reverse=True)
    first = await stores.inbox.page(BOB, unread_only=False, after=None, limit=3)
    assert first == newest_first[:3]
    last = first[-1]
    rest = await stores.inbox.page(BOB, unread_only=False, after=InboxPosition(last.at, last.id), limit=10)
    assert rest == newest_first[3:]
    assert await stores.inbox.unread_count(BOB) == 6


async def test_marking_read_by_id_and_up_to_one_touches_only_the_persons_own(stores: Stores) -> None:
    told = [_told(BOB, number, seconds=number) for number in range(5)]
    await stores.inbox.add([*told, _told(ADA, 9)])
    await stores.inbox.mark_read(BOB, [told[4].id, _told(ADA, 9).id])
    assert await stores.inbox.unread_count(ADA) == 1
    await stores.inbox.mark_read_up_to(BOB, InboxPosition(told[2].at, told[2].id))
    unread = await stores.inbox.page(BOB, unread_only=True, after=None, limit=10)
    assert [item.id for item in unread] == [told[3].id]
    assert await stores.inbox.unread_count(BOB) == 1


async def test_pending_mail_is_oldest_first_before_a_moment_and_marked_sent_once(stores: Stores) -> None:
    pending = [_told(BOB, number, seconds=number, mail=MailState.PENDING) for number in range(3)]
    await stores.inbox.add([*pending, _told(BOB, 8, mail=MailState.UNWANTED), _told(ADA, 9, mail=MailState.PENDING)])
    made_before = NOW + timedelta(seconds=2)
    assert [item.id for item in await stores.inbox.pending_mail(BOB, made_before=made_before)] == [
        pending[0].id,
        pending[1].id,
    ]
    assert sorted(await stores.inbox.mailed(BOB, pending[:2])) == sorted(item.id for item in pending[:2])
    assert await stores.inbox.mailed(BOB, [pending[0], pending[2]]) == [pending[2].id]
    assert await stores.inbox.pending_mail(BOB, made_before=made_before + timedelta(days=1)) == []


async def test_settings_are_the_defaults_until_chosen(stores: Stores) -> None:
    defaults = await stores.preferences.get(BOB)
    assert defaults.of(NotificationKind.ASSIGNED) == Channels(inbox=True, mail=True)
    assert defaults.of(NotificationKind.ROLE_CHANGED) == Channels(inbox=True, mail=False)
    chosen = defaults.changed({NotificationKind.ASSIGNED: (False, None), NotificationKind.DUE_SOON: (None, False)})
    await stores.preferences.save(BOB, chosen)
    assert await stores.preferences.get(BOB) == chosen
    assert chosen.of(NotificationKind.ASSIGNED) == Channels(inbox=False, mail=True)
    assert await stores.preferences.get(ADA) == NotificationSettings()


async def test_a_mail_window_is_opened_by_one_notification_until_it_ends(stores: Stores) -> None:
    until = NOW + timedelta(minutes=5)
    assert await stores.windows.open(BOB, "first", now=NOW, until=until) == until
    assert await stores.windows.open(BOB, "second", now=NOW + timedelta(minutes=1), until=until) is None
    assert await stores.windows.open(BOB, "first", now=NOW + timedelta(minutes=9), until=until) == until  # a replay
    assert await stores.windows.open(ADA, "hers", now=NOW, until=until) == until  # a window per person
    later = NOW + timedelta(minutes=11)
    assert await stores.windows.open(BOB, "third", now=until, until=later) == later  # the first one ended
