"""The accounts area's use cases on their ports: sign-up and sign-in, one's own account, passwords, deletion."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

from taskflow.bootstrap.policies import rule
from taskflow.domain.services.accounts import AccountService, PasswordChangeService
from taskflow.domain.services.admin import AdminService
from taskflow.domain.services.budgets import Budget
from taskflow.domain.services.deletion import AccountDeletion, AccountErasure, ProjectDeparture, ProjectNotices
from taskflow.domain.services.derived_tokens import PASSWORD_RESET_TOKENS, VERIFICATION_TOKENS, DerivedTokens
from taskflow.domain.services.password_reset import (
    PasswordResetCompletion,
    PasswordResetMail,
    PasswordResetService,
)
from taskflow.domain.services.passwords import LoginLimits, PasswordConfirmation
from taskflow.domain.services.registration import Registration, WelcomeMail
from taskflow.domain.services.sign_in import SignIn
from taskflow.domain.services.verification import EmailVerification

if TYPE_CHECKING:
    from taskflow.bootstrap.connections import Ports
    from taskflow.bootstrap.shared import Shared
    from taskflow.domain.services.projects import ProjectService
    from taskflow.settings import Settings

ERASURE_SLACK_SECONDS: Final = 5.0


def login_limits(settings: Settings) -> LoginLimits:
    limits = settings.rate_limits
    return LoginLimits(
        per_account=rule("login-account", limits.login_failures_per_account),
        per_address=rule("login-address", limits.login_failures_per_address),
    )


def registration(ports: Ports, shared: Shared) -> Registration:
    return Registration(
        users=shared.users,
        passwords=shared.passwords,
        clock=ports.clock,
        ids=ports.ids,
        outbox=shared.outbox,
        audit=ports.audit,
    )


def sign_in(ports: Ports, settings: Settings, shared: Shared) -> SignIn:
    return SignIn(
        users=shared.users,
        hasher=ports.hasher,
        limiter=ports.limiter,
        limits=login_limits(settings),
        sessions=shared.sessions,
        audit=ports.audit,
    )


def confirmation(ports: Ports, settings: Settings) -> PasswordConfirmation:
    return PasswordConfirmation(ports.hasher, ports.limiter, login_limits(settings))


def own_account(
    ports: Ports, shared: Shared, confirmation: PasswordConfirmation, deletion: AccountDeletion
) -> AccountService:
    return AccountService(users=shared.users, confirmation=confirmation, deletion=deletion, clock=ports.clock)


def password_change(ports: Ports, shared: Shared, confirmation: PasswordConfirmation) -> PasswordChangeService:
    return PasswordChangeService(
        users=shared.users,
        passwords=shared.passwords,
        confirmation=confirmation,
        sessions=shared.sessions,
        clock=ports.clock,
        audit=ports.audit,
    )


def verification(ports: Ports, settings: Settings, shared: Shared) -> EmailVerification:
    return EmailVerification(
        users=shared.users,
        tokens=DerivedTokens(settings.jwt_secret.encode(), VERIFICATION_TOKENS),
        outbox=shared.outbox,
        mailer=ports.mailer,
        limiter=ports.limiter,
        per_account=rule("verify-account", settings.rate_limits.verifications_per_user),
        clock=ports.clock,
        audit=ports.audit,
        web_url=settings.public_url,
    )


def welcome_mail(ports: Ports, settings: Settings, shared: Shared, verification: EmailVerification) -> WelcomeMail:
    return WelcomeMail(
        users=shared.users,
        verification=verification,
        outbox=shared.outbox,
        mailer=ports.mailer,
        web_url=settings.public_url,
    )


def reset_budgets(ports: Ports, settings: Settings) -> tuple[Budget, Budget]:
    """Resets asked for one address (known or not); resets asked for and confirmed from one client address."""
    limits = settings.rate_limits
    return (
        Budget(ports.limiter, rule("reset-account", limits.resets_per_account)),
        Budget(ports.limiter, rule("reset-address", limits.resets_per_address)),
    )


def password_resets(ports: Ports, settings: Settings, shared: Shared) -> PasswordResetService:
    per_account, per_client = reset_budgets(ports, settings)
    return PasswordResetService(
        secrets=ports.secrets, outbox=shared.outbox, clock=ports.clock, per_account=per_account, per_client=per_client
    )


def password_reset_mail(ports: Ports, settings: Settings, shared: Shared) -> PasswordResetMail:
    return PasswordResetMail(
        users=shared.users,
        resets=ports.password_resets,
        tokens=DerivedTokens(settings.jwt_secret.encode(), PASSWORD_RESET_TOKENS),
        outbox=shared.outbox,
        mailer=ports.mailer,
        clock=ports.clock,
        web_url=settings.public_url,
    )


def password_reset_completion(ports: Ports, settings: Settings, shared: Shared) -> PasswordResetCompletion:
    _, per_client = reset_budgets(ports, settings)
    return PasswordResetCompletion(
        users=shared.users,
        resets=ports.password_resets,
        sessions=shared.sessions,
        passwords=shared.passwords,
        per_client=per_client,
        clock=ports.clock,
        audit=ports.audit,
    )


def settle(settings: Settings) -> timedelta:
    """Every request admitted before a deletion has ended by then: its deadline, and slack."""
    return timedelta(seconds=settings.request_timeout_seconds + ERASURE_SLACK_SECONDS)


def deletion(ports: Ports, settings: Settings, shared: Shared) -> AccountDeletion:
    return AccountDeletion(
        users=shared.users,
        sessions=shared.sessions,
        outbox=shared.outbox,
        clock=ports.clock,
        audit=ports.audit,
        settle=settle(settings),
    )


def erasure(ports: Ports, settings: Settings, shared: Shared, projects: ProjectService) -> AccountErasure:
    departure = ProjectDeparture(
        access=shared.access,
        projects=ports.projects,
        project_service=projects,
        memberships=shared.memberships,
        tasks=ports.tasks,
        outbox=shared.outbox,
        clock=ports.clock,
    )
    return AccountErasure(
        users=shared.users,
        departure=departure,
        tasks=ports.tasks,
        records=ports.account_records,
        outbox=shared.outbox,
        clock=ports.clock,
        audit=ports.audit,
        settle=settle(settings),
    )


def project_notices(ports: Ports, shared: Shared) -> ProjectNotices:
    return ProjectNotices(users=shared.users, outbox=shared.outbox, mailer=ports.mailer)


def admin(ports: Ports, shared: Shared, deletion: AccountDeletion) -> AdminService:
    return AdminService(
        users=shared.users,
        scans=ports.task_scans,
        sessions=shared.sessions,
        deletion=deletion,
        audit=ports.audit,
        clock=ports.clock,
    )
