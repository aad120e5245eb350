"""Notifications through the API, made by a real worker from the change feed, mailed through a real SMTP sink."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from taskflow.domain.access.roles import ProjectRole
from taskflow.entrypoints.processes import Child
from taskflow.settings import Settings
from tests.api.conftest import (
    Account,
    Join,
    OwnRedisStack,
    Register,
    assert_problem,
    consuming_worker,
    create_project,
    create_task,
    joining,
    membership_repository,
    new_account,
    stack_on_own_redis,
)
from tests.conftest import mail_messages
from tests.event_streams import event_stream

NOTIFICATIONS = "/api/v1/notifications"
SETTINGS = "/api/v1/users/me/notification-settings"
DIGEST_SECONDS = 2


@pytest.fixture
async def mail_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[tuple[OwnRedisStack, Path]]:
    sink, directory = mail_sink
    async with stack_on_own_redis(
        mongodb, smtp_url=sink.url, outbox_sweep_seconds=1, notification_digest_seconds=DIGEST_SECONDS
    ) as stack:
        yield stack, directory


async def _inbox(client: httpx.AsyncClient, account: Account, *, count: int) -> list[dict[str, Any]]:
    """The account's inbox once it holds `count` notifications (the worker makes them a moment after the change)."""
    deadline = time.monotonic() + 20
    while True:
        response = await client.get(NOTIFICATIONS, headers=account.auth)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        if len(items) >= count or time.monotonic() > deadline:
            return items
        await asyncio.sleep(0.1)


def _mails_to(directory: Path, account: Account) -> list[str]:
    """The subjects of the notification mails to `account` (not its welcome), oldest first."""
    subjects = [str(mail["Subject"]) for mail in mail_messages(directory) if str(mail["To"]) == account.email]
    return [subject for subject in subjects if not subject.startswith("Welcome")]


async def _mails(directory: Path, account: Account, *, count: int, within: float) -> list[str]:
    deadline = time.monotonic() + within
    while len(_mails_to(directory, account)) < count and time.monotonic() < deadline:  # noqa: ASYNC110 - files written by another process
        await asyncio.sleep(0.1)
    return _mails_to(directory, account)


