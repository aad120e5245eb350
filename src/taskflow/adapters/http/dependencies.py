"""Litestar dependencies, injected by name; Litestar reads these annotations at runtime."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide

from taskflow.adapters.http.state import AppState
from taskflow.domain.entities import User
from taskflow.domain.services.accounts import AccountService
from taskflow.domain.services.admin import AdminService
from taskflow.domain.services.tasks import TaskService


def _state(request: Request[Any, Any, Any]) -> AppState:
    state: AppState = request.app.state.taskflow
    return state


def provide_accounts(request: Request[Any, Any, Any]) -> AccountService:
    return _state(request).services.accounts


def provide_tasks(request: Request[Any, Any, Any]) -> TaskService:
    return _state(request).services.tasks


def provide_admin(request: Request[Any, Any, Any]) -> AdminService:
    return _state(request).services.admin


def provide_current_user(request: Request[User, Any, Any]) -> User:
    return request.user


DEPENDENCIES = {
    "accounts": Provide(provide_accounts, sync_to_thread=False),
    "task_service": Provide(provide_tasks, sync_to_thread=False),
    "admin_service": Provide(provide_admin, sync_to_thread=False),
    "current_user": Provide(provide_current_user, sync_to_thread=False),
}
