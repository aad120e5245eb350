"""The configuration compose.yaml produces, run on this machine: no Docker here, so the same processes.

Each API process, the worker and the migration run the command compose gives them, with the
environment compose gives them; HAProxy runs the file compose mounts, with the certificate
`infra/haproxy/make-certificate.sh` makes. Only what names the containers' network changes,
each said where it is done: the servers' host names become SecantusDB (for mongod), Redis
and the mail sink on loopback; each container's port 8000 becomes a port of its own; HAProxy's
fixed address becomes 127.0.0.1, where it connects from here. Clients come from addresses of
their own (127.0.0.2, .3, .4), as different people would.
"""

from __future__ import annotations

import re
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
import yaml

from taskflow.entrypoints.processes import Child, free_port, spawn, start_mail_sink, start_redis, wait_for_http
from taskflow.entrypoints.proxy import haproxy_binary, start_haproxy
from tests.conftest import mail_messages

ROOT: Final = Path(__file__).resolve().parents[2]
COMPOSE: Final[dict[str, Any]] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: Final[dict[str, Any]] = COMPOSE["services"]
CLI: Final = [sys.executable, "-m", "taskflow.entrypoints.cli"]
GIVEN: Final = {  # what an operator exports before `docker compose up` (compose.yaml's first lines)
    "TASKFLOW_JWT_SECRET": "compose-test-secret-" + "x" * 32,
    "MONGO_ADMIN_PASSWORD": "admin-password",
    "MONGO_APP_PASSWORD": "app-password",
}
_VARIABLE: Final = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")
PASSWORD: Final = "correct horse battery staple"
WEB: Final = {"X-Taskflow-Web": "1"}


def _resolved(value: object) -> str:
    """A value as compose interpolates it: `${NAME}`, `${NAME:-default}`, `${NAME:?message}`."""

    def one(found: re.Match[str]) -> str:
        name, kind, argument = found.groups()
        if name in GIVEN:
            return GIVEN[name]
        if kind == "-":
            return argument
        pytest.fail(f"compose.yaml needs {name}: {argument}")

    return _VARIABLE.sub(one, str(value))


@dataclass(frozen=True)
class Stack:
    https: str
    http: str
    certificate: Path
    mail: Path
    public_url: str


def _environment(service: str, servers: dict[str, str]) -> dict[str, str]:
    """The service's environment from compose, with the containers' network named as it is here."""
    compose_env = {key: _resolved(value) for key, value in SERVICES[service]["environment"].items()}
    haproxy_address = SERVICES["haproxy"]["networks"]["default"]["ipv4_address"]
    assert compose_env["TASKFLOW_TRUSTED_PROXIES"] == haproxy_address
    return {
        **compose_env,
        **servers,  # mongo1..3 / redis / mail: the servers on loopback
        "TASKFLOW_TRUSTED_PROXIES": "127.0.0.1",  # HAProxy's address, as it connects from here
        "TASKFLOW_HOST": "127.0.0.1",  # the image listens on every address of its container; here, loopback only
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
    }


def _command(service: str) -> list[str]:
    command = [str(part) for part in SERVICES[service]["command"]]
    assert command[0] == "taskflow"
    return [*CLI, *command[1:]]


def _haproxy_config(*, http_port: int, https_port: int, bundle: Path, backends: dict[str, int], stats: int) -> str:
    """The file compose mounts, its listeners and servers on this machine's loopback, and a stats page."""
    mounted = next(v for v in SERVICES["haproxy"]["volumes"] if v.endswith(":/usr/local/etc/haproxy/haproxy.cfg:ro"))
    config: str = (ROOT / mounted.split(":")[0]).read_text()
    config = config.replace("bind *:8080", f"bind 127.0.0.1:{http_port}")
    mounted_certificate = "bind *:8443 ssl crt /usr/local/etc/haproxy/certs/taskflow.pem"
    config = config.replace(mounted_certificate, f"bind 127.0.0.1:{https_port} ssl crt {bundle}")
    for name, port in backends.items():
        config = config.replace(f"server {name} {name}:8000", f"server {name} 127.0.0.1:{port}")
    assert "*:" not in config, config
    assert ":8000" not in config, config
    return f"{config}\nlisten stats\n    bind 127.0.0.1:{stats}\n    stats enable\n    stats uri /\n"


