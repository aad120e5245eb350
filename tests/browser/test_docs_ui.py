"""The docs UI works with no internet: it renders, authorizes, and calls the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, Request

from tests.api.conftest import PASSWORD, Account

Register = Callable[[], Awaitable[Account]]


async def test_docs_render_offline_authorize_and_call_users_me(
    browser: Browser, api_url: str, register: Register, tmp_path: Path
) -> None:
    ada = await register()
    page = await browser.new_page()
    hosts: set[str] = set()

    def remember(request: Request) -> None:
        hosts.add(urlsplit(request.url).hostname or request.url)

    page.on("request", remember)
    try:
        await page.goto(f"{api_url}/docs")
        await page.wait_for_selector(".opblock", timeout=20_000)
        paths = await page.locator(".opblock-summary-path").all_inner_texts()
        assert {"/api/v1/auth/register", "/api/v1/tasks", "/api/v1/users/me"} <= {
            p.replace("\u200b", "") for p in paths
        }

        await page.click("button.authorize")
        await page.fill("#oauth_username", ada.email)
        await page.fill("#oauth_password", PASSWORD)
        await page.click(".auth-btn-wrapper button.authorize")
        await page.locator(".auth-btn-wrapper button", has_text="Logout").wait_for(timeout=10_000)
        await page.locator(".auth-btn-wrapper button", has_text="Close").click()

        me = page.locator(".opblock-get", has=page.locator("[data-path='/api/v1/users/me']"))
        await me.locator(".opblock-summary").click()
        await me.locator("button.try-out__btn").click()
        await me.locator("button.execute").click()
        status = me.locator(".live-responses-table .response .response-col_status")
        await status.wait_for(timeout=10_000)
        assert (await status.inner_text()).strip() == "200"
        assert ada.email in await me.locator(".live-responses-table .microlight").first.inner_text()
    finally:
        await page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
        await page.close()
    assert hosts == {"127.0.0.1"}
