"""The web app for everyone: the keyboard alone, an axe-core scan, and a phone-width screen.

The screenshots it takes are the ones the README shows (docs/screenshots/).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from taskflow.domain.access.roles import ProjectRole
from taskflow.settings import Settings
from tests.api.conftest import Account, Join, consuming_worker, create_project, create_task, new_account
from tests.browser.conftest import web_app

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
AXE = Axe()


async def _serious_violations(page: Page) -> list[str]:
    """What axe-core (pinned with axe-playwright-python) finds of serious or critical impact."""
    results = await AXE.run(page)
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{found['id']} ({found['impact']}): {found['help']} at {[node['target'] for node in found['nodes']]}"
        for found in violations
        if found["impact"] in {"serious", "critical"}
    ]


async def _screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """The README's picture: no hover or focus ring left over from the steps before."""
    await page.mouse.move(0, 0)
    await page.evaluate("() => document.activeElement?.blur()")
    await page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page, animations="disabled", caret="hide")


async def _focused(page: Page) -> str:
    return str(
        await page.evaluate(
            "() => document.activeElement?.labels?.[0]?.textContent || document.activeElement?.textContent || ''"
        )
    )


async def test_keyboard_alone_signs_in_adds_edits_and_completes_a_task(
    browser: Browser, api_url: str, client: httpx.AsyncClient
) -> None:
    ada = await new_account(client)
    async with web_app(browser, api_url) as app:
        page = app.page
        assert await _focused(page) == "E-mail"  # the first field has the focus
        await page.keyboard.type(ada.email)
        await page.keyboard.press("Tab")
        assert await _focused(page) == "Password"
        await page.keyboard.type("correct horse battery staple")
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", name="My tasks")).to_be_focused()

        await page.keyboard.press("Tab")
        assert await _focused(page) == "Title"
        await page.keyboard.type("Typed, never clicked")
        await page.keyboard.press("Enter")
        await expect(app.task("Typed, never clicked")).to_be_visible()
        await expect(page.locator("form.new-task").get_by_label("Title")).to_be_focused()

        for _ in range(40):  # onwards through the filters to the task's own controls
            await page.keyboard.press("Tab")
            if await _focused(page) == "Edit":
                break
        await expect(app.task("Typed, never clicked").get_by_role("button", name="Edit")).to_be_focused()
        await page.keyboard.press("Enter")
        editor = page.get_by_role("dialog")
        await expect(editor.get_by_label("Title")).to_be_focused()
        await page.keyboard.press("Escape")
        await expect(editor).to_be_hidden()
        await expect(app.task("Typed, never clicked").get_by_role("button", name="Edit")).to_be_focused()

        await page.keyboard.press("Enter")
        await page.keyboard.press("Control+A")
        await page.keyboard.type("Typed and edited")
        await page.keyboard.press("Enter")
        await expect(editor).to_be_hidden()
        await expect(app.task("Typed and edited").get_by_role("button", name="Edit")).to_be_focused()

        await page.keyboard.press("Shift+Tab")
        await expect(app.task("Typed and edited").get_by_role("checkbox")).to_be_focused()
        await page.keyboard.press("Space")
        await expect(app.task("Typed and edited").get_by_role("checkbox")).to_be_checked()
        await expect(app.task("Typed and edited").get_by_role("checkbox")).to_be_focused()  # kept across the redraw


