"""Job functions: thin, they take ids and act through the services in `ctx`.

A transient failure (the database or the mail server did not answer) is retried with a
growing delay, `MAX_TRIES` times in all; any other failure is a bug and fails at once.
A job that gives up says so where its owner can see it.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from arq import Retry

from taskflow.adapters.jobs.metrics import record_failure
from taskflow.adapters.jobs.tracing import traced
from taskflow.domain.errors import UnavailableError
from taskflow.domain.services import Services
from taskflow.domain.services.outbox import NotDueError
from taskflow.domain.values import ProjectId, TaskId, UserId

RETRY_DELAY_SECONDS = 5
MAX_TRIES = 5


def _services(ctx: dict[str, Any]) -> Services:
    services: Services = ctx["services"]
    return services


class GaveUpError(Exception):
    """A job that failed its last try; counted in `taskflow_jobs_failed_total`."""


async def _retry_or_give_up(ctx: dict[str, Any], job: str) -> Exception:
    """Try again after a delay that grows with each try, `MAX_TRIES` in all; then give up."""
    if ctx["job_try"] >= MAX_TRIES:
        await record_failure(ctx["redis"], job)
        return GaveUpError(f"{job}: no answer in {MAX_TRIES} tries")
    return Retry(defer=RETRY_DELAY_SECONDS * ctx["job_try"])


async def send_welcome_mail(ctx: dict[str, Any], user_id: str) -> None:
    try:
        await _services(ctx).welcome_mail.send(UserId(user_id))
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "send_welcome_mail") from exc


async def send_invitation(ctx: dict[str, Any], invitation_id: str) -> None:
    try:
        await _services(ctx).invitation_mail.send(invitation_id)
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "send_invitation") from exc


async def send_reminder(
    ctx: dict[str, Any], owner: str, task_id: str, due_at: str, project_id: str | None = None
) -> None:
    """`project_id` is absent from reminders of personal tasks, and from those queued before projects."""
    project = None if project_id is None else ProjectId(project_id)
    try:
        await _services(ctx).reminders.send(UserId(owner), TaskId(task_id), datetime.fromisoformat(due_at), project)
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "send_reminder") from exc


async def send_password_reset(ctx: dict[str, Any], reset_id: str, email: str, requested_at: str) -> None:
    try:
        await _services(ctx).password_reset_mail.send(reset_id, email, datetime.fromisoformat(requested_at))
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "send_password_reset") from exc


async def send_verification(ctx: dict[str, Any], user_id: str, issued_at: str) -> None:
    try:
        await _services(ctx).verification.send(UserId(user_id), datetime.fromisoformat(issued_at))
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "send_verification") from exc


async def erase_account(ctx: dict[str, Any], user_id: str) -> None:
    """Resumable: a run killed half way is finished by the next (the outbox sweeper queues it again)."""
    try:
        await _services(ctx).erasure.erase(UserId(user_id))
    except NotDueError as early:  # queued again by the sweeper before the deletion settled
        raise Retry(defer=math.ceil(early.retry_after)) from early
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "erase_account") from exc


async def send_project_notice(
    ctx: dict[str, Any], member_id: str, project_id: str, project_name: str, heir_id: str
) -> None:
    """`heir_id` is empty when the project was deleted."""
    heir = UserId(heir_id) if heir_id else None
    try:
        await _services(ctx).project_notices.send(UserId(member_id), ProjectId(project_id), project_name, heir)
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "send_project_notice") from exc


async def send_notification_mail(ctx: dict[str, Any], user_id: str, notification: str) -> None:
    try:
        await _services(ctx).notification_mail.send_one(UserId(user_id), notification)
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "send_notification_mail") from exc


async def send_notification_digest(ctx: dict[str, Any], user_id: str, until: str, opener: str) -> None:
    """Queued for the end of its window; run earlier (the sweeper queues it at once), it waits."""
    try:
        await _services(ctx).notification_mail.send_digest(UserId(user_id), datetime.fromisoformat(until), opener)
    except NotDueError as early:
        raise Retry(defer=math.ceil(early.retry_after)) from early
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "send_notification_digest") from exc


async def refresh_stats(ctx: dict[str, Any], owner: str) -> None:
    """Reading the statistics through the cache stores them there (if no write came meanwhile)."""
    try:
        await _services(ctx).tasks.own_stats(UserId(owner))
    except UnavailableError as exc:
        raise await _retry_or_give_up(ctx, "refresh_stats") from exc


async def remind_coming_due(ctx: dict[str, Any]) -> int:
    """Cron: record and enqueue the reminders due; arq runs one per tick however many workers."""
    return await _services(ctx).reminders.tick()


async def run_import(ctx: dict[str, Any], import_id: str) -> None:
    """A failure past the last try, or any other, ends the job `failed` with a reason."""
    imports = _services(ctx).imports
    try:
        await imports.run(import_id)
    except UnavailableError as exc:
        outcome = await _retry_or_give_up(ctx, "run_import")
        if isinstance(outcome, GaveUpError):
            await imports.fail(import_id, f"the database did not answer in {MAX_TRIES} tries")
        raise outcome from exc
    except Exception as exc:
        await record_failure(ctx["redis"], "run_import")
        await imports.fail(import_id, f"internal error ({type(exc).__name__}); the rows written so far stay")
        raise


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Cron: enqueue what the outbox still owes; arq runs one per tick however many workers."""
    return await _services(ctx).outbox.sweep()


FUNCTIONS = tuple(
    traced(job)
    for job in (
        send_welcome_mail,
        send_invitation,
        send_reminder,
        run_import,
        refresh_stats,
        erase_account,
        send_project_notice,
        send_password_reset,
        send_verification,
        send_notification_mail,
        send_notification_digest,
    )
)
