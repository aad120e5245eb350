"""What every UserRepository and TaskRepository does, in memory and on MongoDB alike."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from taskflow.domain.errors import EmailAlreadyRegisteredError, TaskIdTakenError, TaskNotFoundError, UserNotFoundError
from taskflow.domain.model.accounts import new_user
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.ports.accounts import UserFilter
from taskflow.domain.values import Email, Priority, Role, TaskId, TaskStatus, UserId
from tests.contract.conftest import Repositories, add_task, own

NOW = datetime(2026, 3, 1, 9, 30, 15, 123000, tzinfo=UTC)
ADA, BOB = UserId("a" * 24), UserId("b" * 24)


def _task(task_id: str, owner: UserId) -> Task:
    draft = TaskDraft(
        title="Ünïcode ✓ title",
        description="line one\nline two",
        status=TaskStatus.DONE,
        priority=Priority.URGENT,
        due_at=NOW,
        tags=("x", "y"),
    )
    return Task.create(TaskId(task_id), owner, draft, now=NOW, by=owner)


async def test_a_task_reads_back_exactly_as_written(repositories: Repositories) -> None:
    task = _task("1" * 24, ADA)
    await add_task(repositories.tasks, task)
    read = await repositories.tasks.get(own(ADA), task.id)
    again = await repositories.tasks.get(own(ADA), task.id)  # from the cache, where there is one
    latest = await repositories.tasks.get_latest(own(ADA), task.id)
    assert (
        dataclasses.asdict(read) == dataclasses.asdict(again) == dataclasses.asdict(latest) == dataclasses.asdict(task)
    )


async def test_a_task_is_invisible_to_other_owners(repositories: Repositories) -> None:
    await add_task(repositories.tasks, _task("2" * 24, ADA))
    with pytest.raises(TaskNotFoundError):
        await repositories.tasks.get(own(BOB), TaskId("2" * 24))
    with pytest.raises(TaskNotFoundError):
        await repositories.tasks.get(own(ADA), TaskId("3" * 24))
    with pytest.raises(TaskNotFoundError):
        await repositories.tasks.get_latest(own(BOB), TaskId("2" * 24))


async def test_a_taken_task_id_is_refused_and_the_first_task_kept(repositories: Repositories) -> None:
    first = _task("4" * 24, ADA)
    await add_task(repositories.tasks, first)
    with pytest.raises(TaskIdTakenError):
        await add_task(repositories.tasks, dataclasses.replace(first, title="Another"))
    assert (await repositories.tasks.get_latest(own(ADA), first.id)).title == first.title


async def test_users_round_trip_and_emails_are_unique(repositories: Repositories) -> None:
    user = new_user(ADA, Email("ada@example.com"), "Ada", "hash", now=NOW)
    await repositories.users.add(user)
    assert dataclasses.asdict(await repositories.users.get(ADA)) == dataclasses.asdict(user)
    found = await repositories.users.find_by_email(Email("ADA@example.com"))
    assert found is not None
    assert found.id == ADA
    with pytest.raises(EmailAlreadyRegisteredError):
        await repositories.users.add(new_user(BOB, Email("ada@example.com"), "Bob", "hash", now=NOW))


async def test_saving_a_user_replaces_its_state(repositories: Repositories) -> None:
    user = new_user(ADA, Email("ada@example.com"), "Ada", "hash", now=NOW)
    await repositories.users.add(user)
    user.role, user.is_active, user.tokens_valid_after = Role.ADMIN, False, NOW
    await repositories.users.save(user, fields=frozenset({"role", "is_active", "tokens_valid_after"}))
    assert dataclasses.asdict(await repositories.users.get(ADA)) == dataclasses.asdict(user)


async def test_missing_users_are_reported(repositories: Repositories) -> None:
    with pytest.raises(UserNotFoundError):
        await repositories.users.get(BOB)
    assert await repositories.users.find_by_email(Email("nobody@example.com")) is None
    with pytest.raises(UserNotFoundError):
        await repositories.users.save(
            new_user(BOB, Email("bob@example.com"), "Bob", "hash", now=NOW), fields=frozenset({"name"})
        )


async def test_user_pages_filter_and_follow_ids(repositories: Repositories) -> None:
    ids = [UserId(f"{i:024x}") for i in range(1, 6)]
    for i, user_id in enumerate(ids):
        user = new_user(user_id, Email(f"{'ann' if i % 2 else 'bob'}{i}@example.com"), "N", "hash", now=NOW)
        user.role = Role.ADMIN if i == 4 else Role.USER
        user.is_active = i != 2
        await repositories.users.add(user)
    every = await repositories.users.list_page(UserFilter(), after=None, limit=10)
    assert [u.id for u in every] == ids
    assert [u.id for u in await repositories.users.list_page(UserFilter(), after=ids[1], limit=2)] == ids[2:4]
    anns = await repositories.users.list_page(UserFilter(email_prefix="ANN"), after=None, limit=10)
    assert [u.id for u in anns] == [ids[1], ids[3]]
    assert [u.id for u in await repositories.users.list_page(UserFilter(role=Role.ADMIN), after=None, limit=10)] == [
        ids[4]
    ]
    inactive = await repositories.users.list_page(UserFilter(is_active=False), after=None, limit=10)
    assert [u.id for u in inactive] == [ids[2]]
    assert await repositories.users.list_page(UserFilter(email_prefix=".*"), after=None, limit=10) == []
    counts = await repositories.users.counts()
    assert (counts.total, counts.active, counts.admins) == (5, 4, 1)


async def test_tasks_are_counted_by_status_across_users(repositories: Repositories) -> None:
    assert await repositories.scans.count_by_status() == {}
    await add_task(repositories.tasks, _task("1" * 24, ADA))
    await add_task(repositories.tasks, _task("2" * 24, BOB))
    assert await repositories.scans.count_by_status() == {TaskStatus.DONE: 2}


async def test_saving_some_fields_keeps_a_concurrent_change_to_the_others(repositories: Repositories) -> None:
    await repositories.users.add(new_user(ADA, Email("ada@example.com"), "Ada", "hash", now=NOW))
    renaming = await repositories.users.get(ADA)  # read at authentication, before the admin acts
    admin_view = await repositories.users.get(ADA)
    admin_view.is_active = False
    await repositories.users.save(admin_view, fields=frozenset({"is_active"}))
    renaming.name = "Ada L."
    await repositories.users.save(renaming, fields=frozenset({"name"}))
    stored = await repositories.users.get(ADA)
    assert (stored.name, stored.is_active) == ("Ada L.", False)


async def test_invalidating_tokens_sets_only_the_cut_off(repositories: Repositories) -> None:
    await repositories.users.add(new_user(ADA, Email("ada@example.com"), "Ada", "hash", now=NOW))
    await repositories.users.invalidate_tokens(ADA, issued_before=NOW)
    stored = await repositories.users.get(ADA)
    assert (stored.tokens_valid_after, stored.name, stored.is_active) == (NOW, "Ada", True)
    with pytest.raises(UserNotFoundError):
        await repositories.users.invalidate_tokens(BOB, issued_before=NOW)


async def test_replace_and_delete_compare_the_version_and_the_owner(repositories: Repositories) -> None:
    task = _task("7" * 24, ADA)
    await add_task(repositories.tasks, task)
    newer = dataclasses.replace(task, title="Newer", version=2)
    bobs = dataclasses.replace(newer, owner_id=BOB)
    assert not await repositories.tasks.replace(own(BOB), bobs, expected_version=1)  # not in Bob's place
    with pytest.raises(ValueError, match="not in the grant's place"):  # a bug, refused before any write
        await repositories.tasks.replace(own(ADA), bobs, expected_version=1)
    assert not await repositories.tasks.replace(own(ADA), newer, expected_version=5)
    assert await repositories.tasks.replace(own(ADA), newer, expected_version=1)
    assert not await repositories.tasks.replace(own(ADA), newer, expected_version=1)  # one winner per version
    assert dataclasses.asdict(await repositories.tasks.get(own(ADA), task.id)) == dataclasses.asdict(newer)
    assert not await repositories.tasks.delete(own(BOB), task.id, expected_version=None)
    assert not await repositories.tasks.delete(own(ADA), task.id, expected_version=1)
    assert await repositories.tasks.delete(own(ADA), task.id, expected_version=2)
    assert not await repositories.tasks.delete(own(ADA), task.id, expected_version=None)


async def test_tasks_coming_due_are_found_across_users_soonest_first_and_done_ones_left_out(
    repositories: Repositories,
) -> None:
    soon, later, far = NOW + timedelta(minutes=10), NOW + timedelta(minutes=30), NOW + timedelta(days=2)
    due = [
        dataclasses.replace(_task("1" * 24, ADA), status=TaskStatus.TODO, completed_at=None, due_at=later),
        dataclasses.replace(_task("2" * 24, BOB), status=TaskStatus.TODO, completed_at=None, due_at=soon),
        dataclasses.replace(_task("3" * 24, BOB), due_at=soon),  # done: no reminder
        dataclasses.replace(_task("4" * 24, ADA), status=TaskStatus.TODO, completed_at=None, due_at=far),
    ]
    for task in due:
        await add_task(repositories.tasks, task)
    found = await repositories.scans.coming_due(after=NOW, until=NOW + timedelta(hours=1), limit=10)
    assert [task.id.value for task in found] == ["2" * 24, "1" * 24]
    first = await repositories.scans.coming_due(after=NOW, until=NOW + timedelta(hours=1), limit=1)
    assert [task.id.value for task in first] == ["2" * 24]