async def test_axe_finds_nothing_serious_and_the_screenshots_are_taken(
    browser: Browser, api_url: str, client: httpx.AsyncClient, join: Join, settings: Settings
) -> None:
    ada, bob = await new_account(client), await new_account(client)
    await client.patch("/api/v1/users/me", json={"name": "Ada Lovelace"}, headers=ada.auth)
    await client.patch("/api/v1/users/me", json={"name": "Bob Babbage"}, headers=bob.auth)
    garden = await create_project(client, ada, "Garden")
    await join(bob, garden, ProjectRole.EDITOR)
    for title, priority, tags, status in (
        ("Plan the quarterly review", "high", ["work"], "in_progress"),
        ("Renew the passport", "urgent", ["home", "papers"], "todo"),
        ("Book the dentist", "medium", ["health"], "done"),
        ("Read the SecantusDB notes", "low", ["reading"], "todo"),
    ):
        await create_task(
            client, ada, title=title, priority=priority, tags=tags, status=status, due_at="2030-05-04T09:00:00Z"
        )
    async with consuming_worker(settings):  # Bob is told of the assignment
        await create_task(
            client, ada, title="Prune the apple tree", project_id=garden["id"], assignee_id=bob.id, tags=["spring"]
        )
        await _told(client, bob)
    await create_task(client, ada, title="Order seeds", project_id=garden["id"], priority="high")

    async with web_app(browser, api_url) as desktop:
        page = desktop.page
        assert await _serious_violations(page) == [], "sign-in screen"
        await desktop.sign_in(ada.email)
        await expect(page.locator(".live")).to_have_text("Live")
        await expect(page.locator("li.task")).to_have_count(4)
        await expect(page.locator(".stats div", has_text="Total").locator("dd")).to_have_text("4")
        assert await _serious_violations(page) == [], "task list"
        await _screenshot(page, "tasks-desktop.png")

        await desktop.task("Renew the passport").get_by_role("button", name="Edit").click()
        assert await _serious_violations(page) == [], "task editor"
        await page.keyboard.press("Escape")

        await page.get_by_role("link", name="Garden").click()
        await expect(page.locator(".members li")).to_have_count(2)
        assert await _serious_violations(page) == [], "project with members"
        await expect(page.locator(".stats div", has_text="Total").locator("dd")).to_have_text("2")
        await _screenshot(page, "project-desktop.png")

    async with web_app(browser, api_url, phone=True) as phone:
        page = phone.page
        assert await _serious_violations(page) == [], "sign-in screen, phone"
        await phone.sign_in(ada.email)
        await expect(page.locator("li.task")).to_have_count(4)
        await expect(page.locator(".stats div", has_text="Total").locator("dd")).to_have_text("4")
        assert await _serious_violations(page) == [], "task list, phone"
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, "nothing wider than the phone's screen"
        await _screenshot(page, "tasks-phone.png", full_page=True)
    await _a_members_notifications(browser, api_url, bob)


async def _a_members_notifications(browser: Browser, api_url: str, bob: Account) -> None:
    """Bob's inbox (the worker told him of the assignment), the task's history, his settings."""
    async with web_app(browser, api_url) as member:
        page = member.page
        await member.sign_in(bob.email)
        await expect(page.locator("a.bell")).to_have_attribute("aria-label", "Notifications, 1 unread")
        await page.locator("a.bell").click()
        await expect(page.locator("li.notification.unread")).to_have_count(1)
        assert await _serious_violations(page) == [], "notifications"
        await _screenshot(page, "notifications-desktop.png")
        await page.get_by_role("link", name="Open the task").click()
        editor = page.get_by_role("dialog")
        await editor.locator("summary", has_text="History").click()
        await expect(editor.locator(".history-entries > li")).to_have_count(1)
        assert await _serious_violations(page) == [], "task editor with its history"
        await page.keyboard.press("Escape")
        await page.locator("a.who").click()
        await expect(page.get_by_role("heading", name="Notifications", level=2)).to_be_visible()
        assert await _serious_violations(page) == [], "account and notification settings"


async def _told(client: httpx.AsyncClient, account: Account) -> None:
    """Until the worker has made a notification for `account`."""
    for _ in range(200):
        if (await client.get("/api/v1/notifications/unread-count", headers=account.auth)).json()["unread"]:
            return
        await asyncio.sleep(0.1)
    msg = "no notification was made"
    raise AssertionError(msg)
