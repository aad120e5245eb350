"""Redis failures become the domain's UnavailableError, so callers can fall back."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from taskflow.domain.errors import UnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator


class RedisUnavailableError(UnavailableError):
    code = "redis-unavailable"
    title = "Cache temporarily unavailable"


@contextmanager
def translate_errors() -> Iterator[None]:
    try:
        yield
    except (RedisError, OSError, TimeoutError) as exc:
        raise RedisUnavailableError from exc
