"""Administration: accounts and system-wide figures. Admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, delete, get, patch
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from taskflow.adapters.http.accounts.schemas import AccountDeletionResponse, UserResponse
from taskflow.adapters.http.admin.cursors import decode_user_cursor, encode_user_cursor
from taskflow.adapters.http.admin.schemas import (
    AdminStatsResponse,
    AdminUserUpdate,
    AuditEntryResponse,
    AuditPageResponse,
    TaskCountsResponse,
    UserCountsResponse,
    UserPageResponse,
)
from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.guards import requires_admin
from taskflow.adapters.http.edge.paths import path_id
from taskflow.adapters.http.openapi.operations import documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.domain.errors import UserNotFoundError
from taskflow.domain.model.audit import AUDIT_PAGE_MAX, AuditFilter, AuditKind
from taskflow.domain.model.tasks import to_utc_millis
from taskflow.domain.ports.accounts import UserFilter
from taskflow.domain.services.admin import MAX_PAGE_SIZE, AdminService
from taskflow.domain.values import EMAIL_MAX_LENGTH, OBJECT_ID_PATTERN, Role, UserId


class AdminController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type
    guards = [requires_admin]  # noqa: RUF012 - Litestar's declared attribute type

    @get(
        "/users",
        summary="List accounts (keyset pages)",
        responses=problem_responses(400, 401, 403, 422, 503),
        operation_id="listUsers",
        operation_class=documented(),
    )
    async def list_users(
        self,
        *,
        request: Caller,
        admin_service: NamedDependency[AdminService],
        email_prefix: Annotated[str | None, Parameter(max_length=EMAIL_MAX_LENGTH)] = None,
        role: FromQuery[Role | None] = None,
        is_active: FromQuery[bool | None] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = 20,
        cursor: Annotated[str | None, Parameter(max_length=64)] = None,
    ) -> UserPageResponse:
        page = await admin_service.list_users(
            request.user,
            UserFilter(email_prefix=email_prefix, role=role, is_active=is_active),
            after=decode_user_cursor(cursor) if cursor else None,
            limit=limit,
        )
        return UserPageResponse(
            items=[UserResponse.of(user) for user in page.items],
            next_cursor=encode_user_cursor(page.next_after) if page.next_after else None,
        )

    @patch(
        "/users/{user_id:str}",
        operation_id="updateUser",
        operation_class=documented(),
        summary="Change an account's role or access; deactivation revokes its tokens",
        responses=problem_responses(400, 401, 403, 404, 409, 415, 422, 503),
    )
    async def update_user(
        self,
        user_id: FromPath[str],
        data: JSONBody[AdminUserUpdate],
        request: Caller,
        admin_service: NamedDependency[AdminService],
    ) -> UserResponse:
        user = await admin_service.update_user(
            request.user, path_id(user_id, UserId, UserNotFoundError), role=data.role, is_active=data.is_active
        )
        return UserResponse.of(user)

    @delete(
        "/users/{user_id:str}",
        operation_id="deleteUser",
        operation_class=documented(),
        status_code=202,
        summary="Delete another account, as its owner would (`deleteMe`)",
        description="It stops at once and is erased within a minute. Your own account goes through `deleteMe` "
        "(409 `self-lockout` here).",
        responses=problem_responses(400, 401, 403, 404, 409, 503),
    )
    async def delete_user(
        self, user_id: FromPath[str], request: Caller, admin_service: NamedDependency[AdminService]
    ) -> AccountDeletionResponse:
        deleted_at = await admin_service.delete_user(request.user, path_id(user_id, UserId, UserNotFoundError))
        return AccountDeletionResponse(deleted_at=deleted_at)

    @get(
        "/audit",
        summary="The audit trail, newest first (keyset pages)",
        description="Who did what to whom, when, from which address, under which request id: sign-ins and "
        "failed ones, sign-outs, refresh-token reuse, password changes and resets, verifications, role and "
        "access changes, deletions, and admins' reads of accounts and of this trail (each read is an entry). "
        "Never a password, token or hash. Kept `TASKFLOW_AUDIT_RETENTION_DAYS` (400 by default).",
        responses=problem_responses(400, 401, 403, 422, 503),
        operation_id="listAudit",
        operation_class=documented(),
    )
    async def audit(
        self,
        *,
        request: Caller,
        admin_service: NamedDependency[AdminService],
        actor: Annotated[str | None, Parameter(pattern=OBJECT_ID_PATTERN, description="Who acted")] = None,
        target: Annotated[str | None, Parameter(pattern=OBJECT_ID_PATTERN, description="Whose account")] = None,
        kind: FromQuery[AuditKind | None] = None,
        since: Annotated[datetime | None, Parameter(description="At or after this instant")] = None,
        until: Annotated[datetime | None, Parameter(description="Before this instant")] = None,
        limit: Annotated[int, Parameter(ge=1, le=AUDIT_PAGE_MAX)] = 50,
        cursor: Annotated[str | None, Parameter(pattern=OBJECT_ID_PATTERN)] = None,
    ) -> AuditPageResponse:
        audit_filter = AuditFilter(
            actor=None if actor is None else UserId(actor),
            target=None if target is None else UserId(target),
            kind=kind,
            since=None if since is None else to_utc_millis(since, field_name="since"),
            until=None if until is None else to_utc_millis(until, field_name="until"),
        )
        page = await admin_service.audit(request.user, audit_filter, after=cursor, limit=limit)
        return AuditPageResponse(
            items=[AuditEntryResponse.of(entry) for entry in page.items], next_cursor=page.next_after
        )

    @get(
        "/stats",
        summary="System-wide figures (reads every shard)",
        responses=problem_responses(401, 403, 503),
        operation_id="getAdminStats",
        operation_class=documented(),
    )
    async def stats(self, request: Caller, admin_service: NamedDependency[AdminService]) -> AdminStatsResponse:
        stats = await admin_service.stats(request.user)
        users = stats.users
        return AdminStatsResponse(
            users=UserCountsResponse(total=users.total, active=users.active, admins=users.admins),
            tasks=TaskCountsResponse(total=stats.tasks_total, by_status=stats.tasks_by_status),
        )
