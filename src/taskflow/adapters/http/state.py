"""What the app keeps between requests: built in the lifespan, read by dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from taskflow.domain.services import Services


@dataclass(frozen=True, slots=True)
class AppState:
    """`checks` name each dependency and how to probe it; readiness gates only on `database`."""

    services: Services
    checks: dict[str, Callable[[], Awaitable[object]]]
