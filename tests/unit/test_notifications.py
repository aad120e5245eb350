"""Notifications from the change feed, on fakes: who is told what, once, in the inbox and by mail as they chose."""

from __future__ import annotations

from datetime import timedelta

import pytest

from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.errors import InvalidValueError
from taskflow.domain.model.accounts import User
from taskflow.domain.model.notifications import MailState, NotificationKind
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.tasks import TaskChanges, TaskDraft
from taskflow.domain.values import ProjectId, TaskStatus
from tests.unit.conftest import SETTINGS, World, me, run_mail_jobs

PASSWORD = "a long enough password"
WINDOW = timedelta(seconds=SETTINGS.notification_digest_seconds)


async def _react(world: World) -> None:
    """Every handler on every change published so far, as the durable consumer runs them; again is harmless."""
    for change in world.change_feed.changes:
        for handler in world.change_handlers:
            await handler.handle([change])


async def _team(world: World) -> tuple[User, User, ProjectId]:
    """Ada's project "Home", Bob an editor in it."""
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    bob = await world.registration.register("bob@example.com", PASSWORD, "Bob")
    project = (await world.project_service.create(me(ada.id), "Home")).project
    joined = world.clock.now()
    world.memberships.join(
        Membership(user_id=bob.id, project_id=project.id, space=ada.id, role=ProjectRole.EDITOR, joined_at=joined)
    )
    return ada, bob, project.id


def _mails_to(world: World, user: User) -> list[str]:
    return [mail.subject for mail in world.mailer.sent if mail.to == user.email.value]


async def test_an_assignment_tells_the_assignee_once_in_the_inbox_and_by_mail(world: World) -> None:
    ada, bob, project = await _team(world)
    task = await world.task_service.create(me(ada.id), TaskDraft(title="Plan", assignee_id=bob.id), project=project)
    await world.task_service.create(me(ada.id), TaskDraft(title="Mine", assignee_id=ada.id), project=project)
    await _react(world)
    await _react(world)  # replayed after a crash before the checkpoint: nothing new
    (told,) = world.inbox.of(bob.id)
    assert (told.kind, told.actor, told.at) == (NotificationKind.ASSIGNED, ada.id, task.updated_at)
    assert (told.task and told.task.title, told.project and told.project.name) == ("Plan", "Home")
    assert world.inbox.of(ada.id) == []  # her own action
    await run_mail_jobs(world)
    await run_mail_jobs(world)
    assert _mails_to(world, bob) == ['"Plan" in Home was assigned to you']
    assert world.inbox.of(bob.id)[0].mail is MailState.SENT


async def test_the_assignee_is_told_of_title_status_and_due_date_by_others_only(world: World) -> None:
    ada, bob, project = await _team(world)
    task = await world.task_service.create(me(ada.id), TaskDraft(title="Plan", assignee_id=bob.id), project=project)
    due = world.clock.now() + timedelta(days=3)
    await world.task_service.update(
        me(ada.id), task.id, TaskChanges(title="Plan it", due_at=due, description="more"), if_match=None,
        project=project,
    )  # fmt: skip
    await world.task_service.update(
        me(ada.id), task.id, TaskChanges(description="less"), if_match=None, project=project
    )
    await world.task_service.update(
        me(bob.id), task.id, TaskChanges(status=TaskStatus.DONE), if_match=None, project=project
    )
    await _react(world)
    kinds = [(item.kind, item.fields) for item in world.inbox.of(bob.id)]
    assert kinds == [(NotificationKind.TASK_CHANGED, ("title", "due_at")), (NotificationKind.ASSIGNED, ())]


async def test_a_member_removed_before_the_change_is_handled_is_told_nothing_of_it(world: World) -> None:
    ada, bob, project = await _team(world)
    task = await world.task_service.create(me(ada.id), TaskDraft(title="Plan", assignee_id=bob.id), project=project)
    await world.task_service.update(me(ada.id), task.id, TaskChanges(title="Plan B"), if_match=None, project=project)
    await world.project_service.remove_member(me(ada.id), project, bob.id)
    await _react(world)  # judged when made: Bob is no member by then
    assert [item.kind for item in world.inbox.of(bob.id)] == [NotificationKind.REMOVED]
    (removed,) = world.inbox.of(bob.id)
    assert (removed.actor, removed.project and removed.project.name) == (ada.id, "Home")


async def test_a_new_role_tells_the_member_and_leaving_tells_nobody(world: World) -> None:
    ada, bob, project = await _team(world)
    await world.project_service.change_role(me(ada.id), project, bob.id, ProjectRole.VIEWER)
    await _react(world)
    await world.project_service.leave(me(bob.id), project)
    await _react(world)
    (told,) = world.inbox.of(bob.id)
    assert (told.kind, told.role, told.actor) == (NotificationKind.ROLE_CHANGED, ProjectRole.VIEWER, ada.id)
    assert world.inbox.of(ada.id) == []


