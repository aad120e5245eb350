"""The work area's use cases on their ports: tasks, projects and invitations, imports, reminders, live changes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from taskflow.bootstrap.policies import rule
from taskflow.domain.live.hub import ChangeHub
from taskflow.domain.services.budgets import Budget
from taskflow.domain.services.derived_tokens import INVITATION_TOKENS, DerivedTokens
from taskflow.domain.services.history import HistoryOnChange, TaskHistory
from taskflow.domain.services.idempotency import IdempotencyService
from taskflow.domain.services.imports import ImportLimits, ImportService
from taskflow.domain.services.invitations import InvitationAcceptance, InvitationMail, InvitationService
from taskflow.domain.services.live_tasks import LiveTasks, StreamLimits
from taskflow.domain.services.notification_mail import NotificationMail
from taskflow.domain.services.notification_rules import NotificationsOnChange
from taskflow.domain.services.notifications import InboxService, Notifier
from taskflow.domain.services.projects import ProjectService
from taskflow.domain.services.reminders import ReminderService
from taskflow.domain.services.stats_refresh import StatsOnChange
from taskflow.domain.services.task_directory import DirectoryOnChange
from taskflow.domain.services.tasks import TaskService

if TYPE_CHECKING:
    from taskflow.bootstrap.connections import Ports
    from taskflow.bootstrap.shared import Shared
    from taskflow.domain.changes.consumer import ChangeHandler
    from taskflow.settings import Settings


def projects(ports: Ports, shared: Shared) -> ProjectService:
    return ProjectService(
        projects=ports.projects,
        memberships=shared.memberships,
        tasks=ports.tasks,
        users=shared.users,
        access=shared.access,
        clock=ports.clock,
        ids=ports.ids,
    )


def tasks(ports: Ports, shared: Shared) -> TaskService:
    return TaskService(ports.tasks, ports.task_directory, shared.access, ports.clock, ports.ids)


def idempotency(ports: Ports, settings: Settings) -> IdempotencyService:
    return IdempotencyService(
        ports.idempotency,
        ports.clock,
        retention=timedelta(hours=settings.idempotency_hours),
        request_deadline=timedelta(seconds=settings.request_timeout_seconds),
    )


def imports(ports: Ports, settings: Settings, shared: Shared) -> ImportService:
    return ImportService(
        jobs=ports.import_jobs,
        tasks=ports.tasks,
        access=shared.access,
        outbox=shared.outbox,
        ids=ports.ids,
        clock=ports.clock,
        limits=ImportLimits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows),
    )


def reminders(ports: Ports, settings: Settings, shared: Shared, notifier: Notifier) -> ReminderService:
    return ReminderService(
        tasks=ports.tasks,
        scans=ports.task_scans,
        access=shared.access,
        projects=ports.projects,
        outbox=shared.outbox,
        notifier=notifier,
        clock=ports.clock,
        lead=timedelta(minutes=settings.reminder_lead_minutes),
    )


def live_tasks(ports: Ports, settings: Settings, shared: Shared) -> LiveTasks:
    return LiveTasks(
        ChangeHub(ports.change_feed, buffer=settings.event_buffer, open_timeout=settings.request_timeout_seconds),
        shared.memberships,
        shared.users,
        ports.stream_slots,
        StreamLimits(per_user=settings.event_streams_per_user, renew_seconds=settings.event_heartbeat_seconds),
    )


def invitations(ports: Ports, settings: Settings, shared: Shared) -> InvitationService:
    return InvitationService(
        invitations=ports.invitations,
        projects=ports.projects,
        access=shared.access,
        tokens=invitation_tokens(settings),
        outbox=shared.outbox,
        ids=ports.ids,
        clock=ports.clock,
        budget=Budget(ports.limiter, rule("invitations", settings.rate_limits.invitations_per_user)),
    )


def invitation_tokens(settings: Settings) -> DerivedTokens:
    return DerivedTokens(settings.jwt_secret.encode(), INVITATION_TOKENS)


def invitation_mail(ports: Ports, settings: Settings, shared: Shared) -> InvitationMail:
    return InvitationMail(
        invitations=ports.invitations,
        tokens=invitation_tokens(settings),
        outbox=shared.outbox,
        mailer=ports.mailer,
        clock=ports.clock,
        web_url=settings.public_url,
    )


def invitation_acceptance(ports: Ports, shared: Shared) -> InvitationAcceptance:
    return InvitationAcceptance(
        invitations=ports.invitations,
        projects=ports.projects,
        memberships=shared.memberships,
        users=shared.users,
        access=shared.access,
        clock=ports.clock,
    )


def history(ports: Ports, shared: Shared, tasks: TaskService) -> TaskHistory:
    return TaskHistory(tasks, ports.activity, shared.users)


def notifier(ports: Ports, settings: Settings, shared: Shared) -> Notifier:
    return Notifier(
        inbox=ports.inbox,
        preferences=ports.notification_preferences,
        windows=ports.mail_windows,
        outbox=shared.outbox,
        clock=ports.clock,
        window=timedelta(seconds=settings.notification_digest_seconds),
    )


def inbox(ports: Ports, shared: Shared) -> InboxService:
    return InboxService(ports.inbox, ports.notification_preferences, shared.users)


def notification_mail(ports: Ports, settings: Settings, shared: Shared) -> NotificationMail:
    return NotificationMail(
        inbox=ports.inbox,
        users=shared.users,
        outbox=shared.outbox,
        mailer=ports.mailer,
        clock=ports.clock,
        web_url=settings.public_url,
    )


def change_handlers(ports: Ports, shared: Shared, notifier: Notifier) -> tuple[ChangeHandler, ...]:
    """Every reaction to a change, in the order the durable consumer runs them."""
    return (
        StatsOnChange(shared.stats),
        HistoryOnChange(ports.activity),
        DirectoryOnChange(ports.task_directory),
        NotificationsOnChange(notifier, shared.access, ports.projects, ports.clock),
    )
