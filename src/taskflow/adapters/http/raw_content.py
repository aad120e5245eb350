"""OpenAPI operations for the two routes whose bodies Litestar does not decode: import and export.

The import reads its body as a file in one of several media types, the export streams one
of two; Litestar's signature model can state neither, so the document said nothing of the
import's body and `application/json` for the export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, RequestBody, Schema

if TYPE_CHECKING:
    from collections.abc import Iterable

_TEXT = Schema(type=OpenAPIType.STRING)


def _content(media_types: Iterable[str]) -> dict[str, OpenAPIMediaType]:
    return {media_type: OpenAPIMediaType(schema=_TEXT) for media_type in media_types}


def takes(*media_types: str, description: str) -> type[Operation]:
    """An operation whose required body is text in one of `media_types`."""

    @dataclass
    class TakesRawBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(content=_content(media_types), description=description, required=True)

    return TakesRawBody


def answers(status: int, *media_types: str) -> type[Operation]:
    """An operation whose `status` answer is text in one of `media_types` (the client picks by a parameter)."""

    @dataclass
    class AnswersRawBody(Operation):
        _status: ClassVar[str] = str(status)

        def __post_init__(self) -> None:
            response = (self.responses or {}).get(self._status)
            if isinstance(response, OpenAPIResponse):
                response.content = _content(media_types)

    return AnswersRawBody