async def test_twenty_assignments_in_a_minute_make_two_mails(world: World) -> None:
    ada, bob, project = await _team(world)
    for number in range(20):
        draft = TaskDraft(title=f"T{number}", assignee_id=bob.id)
        await world.task_service.create(me(ada.id), draft, project=project)
        world.clock.advance(seconds=3)
    await _react(world)
    await run_mail_jobs(world)
    assert _mails_to(world, bob) == ['"T0" in Home was assigned to you']  # at once; the rest wait for the window
    world.clock.advance(seconds=WINDOW.total_seconds())
    await run_mail_jobs(world)
    await run_mail_jobs(world)
    subjects = _mails_to(world, bob)
    assert subjects == ['"T0" in Home was assigned to you', "19 new notifications on taskflow"]
    digest = world.mailer.sent[-1]
    assert all(f'"T{number}" in Home was assigned to you' in digest.text for number in range(1, 20))
    assert {item.mail for item in world.inbox.of(bob.id)} == {MailState.SENT}
    # After the window, the next one opens another and goes at once.
    await world.task_service.create(me(ada.id), TaskDraft(title="Later", assignee_id=bob.id), project=project)
    await _react(world)
    await run_mail_jobs(world)
    assert _mails_to(world, bob)[-1] == '"Later" in Home was assigned to you'


async def test_each_kind_goes_where_its_person_chose(world: World) -> None:
    ada, bob, project = await _team(world)
    assert (await world.inbox_service.settings(me(bob.id))).of(NotificationKind.TASK_CHANGED).mail is False
    await world.inbox_service.change_settings(
        me(bob.id), {NotificationKind.ASSIGNED: (False, None), NotificationKind.TASK_CHANGED: (None, True)}
    )
    task = await world.task_service.create(me(ada.id), TaskDraft(title="Plan", assignee_id=bob.id), project=project)
    await world.task_service.update(me(ada.id), task.id, TaskChanges(title="Plan B"), if_match=None, project=project)
    await world.inbox_service.change_settings(me(bob.id), {NotificationKind.ROLE_CHANGED: (False, False)})
    await world.project_service.change_role(me(ada.id), project, bob.id, ProjectRole.DOER)
    await _react(world)
    page = await world.inbox_service.page(me(bob.id), unread_only=False, after=None, limit=10)
    assert [item.kind for item in page.items] == [NotificationKind.TASK_CHANGED]  # assignment by mail only
    assert len(world.inbox.of(bob.id)) == 2  # nothing of the role
    world.clock.advance(seconds=WINDOW.total_seconds())
    await run_mail_jobs(world)
    assert _mails_to(world, bob) == ['"Plan" in Home was assigned to you', '"Plan B", assigned to you, changed: title']


async def test_the_inbox_pages_counts_and_marks_read_only_its_own(world: World) -> None:
    ada, bob, project = await _team(world)
    for number in range(5):
        await world.task_service.create(me(ada.id), TaskDraft(title=f"T{number}", assignee_id=bob.id), project=project)
        world.clock.advance(seconds=1)
    await _react(world)
    first = await world.inbox_service.page(me(bob.id), unread_only=False, after=None, limit=2)
    assert [item.task and item.task.title for item in first.items] == ["T4", "T3"]
    assert first.names == {ada.id: "Ada"}
    rest = await world.inbox_service.page(me(bob.id), unread_only=False, after=first.next_after, limit=5)
    assert [item.task and item.task.title for item in rest.items] == ["T2", "T1", "T0"]
    assert rest.next_after is None
    assert await world.inbox_service.mark_read(me(ada.id), [first.items[0].id]) == 0  # not hers: nothing
    assert await world.inbox_service.unread_count(me(bob.id)) == 5
    assert await world.inbox_service.mark_read(me(bob.id), [first.items[0].id]) == 4
    assert await world.inbox_service.mark_read_up_to(me(bob.id), rest.items[0].id) == 1  # T2 and older
    unread = await world.inbox_service.page(me(bob.id), unread_only=True, after=None, limit=10)
    assert [item.task and item.task.title for item in unread.items] == ["T3"]
    with pytest.raises(InvalidValueError):
        await world.inbox_service.mark_read_up_to(me(ada.id), rest.items[0].id)


async def test_an_erased_account_leaves_no_notification_and_gets_no_mail(world: World) -> None:
    ada, bob, project = await _team(world)
    await world.task_service.create(me(ada.id), TaskDraft(title="Plan", assignee_id=bob.id), project=project)
    await _react(world)
    await world.inbox_service.change_settings(me(bob.id), {NotificationKind.ASSIGNED: (True, True)})
    await world.deletion.request(bob, actor=bob.id)
    world.clock.advance(seconds=60)
    await world.erasure.erase(bob.id)
    assert world.inbox.of(bob.id) == []
    await run_mail_jobs(world)
    assert _mails_to(world, bob) == []
