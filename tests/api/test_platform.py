"""Cross-cutting HTTP behaviour: request ids, headers, CORS, probes, metrics, OpenAPI, logs."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import httpx
import pytest
import uvicorn
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pymongo import AsyncMongoClient

from taskflow.adapters.http.edge.request_context import RequestContextMiddleware
from taskflow.entrypoints.asgi import create_app
from taskflow.entrypoints.processes import free_port
from taskflow.settings import Settings
from tests.api.conftest import PASSWORD, Register, assert_problem, serve


async def test_a_sane_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


@pytest.mark.parametrize("incoming", [None, "x" * 200, "bad id\twith spaces"])
async def test_a_missing_or_hostile_request_id_is_replaced(client: httpx.AsyncClient, incoming: str | None) -> None:
    headers = {"X-Request-ID": incoming} if incoming else {}
    response = await client.get("/api/v1/nowhere", headers=headers)
    generated = response.headers["x-request-id"]
    assert generated != incoming
    assert len(generated) == 32


async def test_security_headers_are_on_every_response(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/health/live"), await client.get("/api/v1/nowhere")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "server" not in response.headers


async def test_authenticated_answers_are_not_stored_by_caches(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    me = await client.get("/api/v1/users/me", headers=ada.auth)
    assert me.headers["cache-control"] == "no-store"
    task = await client.post("/api/v1/tasks", json={"title": "x"}, headers=ada.auth)
    read = await client.get(task.headers["location"], headers=ada.auth)
    assert read.headers["cache-control"] == "private, no-cache"  # revalidate with the ETag


async def test_cors_is_closed_by_default(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/v1/tasks", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_cors_opens_only_to_configured_origins(settings: Settings) -> None:
    configured = dataclasses.replace(settings, cors_origins=("https://app.example",))
    async with serve(configured) as url, httpx.AsyncClient(base_url=url) as http:
        allowed = await http.get("/health/live", headers={"Origin": "https://app.example"})
        denied = await http.get("/health/live", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in denied.headers


async def test_liveness_and_readiness(client: httpx.AsyncClient) -> None:
    live = await client.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "up"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "up", "checks": {"database": "up", "redis": "up"}}


def _requests_counted(metrics: str, *, path: str, status: int) -> float:
    """taskflow_requests_total for one route template and status, summed over its other labels."""
    lines = [line for line in metrics.splitlines() if line.startswith("taskflow_requests_total{")]
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in lines
        if f'path="{path}"' in line and f'status_code="{status}"' in line
    )


async def test_metrics_count_requests_per_route_template(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    template = "/api/v1/tasks/{task_id}"
    before = _requests_counted((await client.get("/metrics")).text, path=template, status=404)
    for _ in range(2):
        await client.get("/api/v1/tasks/" + "0" * 24, headers=ada.auth)
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert _requests_counted(metrics.text, path=template, status=404) == before + 2
    assert "taskflow_request_duration_seconds_bucket" in metrics.text
    assert "0" * 24 not in metrics.text  # ids never become label values


async def test_metrics_are_served_to_allowed_addresses_or_with_the_token(settings: Settings) -> None:
    """Behind HAProxy (a trusted proxy) the client's own address is judged, so a public client is refused."""
    behind_proxy = dataclasses.replace(settings, trusted_proxies=("127.0.0.1",), metrics_token="scrape-me-" + "x" * 22)
    async with serve(behind_proxy) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.get("/metrics")).status_code == 200  # loopback, the default
        public = {"X-Forwarded-For": "203.0.113.7"}
        assert_problem(await client.get("/metrics", headers=public), 403, "metrics-forbidden")
        wrong = {**public, "Authorization": "Bearer not-the-token"}
        assert_problem(await client.get("/metrics", headers=wrong), 403, "metrics-forbidden")
        scraper = {**public, "Authorization": f"Bearer {behind_proxy.metrics_token}"}
        scraped = await client.get("/metrics", headers=scraper)
        assert scraped.status_code == 200
        assert "taskflow_requests_total" in scraped.text
    only_a_network = dataclasses.replace(settings, metrics_allowed=("10.0.0.0/8",))
    async with serve(only_a_network) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert_problem(await client.get("/metrics"), 403, "metrics-forbidden")  # not an allowed address
        no_token_configured = {"Authorization": "Bearer x"}
        assert_problem(await client.get("/metrics", headers=no_token_configured), 403, "metrics-forbidden")


