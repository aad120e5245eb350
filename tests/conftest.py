"""Session-wide real servers: SecantusDB with test commands, and Redis. No mocks."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from arq.connections import ArqRedis
from arq.worker import Worker

from taskflow.entrypoints.processes import Child, start_mail_sink, start_redis, start_secantus
from taskflow.entrypoints.worker import worker_settings
from taskflow.settings import Argon2Settings, Limit, RateLimits, Settings

# Cheap argon2 for speed; tests/unit/test_settings.py asserts the production defaults.
TEST_ARGON2 = Argon2Settings(memory_kib=64, time_cost=1, parallelism=1, max_concurrent=4)
TEST_JWT_SECRET = "test-secret-" + "x" * 40
# Every test calls from 127.0.0.1: the per-address budgets are lifted except where a test sets
# its own (on its own Redis); tests/api/test_rate_limits.py runs the defaults' logic.
GENEROUS_LIMITS = RateLimits(
    login_failures_per_account=Limit(10, 900),
    login_failures_per_address=Limit(100_000, 900),
    auth_requests_per_address=Limit(100_000, 60),
    requests_per_user=Limit(100_000, 3600),
)


# The folder says the layer; `make test-unit` selects `-m unit`. The contract suite's in-memory
# run is a unit test, its MongoDB and cached runs are integration tests.
LAYER_OF_FOLDER = {
    "unit": "unit",
    "contract": "unit",
    "integration": "integration",
    "api": "api",
    "system": "system",
    "browser": "browser",
}
SERVER_FIXTURES = frozenset({"mongodb", "redis_server", "mail_sink", "settings"})


def layer_of(item: pytest.Item) -> str:
    folder = Path(item.path).relative_to(Path(__file__).parent).parts[0]
    layer = LAYER_OF_FOLDER[folder]
    callspec = getattr(item, "callspec", None)
    if folder == "contract" and callspec is not None and callspec.params.get("repositories") != "memory":
        return "integration"
    return layer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its layer, and refuse a unit test that would start a server."""
    for item in items:
        layer = layer_of(item)
        item.add_marker(layer)
        servers = SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if layer == "unit" and servers:
            message = f"{item.nodeid} is a unit test but uses {sorted(servers)}"
            raise pytest.UsageError(message)


@pytest.fixture(scope="session")
def service_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("services") / "services.log"


@contextmanager
def secantus_for_tests(service_log: Path) -> Iterator[Child]:
    """A SecantusDB of its own, with test commands (fail points, step-downs)."""
    with service_log.open("ab") as log:
        child = start_secantus(storage=None, test_commands=True, log=log)
        try:
            yield child
        finally:
            child.stop()


@pytest.fixture(scope="session")
def mongodb(service_log: Path) -> Iterator[Child]:
    with secantus_for_tests(service_log) as child:
        yield child


def mail_messages(directory: Path) -> list[email.message.EmailMessage]:
    """Every message the sink has written to `directory`, oldest first."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(directory.glob("*.eml"))
    ]


@pytest.fixture
def mail_sink(tmp_path: Path) -> Iterator[tuple[Child, Path]]:
    """The aiosmtpd sink `taskflow dev` runs; each message lands as a file in the directory."""
    directory = tmp_path / "mail"
    child = start_mail_sink(directory=directory)
    yield child, directory
    child.stop()


@pytest.fixture(scope="session")
def redis_server(service_log: Path) -> Iterator[Child]:
    with service_log.open("ab") as log:
        child = start_redis(data_dir=None, log=log)
        yield child
        child.stop()


def proxy_server_timeout_seconds() -> int:
    """HAProxy's `timeout server` in infra/haproxy/haproxy.cfg: taskflow must answer before it."""
    haproxy = (Path(__file__).resolve().parents[1] / "infra/haproxy/haproxy.cfg").read_text()
    found = re.search(r"^\s*timeout server (\d+)s$", haproxy, re.MULTILINE)
    assert found, "haproxy.cfg sets no `timeout server`"
    return int(found.group(1))


def make_settings(mongodb: Child, redis_server: Child, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "mongodb_uri": mongodb.url,
        "mongodb_database": f"test_{uuid.uuid4().hex[:12]}",
        "redis_url": redis_server.url,
        "jwt_secret": TEST_JWT_SECRET,
        "argon2": TEST_ARGON2,
        "log_json": True,
        "request_timeout_seconds": 5.0,
        "rate_limits": GENEROUS_LIMITS,
        "drain_seconds": 0.0,  # API processes the tests stop have no load balancer to tell
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]  # keyword values checked by the dataclass


@pytest.fixture(scope="session")
def settings(mongodb: Child, redis_server: Child) -> Settings:
    return make_settings(mongodb, redis_server)


async def run_worker_until_idle(settings: Settings, pool: ArqRedis) -> None:
    """`taskflow worker`'s configuration, in this process, until the queue has nothing ready."""
    config = worker_settings(settings)
    worker = Worker(
        functions=config.functions,  # type: ignore[attr-defined]  # built by worker_settings
        on_startup=config.on_startup,  # type: ignore[attr-defined]
        on_shutdown=config.on_shutdown,  # type: ignore[attr-defined]
        redis_pool=pool,
        burst=True,
        poll_delay=0.05,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
