"""schemathesis against a real `taskflow serve`: every check, every phase, a fixed seed.

The document is the only way REST clients and the docs UI know the API: whatever it lets
them send, the server must take, and whatever the server answers, it must describe.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from taskflow.entrypoints.migration import migrate
from taskflow.entrypoints.processes import Child, start_redis
from taskflow.settings import Limit, RateLimits
from tests.api.conftest import CLI, PASSWORD, api_processes, process_env
from tests.conftest import make_settings

RUN = Path(__file__).parent / "openapi_run"
SEED = 20261202
EXAMPLES = int(os.environ.get("TASKFLOW_TEST_SCHEMATHESIS_EXAMPLES", "30"))
# The run sends a few thousand requests as one user from one address, and tries wrong
# passwords by the hundred: its own sign-ins must still get through.
UNLIMITED = RateLimits(
    login_failures_per_account=Limit(1_000_000, 900),
    login_failures_per_address=Limit(1_000_000, 900),
    auth_requests_per_address=Limit(1_000_000, 60),
    requests_per_user=Limit(1_000_000, 3600),
)


@pytest.mark.slow
def test_schemathesis_finds_nothing(mongodb: Child) -> None:
    # A database and a Redis of its own: its thousands of requests must not spend the
    # per-address budgets, or fill the listings, of the tests that share the session's.
    redis = start_redis(data_dir=None)
    settings = make_settings(mongodb, redis, rate_limits=UNLIMITED)
    asyncio.run(migrate(settings))
    try:
        with api_processes(settings, count=1) as (url,):
            email = "schemathesis@example.com"
            with httpx.Client(base_url=url, timeout=10) as http:
                account = {"email": email, "password": PASSWORD, "name": "S"}
                assert http.post("/api/v1/auth/register", json=account).is_success
            # An administrator, so the admin operations are exercised too (not only refused).
            promoted = subprocess.run(  # noqa: S603 - our own CLI
                [*CLI, "create-admin", "--email", email, "--password", PASSWORD],
                env=process_env(settings),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert promoted.returncode == 0, promoted.stderr
            with httpx.Client(base_url=url, timeout=10) as http:
                token = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
                written = http.post(
                    "/api/v1/tasks",
                    json={"title": "seen"},
                    headers={"Authorization": f"Bearer {token['access_token']}"},
                )
            run = subprocess.run(  # noqa: S603 - schemathesis's CLI with our own arguments
                [
                    sys.executable,
                    "-m",
                    "schemathesis.cli",
                    "--config-file",
                    str(RUN / "schemathesis.toml"),
                    "run",
                    f"{url}/openapi.json",
                    "--seed",
                    str(SEED),
                    "--max-examples",
                    str(EXAMPLES),
                    "--no-color",
                ],
                env={
                    **os.environ,
                    "SCHEMATHESIS_HOOKS": "tests.api.openapi_run.hooks",
                    "TASKFLOW_TEST_EMAIL": email,
                    "TASKFLOW_TEST_PASSWORD": PASSWORD,
                    "TASKFLOW_TEST_CONSISTENCY_TOKEN": written.headers["x-consistency-token"],
                },
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
            assert "unique failures" not in run.stdout
            tested = re.search(r"(\d+) generated, \1 passed", run.stdout)
            assert tested, run.stdout[-3000:]
            assert int(tested.group(1)) > 1000  # every phase ran, stateful included
            for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
                assert f"✅ {phase}" in run.stdout
    finally:
        redis.stop()
