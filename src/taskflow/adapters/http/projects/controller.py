"""Projects you are in (decision 0028): every id here is checked by the access service."""

from __future__ import annotations

from typing import Annotated, Final

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.idempotency import IdempotencyKey, IdempotencyMiddleware, request_key
from taskflow.adapters.http.edge.paths import path_id
from taskflow.adapters.http.edge.preconditions import etag, if_match_parameter, if_match_version
from taskflow.adapters.http.openapi.operations import ETAG, LOCATION, REPLAYED, documented, link
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.adapters.http.projects.schemas import (
    InvitationCreate,
    InvitationResponse,
    MemberListResponse,
    MemberResponse,
    MemberUpdate,
    ProjectCreate,
    ProjectListResponse,
    ProjectRename,
    ProjectResponse,
    ProjectTransfer,
)
from taskflow.domain.errors import MemberNotFoundError, ProjectNotFoundError
from taskflow.domain.model.projects import MAX_MEMBERS, MAX_PROJECTS_PER_USER
from taskflow.domain.services.invitations import InvitationAcceptance, InvitationService
from taskflow.domain.services.projects import ProjectService, ProjectView
from taskflow.domain.values import ProjectId, UserId

IfMatch = Annotated[str | None, if_match_parameter("project")]
CREATED_PROJECT_LINKS: Final = {
    "GetProject": link("getProject", project_id="$response.body#/id"),
    "RenameProject": link(
        "renameProject", project_id="$response.body#/id", **{"header.If-Match": "$response.header.ETag"}
    ),
    "DeleteProject": link(
        "deleteProject", project_id="$response.body#/id", **{"header.If-Match": "$response.header.ETag"}
    ),
}
TOKEN_MAX_LENGTH: Final = 64  # an invitation token is 43 characters
NOT_YOURS: Final = (
    " A project you are not in answers 404, exactly as a project that does not exist; one you are in, "
    "but below the role this needs, answers 403."
)


def _project_id(raw: str) -> ProjectId:
    return path_id(raw, ProjectId, ProjectNotFoundError)


def _member_id(raw: str) -> UserId:
    return path_id(raw, UserId, MemberNotFoundError)


def _answer(view: ProjectView, status: int = HTTP_200_OK) -> Response[ProjectResponse]:
    headers = {"ETag": etag(view.project.version)}
    if status == HTTP_201_CREATED:
        headers["Location"] = f"/api/v1/projects/{view.project.id}"
    return Response(ProjectResponse.of(view), status_code=status, headers=headers)


