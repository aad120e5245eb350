"""Conditional requests (RFC 9110 §13) on task versions: ETag `"<version>"`."""

from __future__ import annotations

import re
from typing import Final

_STRONG_TAG: Final = re.compile(r'"(\d{1,18})"')
NEVER_MATCHES: Final = -1
"""A version no task has: a weak, malformed or multi-tag If-Match fails as RFC 9110 says."""


def etag(version: int) -> str:
    """A strong validator: the version changes whenever the task does."""
    return f'"{version}"'


def if_match_version(header: str | None) -> int | None:
    """The version an `If-Match` demands; None for no header or `*` (any current version).

    If-Match compares strongly, so a weak tag never matches.
    """
    if header is None or header.strip() == "*":
        return None
    match = _STRONG_TAG.fullmatch(header.strip())
    return int(match.group(1)) if match else NEVER_MATCHES


def none_match(header: str | None, version: int) -> bool:
    """True when `If-None-Match` names this version (weak comparison) or is `*`."""
    if header is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag(version) in tags