async def test_an_assignment_reaches_the_inbox_and_the_mail_and_more_come_as_one_digest(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, directory = mail_stack
    async with (
        httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
        membership_repository(stack.settings) as memberships,
        consuming_worker(stack.settings),
    ):
        ada, bob, carol = await new_account(client), await new_account(client), await new_account(client)
        project = await create_project(client, ada, "Launch")
        await joining(memberships)(bob, project, ProjectRole.EDITOR)
        body = {"title": "Plan", "project_id": project["id"], "assignee_id": bob.id}
        assert (await client.post("/api/v1/tasks", json=body, headers=ada.auth)).status_code == 201
        (told,) = await _inbox(client, bob, count=1)
        assert (told["kind"], told["actor"], told["read"]) == ("assigned", {"id": ada.id, "name": "T"}, False)
        assert (told["task"]["title"], told["project"]) == ("Plan", {"id": project["id"], "name": "Launch"})
        assert await _mails(directory, bob, count=1, within=10) == ['"Plan" in Launch was assigned to you']

        for title in ("Two", "Three", "Four"):  # within the window: one digest at its end
            body = {"title": title, "project_id": project["id"], "assignee_id": bob.id}
            assert (await client.post("/api/v1/tasks", json=body, headers=ada.auth)).status_code == 201
        items = await _inbox(client, bob, count=4)
        assert [item["task"]["title"] for item in items] == ["Four", "Three", "Two", "Plan"]
        mails = await _mails(directory, bob, count=2, within=DIGEST_SECONDS + 10)
        await asyncio.sleep(DIGEST_SECONDS)  # a third mail would show now
        assert _mails_to(directory, bob) == [*mails[:1], "3 new notifications on taskflow"]
        assert _mails_to(directory, ada) == []  # nothing of her own doing

        count = await client.get(f"{NOTIFICATIONS}/unread-count", headers=bob.auth)
        assert count.json() == {"unread": 4}
        theirs = await client.post(f"{NOTIFICATIONS}/read", json={"ids": [items[0]["id"]]}, headers=carol.auth)
        assert theirs.json() == {"unread": 0}  # Carol's own count: Bob's are not hers to mark
        assert (await client.get(NOTIFICATIONS, headers=carol.auth)).json() == {"items": [], "next_cursor": None}
        marked = await client.post(f"{NOTIFICATIONS}/read", json={"ids": [items[0]["id"]]}, headers=bob.auth)
        assert marked.json() == {"unread": 3}
        unread = await client.get(NOTIFICATIONS, params={"unread": "true", "limit": 2}, headers=bob.auth)
        assert [item["task"]["title"] for item in unread.json()["items"]] == ["Three", "Two"]
        rest = await client.get(
            NOTIFICATIONS, params={"unread": "true", "cursor": unread.json()["next_cursor"]}, headers=bob.auth
        )
        assert [item["task"]["title"] for item in rest.json()["items"]] == ["Plan"]
        up_to = await client.post(f"{NOTIFICATIONS}/read", json={"up_to": items[1]["id"]}, headers=bob.auth)
        assert up_to.json() == {"unread": 0}
        metrics = (await client.get("/metrics")).text
        for channel, made in (("inbox", 4), ("mail", 4), ("mailed", 4)):
            assert f'taskflow_notifications_delivered_total{{channel="{channel}",kind="assigned"}} {made}.0' in metrics


async def test_settings_are_the_defaults_until_changed_and_a_patch_merges(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    defaults = await client.get(SETTINGS, headers=ada.auth)
    assert defaults.status_code == 200, defaults.text
    assert defaults.json()["assigned"] == {"inbox": True, "mail": True}
    assert defaults.json()["role_changed"] == {"inbox": True, "mail": False}
    changed = await client.patch(
        SETTINGS, json={"assigned": {"mail": False}, "role_changed": {"mail": True}}, headers=ada.auth
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        **defaults.json(),
        "assigned": {"inbox": True, "mail": False},
        "role_changed": {"inbox": True, "mail": True},
    }
    assert (await client.get(SETTINGS, headers=ada.auth)).json() == changed.json()
    bads: list[object] = [{"assigned": {"mail": "yes"}}, {"mentioned": {"mail": True}}, {"assigned": {"push": 1}}, []]
    for bad in bads:
        assert_problem(await client.patch(SETTINGS, json=bad, headers=ada.auth), 422)
    assert (await client.get(SETTINGS, headers=ada.auth)).json() == changed.json()  # lost nothing
    assert (await client.get(SETTINGS)).status_code == 401


async def test_bad_requests_are_problems(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    for path in (NOTIFICATIONS, f"{NOTIFICATIONS}/unread-count"):
        assert_problem(await client.get(path), 401)
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "nope"}, {"unread": "maybe"}):
        assert_problem(await client.get(NOTIFICATIONS, params=params, headers=ada.auth), 422)
    read = f"{NOTIFICATIONS}/read"
    bodies: list[dict[str, object]] = [
        {},
        {"ids": ["a" * 24], "up_to": "a" * 24},
        {"ids": []},
        {"ids": ["not-an-id"]},
        {"up_to": "a" * 24},
    ]
    for body in bodies:
        assert_problem(await client.post(read, json=body, headers=ada.auth), 422)
    assert_problem(await client.post(read, json={"ids": ["a" * 24] * 101}, headers=ada.auth), 422)
    assert (await client.post(read, json={"ids": ["a" * 24]}, headers=ada.auth)).json() == {"unread": 0}


async def test_a_new_notification_arrives_on_the_live_stream(
    client: httpx.AsyncClient, register: Register, join: Join, settings: Settings
) -> None:
    ada, bob = await register(), await register()
    project = await create_project(client, ada)
    await join(bob, project, ProjectRole.EDITOR)
    quiet = await client.patch(SETTINGS, json={"assigned": {"mail": False}}, headers=bob.auth)  # no SMTP here
    assert quiet.status_code == 200, quiet.text
    async with consuming_worker(settings), event_stream(client, bob.auth) as stream:
        task = await create_task(client, ada, title="Plan", project_id=project["id"], assignee_id=bob.id)
        assert (await stream.next()).event == "task.created"
        told = await stream.next()
        assert told.event == "notification.created"
        (listed,) = (await client.get(NOTIFICATIONS, headers=bob.auth)).json()["items"]
        assert told.json() == listed
        assert (listed["kind"], listed["task"]["id"], listed["actor"]["id"]) == ("assigned", task["id"], ada.id)
