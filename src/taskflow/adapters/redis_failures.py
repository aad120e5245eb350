"""What a Redis failure is, for every adapter on Redis (cache, limits, gate, job queue, worker).

`translate_errors` turns one into the domain's UnavailableError, so callers can fall back.

`RedisHealth` remembers whether this process's last Redis call worked, logs each change
once (not once per failed call), and exposes it in `/metrics`.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

import structlog
from prometheus_client import Counter, Gauge
from redis.exceptions import RedisError

from taskflow.domain.errors import UnavailableError

if TYPE_CHECKING:
    from collections.abc import Iterator

log = structlog.get_logger("taskflow.redis")

REDIS_UP: Final = Gauge("taskflow_redis_up", "1 while this process's last Redis call succeeded, 0 once one failed")
REDIS_FALLBACKS: Final = Counter(
    "taskflow_redis_fallbacks_total", "Calls answered without Redis, by what stood in for it", ["use"]
)


REDIS_FAILURES: Final = (RedisError, OSError)  # OSError covers refused connections and timeouts


class RedisUnavailableError(UnavailableError):
    """Redis, not MongoDB, failed: what callers that can do without Redis catch."""


class RedisHealth:
    def __init__(self) -> None:
        self.up = True
        REDIS_UP.set(1)

    def succeeded(self) -> None:
        if not self.up:
            self.up = True
            REDIS_UP.set(1)
            log.info("redis_available")

    def failed(self, error: BaseException) -> None:
        if self.up:
            self.up = False
            REDIS_UP.set(0)
            log.warning("redis_unavailable", error=type(error).__name__)


@contextmanager
def translate_errors(health: RedisHealth) -> Iterator[None]:
    try:
        yield
    except REDIS_FAILURES as exc:
        health.failed(exc)
        raise RedisUnavailableError from exc
    health.succeeded()