class ProjectsController(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type

    @post(
        "/",
        operation_id="createProject",
        status_code=HTTP_201_CREATED,
        summary="Create a project",
        description=f"You become its owner. You can be in at most {MAX_PROJECTS_PER_USER} projects, owned or "
        "joined (409 beyond).",
        responses=problem_responses(400, 401, 409, 413, 415, 422, 503),
        middleware=[IdempotencyMiddleware],
        operation_class=documented(
            links={HTTP_201_CREATED: CREATED_PROJECT_LINKS},
            headers={HTTP_201_CREATED: {"Location": LOCATION, "ETag": ETAG, "Idempotent-Replayed": REPLAYED}},
        ),
    )
    async def create(
        self,
        data: JSONBody[ProjectCreate],
        request: Caller,
        project_service: NamedDependency[ProjectService],
        idempotency_key: IdempotencyKey = None,  # noqa: ARG002 - IdempotencyMiddleware reads it; declared for OpenAPI
    ) -> Response[ProjectResponse]:
        view = await project_service.create(request.user, data.name, request_key=request_key(request))
        return _answer(view, HTTP_201_CREATED)

    @get(
        "/",
        operation_id="listProjects",
        operation_class=documented(),
        summary="The projects you are in",
        description=f"All of them at once (at most {MAX_PROJECTS_PER_USER}), oldest membership first, each "
        "with your role in it.",
        responses=problem_responses(400, 401, 503),
    )
    async def mine(self, request: Caller, project_service: NamedDependency[ProjectService]) -> ProjectListResponse:
        views = await project_service.mine(request.user)
        return ProjectListResponse(items=[ProjectResponse.of(view) for view in views])

    @get(
        "/{project_id:str}",
        operation_id="getProject",
        operation_class=documented(headers={HTTP_200_OK: {"ETag": ETAG}}),
        summary="A project you are in",
        description="With your role in it." + NOT_YOURS,
        responses=problem_responses(400, 401, 404, 503),
    )
    async def read(
        self, project_id: FromPath[str], request: Caller, project_service: NamedDependency[ProjectService]
    ) -> Response[ProjectResponse]:
        return _answer(await project_service.get(request.user, _project_id(project_id)))

    @patch(
        "/{project_id:str}",
        operation_id="renameProject",
        operation_class=documented(headers={HTTP_200_OK: {"ETag": ETAG}}),
        summary="Rename a project",
        description="The owner only. With `If-Match`, only the version named is changed (412 otherwise)." + NOT_YOURS,
        responses=problem_responses(400, 401, 403, 404, 412, 413, 415, 422, 503),
    )
    async def rename(
        self,
        *,
        project_id: FromPath[str],
        data: JSONBody[ProjectRename],
        request: Caller,
        project_service: NamedDependency[ProjectService],
        if_match: IfMatch = None,
    ) -> Response[ProjectResponse]:
        view = await project_service.rename(
            request.user, _project_id(project_id), data.name, if_match=if_match_version(if_match)
        )
        return _answer(view)

    @delete(
        "/{project_id:str}",
        operation_id="deleteProject",
        operation_class=documented(),
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a project",
        description="The owner only. Every member loses it at once. With `If-Match`, only the version named is "
        "deleted (412 otherwise)." + NOT_YOURS,
        responses=problem_responses(400, 401, 403, 404, 412, 503),
    )
    async def remove(
        self,
        project_id: FromPath[str],
        request: Caller,
        project_service: NamedDependency[ProjectService],
        if_match: IfMatch = None,
    ) -> None:
        await project_service.delete(request.user, _project_id(project_id), if_match=if_match_version(if_match))

    @get(
        "/{project_id:str}/members",
        operation_id="listProjectMembers",
        operation_class=documented(),
        summary="The members of a project you are in",
        description=f"All of them (at most {MAX_MEMBERS}), earliest joined first." + NOT_YOURS,
        responses=problem_responses(400, 401, 404, 503),
    )
    async def members(
        self, project_id: FromPath[str], request: Caller, project_service: NamedDependency[ProjectService]
    ) -> MemberListResponse:
        found = await project_service.roster(request.user, _project_id(project_id))
        return MemberListResponse(items=[MemberResponse.of(member) for member in found])

    @patch(
        "/{project_id:str}/members/{user_id:str}",
        operation_id="changeProjectMemberRole",
        operation_class=documented(),
        summary="Change a member's role",
        description="Admins and the owner, for members below their own role, to a role below their own "
        "(`owner` only by a transfer). A user who is no member answers 404." + NOT_YOURS,
        responses=problem_responses(400, 401, 403, 404, 413, 415, 422, 503),
    )
    async def change_role(
        self,
        *,
        project_id: FromPath[str],
        user_id: FromPath[str],
        data: JSONBody[MemberUpdate],
        request: Caller,
        project_service: NamedDependency[ProjectService],
    ) -> MemberResponse:
        changed = await project_service.change_role(
            request.user, _project_id(project_id), _member_id(user_id), data.role
        )
        return MemberResponse.of(changed)

    @delete(
        "/{project_id:str}/members/{user_id:str}",
        operation_id="removeProjectMember",
        operation_class=documented(),
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a member",
        description="Admins and the owner, for members below their own role; the member loses the project on "
        "their next request. To leave yourself, use `leave`." + NOT_YOURS,
        responses=problem_responses(400, 401, 403, 404, 503),
    )
    async def remove_member(
        self,
        project_id: FromPath[str],
        user_id: FromPath[str],
        request: Caller,
        project_service: NamedDependency[ProjectService],
    ) -> None:
        await project_service.remove_member(request.user, _project_id(project_id), _member_id(user_id))

    @post(
        "/{project_id:str}/leave",
        operation_id="leaveProject",
        operation_class=documented(),
        status_code=HTTP_204_NO_CONTENT,
        summary="Leave a project",
        description="Anyone but the owner, who transfers the project first (409)." + NOT_YOURS,
        responses=problem_responses(400, 401, 404, 409, 503),
    )
    async def leave(
        self, project_id: FromPath[str], request: Caller, project_service: NamedDependency[ProjectService]
    ) -> None:
        await project_service.leave(request.user, _project_id(project_id))

    @post(
        "/{project_id:str}/transfer",
        operation_id="transferProject",
        operation_class=documented(headers={HTTP_200_OK: {"ETag": ETAG}}),
        status_code=HTTP_200_OK,
        summary="Hand a project to another member",
        description="The owner only. The member named becomes the owner and you an admin; the project's tasks "
        "stay where they are. A user who is no member is a 422." + NOT_YOURS,
        responses=problem_responses(400, 401, 403, 404, 412, 413, 415, 422, 503),
    )
    async def transfer(
        self,
        project_id: FromPath[str],
        data: JSONBody[ProjectTransfer],
        request: Caller,
        project_service: NamedDependency[ProjectService],
    ) -> Response[ProjectResponse]:
        return _answer(await project_service.transfer(request.user, _project_id(project_id), UserId(data.user_id)))

    @post(
        "/{project_id:str}/invitations",
        operation_id="inviteToProject",
        operation_class=documented(headers={HTTP_202_ACCEPTED: {"Idempotent-Replayed": REPLAYED}}),
        status_code=HTTP_202_ACCEPTED,
        summary="Invite someone by e-mail",
        description="Admins and the owner, at a role below their own. The answer is the same whether or not the "
        "address has an account: a mail goes to it with a token that works once, within 7 days, for the account "
        "with that address (`acceptInvitation`). An account sends at most 50 invitations a day by default "
        "(`TASKFLOW_LIMIT_INVITATIONS_PER_USER`; 429 with Retry-After beyond)." + NOT_YOURS,
        responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
        middleware=[IdempotencyMiddleware],
    )
    async def invite(
        self,
        project_id: FromPath[str],
        data: JSONBody[InvitationCreate],
        request: Caller,
        invitation_service: NamedDependency[InvitationService],
        idempotency_key: IdempotencyKey = None,  # noqa: ARG002 - IdempotencyMiddleware reads it; declared for OpenAPI
    ) -> InvitationResponse:
        sent = await invitation_service.invite(
            request.user, _project_id(project_id), data.email, data.role, request_key=request_key(request)
        )
        return InvitationResponse.of(sent)


class InvitationsController(Controller):
    path = "/api/v1/invitations"
    tags = ["projects"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type

    @post(
        "/{token:str}/accept",
        operation_id="acceptInvitation",
        operation_class=documented(),
        status_code=HTTP_200_OK,
        summary="Accept an invitation",
        description="Signed in as the account with the invited address; you join at the invitation's role (a "
        "member already keeps theirs). A token used, expired, or sent to another address answers 404.",
        responses=problem_responses(400, 401, 404, 409, 422, 503),
    )
    async def accept(
        self,
        token: Annotated[str, PathParameter(max_length=TOKEN_MAX_LENGTH)],
        request: Caller,
        invitation_acceptance: NamedDependency[InvitationAcceptance],
    ) -> Response[ProjectResponse]:
        return _answer(await invitation_acceptance.accept(request.user, token))
