"""Litestar dependencies every feature may take, injected by name; Litestar reads these annotations at runtime.

A feature's own (the task pages, the live streams) are declared on its controllers.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide

from taskflow.adapters.http.state import AppState
from taskflow.domain.access.principal import Principal
from taskflow.domain.model.accounts import User
from taskflow.domain.services.accounts import AccountService, PasswordChangeService
from taskflow.domain.services.admin import AdminService
from taskflow.domain.services.history import TaskHistory
from taskflow.domain.services.imports import ImportService
from taskflow.domain.services.invitations import InvitationAcceptance, InvitationService
from taskflow.domain.services.password_reset import PasswordResetCompletion, PasswordResetService
from taskflow.domain.services.projects import ProjectService
from taskflow.domain.services.registration import Registration
from taskflow.domain.services.sessions import Authenticated, SessionService
from taskflow.domain.services.sign_in import SignIn
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.services.verification import EmailVerification

Caller = Request[Principal, Authenticated, Any]
"""A signed-in request: `request.user` is its principal, `request.auth` its authentication.

Handlers take it rather than a principal dependency beside their service: Litestar resolves
two or more dependencies through an anyio task group on every request, which costs more
than a cached read.
"""


def app_state(connection: ASGIConnection[Any, Any, Any, Any]) -> AppState:
    """What the lifespan built, from any connection (a request, or a guard's)."""
    state: AppState = connection.app.state.taskflow
    return state


def provide_accounts(request: Request[Any, Any, Any]) -> AccountService:
    return app_state(request).services.accounts


def provide_registration(request: Request[Any, Any, Any]) -> Registration:
    return app_state(request).services.registration


def provide_sign_in(request: Request[Any, Any, Any]) -> SignIn:
    return app_state(request).services.sign_in


def provide_password_change(request: Request[Any, Any, Any]) -> PasswordChangeService:
    return app_state(request).services.password_change


def provide_sessions(request: Request[Any, Any, Any]) -> SessionService:
    return app_state(request).services.sessions


def provide_client_address(request: Request[Any, Any, Any]) -> str:
    return app_state(request).clients.of(request)


def provide_tasks(request: Request[Any, Any, Any]) -> TaskService:
    return app_state(request).services.tasks


def provide_task_history(request: Request[Any, Any, Any]) -> TaskHistory:
    return app_state(request).services.history


def provide_imports(request: Request[Any, Any, Any]) -> ImportService:
    return app_state(request).services.imports


def provide_projects(request: Request[Any, Any, Any]) -> ProjectService:
    return app_state(request).services.projects


def provide_invitations(request: Request[Any, Any, Any]) -> InvitationService:
    return app_state(request).services.invitations


def provide_invitation_acceptance(request: Request[Any, Any, Any]) -> InvitationAcceptance:
    return app_state(request).services.invitation_acceptance


def provide_password_resets(request: Request[Any, Any, Any]) -> PasswordResetService:
    return app_state(request).services.password_resets


def provide_password_reset_confirmation(request: Request[Any, Any, Any]) -> PasswordResetCompletion:
    return app_state(request).services.password_reset_completion


def provide_verification(request: Request[Any, Any, Any]) -> EmailVerification:
    return app_state(request).services.verification


def provide_admin(request: Request[Any, Any, Any]) -> AdminService:
    return app_state(request).services.admin


async def provide_current_account(request: Request[Principal, Any, Any]) -> User:
    """The whole account, read from MongoDB: only for the handlers that need more than the principal."""
    return await app_state(request).services.accounts.get(request.user.id)


DEPENDENCIES = {
    "accounts": Provide(provide_accounts, sync_to_thread=False),
    "registration": Provide(provide_registration, sync_to_thread=False),
    "sign_in": Provide(provide_sign_in, sync_to_thread=False),
    "password_change": Provide(provide_password_change, sync_to_thread=False),
    "sessions": Provide(provide_sessions, sync_to_thread=False),
    "client_address": Provide(provide_client_address, sync_to_thread=False),
    "task_service": Provide(provide_tasks, sync_to_thread=False),
    "task_history": Provide(provide_task_history, sync_to_thread=False),
    "admin_service": Provide(provide_admin, sync_to_thread=False),
    "project_service": Provide(provide_projects, sync_to_thread=False),
    "invitation_service": Provide(provide_invitations, sync_to_thread=False),
    "invitation_acceptance": Provide(provide_invitation_acceptance, sync_to_thread=False),
    "import_service": Provide(provide_imports, sync_to_thread=False),
    "password_resets": Provide(provide_password_resets, sync_to_thread=False),
    "password_reset_completion": Provide(provide_password_reset_confirmation, sync_to_thread=False),
    "verification": Provide(provide_verification, sync_to_thread=False),
    "current_account": Provide(provide_current_account),
}
