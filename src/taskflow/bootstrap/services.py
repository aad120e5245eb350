"""Every use case on these ports, each area wired in its own module; the API, the worker and the unit tests share it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.bootstrap import accounts, work
from taskflow.bootstrap.shared import shared_parts
from taskflow.domain.services import Services

if TYPE_CHECKING:
    from taskflow.bootstrap.connections import Ports
    from taskflow.settings import Settings


def build_services(ports: Ports, settings: Settings) -> Services:
    """The domain's services on these ports; unit tests call it with fakes."""
    shared = shared_parts(ports, settings)
    projects = work.projects(ports, shared)
    tasks = work.tasks(ports, shared)
    notifier = work.notifier(ports, settings, shared)
    deletion = accounts.deletion(ports, settings, shared)
    verification = accounts.verification(ports, settings, shared)
    confirmation = accounts.confirmation(ports, settings)
    return Services(
        registration=accounts.registration(ports, shared),
        welcome_mail=accounts.welcome_mail(ports, settings, shared, verification),
        sign_in=accounts.sign_in(ports, settings, shared),
        accounts=accounts.own_account(ports, shared, confirmation, deletion),
        password_change=accounts.password_change(ports, shared, confirmation),
        sessions=shared.sessions,
        verification=verification,
        password_resets=accounts.password_resets(ports, settings, shared),
        password_reset_mail=accounts.password_reset_mail(ports, settings, shared),
        password_reset_completion=accounts.password_reset_completion(ports, settings, shared),
        deletion=deletion,
        erasure=accounts.erasure(ports, settings, shared, projects),
        project_notices=accounts.project_notices(ports, shared),
        admin=accounts.admin(ports, shared, deletion),
        outbox=shared.outbox,
        projects=projects,
        tasks=tasks,
        history=work.history(ports, shared, tasks),
        inbox=work.inbox(ports, shared),
        notification_mail=work.notification_mail(ports, settings, shared),
        idempotency=work.idempotency(ports, settings),
        imports=work.imports(ports, settings, shared),
        reminders=work.reminders(ports, settings, shared, notifier),
        live_tasks=work.live_tasks(ports, settings, shared),
        invitations=work.invitations(ports, settings, shared),
        change_handlers=work.change_handlers(ports, shared, notifier),
        invitation_mail=work.invitation_mail(ports, settings, shared),
        invitation_acceptance=work.invitation_acceptance(ports, shared),
    )
