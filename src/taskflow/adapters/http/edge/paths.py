"""Ids taken from URL paths."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from taskflow.domain.errors import InvalidValueError, NotFoundError

IdT = TypeVar("IdT")


def path_id(raw: str, make: Callable[[str], IdT], missing: type[NotFoundError]) -> IdT:
    """A malformed id names nothing: `missing` (404), as for any id the caller cannot see."""
    try:
        return make(raw)
    except InvalidValueError:
        raise missing from None
