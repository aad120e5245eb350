"""The framework's ceiling on this machine: a Litestar app with one handler and nothing else.

It answers the same page the API's `GET /api/v1/tasks?limit=20` answers (twenty tasks as
the API shows them, and a cursor), encoded by Litestar on every request, so a ratio to it
compares like with like: what taskflow adds is everything but the encoding of the page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar, get

_CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
PAGE_SIZE = 20


def _task(n: int) -> dict[str, Any]:
    created = _CREATED + timedelta(minutes=n)
    return {
        "id": f"6750{n:020x}",
        "title": f"Write the quarterly report, part {n}",
        "description": "Gather the figures from every team and write them up.",
        "status": "todo",
        "priority": "high",
        "due_at": created + timedelta(days=7),
        "tags": ["work", "reports"],
        "created_at": created,
        "updated_at": created,
        "completed_at": None,
        "version": 1,
    }


PAGE: dict[str, Any] = {
    "items": [_task(n) for n in range(PAGE_SIZE)],
    "next_cursor": "eyJ2IjoxLCJhIjpbIjIwMjYtMTItMDFUMDk6NTA6MDBaIiwiNjc1MCJdfQ.c2lnbmF0dXJlLW9mLXRoZS1jdXJzb3I",
}


@get("/page")
async def page() -> dict[str, Any]:
    return PAGE


app = Litestar([page], logging_config=None, openapi_config=None)
