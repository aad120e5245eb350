"""The web app with the worker behind it: an import's progress, an export, and a project shared by mail."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
from playwright.async_api import Browser, expect

from taskflow.domain.access.roles import ProjectRole
from tests.api.conftest import PASSWORD, create_project, joining, mailed_token, membership_repository, new_account
from tests.browser.conftest import WorkerStack, web_app

INVITATION = re.compile(r"/#/invitations/([\w-]+)")  # the web link in the mail


async def test_an_import_shows_its_progress_and_rows_then_an_export_downloads(
    browser: Browser, worker_stack: WorkerStack, tmp_path: Path
) -> None:
    rows = "".join(f"Imported {n:03},from the file\n" for n in range(300))
    upload = tmp_path / "tasks.csv"
    upload.write_text(f"title,description\n{rows},no title\n")
    async with httpx.AsyncClient(base_url=worker_stack.url, timeout=10) as client:
        ada = await new_account(client)
    async with web_app(browser, worker_stack.url) as app:
        page = app.page
        await app.sign_in(ada.email)
        importing = page.locator("form.import")
        await importing.get_by_label("CSV or JSON lines file").set_input_files(upload)
        await importing.get_by_role("button", name="Import").click()
        await expect(importing.get_by_role("status")).to_have_text(
            "Import finished: 300 created, 1 failed.", timeout=30_000
        )
        assert await importing.get_by_role("progressbar").get_attribute("max") == "301"
        await expect(importing.locator(".import-errors li")).to_have_text([re.compile(r"^Row 301 \(title\): ")])
        await expect(page.locator(".stats div", has_text="Total").locator("dd")).to_have_text("300")
        await expect(page.locator("li.task")).to_have_count(25)

        async with page.expect_download() as waiting:
            await page.get_by_role("button", name="Export CSV").click()
        download = await waiting.value
        assert download.suggested_filename == "tasks.csv"
        exported = await asyncio.to_thread(Path(await download.path()).read_text)
        assert exported.count("Imported ") == 300


async def test_a_project_is_shared_by_mail_and_its_members_work_on_it_live(
    browser: Browser, worker_stack: WorkerStack
) -> None:
    async with httpx.AsyncClient(base_url=worker_stack.url, timeout=10) as client:
        ada, bob = await new_account(client), await new_account(client)
        await client.patch("/api/v1/users/me", json={"name": "Bob Bobson"}, headers=bob.auth)
    async with web_app(browser, worker_stack.url) as owner, web_app(browser, worker_stack.url) as member:
        await owner.sign_in(ada.email)
        page = owner.page
        new_project = page.locator("form.new-project")
        await new_project.get_by_label("New project").fill("Garden")
        await new_project.get_by_role("button", name="Create").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Gardenowner")
        await expect(page.get_by_role("link", name="Garden")).to_have_attribute("aria-current", "page")

        invite = page.locator("form.invite")
        await invite.get_by_label("E-mail").fill("not an address")
        await invite.get_by_role("button", name="Send invitation").click()
        await expect(invite.get_by_label("E-mail")).to_have_attribute("aria-invalid", "true")
        await invite.get_by_label("E-mail").fill(bob.email)
        await invite.get_by_label("Role").select_option(label="Editor")
        await invite.get_by_role("button", name="Send invitation").click()
        await expect(invite.get_by_label("E-mail")).to_have_value("")

        token = await mailed_token(worker_stack.mail, bob.email, INVITATION, subject="You are invited")
        await member.page.goto(f"/#/invitations/{token}")  # the mail's link, opened while signed out
        await member.page.get_by_role("link", name="Create an account").click()
        await member.page.get_by_role("link", name="Sign in").click()  # had one after all
        await member.page.get_by_label("E-mail").fill(bob.email)
        await member.page.get_by_label("Password").fill(PASSWORD)
        await member.page.get_by_role("button", name="Sign in").click()
        await member.page.get_by_role("button", name="Accept the invitation").click()
        await expect(member.page.get_by_role("heading", level=1)).to_have_text("Gardeneditor")

        await page.reload()
        members = page.locator(".members li")
        await expect(members).to_have_count(2)
        await expect(members.nth(1)).to_contain_text("Bob Bobson")
        await members.nth(1).get_by_label("Role of Bob Bobson").select_option(label="Doer")
        await expect(page.locator(".members li").nth(1).get_by_label("Role of Bob Bobson")).to_have_value("doer")

        form = page.locator("form.new-task")
        await form.get_by_label("Title").fill("Mow the lawn")
        await form.get_by_label("Assignee").select_option(label="Bob Bobson")
        await form.get_by_role("button", name="Add task").click()
        mow = member.task("Mow the lawn")
        await expect(mow).to_be_visible(timeout=5_000)  # live, on Bob's open project page
        await member.page.get_by_role("link", name="Assigned to me").click()
        await expect(mow).to_contain_text("Assigned to you")
        await expect(mow.get_by_role("button", name="Edit")).to_have_count(0)  # a doer completes, does not edit
        await mow.get_by_role("checkbox").check()
        await expect(owner.task("Mow the lawn").get_by_role("checkbox")).to_be_checked(timeout=5_000)

        await page.locator(".members li").nth(1).get_by_role("button", name="Remove Bob Bobson").click()
        await page.get_by_role("dialog").get_by_role("button", name="Remove").click()
        await expect(page.locator(".members li")).to_have_count(1)


async def test_an_assignment_rings_the_bell_in_another_window_and_the_history_says_who_changed_what(
    browser: Browser, worker_stack: WorkerStack
) -> None:
    async with (
        httpx.AsyncClient(base_url=worker_stack.url, timeout=10) as client,
        membership_repository(worker_stack.settings) as memberships,
    ):
        ada, bob = await new_account(client), await new_account(client)
        await client.patch("/api/v1/users/me", json={"name": "Ada Lovelace"}, headers=ada.auth)
        project = await create_project(client, ada, "Garden")
        await joining(memberships)(bob, project, ProjectRole.EDITOR)
    async with web_app(browser, worker_stack.url) as owner, web_app(browser, worker_stack.url) as member:
        await member.sign_in(bob.email)
        bell = member.page.locator("a.bell")
        await expect(bell).to_have_attribute("aria-label", "Notifications, none unread")
        await owner.sign_in(ada.email)
        await owner.page.get_by_role("link", name="Garden").click()
        await expect(owner.page.get_by_role("heading", level=1)).to_have_text("Gardenowner")
        form = owner.page.locator("form.new-task")
        await form.get_by_label("Title").fill("Prune the roses")
        await form.get_by_label("Assignee").select_option(label="T")
        await form.get_by_role("button", name="Add task").click()
        await expect(owner.task("Prune the roses")).to_be_visible()
        await expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")  # live: no reload
        await owner.task("Prune the roses").get_by_role("button", name="Edit").click()
        editor = owner.page.get_by_role("dialog")
        await editor.get_by_label("Title").fill("Prune the old roses")
        await editor.get_by_role("button", name="Save").click()
        await expect(bell).to_have_attribute("aria-label", "Notifications, 2 unread")

        await bell.click()
        told = member.page.locator("li.notification")
        await expect(told).to_have_count(2)
        await expect(told.nth(0)).to_contain_text("Ada Lovelace changed the title of “Prune the old roses”")
        await expect(told.nth(1)).to_contain_text("Ada Lovelace assigned “Prune the roses” to you in Garden")
        await told.nth(0).get_by_role("link", name="Open the task").click()
        dialog = member.page.get_by_role("dialog")
        await dialog.locator("summary", has_text="History").click()
        entries = dialog.locator(".history-entries > li")
        await expect(entries).to_have_count(2)
        await expect(entries.nth(0)).to_contain_text("Ada Lovelace changed it")
        await expect(entries.nth(0)).to_contain_text("Title: “Prune the roses” → “Prune the old roses”")
        await expect(entries.nth(1)).to_contain_text("Ada Lovelace created it")
        await dialog.get_by_role("button", name="Cancel").click()

        await bell.click()
        await member.page.get_by_role("button", name="Mark all read").click()
        await expect(bell).to_have_attribute("aria-label", "Notifications, none unread")
        await expect(member.page.locator("li.notification.unread")).to_have_count(0)

        await member.page.locator("a.who").click()
        mail = member.page.get_by_label("A task is assigned to you: by mail")
        await expect(mail).to_be_checked()
        await mail.uncheck()
        await member.page.get_by_role("button", name="Save").click()
        await expect(member.page.get_by_role("status").filter(has_text="Notification settings saved.")).to_be_attached()
        await member.page.reload()
        await expect(member.page.get_by_label("A task is assigned to you: by mail")).not_to_be_checked()
