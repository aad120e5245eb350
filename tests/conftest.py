"""Session-wide real servers: SecantusDB with test commands, and Redis. No mocks."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


# The folder says the layer; `make test-unit` selects `-m unit`. A contract suite's run on the
# in-memory fake (its implementation parameter is MEMORY) is a unit test; its runs on real
# servers are integration tests.
MEMORY = "memory"
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
    if folder == "contract" and callspec is not None and MEMORY not in callspec.params.values():
        return "integration"
    return layer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its layer, refuse a unit test that would start a server, start the slow ones first.

    Run side by side (pytest-xdist), a long test started last would end the run alone; first,
    it overlaps the many short ones. The sort is stable: within each group, the order of the files.
    """
    for item in items:
        layer = layer_of(item)
        item.add_marker(layer)
        servers = SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if layer == "unit" and servers:
            message = f"{item.nodeid} is a unit test but uses {sorted(servers)}"
            raise pytest.UsageError(message)
    items.sort(key=lambda item: not (item.get_closest_marker("slow") or item.get_closest_marker("system")))


# The API tests check every audit entry their run left for secrets (tests/api/conftest.py).
# Side by side, each process checks its own databases; the run as a whole must have checked
# some, or the check proved nothing.
AUDIT_ENTRIES_CHECKED = pytest.StashKey[int]()


def count_audit_entries_checked(config: pytest.Config, count: int) -> None:
    config.stash[AUDIT_ENTRIES_CHECKED] = config.stash.get(AUDIT_ENTRIES_CHECKED, 0) + count


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:  # noqa: ARG001 - pytest-xdist's hook signature
    """On the controller: what a worker checked, added to the run's count."""
    checked = node.workeroutput.get("audit_entries_checked")
    if checked is not None:
        count_audit_entries_checked(node.config, checked)


def pytest_sessionfinish(session: pytest.Session) -> None:
    checked = session.config.stash.get(AUDIT_ENTRIES_CHECKED, None)
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # a worker: the controller judges the whole run
        workeroutput["audit_entries_checked"] = checked
    elif checked == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line("FAILED: the API tests' flows left no audit entry to check for secrets", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
