"""Job functions: thin, they take ids and act through the services in `ctx`.

A transient failure (the database or the mail server did not answer) is retried with a
growing delay, `MAX_TRIES` times in all; any other failure is a bug and fails at once.
A job that gives up says so where its owner can see it.
"""

from __future__ import annotations

from typing import Any

from arq import Retry

from taskflow.domain.errors import UnavailableError
from taskflow.domain.services import Services
from taskflow.domain.values import UserId

RETRY_DELAY_SECONDS = 5
MAX_TRIES = 5


def _services(ctx: dict[str, Any]) -> Services:
    services: Services = ctx["services"]
    return services


async def send_welcome_mail(ctx: dict[str, Any], user_id: str) -> None:
    try:
        await _services(ctx).accounts.send_welcome_mail(UserId(user_id))
    except UnavailableError as exc:
        raise Retry(defer=RETRY_DELAY_SECONDS * ctx["job_try"]) from exc


async def run_import(ctx: dict[str, Any], import_id: str) -> None:
    imports = _services(ctx).imports
    try:
        await imports.run(import_id)
    except UnavailableError as exc:
        if ctx["job_try"] >= MAX_TRIES:
            await imports.fail(import_id, f"the database did not answer in {MAX_TRIES} tries")
            return
        raise Retry(defer=RETRY_DELAY_SECONDS * ctx["job_try"]) from exc
    except Exception as exc:
        await imports.fail(import_id, f"internal error ({type(exc).__name__}); the rows written so far stay")
        raise


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Cron: enqueue what the outbox still owes; arq runs one per tick however many workers."""
    return await _services(ctx).outbox.sweep()


FUNCTIONS = (send_welcome_mail, run_import)
