"""What Litestar's signatures cannot state in an operation: raw bodies, and links to the next operation.

The import reads its body as a file in one of several media types and the export streams
one of two: the document said nothing of the first and `application/json` for the second.
Links say which answer feeds which request (a created task's `id` into `getTask`), so a
client, and schemathesis's stateful phase, can follow real flows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from litestar.openapi.spec import Link, OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, RequestBody, Schema

if TYPE_CHECKING:
    from collections.abc import Iterable

_TEXT = Schema(type=OpenAPIType.STRING)


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
) -> type[Operation]:
    """An operation class adding to what Litestar generates.

    A required text body in one of `takes`; the media types `answers[1]` of the answer with
    status `answers[0]`; `links` by status.
    """

    @dataclass
    class Documented(Operation):
        def __post_init__(self) -> None:
            if takes:
                self.request_body = RequestBody(content=_content(takes), description=takes_description, required=True)
            responses = self.responses or {}
            if answers is not None:
                status, media_types = answers
                response = responses.get(str(status))
                if isinstance(response, OpenAPIResponse):
                    response.content = _content(media_types)
            for status, named in (links or {}).items():
                response = responses.get(str(status))
                if isinstance(response, OpenAPIResponse):
                    response.links = {**(response.links or {}), **named}

    return Documented
