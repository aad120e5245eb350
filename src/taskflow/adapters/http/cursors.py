"""Opaque keyset cursors: the last id of a page, base64url-encoded."""

from __future__ import annotations

import base64
import binascii

from taskflow.domain.errors import InvalidValueError
from taskflow.domain.values import UserId

_ID_BYTES = 12


def encode_user_cursor(user_id: UserId) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(user_id.value)).decode().rstrip("=")


def decode_user_cursor(cursor: str) -> UserId:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _ID_BYTES:
        msg = "cursor is not one this API handed out"
        raise InvalidValueError(msg, field="cursor")
    return UserId(raw.hex())
