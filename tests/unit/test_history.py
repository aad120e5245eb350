"""A task's history from the change feed, on fakes: one entry per version, what changed, who, and who may read it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.changes.feed import Place, TaskChanged
from taskflow.domain.errors import TaskNotFoundError
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.tasks import TaskChanges, TaskDraft
from taskflow.domain.ports.activity import RecordedField
from taskflow.domain.services.history import TEXT_LIMIT, HistoryOnChange
from taskflow.domain.values import TaskStatus, UserId
from tests.unit.conftest import World, consuming, me

PASSWORD = "correct horse battery staple"
STRANGER = UserId("f" * 24)


async def test_each_version_is_one_entry_naming_who_did_what_newest_first(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    async with consuming(world) as caught_up:
        task = await world.task_service.create(me(ada.id), TaskDraft(title="Write"))
        await world.task_service.update(me(ada.id), task.id, TaskChanges(title="Write it"), if_match=None)
        due = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
        await world.task_service.update(
            me(ada.id), task.id, TaskChanges(status=TaskStatus.DONE, due_at=due), if_match=None
        )
        await caught_up()
    page = await world.history.page(me(ada.id), task.id, before_version=None, limit=10)
    assert [(entry.version, entry.kind, entry.actor) for entry in page.items] == [
        (3, "completed", ada.id),
        (2, "updated", ada.id),
        (1, "created", ada.id),
    ]
    assert page.items[0].changes == (
        RecordedField("status", "todo", "done"),
        RecordedField("due_at", None, due),
    )
    assert page.items[1].changes == (RecordedField("title", "Write", "Write it"),)
    assert page.items[2].changes == ()
    assert page.names == {ada.id: "Ada"}
    assert page.next_before is None


async def test_pages_go_back_from_a_version(world: World) -> None:
    async with consuming(world) as caught_up:
        task = await world.task_service.create(me(STRANGER), TaskDraft(title="0"))
        for number in range(1, 5):
            await world.task_service.update(me(STRANGER), task.id, TaskChanges(title=str(number)), if_match=None)
        await caught_up()
    first = await world.history.page(me(STRANGER), task.id, before_version=None, limit=2)
    assert [entry.version for entry in first.items] == [5, 4]
    assert first.next_before == 4
    rest = await world.history.page(me(STRANGER), task.id, before_version=first.next_before, limit=3)
    assert [entry.version for entry in rest.items] == [3, 2, 1]
    assert rest.next_before is None
    assert rest.names == {}  # no such account: the actor goes unnamed


async def test_a_long_text_is_cut_and_marked(world: World) -> None:
    async with consuming(world) as caught_up:
        task = await world.task_service.create(me(STRANGER), TaskDraft(title="Long"))
        text = "x" * 5_000
        await world.task_service.update(me(STRANGER), task.id, TaskChanges(description=text), if_match=None)
        await caught_up()
    (newest, _) = (await world.history.page(me(STRANGER), task.id, before_version=None, limit=5)).items
    assert newest.changes == (RecordedField("description", "", "x" * TEXT_LIMIT, truncated=True),)


async def test_a_replayed_change_stores_nothing_new_and_a_deletion_takes_the_history(world: World) -> None:
    async with consuming(world) as caught_up:
        task = await world.task_service.create(me(STRANGER), TaskDraft(title="Once"))
        await caught_up()
        (created,) = world.change_feed.changes
        assert isinstance(created, TaskChanged)
        await HistoryOnChange(world.activity).handle([created])  # died before its checkpoint: the change again
        assert list(world.activity.entries) == [f"{task.id.value}:1"]
        await world.task_service.delete(me(STRANGER), task.id, if_match=None)
        await caught_up()
    assert world.activity.entries == {}


async def test_a_projects_task_history_is_its_members_and_a_move_is_told(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    bob = await world.registration.register("bob@example.com", PASSWORD, "Bob")
    project = (await world.project_service.create(me(ada.id), "Home")).project
    world.memberships.join(
        Membership(
            user_id=bob.id, project_id=project.id, space=ada.id, role=ProjectRole.EDITOR, joined_at=ada.created_at
        )
    )
    async with consuming(world) as caught_up:
        task = await world.task_service.create(me(ada.id), TaskDraft(title="Shared"))
        moved = TaskChanges(moves=True, to_project=project.id)
        await world.task_service.update(me(ada.id), task.id, moved, if_match=None)
        assigned = TaskChanges(assignee_id=bob.id)
        await world.task_service.update(me(bob.id), task.id, assigned, if_match=None, project=project.id)
        await caught_up()
    page = await world.history.page(me(bob.id), task.id, before_version=None, limit=10, project=project.id)
    assert [(entry.kind, entry.actor) for entry in page.items] == [
        ("assigned", bob.id),
        ("moved", ada.id),
        ("created", ada.id),
    ]
    assert page.items[0].changes == (RecordedField("assignee_id", None, bob.id.value),)
    assert page.items[1].changes == (RecordedField("project_id", None, project.id.value),)
    assert page.names == {ada.id: "Ada", bob.id: "Bob"}
    with pytest.raises(TaskNotFoundError):
        await world.history.page(me(STRANGER), task.id, before_version=None, limit=10)
    found = await world.history.page(me(ada.id), task.id, before_version=None, limit=10)  # its id alone reaches it
    assert [entry.version for entry in found.items] == [entry.version for entry in page.items]
    assert Place(ada.id, project.id) == Place.of(await world.task_service.get(me(ada.id), task.id, project=project.id))
