"""Reminders mailed by two real `taskflow worker` processes over the same ticks: one mail per task."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from taskflow.domain.access.roles import ProjectRole
from taskflow.entrypoints.processes import Child
from tests.api.conftest import (
    OwnRedisStack,
    create_task,
    joining,
    membership_repository,
    new_account,
    stack_on_own_redis,
    worker_process,
)
from tests.conftest import mail_messages

TICK_SECONDS = 1
QUIET_SECONDS = 4 * TICK_SECONDS


@pytest.fixture
async def mail_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[tuple[OwnRedisStack, Path]]:
    sink, directory = mail_sink
    async with stack_on_own_redis(
        mongodb,
        smtp_url=sink.url,
        outbox_sweep_seconds=TICK_SECONDS,
        reminder_interval_seconds=TICK_SECONDS,
        reminder_lead_minutes=60,
        notification_digest_seconds=1,  # a second reminder of one person's goes a second after the first
    ) as stack:
        yield stack, directory


def _reminders(directory: Path) -> Counter[tuple[str, str]]:
    """Message-IDs and subjects of the reminder mails in the sink, with how often each arrived."""
    return Counter(
        (str(m["Message-ID"]), str(m["Subject"]))
        for m in mail_messages(directory)
        if str(m["Subject"]).startswith("Due")
    )


async def _wait_for(directory: Path, count: int, *, within: float = 30) -> Counter[tuple[str, str]]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and len(_reminders(directory)) < count:  # noqa: ASYNC110 - the state is files written by another process
        await asyncio.sleep(0.2)
    await asyncio.sleep(QUIET_SECONDS)  # more ticks: a second mail would show now
    return _reminders(directory)


def _due(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


@pytest.mark.slow
async def test_two_workers_over_the_same_ticks_send_one_reminder_per_task_and_due_date(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, directory = mail_stack
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada, bob = await new_account(client), await new_account(client)
        soon = [
            await create_task(client, ada, title="Ada's soon", due_at=_due(20)),
            await create_task(client, ada, title="Ada's sooner", due_at=_due(5)),
            await create_task(client, bob, title="Bob's soon", due_at=_due(50)),
        ]
        await create_task(client, ada, title="Not yet", due_at=_due(120))
        await create_task(client, bob, title="Finished", due_at=_due(10), status="done")
        with worker_process(stack.settings), worker_process(stack.settings):
            first = await _wait_for(directory, len(soon))
            assert len(first) == len(soon)
            assert set(first.values()) == {1}, first
            moved = soon[0]
            patched = await client.patch(f"/api/v1/tasks/{moved['id']}", json={"due_at": _due(40)}, headers=ada.auth)
            assert patched.status_code == 200, patched.text
            second = await _wait_for(directory, len(soon) + 1)
    assert len(second) == len(soon) + 1  # the new due date is a new reminder
    assert set(second.values()) == {1}, second
    assert sum(1 for _, subject in second if subject.endswith(f": {moved['title']}")) == 2


async def test_a_project_task_reminds_its_assignee_through_the_real_worker(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, directory = mail_stack
    async with (
        httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
        membership_repository(stack.settings) as memberships,
    ):
        ada, bob = await new_account(client), await new_account(client)
        project = (await client.post("/api/v1/projects", json={"name": "Home"}, headers=ada.auth)).json()
        await joining(memberships)(bob, project, ProjectRole.DOER)
        for title, assignee in (("Bob's", bob.id), ("Nobody's", None)):
            body = {"title": title, "due_at": _due(10), "project_id": project["id"], "assignee_id": assignee}
            assert (await client.post("/api/v1/tasks", json=body, headers=ada.auth)).status_code == 201
        with worker_process(stack.settings):
            await _wait_for(directory, 1)
    mails = [(str(m["To"]), str(m["Subject"])) for m in mail_messages(directory) if str(m["Subject"]).startswith("Due")]
    assert [(to, subject.split(": ", 1)[1]) for to, subject in mails] == [(bob.email, "Bob's")]
