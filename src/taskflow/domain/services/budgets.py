"""Spending a rate budget, the one way every use case does it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from taskflow.domain.errors import TooManyRequestsError

if TYPE_CHECKING:
    from taskflow.domain.ports.security import RateLimiter, RateRule


async def spend(limiter: RateLimiter, rule: RateRule, key: str, *, detail: str | None = None) -> None:
    """Count one against `rule` for `key`; TooManyRequestsError (with when it refills) once it is spent."""
    decision = await limiter.hit(rule, key)
    if not decision.allowed:
        raise TooManyRequestsError(retry_after=decision.reset_after, detail=detail)


@dataclass(frozen=True, slots=True)
class Budget:
    """One rule on a limiter: what a use case that spends a single budget takes."""

    limiter: RateLimiter
    rule: RateRule

    async def spend(self, key: str, *, detail: str | None = None) -> None:
        await spend(self.limiter, self.rule, key, detail=detail)
