"""Opaque values handed to clients and taken back: base64url payload, a dot, a MAC.

A MAC may also cover what the value is `bound` to (a user, a listing) without carrying
it, so a value used anywhere else fails to verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Final

MAC_BYTES: Final = 16  # 128 bits: forging one is out of reach, and the value stays short


class Signer:
    def __init__(self, secret: str, purpose: bytes) -> None:
        self._key = derive_key(secret, purpose)

    def sign(self, payload: bytes, *, bound: bytes = b"") -> str:
        text = b64encode(payload)
        return f"{text}.{self._mac(text, bound)}"

    def open(self, signed: str, *, bound: bytes = b"") -> bytes | None:
        """The payload, or None when `signed` is not a value this signer made for `bound`."""
        text, _, mac = signed.partition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(text, bound).encode()):
            return None
        try:
            return b64decode(text)
        except (binascii.Error, ValueError):
            return None

    def _mac(self, text: str, bound: bytes) -> str:
        return b64encode(hmac.new(self._key, bound + b"\0" + text.encode(), hashlib.sha256).digest()[:MAC_BYTES])


def derive_key(secret: str, purpose: bytes) -> bytes:
    """One key per purpose, derived from `secret`, so one kind of value never passes for another."""
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


def b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
