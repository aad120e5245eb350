"""Cursors for the pages of accounts: the last account's id, base64url-encoded."""

from __future__ import annotations

import binascii

from taskflow.adapters.http.edge.signing import b64decode, b64encode
from taskflow.domain.errors import InvalidValueError
from taskflow.domain.values import UserId

_ID_BYTES = 12


def encode_user_cursor(user_id: UserId) -> str:
    return b64encode(bytes.fromhex(user_id.value))


def decode_user_cursor(cursor: str) -> UserId:
    try:
        raw = b64decode(cursor)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _ID_BYTES:
        msg = "cursor is not one this API handed out"
        raise InvalidValueError(msg, field="cursor")
    return UserId(raw.hex())
