"""Cursors for the pages of accounts: the last account's id."""

from __future__ import annotations

from taskflow.adapters.http.edge.cursors import decode_cursor, encode_cursor
from taskflow.domain.values import UserId

_ID_BYTES = 12


def encode_user_cursor(user_id: UserId) -> str:
    return encode_cursor(bytes.fromhex(user_id.value))


def decode_user_cursor(cursor: str) -> UserId:
    return UserId(decode_cursor(cursor, length=_ID_BYTES).hex())
