"""What Litestar's signatures cannot state in an operation: raw bodies, links, response headers.

The import reads its body as a file in one of several media types and the export streams
one of two: the document said nothing of the first and `application/json` for the second.
Links say which answer feeds which request (a created task's `id` into `getTask`), so a
client, and schemathesis's stateful phase, can follow real flows. Litestar's response
specs carry no headers, so the ones every problem answer has (`WWW-Authenticate` on a
401, `Retry-After` on a 429 or 503, the RateLimit fields) are added here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from litestar.openapi.spec import (
    Link,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

_TEXT = Schema(type=OpenAPIType.STRING)


def _header(description: str, schema: Schema = _TEXT) -> OpenAPIHeader:
    return OpenAPIHeader(schema=schema, description=description)


ETAG: Final = _header('The task\'s version, quoted (`"3"`): send it back in `If-Match` or `If-None-Match`')
LOCATION: Final = _header("Where the created resource is")
REPLAYED: Final = _header("`true` when this is the recorded answer to an earlier request with the same Idempotency-Key")
_RATE_LIMIT: Final = {
    "RateLimit": _header("What is left of the request budget and when it refills (IETF RateLimit fields)"),
    "RateLimit-Policy": _header("The budget: its name, quota and window in seconds"),
}
_RETRY_AFTER: Final = _header("Seconds to wait before trying again", Schema(type=OpenAPIType.INTEGER))
_PROBLEM_HEADERS: Final = {
    "401": {"WWW-Authenticate": _header('`Bearer`, with `error="invalid_token"` for a token that is not valid')},
    "429": {"Retry-After": _RETRY_AFTER, **_RATE_LIMIT},
    "503": {"Retry-After": _RETRY_AFTER},
}


def _content(media_types: Iterable[str]) -> dict[str, OpenAPIMediaType]:
    return {media_type: OpenAPIMediaType(schema=_TEXT) for media_type in media_types}


def link(operation_id: str, **parameters: str) -> Link:
    """A link to `operation_id`, its parameters taken from this answer (`$response.body#/id`)."""
    return Link(operation_id=operation_id, parameters=dict(parameters))


def documented(
    *,
    takes: tuple[str, ...] = (),
    takes_description: str = "",
    answers: tuple[int, tuple[str, ...]] | None = None,
    links: Mapping[int, Mapping[str, Link]] | None = None,
    headers: Mapping[int, Mapping[str, OpenAPIHeader]] | None = None,
) -> type[Operation]:
    """An operation class adding to what Litestar generates.

    A required text body in one of `takes`; the media types `answers[1]` of the answer with
    status `answers[0]`; `links` and `headers` by status; the headers of every problem answer;
    on a signed-in operation, the RateLimit fields of its successful answers; no body on a 204.
    """

    @dataclass
    class Documented(Operation):
        def __post_init__(self) -> None:
            if takes:
                self.request_body = RequestBody(content=_content(takes), description=takes_description, required=True)
            responses = self.responses or {}
            no_content = responses.get("204")
            if isinstance(no_content, OpenAPIResponse):  # a handler returning a `Response` gets a JSON body listed
                no_content.content = None
            if answers is not None:
                status, media_types = answers
                response = responses.get(str(status))
                if isinstance(response, OpenAPIResponse):
                    response.content = _content(media_types)
            for status, named in (links or {}).items():
                response = responses.get(str(status))
                if isinstance(response, OpenAPIResponse):
                    response.links = {**(response.links or {}), **named}
            _add_headers(responses, headers or {}, signed_in=bool(self.security))

    return Documented


def _add_headers(
    responses: Mapping[str, object], headers: Mapping[int, Mapping[str, OpenAPIHeader]], *, signed_in: bool
) -> None:
    added = {**_PROBLEM_HEADERS, **{str(status): dict(named) for status, named in headers.items()}}
    for status, response in responses.items():
        if not isinstance(response, OpenAPIResponse):
            continue
        extra = dict(added.get(status, {}))
        if signed_in and status.startswith("2"):
            extra.update(_RATE_LIMIT)
        if extra:
            response.headers = {**(response.headers or {}), **extra}