async def test_openapi_declares_every_route_and_the_security_scheme(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    paths = set(spec["paths"])
    expected = {"/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/token", "/api/v1/users/me"}
    expected |= {"/api/v1/tasks", "/api/v1/tasks/{task_id}", "/health/live", "/health/ready"}
    assert expected <= paths
    assert spec["components"]["securitySchemes"]["BearerToken"]["type"] == "oauth2"
    assert spec["paths"]["/api/v1/users/me"]["get"]["security"] == [{"BearerToken": []}]


async def test_the_oauth2_password_form_gives_a_token(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    form = {"grant_type": "password", "username": ada.email, "password": PASSWORD}
    token = await client.post("/api/v1/auth/token", data=form)
    assert token.status_code == 200, token.text
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json()["email"] == ada.email


async def test_logs_carry_the_request_id_and_never_a_token_or_password(
    client: httpx.AsyncClient, register: Register, capfd: pytest.CaptureFixture[str]
) -> None:
    ada = await register()
    await client.get("/api/v1/users/me", headers={**ada.auth, "X-Request-ID": "trace-me-1"})
    await client.post("/api/v1/tasks", content=b"[" * 3000, headers={**ada.auth, "content-type": "application/json"})
    err = capfd.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "trace-me-1" for line in lines)
    assert ada.token not in err
    assert PASSWORD not in err


async def test_an_answered_probe_is_logged_at_debug_only(
    client: httpx.AsyncClient, capfd: pytest.CaptureFixture[str]
) -> None:
    """A load balancer probes every few seconds; a failed or unknown probe still shows."""
    capfd.readouterr()
    assert (await client.get("/health/live", headers={"X-Request-ID": "probe-answered"})).status_code == 200
    assert (await client.get("/health/nothing", headers={"X-Request-ID": "probe-unknown"})).status_code == 404
    err = capfd.readouterr().err
    assert "probe-unknown" in err
    assert "probe-answered" not in err


async def test_documented_errors_are_problem_details(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    errors = {
        (path, method, status): response
        for path, operations in spec["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if int(status) >= 400
    }
    assert ("/api/v1/tasks/{task_id}", "get", "404") in errors
    for key, response in errors.items():
        assert list(response["content"]) == ["application/problem+json"], key
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail"}


async def test_an_unexpected_database_error_is_a_bare_500_problem(
    client: httpx.AsyncClient, register: Register, settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    ada = await register()
    created = await client.post("/api/v1/tasks", json={"title": "x"}, headers=ada.auth)
    admin: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri, directConnection=True)
    try:
        # BadValue (2) is not transient: nothing retries it, nothing maps it to a domain error.
        await admin.admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": {"times": 1},
                "data": {"failCommands": ["find"], "errorCode": 2, "appName": "taskflow"},
            }
        )
        response = await client.get(created.headers["location"], headers=ada.auth)
    finally:
        await admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        await admin.close()
    body = assert_problem(response, 500, "internal-error")
    assert body == {
        "status": 500,
        "type": "https://taskflow.dev/problems/internal-error",
        "title": "Internal Server Error",
        "detail": "Internal Server Error",
    }
    assert "OperationFailure" in capfd.readouterr().err  # the log has the cause; the client does not


async def test_readiness_reports_redis_down_without_failing(settings: Settings) -> None:
    no_redis = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with serve(no_redis) as url, httpx.AsyncClient(base_url=url) as http:
        ready = await http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "up", "checks": {"database": "up", "redis": "down"}}


