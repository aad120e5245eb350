"""One Redis client per process, with short timeouts so a stalled Redis cannot stall requests."""

from __future__ import annotations

from redis.asyncio import Redis


def connect(url: str, *, timeout_seconds: float) -> Redis:
    client: Redis = Redis.from_url(
        url,
        socket_timeout=timeout_seconds,
        socket_connect_timeout=timeout_seconds,
        health_check_interval=30,
    )
    return client
