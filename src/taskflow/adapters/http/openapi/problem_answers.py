"""How the document states the problem+json answers (RFC 9457) an operation can give."""

from __future__ import annotations

from http import HTTPStatus

import msgspec
from litestar.openapi import ResponseSpec


class FieldError(msgspec.Struct):
    field: str
    message: str
    source: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error is answered."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_PROBLEM_DESCRIPTIONS = {
    400: "The body is not valid JSON (or is nested too deeply), or X-Consistency-Token is not one this API handed out",
    401: "No valid bearer token (or, on login, wrong credentials); carries WWW-Authenticate",
    403: "The account may not do this (or, on a password change, the current password is wrong)",
    404: "No such resource for this caller: another user's looks the same as a missing one",
    409: "Conflicts with the current state",
    412: "If-Match names a version that is no longer current",
    413: "The body is larger than TASKFLOW_MAX_BODY_BYTES",
    415: "The Content-Type is not the one this operation takes",
    422: "The body parses but breaks the schema or a rule; `errors` names the fields",
    429: "A request budget or rate limit is spent; retry after Retry-After seconds (RateLimit fields say more)",
    503: "A dependency did not answer in time; retry after Retry-After seconds",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json answers an operation can give.

    An operation that can answer 401 draws on a request budget, so it can answer 429 too.
    """
    if HTTPStatus.UNAUTHORIZED in statuses:
        statuses = tuple(dict.fromkeys((*statuses, HTTPStatus.TOO_MANY_REQUESTS.value)))
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_PROBLEM_DESCRIPTIONS[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }
