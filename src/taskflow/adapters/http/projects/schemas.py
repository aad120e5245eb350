"""Project bodies: projects, members, invitations and transfers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from taskflow.adapters.http.fields import EmailField, Name
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.projects import MAX_MEMBERS, MAX_PROJECTS_PER_USER, Invitation, Member
from taskflow.domain.services.projects import ProjectView
from taskflow.domain.values import (
    OBJECT_ID_PATTERN,
)


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class ProjectRename(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class ProjectResponse(msgspec.Struct):
    """A project as you see it: `role` is yours in it."""

    id: str
    name: str
    owner_id: str
    role: ProjectRole
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, view: ProjectView) -> ProjectResponse:
        project = view.project
        return cls(
            id=project.id.value,
            name=project.name,
            owner_id=project.owner_id.value,
            role=view.role,
            created_at=project.created_at,
            updated_at=project.updated_at,
            version=project.version,
        )


class ProjectListResponse(msgspec.Struct):
    items: Annotated[
        list[ProjectResponse],
        msgspec.Meta(max_length=MAX_PROJECTS_PER_USER, description="Every project you are in, oldest membership first"),
    ]


class MemberResponse(msgspec.Struct):
    user_id: str
    name: Annotated[str, msgspec.Meta(description="The member's display name")]
    role: ProjectRole
    joined_at: datetime

    @classmethod
    def of(cls, member: Member) -> MemberResponse:
        joined = member.membership
        return cls(user_id=joined.user_id.value, name=member.name, role=joined.role, joined_at=joined.joined_at)


class MemberListResponse(msgspec.Struct):
    items: Annotated[list[MemberResponse], msgspec.Meta(max_length=MAX_MEMBERS, description="Earliest joined first")]


class MemberUpdate(msgspec.Struct, forbid_unknown_fields=True):
    role: Annotated[
        ProjectRole,
        msgspec.Meta(description="Below your own role; `owner` only by a transfer"),
    ]


class InvitationCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailField
    role: Annotated[ProjectRole, msgspec.Meta(description="Below your own role")]


class InvitationResponse(msgspec.Struct):
    """What was sent, the same for every address: whether it has an account is not said."""

    email: str
    role: ProjectRole
    expires_at: datetime

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationResponse:
        return cls(email=invitation.email.value, role=invitation.role, expires_at=invitation.expires_at)


class ProjectTransfer(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Annotated[str, msgspec.Meta(description="Another member of the project", pattern=OBJECT_ID_PATTERN)]
