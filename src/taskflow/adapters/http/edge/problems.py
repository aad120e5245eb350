"""Every error as application/problem+json (RFC 9457), from one table.

Domain errors map by class (looked up along the MRO); Litestar's own HTTP errors keep
their status; anything else is a 500 whose body names nothing internal.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any, Final

import structlog
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from taskflow.domain.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InvalidValueError,
    NotFoundError,
    PreconditionFailedError,
    RequestInProgressError,
    TaskflowError,
    TooManyRequestsError,
    UnauthenticatedError,
    UnavailableError,
)

PROBLEM_BASE: Final = "https://taskflow.dev/problems/"
RETRY_AFTER_SECONDS: Final = 1

_STATUS_OF: Final[dict[type[TaskflowError], HTTPStatus]] = {
    BadRequestError: HTTPStatus.BAD_REQUEST,
    InvalidValueError: HTTPStatus.UNPROCESSABLE_ENTITY,
    NotFoundError: HTTPStatus.NOT_FOUND,
    ConflictError: HTTPStatus.CONFLICT,
    PreconditionFailedError: HTTPStatus.PRECONDITION_FAILED,
    UnauthenticatedError: HTTPStatus.UNAUTHORIZED,
    ForbiddenError: HTTPStatus.FORBIDDEN,
    TooManyRequestsError: HTTPStatus.TOO_MANY_REQUESTS,
    UnavailableError: HTTPStatus.SERVICE_UNAVAILABLE,
}
_NAMED_FIELD: Final = re.compile(r"(?:unknown|missing required) field `([^`]+)`")

log = structlog.get_logger("taskflow.http")


def _status_for(exc: TaskflowError) -> HTTPStatus:
    for cls in type(exc).__mro__:
        if cls in _STATUS_OF:
            return _STATUS_OF[cls]
    return HTTPStatus.BAD_REQUEST


def problem(
    status: HTTPStatus,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=status.value,
        type_=PROBLEM_BASE + code,
        title=title,
        detail=detail or title,
        headers=headers,
        extra=extra,
    )


def from_domain(exc: TaskflowError) -> ProblemDetailsException:
    status = _status_for(exc)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if status is HTTPStatus.UNAUTHORIZED:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"' if exc.code == "invalid-token" else "Bearer"
    if status is HTTPStatus.SERVICE_UNAVAILABLE:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if isinstance(exc, TooManyRequestsError | RequestInProgressError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, InvalidValueError) and exc.field:
        extra["errors"] = [{"field": exc.field, "message": exc.detail}]
    structlog.contextvars.bind_contextvars(error=exc.code)  # lands on the request's one log line
    return problem(
        status,
        exc.code,
        exc.title,
        exc.detail,
        headers=headers or None,
        extra=extra or None,
    )


def _field_of(item: dict[str, Any]) -> str:
    key = str(item.get("key") or "")
    if key in {"", "data"}:
        match = _NAMED_FIELD.search(str(item.get("message", "")))
        return match.group(1) if match else "body"
    return key


def from_http(exc: HTTPException) -> ProblemDetailsException:
    if isinstance(exc, ProblemDetailsException):
        return exc
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list) and exc.extra:
        errors = [
            {
                "field": _field_of(item),
                "message": str(item.get("message")),
                "source": item.get("source"),
            }
            for item in exc.extra
            if isinstance(item, dict)
        ]
        names = ", ".join(sorted({str(e["field"]) for e in errors}))
        return problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "validation-failed",
            "The request does not match the schema",
            f"Invalid: {names}",
            extra={"errors": errors},
        )
    status = HTTPStatus(exc.status_code)
    slug = status.phrase.lower().replace(" ", "-")
    detail = exc.detail if status < HTTPStatus.INTERNAL_SERVER_ERROR else status.phrase
    return problem(status, slug, status.phrase, detail, headers=exc.headers)


def from_unexpected(exc: Exception) -> ProblemDetailsException:
    log.error("unhandled_error", exc_info=exc)
    return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal Server Error")


def problem_details_plugin() -> ProblemDetailsPlugin:
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                TaskflowError: from_domain,
                HTTPException: from_http,
                Exception: from_unexpected,
            },
        ),
    )
