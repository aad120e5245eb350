"""Job functions: thin, they take ids and act through the services in `ctx`."""

from __future__ import annotations

from typing import Any

from arq import Retry

from taskflow.domain.errors import UnavailableError
from taskflow.domain.services import Services
from taskflow.domain.values import UserId

RETRY_DELAY_SECONDS = 5


def _services(ctx: dict[str, Any]) -> Services:
    services: Services = ctx["services"]
    return services


async def send_welcome_mail(ctx: dict[str, Any], user_id: str) -> None:
    try:
        await _services(ctx).accounts.send_welcome_mail(UserId(user_id))
    except UnavailableError as exc:
        raise Retry(defer=RETRY_DELAY_SECONDS * ctx["job_try"]) from exc


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Cron: enqueue what the outbox still owes; arq runs one per tick however many workers."""
    return await _services(ctx).outbox.sweep()


FUNCTIONS = (send_welcome_mail,)
