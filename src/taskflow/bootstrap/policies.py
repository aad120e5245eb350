"""What settings make of limits: request budgets, rate rules and the request deadline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.adapters.mongo import client as mongo
from taskflow.domain.ports.security import RateRule

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from taskflow.settings import Limit, Settings


def request_deadline(settings: Settings) -> Callable[[], AbstractContextManager[object]]:
    """Every database call of one request shares one deadline."""
    return lambda: mongo.deadline(settings.request_timeout_seconds)


def rule(name: str, limit: Limit) -> RateRule:
    return RateRule(name, limit.count, limit.window_seconds)


def auth_budget(settings: Settings) -> RateRule:
    """Requests to the sign-in endpoints per client address, whatever their outcome."""
    return rule("auth-address", settings.rate_limits.auth_requests_per_address)


def user_budget(settings: Settings) -> RateRule:
    """Every signed-in request, per user, across every API process."""
    return rule("user", settings.rate_limits.requests_per_user)
