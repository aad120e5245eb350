"""Unsigned cursors of a fixed length (an id, a version), base64url: any value is harmless, a malformed one a 422."""

from __future__ import annotations

import binascii

from taskflow.adapters.http.edge.signing import b64decode, b64encode
from taskflow.domain.errors import InvalidValueError


def encode_cursor(raw: bytes) -> str:
    return b64encode(raw)


def decode_cursor(cursor: str, *, length: int) -> bytes:
    try:
        raw = b64decode(cursor)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length:
        msg = "cursor is not one this API handed out"
        raise InvalidValueError(msg, field="cursor")
    return raw
