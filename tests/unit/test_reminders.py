"""Reminders for tasks coming due, on fakes: one per task and due date."""

from __future__ import annotations

from datetime import datetime, timedelta

from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.notifications import NotificationKind, notification_id
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.tasks import TaskChanges, TaskDraft
from taskflow.domain.services.mail import REMINDER_JOB
from taskflow.domain.values import ProjectId, TaskId, TaskStatus, UserId
from tests.unit.conftest import World, me, run_mail_jobs

PASSWORD = "a long enough password"


async def _run_jobs(world: World) -> None:
    """What the worker would do with every reminder queued."""
    for job, args in list(world.jobs.jobs.values()):
        if job == REMINDER_JOB:
            due_at = datetime.fromisoformat(args["due_at"])
            project = ProjectId(args["project_id"]) if "project_id" in args else None
            await world.reminders.send(UserId(args["owner"]), TaskId(args["task_id"]), due_at, project)
    await run_mail_jobs(world)


async def test_one_reminder_per_task_coming_due_however_often_the_cron_ticks(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    now = world.clock.now()
    soon = await world.task_service.create(me(ada.id), TaskDraft(title="Soon", due_at=now + timedelta(minutes=30)))
    await world.task_service.create(me(ada.id), TaskDraft(title="Later", due_at=now + timedelta(hours=3)))
    await world.task_service.create(me(ada.id), TaskDraft(title="Past", due_at=now - timedelta(minutes=1)))
    await world.task_service.create(
        me(ada.id), TaskDraft(title="Done", status=TaskStatus.DONE, due_at=now + timedelta(minutes=5))
    )
    await world.task_service.create(me(ada.id), TaskDraft(title="Undated"))
    assert await world.reminders.tick() == 1
    assert await world.reminders.tick() == 1  # the same reminder again: recorded and queued once
    assert [job_id for job_id in world.jobs.enqueued if job_id.startswith("reminder:")] == [
        f"reminder:{soon.id}:{int(soon.due_at.timestamp() * 1000)}"  # type: ignore[union-attr]
    ]
    await _run_jobs(world)
    await _run_jobs(world)  # arq may run a job twice
    reminders = [mail for mail in world.mailer.sent if mail.subject.startswith("Due")]
    assert [mail.subject for mail in reminders] == ["Due 2026-01-01 12:30 UTC: Soon"]
    assert soon.due_at is not None
    cause = f"reminder:{soon.id}:{int(soon.due_at.timestamp() * 1000)}"
    assert (
        reminders[0].message_id
        == f"<notification.{notification_id(ada.id, NotificationKind.DUE_SOON, cause)}@taskflow.local>"
    )
    (told,) = world.inbox.of(ada.id)
    assert (told.kind, told.task and told.task.title, told.due_at) == (NotificationKind.DUE_SOON, "Soon", soon.due_at)


async def test_a_new_due_date_gets_a_new_reminder_and_the_old_one_sends_nothing(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    now = world.clock.now()
    task = await world.task_service.create(me(ada.id), TaskDraft(title="Moved", due_at=now + timedelta(minutes=30)))
    await world.reminders.tick()
    await world.task_service.update(me(ada.id), task.id, TaskChanges(due_at=now + timedelta(minutes=45)), if_match=None)
    await world.reminders.tick()
    await _run_jobs(world)
    reminders = [mail for mail in world.mailer.sent if mail.subject.startswith("Due")]
    assert [mail.subject for mail in reminders] == ["Due 2026-01-01 12:45 UTC: Moved"]


async def test_a_task_done_before_its_reminder_runs_is_not_mailed_about(world: World) -> None:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    task = await world.task_service.create(
        me(ada.id), TaskDraft(title="Quick", due_at=world.clock.now() + timedelta(minutes=10))
    )
    await world.reminders.tick()
    await world.task_service.update(me(ada.id), task.id, TaskChanges(status=TaskStatus.DONE), if_match=None)
    await _run_jobs(world)
    assert [mail for mail in world.mailer.sent if mail.subject.startswith("Due")] == []


async def _project_with_bob(world: World) -> tuple[UserId, UserId, ProjectId]:
    ada = await world.registration.register("ada@example.com", PASSWORD, "Ada")
    bob = await world.registration.register("bob@example.com", PASSWORD, "Bob")
    project = (await world.project_service.create(me(ada.id), "Home")).project
    world.memberships.join(
        Membership(
            user_id=bob.id, project_id=project.id, space=ada.id, role=ProjectRole.DOER, joined_at=world.clock.now()
        )
    )
    return ada.id, bob.id, project.id


def _due_mails(world: World) -> list[tuple[str, str]]:
    return [(mail.to, mail.subject) for mail in world.mailer.sent if mail.subject.startswith("Due")]


async def test_a_project_task_reminds_its_assignee_and_an_unassigned_one_nobody(world: World) -> None:
    ada, bob, project = await _project_with_bob(world)
    soon = world.clock.now() + timedelta(minutes=30)
    await world.task_service.create(me(ada), TaskDraft(title="Bob's", due_at=soon, assignee_id=bob), project=project)
    await world.task_service.create(me(ada), TaskDraft(title="Anyone's", due_at=soon), project=project)
    assert await world.reminders.tick() == 2  # both found, one recorded
    await _run_jobs(world)
    assert _due_mails(world) == [("bob@example.com", "Due 2026-01-01 12:30 UTC: Bob's")]


async def test_a_reminder_is_not_sent_to_a_member_removed_or_unassigned_since_it_was_queued(world: World) -> None:
    ada, bob, project = await _project_with_bob(world)
    soon = world.clock.now() + timedelta(minutes=30)
    draft = TaskDraft(title="Bob's", due_at=soon, assignee_id=bob)
    kept, taken = [await world.task_service.create(me(ada), draft, project=project) for _ in range(2)]
    await world.reminders.tick()
    await world.task_service.update(me(ada), taken.id, TaskChanges(assignee_id=ada), if_match=None, project=project)
    await _run_jobs(world)
    assert _due_mails(world) == [("bob@example.com", "Due 2026-01-01 12:30 UTC: Bob's")]  # `kept` only
    await world.task_service.update(
        me(ada), kept.id, TaskChanges(due_at=soon + timedelta(minutes=1)), if_match=None, project=project
    )
    await world.reminders.tick()
    await world.project_service.remove_member(me(ada), project, bob)
    await _run_jobs(world)
    assert len(_due_mails(world)) == 1  # Bob is no member any more
