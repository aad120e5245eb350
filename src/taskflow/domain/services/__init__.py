"""Use cases: each takes its ports as arguments and knows no adapter."""

from __future__ import annotations

from dataclasses import dataclass

from taskflow.domain.changes.consumer import ChangeHandler
from taskflow.domain.services.accounts import AccountService, PasswordChangeService
from taskflow.domain.services.admin import AdminService
from taskflow.domain.services.deletion import AccountDeletion, AccountErasure, ProjectNotices
from taskflow.domain.services.history import TaskHistory
from taskflow.domain.services.idempotency import IdempotencyService
from taskflow.domain.services.imports import ImportService
from taskflow.domain.services.invitations import InvitationAcceptance, InvitationMail, InvitationService
from taskflow.domain.services.live_tasks import LiveTasks
from taskflow.domain.services.notification_mail import NotificationMail
from taskflow.domain.services.notifications import InboxService
from taskflow.domain.services.outbox import OutboxService
from taskflow.domain.services.password_reset import PasswordResetCompletion, PasswordResetMail, PasswordResetService
from taskflow.domain.services.projects import ProjectService
from taskflow.domain.services.registration import Registration, WelcomeMail
from taskflow.domain.services.reminders import ReminderService
from taskflow.domain.services.sessions import SessionService
from taskflow.domain.services.sign_in import SignIn
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.services.verification import EmailVerification


@dataclass(frozen=True, slots=True)
class Services:
    """Every use case, as the composition root built them; shared by the API and the worker."""

    registration: Registration
    welcome_mail: WelcomeMail
    sign_in: SignIn
    accounts: AccountService
    password_change: PasswordChangeService
    sessions: SessionService
    tasks: TaskService
    admin: AdminService
    idempotency: IdempotencyService
    outbox: OutboxService
    imports: ImportService
    reminders: ReminderService
    projects: ProjectService
    invitations: InvitationService
    invitation_mail: InvitationMail
    invitation_acceptance: InvitationAcceptance
    deletion: AccountDeletion
    erasure: AccountErasure
    project_notices: ProjectNotices
    password_resets: PasswordResetService
    password_reset_mail: PasswordResetMail
    password_reset_completion: PasswordResetCompletion
    verification: EmailVerification
    live_tasks: LiveTasks
    history: TaskHistory
    inbox: InboxService
    notification_mail: NotificationMail
    change_handlers: tuple[ChangeHandler, ...]
    """Every reaction to a change, run by the worker's durable consumer."""
