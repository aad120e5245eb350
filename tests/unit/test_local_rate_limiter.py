"""The per-process fallback limiter: same windows as Redis's, bounded memory."""

from __future__ import annotations

from taskflow.adapters.redis.ratelimit import LocalRateLimiter
from taskflow.domain.ports.security import RateRule

RULE = RateRule("test", 2, 60)


async def test_windows_open_at_the_first_hit_and_refill_when_they_end() -> None:
    now = [1000.0]
    limiter = LocalRateLimiter(clock=lambda: now[0])
    assert [(await limiter.hit(RULE, "k")).allowed for _ in range(3)] == [True, True, False]
    now[0] += 59
    denied = await limiter.hit(RULE, "k")
    assert (denied.allowed, denied.reset_after) == (False, 1)
    now[0] += 1
    assert (await limiter.hit(RULE, "k")).allowed


async def test_memory_stays_bounded_when_every_window_is_live() -> None:
    limiter = LocalRateLimiter(max_keys=3, clock=lambda: 0.0)
    for key in range(10):
        await limiter.hit(RULE, f"k{key}")
    assert len(limiter._windows) <= 3  # noqa: SLF001 - the bound is the behaviour under test
    assert (await limiter.hit(RULE, "k9")).remaining == 0  # the newest windows are kept
