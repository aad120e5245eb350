"""Conditional requests (RFC 9110 §13) on task versions: ETag `"<version>"`."""

from __future__ import annotations

import re
from typing import Any, Final

from litestar.params import HeaderParameter

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


def if_match_parameter(thing: str) -> Any:  # noqa: ANN401 - Litestar's KwargDefinition, as HeaderParameter returns it
    """The `If-Match` header of a change to `thing` (a task, a project), as its handlers declare it."""
    return HeaderParameter(
        name="If-Match",
        required=False,
        description=f'The {thing}\'s ETag (`"<version>"`): the change applies only to that version (412 otherwise).',
    )
