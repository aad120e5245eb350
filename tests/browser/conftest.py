"""Real headless Chromium (Debian's package) driven by Playwright; the API fixtures come along."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Locator,
    Page,
    Response,
    async_playwright,
    expect,
)

from taskflow.entrypoints.processes import Child
from taskflow.settings import Settings
from tests.api.conftest import (  # noqa: F401 - fixtures reused here
    PASSWORD,
    _clean_database,
    api_url,
    client,
    join,
    memberships,
    register,
    shard_key_guard,
    stack_on_own_redis,
    worker_process,
)

# Without the background-networking flags Chromium phones home, which this test forbids.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@dataclass(frozen=True)
class WorkerStack:
    """An API with its own Redis, a real `taskflow worker` and the SMTP sink: imports run, mail arrives."""

    url: str
    mail: Path
    settings: Settings


@pytest.fixture
async def worker_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[WorkerStack]:
    sink, directory = mail_sink
    async with stack_on_own_redis(mongodb, smtp_url=sink.url, outbox_sweep_seconds=1) as stack:
        with worker_process(stack.settings):
            yield WorkerStack(stack.url, directory, stack.settings)


@dataclass
class App:
    """One browser context on the web app, with whatever script error or dialog the page raised."""

    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """Each answer of 400 or more the page got, as `<status> <method> <path>` (some are expected: a refused form)."""

    async def sign_in(self, email: str, password: str = PASSWORD) -> None:
        await self.page.get_by_label("E-mail").fill(email)
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_role("button", name="Sign in").click()
        await expect(self.page.get_by_role("heading", name="My tasks")).to_be_visible()

    def task(self, title: str) -> Locator:
        return self.page.locator("li.task", has=self.page.locator(".title", has_text=title))


@asynccontextmanager
async def web_app(browser: Browser, url: str, *, phone: bool = False) -> AsyncIterator[App]:
    """The app at `url` in a fresh context (its own cookies), desktop or phone width."""
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 860}
    context = await browser.new_context(
        base_url=url,
        viewport=viewport,  # type: ignore[arg-type]
        accept_downloads=True,
        locale="en-GB",
        timezone_id="UTC",  # the same dates on every machine, in the screenshots too
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    app = App(context, page)
    page.on("pageerror", lambda error: app.problems.append(f"script error: {error}"))

    async def refuse(dialog: Dialog) -> None:  # an alert() would be script the page never meant to run
        app.problems.append(f"dialog: {dialog.message}")
        await dialog.dismiss()

    page.on("dialog", refuse)

    def report(message: ConsoleMessage) -> None:
        # A refused request the page expects (a form's 422) is in `failed`, for the test to judge.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            app.problems.append(f"console: {message.text}")

    def answered(response: Response) -> None:
        if response.status >= HTTPStatus.BAD_REQUEST:
            app.failed.append(f"{response.status} {response.request.method} {urlsplit(response.url).path}")

    page.on("console", report)
    page.on("response", answered)
    await page.goto("/")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    try:
        yield app
    finally:
        await context.close()
    assert app.problems == []
