"""`POST /tasks/import` and `GET /jobs/{id}` through HTTP; no worker runs here, so jobs stay queued."""

from __future__ import annotations

import httpx

from tests.api.conftest import Register, assert_problem

IMPORT = "/api/v1/tasks/import"
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