async def test_every_json_request_body_refuses_unknown_fields_in_the_document(client: httpx.AsyncClient) -> None:
    """The structs forbid unknown fields; the schema a client is built from says so."""
    spec = (await client.get("/openapi.json")).json()
    bodies = {
        (path, method): operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert ("/api/v1/tasks", "post") in bodies
    for operation, name in bodies.items():
        assert spec["components"]["schemas"][name]["additionalProperties"] is False, operation
    unknown = await client.post("/api/v1/auth/login", json={"email": "a@example.com", "password": "x", "extra": 1})
    assert unknown.status_code == 422  # what the document now says


async def test_the_document_is_valid_openapi_3_1_with_unique_ids_tags_and_valid_examples(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/openapi.json")).json()
    validate(spec)  # the OpenAPI 3.1 meta-schema, as openapi-spec-validator checks it
    operations = [operation for operations in spec["paths"].values() for operation in operations.values()]
    ids = [operation["operationId"] for operation in operations]
    assert len(ids) == len(set(ids))
    for operation in operations:
        assert operation.get("tags"), operation["operationId"]
        assert operation.get("summary") or operation.get("description"), operation["operationId"]
    checked = 0
    for schema in spec["components"]["schemas"].values():
        for field in schema.get("properties", {}).values():
            for example in field.get("examples", []):
                Draft202012Validator(field).validate(example)
                checked += 1
    assert checked >= 3  # titles, e-mail addresses and names carry examples


async def test_the_document_states_the_password_minimum_the_server_applies(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    minimum = settings.password_min_length
    assert schemas["RegisterRequest"]["properties"]["password"]["minLength"] == minimum
    assert schemas["PasswordChange"]["properties"]["new_password"]["minLength"] == minimum
    assert schemas["LoginRequest"]["properties"]["password"]["minLength"] == 1  # an older, shorter one still signs in
    chosen = ("Zq8!vLm2" * 8)[:minimum]
    for password, status in ((chosen[:-1], 422), (chosen, 201)):
        answer = await client.post(
            "/api/v1/auth/register", json={"email": f"min{status}@example.com", "password": password, "name": "Min"}
        )
        assert answer.status_code == status, answer.text


async def test_the_document_names_the_media_types_of_the_import_and_the_export(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    import_body = spec["paths"]["/api/v1/tasks/import"]["post"]["requestBody"]
    assert import_body["required"] is True
    assert set(import_body["content"]) == {"text/csv", "application/x-ndjson", "application/jsonl"}
    export = spec["paths"]["/api/v1/tasks/export"]["get"]["responses"]["200"]
    assert set(export["content"]) == {"text/csv", "application/jsonl"}


async def test_the_document_links_a_created_task_and_an_import_to_what_follows(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    ids = {operation["operationId"] for operations in spec["paths"].values() for operation in operations.values()}
    created = spec["paths"]["/api/v1/tasks"]["post"]["responses"]["201"]["links"]
    assert {name: link["operationId"] for name, link in created.items()} == {
        "GetTask": "getTask",
        "UpdateTask": "updateTask",
        "DeleteTask": "deleteTask",
    }
    assert created["UpdateTask"]["parameters"] == {
        "task_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
    imported = spec["paths"]["/api/v1/tasks/import"]["post"]["responses"]["202"]["links"]
    assert imported["GetJob"] == {"operationId": "getJob", "parameters": {"job_id": "$response.body#/id"}}
    assert {link["operationId"] for link in [*created.values(), *imported.values()]} <= ids


async def test_the_document_names_the_headers_answers_carry(client: httpx.AsyncClient, register: Register) -> None:
    spec = (await client.get("/openapi.json")).json()
    operations = [operation for operations in spec["paths"].values() for operation in operations.values()]
    for operation in operations:
        for status, response in operation["responses"].items():
            documented = set(response.get("headers", {}))
            wanted = {"401": {"WWW-Authenticate"}, "429": {"Retry-After", "RateLimit"}, "503": {"Retry-After"}}
            assert wanted.get(status, set()) <= documented, (operation["operationId"], status)
    created_doc = spec["paths"]["/api/v1/tasks"]["post"]["responses"]["201"]["headers"]
    ada = await register()
    created = await client.post("/api/v1/tasks", json={"title": "t"}, headers=ada.auth)
    carried = {name.lower() for name in created.headers}
    assert {"location", "etag", "ratelimit", "ratelimit-policy", "x-consistency-token"} <= carried
    assert {name.lower() for name in created_doc} >= carried & {
        "location", "etag", "ratelimit", "ratelimit-policy", "x-consistency-token", "idempotent-replayed"
    }  # fmt: skip


async def test_the_liveness_fast_path_answers_byte_for_byte_as_the_general_path(settings: Settings) -> None:
    """`GET /health/live` skips routing (issue 32); the same app without that shortcut answers the same."""
    app = create_app(dataclasses.replace(settings, cors_origins=("https://app.example",)))
    general = RequestContextMiddleware(app._litestar)  # noqa: SLF001 - the same app, without the shortcut
    ports = free_port(), free_port()
    servers = [
        uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=ports[0], log_config=None, lifespan="on")),
        uvicorn.Server(uvicorn.Config(general, host="127.0.0.1", port=ports[1], log_config=None, lifespan="off")),
    ]
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        while not all(server.started for server in servers):  # noqa: ASYNC110 - uvicorn says so by a flag
            await asyncio.sleep(0.01)
        answers = []
        for port in ports:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                for headers in (
                    {"X-Request-ID": "live-1"},
                    {"X-Request-ID": "live-1", "Authorization": "Bearer x"},
                    {"X-Request-ID": "live-1", "Origin": "https://app.example"},  # the general path, both times
                ):
                    answer = await client.get("/health/live", headers=headers)
                    answers.append((answer.status_code, answer.headers.raw, answer.content))
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)
    fast, slow = answers[:3], answers[3:]

    def comparable(answer: tuple[int, list[tuple[bytes, bytes]], bytes]) -> tuple[object, ...]:
        status, raw, body = answer
        return status, [(name, value) for name, value in raw if name.lower() != b"date"], body

    assert [comparable(answer) for answer in fast] == [comparable(answer) for answer in slow]
    assert fast[0][0] == 200
    assert fast[0][2] == b'{"status":"up"}'
    assert (b"access-control-allow-origin", b"https://app.example") in fast[2][1]
