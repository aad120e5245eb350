"""Checks that run before a handler's body is parsed."""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.params import BodyKwarg
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE

from taskflow.domain.errors import BodyTooDeepError

_JSON = RequestEncodingType.JSON.value
_JSON_TYPES: Final = (_JSON, "application/merge-patch+json")
_AT: Final = re.compile(r"- at `\$\.([^`]+)`")
ACCEPTS: Final = "accepts"
"""Route `opt` key: the media types of a body the handler reads raw (no `data` parameter)."""


def _expected_media_types(request: Request[Any, Any, Any]) -> tuple[str, ...]:
    accepts: tuple[str, ...] = request.route_handler.opt.get(ACCEPTS, ())
    field = request.route_handler.parsed_data_field
    if accepts or field is None:
        return accepts
    kwarg = field.kwarg_definition
    if isinstance(kwarg, BodyKwarg) and kwarg.media_type:
        return (str(kwarg.media_type.value if isinstance(kwarg.media_type, RequestEncodingType) else kwarg.media_type),)
    return (_JSON,)


def request_media_type(request: Request[Any, Any, Any]) -> str:
    """The `Content-Type` without parameters, lower case ("" without one)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def check_request_body(request: Request[Any, Any, Any]) -> None:
    """415 for a body in a media type the handler does not take; 400 or 422 for a JSON one it cannot.

    400 for JSON nested too deeply; 422 for JSON whose types are not its struct's, read
    strictly, as the document states them.

    Decoding here costs nothing extra: Litestar caches the decoded body for the handler (the
    strict conversion is a second pass over it, microseconds for a task).
    msgspec raises RecursionError on absurd nesting, which is caught here and only here,
    so a RecursionError anywhere else is still the bug it is.
    """
    expected = _expected_media_types(request)
    if not expected:
        return
    actual = request_media_type(request)
    is_json = actual in _JSON_TYPES or actual.endswith("+json")
    if not any((kind in _JSON_TYPES and is_json) or actual == kind for kind in expected):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail=f"Content-Type must be {' or '.join(expected)}",
            headers={"Accept-Post": ", ".join(expected)},
        )
    if is_json:
        try:
            body = await request.json()
        except RecursionError:
            raise BodyTooDeepError from None
        except SerializationException:
            return  # malformed JSON: Litestar answers 400 when it parses the body
        _check_strictly(request, body)


def _check_strictly(request: Request[Any, Any, Any], body: object) -> None:
    """JSON types as the document states them: `0` is not a date, `"false"` not a boolean.

    Litestar converts every parameter in msgspec's lax mode, which query strings need (all
    their values are text) and JSON bodies must not have: a client sending `"is_active":
    "false"` got `false`, and one sending `"due_at": 0` got 1970. The struct's own strict
    conversion, then; Litestar's still runs after it, on input that is already exact.
    """
    field = request.route_handler.parsed_data_field
    if field is None or not field.is_subclass_of(msgspec.Struct):
        return
    try:
        msgspec.convert(body, field.annotation, strict=True)
    except msgspec.ValidationError as exc:
        where = _AT.search(str(exc))
        key = where.group(1) if where else "data"
        raise ValidationException(extra=[{"key": key, "message": str(exc), "source": "body"}]) from None
