"""Checks that run before a handler's body is parsed."""

from __future__ import annotations

from typing import Any, Final

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import BodyKwarg
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

_JSON_TYPES: Final = ("application/json", "application/merge-patch+json")


def _expected_media_type(request: Request[Any, Any, Any]) -> str | None:
    field = request.route_handler.parsed_data_field
    if field is None:
        return None
    kwarg = field.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and kwarg.media_type:
        return str(kwarg.media_type.value if isinstance(kwarg.media_type, RequestEncodingType) else kwarg.media_type)
    return RequestEncodingType.JSON.value


async def require_declared_content_type(request: Request[Any, Any, Any]) -> None:
    """A body in a media type the handler does not take is 415, not a confusing parse error."""
    expected = _expected_media_type(request)
    if expected is None:
        return
    actual = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    accepted = _JSON_TYPES if expected == RequestEncodingType.JSON.value else (expected,)
    if actual not in accepted and not (expected in _JSON_TYPES and actual.endswith("+json")):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"Content-Type must be {expected}",
            headers={"Accept-Post": expected},
        )
