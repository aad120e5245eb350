"""What the app keeps between requests: built in the lifespan, read by dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from taskflow.adapters.http.edge.client_addresses import ClientAddresses
    from taskflow.adapters.http.edge.consistency import ConsistencyTokens
    from taskflow.adapters.http.edge.metrics_access import MetricsAccess
    from taskflow.adapters.http.tasks.event_stream import TaskEventStreams
    from taskflow.adapters.http.tasks.pages import TaskPages
    from taskflow.domain.ports.security import RateLimiter, RateRule
    from taskflow.domain.services import Services


@dataclass(frozen=True, slots=True)
class AppState:
    """`checks` name each dependency and how to probe it; readiness gates only on `database`.

    `auth_budget` limits requests to the sign-in endpoints per client address,
    `user_budget` every signed-in request per user.
    """

    services: Services
    checks: dict[str, Callable[[], Awaitable[object]]]
    clients: ClientAddresses
    limiter: RateLimiter
    auth_budget: RateRule
    user_budget: RateRule
    task_pages: TaskPages
    consistency_tokens: ConsistencyTokens
    task_event_streams: TaskEventStreams
    refresh_shared_metrics: Callable[[], Awaitable[None]]
    """Reads figures other processes keep (the job queue's) before `/metrics` answers."""
    metrics_access: MetricsAccess