@pytest.fixture(scope="module")
def compose_stack(mongodb: Child, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for this module's tests: starting it is most of their time."""
    folder = tmp_path_factory.mktemp("compose")
    binary = haproxy_binary()
    if binary is None:
        pytest.skip("haproxy is not installed")
    bundle = folder / "certs" / "taskflow.pem"
    made = subprocess.run(  # noqa: S603 - the repository's own script, as an operator runs it
        ["/bin/sh", str(ROOT / "infra/haproxy/make-certificate.sh"), "localhost"],
        env={"OUT": str(bundle), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    certificate = folder / "certs" / "taskflow.crt"
    certificate.write_text(bundle.read_text().split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n")
    redis, sink = start_redis(data_dir=None), start_mail_sink(directory=folder / "mail")
    database = f"compose_{uuid.uuid4().hex[:8]}"
    servers = {
        "TASKFLOW_MONGODB_URI": mongodb.url,  # SecantusDB for mongo1..3
        "TASKFLOW_MONGODB_DATABASE": database,
        "TASKFLOW_REDIS_URL": redis.url,
        "TASKFLOW_SMTP_URL": sink.url,
    }
    children: list[Child] = [redis, sink]
    try:
        migrate_env = _environment("migrate", servers)
        migrated = subprocess.run(_command("migrate"), env=migrate_env, capture_output=True, check=False)  # noqa: S603
        assert migrated.returncode == 0, migrated.stderr
        apis = {name: free_port() for name in SERVICES if SERVICES[name].get("command") == ["taskflow", "serve"]}
        assert sorted(apis) == ["api1", "api2", "api3"]
        for name, port in apis.items():
            env = {**_environment(name, servers), "TASKFLOW_PORT": str(port)}  # each container's 8000
            children.append(spawn(name, _command(name), port=port, url=f"http://127.0.0.1:{port}", env=env))
        for child in children[2:]:
            wait_for_http(child, f"{child.url}/health/ready", timeout=60)
        children.append(spawn("worker", _command("worker"), port=0, url="", env=_environment("worker", servers)))
        http_port, https_port, stats = free_port(), free_port(), free_port()
        config = _haproxy_config(http_port=http_port, https_port=https_port, bundle=bundle, backends=apis, stats=stats)
        http = f"http://127.0.0.1:{http_port}"
        ready = f"http://127.0.0.1:{stats}/"  # plain HTTP itself only redirects
        children.append(
            start_haproxy(
                binary, config, folder / "haproxy.cfg", name="haproxy", port=http_port, url=http, ready=ready, log=None
            )
        )
        public_url = _environment("api1", servers)["TASKFLOW_PUBLIC_URL"]
        yield Stack(f"https://127.0.0.1:{https_port}", http, certificate, folder / "mail", public_url)
    finally:
        for child in reversed(children):
            child.stop(signum=signal.SIGINT)  # the whole stack stops: nobody to drain for


def _client(stack: Stack, address: str) -> httpx.Client:
    """HTTPS from `address`, trusting the certificate compose's HAProxy serves (made for localhost)."""
    trusted = ssl.create_default_context(cafile=str(stack.certificate))
    trusted.check_hostname = False  # made for "localhost"; reached here by its address
    transport = httpx.HTTPTransport(verify=trusted, local_address=address)
    return httpx.Client(base_url=stack.https, transport=transport, timeout=10)


def test_each_client_has_its_own_sign_in_budget_through_haproxy(compose_stack: Stack) -> None:
    with _client(compose_stack, "127.0.0.2") as first, _client(compose_stack, "127.0.0.3") as second:
        answers = [first.post("/api/v1/auth/web/token", headers=WEB).status_code for _ in range(125)]
        assert set(answers[:120]) == {204}
        assert answers[-1] == 429  # 120 a minute, for this client
        assert second.post("/api/v1/auth/web/token", headers=WEB).status_code == 204  # the other's is untouched


def test_https_only_with_a_secure_cookie_and_invitation_links_to_the_public_url(compose_stack: Stack) -> None:
    redirected = httpx.get(f"{compose_stack.http}/health/live", timeout=10)
    assert (redirected.status_code, redirected.headers["location"].split(":")[0]) == (308, "https")
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    with _client(compose_stack, "127.0.0.4") as client:  # a third person
        client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "Ada"})
        signed_in = client.post("/api/v1/auth/web/login", json={"email": email, "password": PASSWORD}, headers=WEB)
        assert signed_in.status_code == 200, signed_in.text
        assert "secure" in {part.strip().lower() for part in signed_in.headers["set-cookie"].split(";")}
        assert signed_in.headers["strict-transport-security"].startswith("max-age=")
        auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        project = client.post("/api/v1/projects", json={"name": "Garden"}, headers=auth).json()["id"]
        invited = client.post(
            f"/api/v1/projects/{project}/invitations", json={"email": "bob@example.com", "role": "viewer"}, headers=auth
        )
        assert invited.status_code == 202, invited.text
    deadline = time.monotonic() + 30
    while not (found := [m for m in mail_messages(compose_stack.mail) if str(m["To"]) == "bob@example.com"]):
        assert time.monotonic() < deadline, "no invitation mail"
        time.sleep(0.2)
    text = found[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"{compose_stack.public_url}/#/invitations/" in text
    assert compose_stack.public_url.startswith("https://")
