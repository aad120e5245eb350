"""`POST /tasks/import` and `GET /jobs/{id}` through HTTP; no worker runs here, so jobs stay queued."""

from __future__ import annotations

from pathlib import Path

import httpx

from taskflow.adapters.jobs.queue import connect as connect_queue
from taskflow.entrypoints.processes import Child
from tests.api.conftest import Register, assert_problem, create_task, new_account, stack_on_own_redis
from tests.conftest import run_worker_until_idle

IMPORT = "/api/v1/tasks/import"
TASKS = "/api/v1/tasks"
DUE = "2026-12-24T18:30:00.250000Z"
CSV = {"Content-Type": "text/csv"}
GOOD = b"title,priority\nWrite the report,high\nCall Bob,low\n"


async def test_an_import_is_accepted_and_its_job_shown_to_its_owner_only(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada, bob = await register(), await register()
    accepted = await client.post(IMPORT, content=GOOD, headers={**ada.auth, **CSV})
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert accepted.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert (job["kind"], job["state"], job["dry_run"], job["progress"]) == (
        "import",
        "queued",
        False,
        {"processed": 0, "total": None},
    )
    shown = await client.get(accepted.headers["location"], headers=ada.auth)
    assert shown.status_code == 200
    assert shown.json() == job
    assert_problem(await client.get(accepted.headers["location"], headers=bob.auth), 404, "job-not-found")
    assert_problem(await client.get("/api/v1/jobs/not-an-id", headers=ada.auth), 404, "job-not-found")
    assert_problem(await client.get(f"/api/v1/jobs/{'0' * 24}", headers=ada.auth), 404, "job-not-found")
    assert (await client.get(accepted.headers["location"])).status_code == 401


async def test_json_lines_and_a_dry_run_are_accepted(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    lines = b'{"title": "One"}\n{"title": "Two"}\n'
    accepted = await client.post(
        IMPORT, params={"dry_run": "true"}, content=lines, headers={**ada.auth, "Content-Type": "application/x-ndjson"}
    )
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["dry_run"] is True


async def test_other_media_types_are_415_and_nothing_is_queued(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    for content_type in ("application/json", "text/plain", None):
        headers = {**ada.auth, **({"Content-Type": content_type} if content_type else {})}
        body = assert_problem(await client.post(IMPORT, content=GOOD, headers=headers), 415)
        assert "text/csv" in str(body["detail"])
    # Nothing was queued: two imports are still allowed.
    for _ in range(2):
        assert (await client.post(IMPORT, content=GOOD, headers={**ada.auth, **CSV})).status_code == 202


async def test_too_many_rows_unknown_parameters_and_a_third_import_are_refused(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    many = b"title\n" + b"t\n" * 50_001
    body = assert_problem(await client.post(IMPORT, content=many, headers={**ada.auth, **CSV}), 422)
    assert "50000 rows" in str(body["detail"])
    assert_problem(await client.post(IMPORT, params={"format": "xml"}, content=GOOD, headers={**ada.auth, **CSV}), 422)
    assert_problem(
        await client.post(IMPORT, params={"dry_run": "maybe"}, content=GOOD, headers={**ada.auth, **CSV}), 422
    )
    for _ in range(2):
        assert (await client.post(IMPORT, content=GOOD, headers={**ada.auth, **CSV})).status_code == 202
    busy = await client.post(IMPORT, content=GOOD, headers={**ada.auth, **CSV})
    assert_problem(busy, 429, "too-many-requests")
    assert busy.headers["retry-after"].isdigit()


async def test_the_openapi_document_describes_import_and_jobs(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "202" in paths["/api/v1/tasks/import"]["post"]["responses"]
    assert {"404", "200"} <= set(paths["/api/v1/jobs/{job_id}"]["get"]["responses"])


async def test_an_export_imports_back_as_the_same_tasks(mongodb: Child, mail_sink: tuple[Child, Path]) -> None:
    """The export's CSV, formula guard and all, is an import file: a backup restores."""
    async with (
        stack_on_own_redis(mongodb, smtp_url=mail_sink[0].url) as stack,  # the welcome mail goes out at once
        httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
    ):
        ada = await new_account(client)
        originals = [
            await create_task(client, ada, title="=SUM(A1)", description='line one\nline "two", with comma'),
            await create_task(
                client, ada, title="Ünïcode ✓", status="done", priority="urgent", tags=["a", "b, c"], due_at=DUE
            ),
            await create_task(client, ada, title="+plus", description="@at", priority="low"),
        ]
        exported = await client.get("/api/v1/tasks/export", params={"format": "csv"}, headers=ada.auth)
        accepted = await client.post(IMPORT, content=exported.content, headers={**ada.auth, **CSV})
        assert accepted.status_code == 202, accepted.text
        await run_worker_until_idle(stack.settings, connect_queue(stack.settings.redis_url, timeout_seconds=1))
        job = (await client.get(accepted.headers["location"], headers=ada.auth)).json()
        assert (job["state"], job["created"], job["failed"]) == ("succeeded", 3, 0), job
        listed = (await client.get(TASKS, params={"limit": "100"}, headers=ada.auth)).json()["items"]
    fields = ("title", "description", "status", "priority", "due_at", "tags")
    copies = [task for task in listed if task["id"] not in {original["id"] for original in originals}]
    assert sorted(tuple(str(t[f]) for f in fields) for t in copies) == sorted(
        tuple(str(t[f]) for f in fields) for t in originals
    )
