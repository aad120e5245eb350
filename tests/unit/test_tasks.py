"""Task rules, on fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from taskflow.domain.access.service import AccessService
from taskflow.domain.errors import InvalidValueError, PreconditionFailedError, TaskNotFoundError
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder
from taskflow.domain.model.tasks import TaskChanges, TaskDraft
from taskflow.domain.services.stats_refresh import STATS_JOB
from taskflow.domain.values import Priority, TaskStatus, UserId
from tests.unit.conftest import World, consuming, me

ADA = UserId("a" * 24)
BOB = UserId("b" * 24)


async def test_a_task_is_found_by_its_owner_only(world: World) -> None:
    task = await world.task_service.create(me(ADA), TaskDraft(title="Write"))
    assert (await world.task_service.get(me(ADA), task.id)).title == "Write"
    with pytest.raises(TaskNotFoundError):
        await world.task_service.get(me(BOB), task.id)


async def test_a_task_created_done_is_completed_now(world: World) -> None:
    task = await world.task_service.create(me(ADA), TaskDraft(title="Done already", status=TaskStatus.DONE))
    assert task.completed_at == world.clock.now()
    assert task.version == 1


async def test_a_create_sent_again_with_its_request_key_answers_the_first_task(world: World) -> None:
    first = await world.task_service.create(me(ADA), TaskDraft(title="Once"), request_key="k1")
    again = await world.task_service.create(me(ADA), TaskDraft(title="Once"), request_key="k1")
    other_key = await world.task_service.create(me(ADA), TaskDraft(title="Once"), request_key="k2")
    other_owner = await world.task_service.create(me(BOB), TaskDraft(title="Once"), request_key="k1")
    assert again == first
    assert len({first.id, other_key.id, other_owner.id}) == 3
    assert len((await world.task_service.list(me(ADA), TaskFilter(), TaskOrder(), after=None, limit=10)).items) == 2


def test_due_at_is_kept_in_utc_at_millisecond_precision() -> None:
    local = datetime(2026, 5, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    draft = TaskDraft(title="x", due_at=local)
    assert draft.due_at is not None
    assert draft.due_at.utcoffset() == timedelta(0)
    assert draft.due_at == local.replace(microsecond=123000)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "description": "d" * 10_001}, "description"),
        ({"title": "ok", "tags": tuple(f"t{i}" for i in range(21))}, "tags"),
        ({"title": "ok", "tags": ("x" * 41,)}, "tags"),
        ({"title": "ok", "tags": (" ",)}, "tags"),
        ({"title": "ok", "due_at": datetime(2026, 1, 1)}, "due_at"),  # noqa: DTZ001 - the point: no offset
    ],
)
def test_drafts_break_no_limit(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        TaskDraft(**kwargs)  # type: ignore[arg-type]  # parametrised keyword values
    assert caught.value.field == field


def test_limits_are_inclusive_and_unicode_counts_characters() -> None:
    draft = TaskDraft(title="ü" * 200, description="🙂" * 10_000, tags=tuple(f"{i}" for i in range(20)))
    assert len(draft.title) == 200
    assert len(draft.tags) == 20


def test_duplicate_tags_collapse_in_order() -> None:
    assert TaskDraft(title="x", tags=("b", "a", "b")).tags == ("b", "a")


async def test_changes_merge_and_bump_the_version(world: World) -> None:
    due = datetime(2026, 5, 1, tzinfo=UTC)
    task = await world.task_service.create(me(ADA), TaskDraft(title="Write", description="d", due_at=due))
    world.clock.advance(minutes=1)
    changed = await world.task_service.update(
        me(ADA), task.id, TaskChanges(title="Rewrite", clear_due_at=True), if_match=1
    )
    assert (changed.title, changed.description, changed.due_at, changed.version) == ("Rewrite", "d", None, 2)
    assert changed.updated_at == world.clock.now()
    assert (await world.task_service.get(me(ADA), task.id)).version == 2


@pytest.mark.parametrize(
    "changes",
    [
        TaskChanges(),
        TaskChanges(title="Write", tags=("a",)),
        TaskChanges(status=TaskStatus.TODO, priority=Priority.HIGH),
    ],
)
async def test_a_patch_that_changes_nothing_makes_no_new_version(world: World, changes: TaskChanges) -> None:
    task = await world.task_service.create(me(ADA), TaskDraft(title="Write", tags=("a",), priority=Priority.HIGH))
    world.clock.advance(minutes=1)
    same = await world.task_service.update(me(ADA), task.id, changes, if_match=1)
    assert (same.version, same.updated_at) == (1, task.updated_at)
    with pytest.raises(PreconditionFailedError):  # a stale If-Match is still refused
        await world.task_service.update(me(ADA), task.id, changes, if_match=2)


async def test_completed_at_follows_the_status(world: World) -> None:
    task = await world.task_service.create(me(ADA), TaskDraft(title="Write"))
    done = await world.task_service.update(me(ADA), task.id, TaskChanges(status=TaskStatus.DONE), if_match=None)
    assert done.completed_at == world.clock.now()
    world.clock.advance(minutes=1)
    still = await world.task_service.update(me(ADA), task.id, TaskChanges(title="x"), if_match=None)
    assert still.completed_at == done.completed_at
    reopened = await world.task_service.update(me(ADA), task.id, TaskChanges(status=TaskStatus.TODO), if_match=None)
    assert reopened.completed_at is None


async def test_a_stale_if_match_is_refused_and_another_owner_sees_nothing(world: World) -> None:
    task = await world.task_service.create(me(ADA), TaskDraft(title="Write"))
    with pytest.raises(PreconditionFailedError):
        await world.task_service.update(me(ADA), task.id, TaskChanges(title="x"), if_match=7)
    with pytest.raises(PreconditionFailedError):
        await world.task_service.delete(me(ADA), task.id, if_match=7)
    with pytest.raises(TaskNotFoundError):
        await world.task_service.update(me(BOB), task.id, TaskChanges(title="x"), if_match=1)
    with pytest.raises(TaskNotFoundError):
        await world.task_service.delete(me(BOB), task.id, if_match=7)
    await world.task_service.delete(me(ADA), task.id, if_match=1)
    with pytest.raises(TaskNotFoundError):
        await world.task_service.get(me(ADA), task.id)


async def test_writes_schedule_one_statistics_recompute_per_user_and_window(world: World) -> None:
    async with consuming(world) as caught_up:
        first = await world.task_service.create(me(ADA), TaskDraft(title="One"))
        await world.task_service.update(me(ADA), first.id, TaskChanges(title="One, renamed"), if_match=None)
        await world.task_service.update(me(ADA), first.id, TaskChanges(title="One, renamed"), if_match=None)  # no-op
        await world.task_service.create(me(BOB), TaskDraft(title="Bob's"))
        await caught_up()
        stats_jobs = {job_id: args for job_id, (job, args) in world.jobs.jobs.items() if job == STATS_JOB}
        window = int(world.clock.now().timestamp() // 5)
        assert stats_jobs == {
            f"stats:{ADA}:{window}": {"owner": ADA.value},
            f"stats:{BOB}:{window}": {"owner": BOB.value},
        }
        assert world.jobs.run_at[f"stats:{ADA}:{window}"] == datetime.fromtimestamp((window + 1) * 5, UTC)
        world.clock.advance(seconds=5)
        await world.task_service.delete(me(ADA), first.id, if_match=None)
        await caught_up()
        assert f"stats:{ADA}:{window + 1}" in world.jobs.jobs


async def test_statistics_say_when_they_were_computed(world: World) -> None:
    await world.task_service.create(me(ADA), TaskDraft(title="One"))
    stats = await world.task_service.stats(me(ADA))
    assert stats.total == 1
    assert stats.computed_at == world.clock.now().replace(microsecond=world.clock.now().microsecond // 1000 * 1000)


async def test_a_process_asks_the_queue_once_per_user_and_window_and_again_after_a_failure(world: World) -> None:
    async with consuming(world) as caught_up:
        world.jobs.down = True
        first = await world.task_service.create(me(ADA), TaskDraft(title="One"))  # not queued: Redis is down
        await caught_up()
        world.jobs.down = False
        for title in ("Two", "Three"):
            await world.task_service.update(me(ADA), first.id, TaskChanges(title=title), if_match=None)
        await caught_up()
        window = int(world.clock.now().timestamp() // 5)
        assert world.jobs.enqueued == [f"stats:{ADA}:{window}"]  # the failed one is retried, then remembered
        world.clock.advance(seconds=5)
        await world.task_service.delete(me(ADA), first.id, if_match=None)
        await caught_up()
        assert world.jobs.enqueued[-1] == f"stats:{ADA}:{window + 1}"


async def test_each_version_names_who_made_it(world: World) -> None:
    task = await world.task_service.create(me(ADA), TaskDraft(title="Write"))
    assert task.updated_by == ADA
    unchanged = await world.task_service.update(me(ADA), task.id, TaskChanges(title="Write"), if_match=None)
    assert (unchanged.version, unchanged.updated_by) == (1, ADA)  # no new version: nobody made one
    done = await world.task_service.update(me(ADA), task.id, TaskChanges(status=TaskStatus.DONE), if_match=None)
    assert (done.version, done.updated_by) == (2, ADA)
    assert (await world.tasks.get_latest(AccessService.own(ADA), task.id)).updated_by == ADA
