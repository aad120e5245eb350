"""One deadline for all the database work of a request (DESIGN §3, decision 0018).

Within it the driver retries what is safe (retryable reads and writes, again and again
while time is left); past it the database call raises, which answers 503 with
`Retry-After`. The deadline is shorter than the proxy's server timeout, so the client
hears taskflow's 503 rather than the proxy's 504.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import TYPE_CHECKING, Final, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from litestar.types import Scope

T = TypeVar("T")

NO_DEADLINE: Final = "no_request_deadline"
"""Route `opt` key: a streamed answer is bounded per database call, not as a whole."""
BEFORE_DEADLINE: Final = "taskflow.before_deadline"
"""Scope state key: the request's context before its deadline began (set by the request gate)."""


async def outside_deadline(scope: Scope, work: Callable[[], Coroutine[object, object, T]], *, seconds: float) -> T:
    """Run `work` on its own time: bookkeeping that must be tried even when the request ran out.

    TimeoutError after `seconds`.
    """
    before = scope.get("state", {}).get(BEFORE_DEADLINE)
    context = before.copy() if isinstance(before, contextvars.Context) else None
    return await asyncio.wait_for(asyncio.create_task(work(), context=context), seconds)
