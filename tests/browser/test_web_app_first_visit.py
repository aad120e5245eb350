"""What a person meets first: the signed-out page, the sign-up form's rules, and the links the mails carry."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import Browser, expect

from tests.api.conftest import mailed_token, new_account
from tests.browser.conftest import App, WorkerStack, web_app

VERIFY_LINK = re.compile(r"(http://\S+/#/verify/\S+)")
RESET_LINK = re.compile(r"(http://\S+/#/reset/\S+)")
NEW_PASSWORD = "a brand new passphrase"
PASSPHRASE = "a passphrase long enough"


async def _rules(url: str) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        answer = await client.get("/api/v1/auth/password-rules")
    assert answer.status_code == 200, answer.text
    minimum: int = answer.json()["min_length"]
    return minimum


async def test_a_first_visit_signed_out_makes_no_failing_request(browser: Browser, api_url: str) -> None:
    """The page asks for its session first; without one, the answer is "none", not an error in the console."""
    async with web_app(browser, api_url) as app:
        await app.page.get_by_role("link", name="Create an account").click()
        await expect(app.page.get_by_role("heading", name="Create your account")).to_be_visible()
        await app.page.reload()
        await expect(app.page.get_by_role("heading", name="Create your account")).to_be_visible()
        assert app.failed == []


async def _fill_sign_up(app: App, email: str, password: str) -> None:
    page = app.page
    await page.get_by_label("Name").fill("Ada Lovelace")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Create account").click()


async def test_the_sign_up_form_states_the_servers_password_rule_and_holds_a_shorter_one(
    browser: Browser, api_url: str
) -> None:
    minimum = await _rules(api_url)
    async with web_app(browser, api_url) as app:
        page = app.page
        sent: list[str] = []
        page.on("request", lambda request: sent.append(request.url) if "auth/register" in request.url else None)
        await page.get_by_role("link", name="Create an account").click()
        password = page.get_by_label("Password")
        hint = page.locator(".field", has=password).locator(".hint")
        await expect(hint).to_have_text(f"At least {minimum} characters, and not a common password.")
        await expect(password).to_have_attribute("minlength", str(minimum))

        email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
        await _fill_sign_up(app, email, "x" * (minimum - 1))
        error = page.locator(".field", has=password).locator(".field-error")
        await expect(error).to_have_text(f"At least {minimum} characters, please: this one has {minimum - 1}.")
        await expect(password).to_have_attribute("aria-invalid", "true")
        assert sent == []  # held in the page: the server was never asked

        await password.fill(PASSPHRASE)
        await page.get_by_role("button", name="Create account").click()
        await expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
        assert len(sent) == 1


async def test_the_welcome_mails_link_confirms_the_address(browser: Browser, worker_stack: WorkerStack) -> None:
    async with web_app(browser, worker_stack.url) as app:
        page = app.page
        email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
        await page.get_by_role("link", name="Create an account").click()
        await _fill_sign_up(app, email, PASSPHRASE)
        await expect(page.get_by_role("heading", name="My tasks")).to_be_visible()

        link = await mailed_token(worker_stack.mail, email, VERIFY_LINK, subject="Welcome to taskflow")
        assert link.startswith(f"{worker_stack.url}/#/verify/")
        await page.goto(link)
        await expect(page.get_by_role("status").filter(has_text="Your address is confirmed.")).to_be_visible()
        await page.get_by_role("link", name="Continue to taskflow").click()
        await expect(page.get_by_role("heading", name="My tasks")).to_be_visible()  # still signed in
        async with httpx.AsyncClient(base_url=worker_stack.url, timeout=10) as client:
            login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSPHRASE})
            access = {"Authorization": f"Bearer {login.json()['access_token']}"}
            me = await client.get("/api/v1/users/me", headers=access)
        assert me.json()["email_verified"] is True

    async with web_app(browser, worker_stack.url) as stranger:  # the link again, elsewhere: confirming twice is fine
        await stranger.page.goto(link)
        await expect(stranger.page.get_by_role("status").filter(has_text="Your address is confirmed.")).to_be_visible()
        await stranger.page.goto(link.replace("/#/verify/", "/#/verify/x"))
        await expect(stranger.page.get_by_role("alert")).to_have_text(re.compile("This link no longer works"))


async def test_a_forgotten_password_is_reset_from_the_mailed_link(browser: Browser, worker_stack: WorkerStack) -> None:
    async with httpx.AsyncClient(base_url=worker_stack.url, timeout=10) as client:
        ada = await new_account(client)
    minimum = await _rules(worker_stack.url)
    async with web_app(browser, worker_stack.url) as app:
        page = app.page
        await page.get_by_role("link", name="Forgot your password?").click()
        await page.get_by_label("E-mail").fill(ada.email)
        await page.get_by_role("button", name="Mail me a link").click()
        await expect(page.get_by_role("status").filter(has_text="a mail with a link")).to_be_visible()
        link = await mailed_token(worker_stack.mail, ada.email, RESET_LINK, subject="Reset your taskflow password")
        assert link.startswith(f"{worker_stack.url}/#/reset/")

        await page.goto(link)
        await expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
        new_password = page.get_by_label("New password")
        await new_password.fill("y" * (minimum - 1))
        await page.get_by_role("button", name="Set the new password").click()
        await expect(page.locator(".field", has=new_password).locator(".field-error")).to_contain_text(
            f"At least {minimum} characters"
        )
        await new_password.fill(NEW_PASSWORD)
        await page.get_by_role("button", name="Set the new password").click()
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        await expect(page.get_by_role("status").filter(has_text="Your password is changed.")).to_be_attached()
        await app.sign_in(ada.email, NEW_PASSWORD)

        await page.goto(link)  # used: it says so, and offers a new one
        await page.get_by_label("New password").fill(NEW_PASSWORD + " again")
        await page.get_by_role("button", name="Set the new password").click()
        await expect(page.get_by_role("alert")).to_have_text(re.compile("This link no longer works"))
        await expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
