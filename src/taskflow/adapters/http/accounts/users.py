"""The caller's own account."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody
from litestar.response import Stream

from taskflow.adapters.http.accounts.export import account_chunks
from taskflow.adapters.http.accounts.schemas import (
    AccountDeletionRequest,
    AccountDeletionResponse,
    AccountExport,
    AccountExportHead,
    MembershipExport,
    PasswordChange,
    ProfileUpdate,
    TokenResponse,
    UserResponse,
    VerificationSent,
)
from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.deadline import NO_DEADLINE
from taskflow.adapters.http.openapi.operations import documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.adapters.http.tasks.export import started
from taskflow.domain.model.accounts import User
from taskflow.domain.services.accounts import AccountService, PasswordChangeService
from taskflow.domain.services.projects import ProjectService
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.services.verification import EmailVerification


class UsersController(Controller):
    path = "/api/v1/users"
    tags = ["users"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type

    @get(
        "/me",
        operation_id="getMe",
        operation_class=documented(),
        summary="Your profile",
        responses=problem_responses(401, 503),
    )
    async def me(self, current_account: NamedDependency[User]) -> UserResponse:
        return UserResponse.of(current_account)

    @patch(
        "/me",
        summary="Change your display name",
        responses=problem_responses(400, 401, 413, 415, 422, 503),
        operation_id="updateMe",
        operation_class=documented(),
    )
    async def update_me(
        self,
        data: JSONBody[ProfileUpdate],
        current_account: NamedDependency[User],
        accounts: NamedDependency[AccountService],
    ) -> UserResponse:
        return UserResponse.of(await accounts.update_profile(current_account, name=data.name))

    @post(
        "/me/password",
        operation_id="changePassword",
        operation_class=documented(),
        status_code=200,
        summary="Change your password",
        description="Needs the current password. Ends every session of the account, this one "
        "included, and answers with a new token pair for the caller.",
        responses=problem_responses(400, 401, 403, 413, 415, 422, 429, 503),
    )
    async def change_password(
        self,
        data: JSONBody[PasswordChange],
        current_account: NamedDependency[User],
        password_change: NamedDependency[PasswordChangeService],
    ) -> TokenResponse:
        pair = await password_change.change(current_account, current=data.current_password, new=data.new_password)
        return TokenResponse.of(pair)

    @delete(
        "/me",
        operation_id="deleteMe",
        operation_class=documented(),
        status_code=202,
        summary="Delete your account and everything of it",
        description="Needs the password (counted as a sign-in attempt). At once: no token of the account works "
        "and it cannot sign in. Within a minute a job erases the account, its own tasks, sessions and other "
        "records; a project you own passes to its longest-standing admin or, with none, is deleted with its "
        "tasks, and its members are told by mail; you leave the other projects, where your tasks are "
        "unassigned. The e-mail can be registered again once it is done. The last active admin cannot "
        "(409 `last-admin`).",
        responses=problem_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
    )
    async def delete_me(
        self,
        data: JSONBody[AccountDeletionRequest],
        current_account: NamedDependency[User],
        accounts: NamedDependency[AccountService],
    ) -> AccountDeletionResponse:
        return AccountDeletionResponse(deleted_at=await accounts.delete(current_account, password=data.password))

    @get(
        "/me/export",
        operation_id="exportMe",
        operation_class=documented(),
        summary="Everything of your account, to take with you",
        description="One JSON document, streamed: your account (no secrets), the projects you are in with your "
        "role, and every task of your own, as `getTask` shows it (a project's tasks are the project's: "
        "`exportTasks` with `project_id`).",
        responses={
            200: ResponseSpec(data_container=AccountExport, description="The export", generate_examples=False),
            **problem_responses(401, 503),
        },
        opt={NO_DEADLINE: True},
    )
    async def export_me(
        self,
        request: Caller,
        current_account: NamedDependency[User],
        task_service: NamedDependency[TaskService],
        project_service: NamedDependency[ProjectService],
    ) -> Stream:
        projects = await project_service.mine(request.user)
        head = AccountExportHead(
            format="taskflow-account-export/1",
            exported_at=datetime.now(UTC),
            account=UserResponse.of(current_account),
            projects=[MembershipExport(v.project.id.value, v.project.name, v.role) for v in projects],
        )
        tasks = await started(await task_service.export(request.user))
        return Stream(
            account_chunks(head, tasks),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="taskflow-account.json"'},
        )

    @post(
        "/me/verification",
        operation_id="requestVerification",
        operation_class=documented(),
        status_code=202,
        summary="Mail yourself a token that confirms your e-mail address",
        description="The token works for 7 days (`verifyEmail`); the welcome mail carries one too. At most 5 an "
        "hour; 409 `email-already-verified` if there is nothing to confirm.",
        responses=problem_responses(401, 409, 429, 503),
    )
    async def request_verification(
        self, current_account: NamedDependency[User], verification: NamedDependency[EmailVerification]
    ) -> VerificationSent:
        await verification.request(current_account)
        return VerificationSent()
