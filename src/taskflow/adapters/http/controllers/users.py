"""The caller's own account."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from taskflow.adapters.http.schemas import UserResponse, problem_responses
from taskflow.domain.entities import User


class UsersController(Controller):
    path = "/api/v1/users"
    tags = ["users"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type

    @get("/me", summary="Your profile", responses=problem_responses(401, 503))
    async def me(self, current_user: NamedDependency[User]) -> UserResponse:
        return UserResponse.of(current_user)
