"""`taskflow dev`: the whole stack as child processes, kept running, stopped together on Ctrl-C or SIGTERM.

SIGHUP restarts the API processes one at a time (a rolling restart): each drains until
HAProxy has taken it out, stops, starts again, and the next waits until HAProxy sends it
traffic again, so no request fails.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn

from taskflow.entrypoints.certificates import dev_certificate
from taskflow.entrypoints.migration import migrate
from taskflow.entrypoints.processes import (
    Child,
    ChildFailedError,
    answers,
    free_port,
    spawn,
    start_mail_sink,
    start_redis,
    start_secantus,
    wait_for_http,
)
from taskflow.entrypoints.proxy import (
    TEMPLATE,
    TlsListener,
    dev_config,
    haproxy_binary,
    notice_seconds,
    server_states,
    start_haproxy,
    with_check_interval,
)
from taskflow.entrypoints.supervisor import Supervisor
from taskflow.settings import ENV_FILE, PREFIX, Settings, SettingsError, random_secret

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable

READY_TIMEOUT_SECONDS = 60.0
SUPERVISE_EVERY_SECONDS = 0.2
DRAIN = PREFIX + "DRAIN_SECONDS"


class _Stop(Exception):  # noqa: N818 - a signal, not an error
    """Raised by the signal handler to unwind into the shutdown path."""


def _on_signal(signum: int, _frame: object) -> None:
    raise _Stop(signum)


def _jwt_secret(home: Path) -> str:
    """Kept across runs, so a restart does not log everybody out."""
    path = home / "jwt-secret"
    if not path.exists():
        path.write_text(random_secret())
        path.chmod(0o600)
    return path.read_text().strip()


def _start_services(home: Path, env: dict[str, str], *, ephemeral: bool, log: IO[bytes]) -> list[Child]:
    """Start what the environment does not already point to, and record its URL in `env`."""

    def data_dir(name: str) -> Path | None:
        if ephemeral:
            return None
        (home / name).mkdir(parents=True, exist_ok=True)
        return home / name

    children: list[Child] = []
    if not env.get(PREFIX + "MONGODB_URI"):
        children.append(start_secantus(storage=data_dir("mongodb"), log=log))
        env[PREFIX + "MONGODB_URI"] = children[-1].url
    if not env.get(PREFIX + "REDIS_URL"):
        children.append(start_redis(data_dir=data_dir("redis"), log=log))
        env[PREFIX + "REDIS_URL"] = children[-1].url
    if not env.get(PREFIX + "SMTP_URL"):
        children.append(start_mail_sink(directory=home / "mail", log=log))
        env[PREFIX + "SMTP_URL"] = children[-1].url
    return children


def run_dev(*, ephemeral: bool = False, tls: bool = False) -> int:  # noqa: PLR0915 - one start-up, in order
    env = dict(os.environ)
    home = Path(Settings.value_from_env(env, "home")).resolve()
    if ephemeral:
        home = Path(tempfile.mkdtemp(prefix="taskflow-dev-"))
    home.mkdir(parents=True, exist_ok=True)
    env[PREFIX + "HOME"] = str(home)
    env.setdefault(PREFIX + "JWT_SECRET", _jwt_secret(home))
    env.setdefault(PREFIX + "LOG_FORMAT", "console")
    port: int = Settings.value_from_env(env, "port")
    api_url = f"http://127.0.0.1:{port}"
    listener, https = None, None
    if tls:
        certificate, made = dev_certificate(home / "tls")
        https = (Settings.value_from_env(env, "tls_port"), certificate.certificate)
        listener = TlsListener(https[0], certificate.bundle)
        if made:
            _say(f"taskflow: made a self-signed certificate for 127.0.0.1 and localhost: {certificate.certificate}")
    # The links in mails lead to this stack, wherever it listens.
    env.setdefault(PREFIX + "PUBLIC_URL", f"https://127.0.0.1:{listener.port}" if listener else api_url)
    env_file = home / ENV_FILE

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    roll = threading.Event()
    signal.signal(signal.SIGHUP, lambda _signum, _frame: roll.set())
    children: list[Child] = []
    apis: list[Child] = []
    log = (home / "services.log").open("ab")
    try:
        children += _start_services(home, env, ephemeral=ephemeral, log=log)
        settings = Settings.from_env(env)
        asyncio.run(migrate(settings))
        keys = ("MONGODB_URI", "REDIS_URL", "SMTP_URL", "JWT_SECRET")
        env_file.write_text("".join(f"{PREFIX}{key}={env[PREFIX + key]}\n" for key in keys))
        env_file.chmod(0o600)
        command = [sys.executable, "-m", "taskflow.entrypoints.cli"]
        apis, proxy = _start_api(command, env, settings, home=home, port=port, tls=listener, log=log)
        children += [*apis, *([proxy] if proxy else [])]
        children.append(spawn("worker", [*command, "worker"], port=0, url="", env=env))
        _print_banner(api_url, home, env, proxy=proxy, processes=settings.api_processes, https=https)
        _supervise(Supervisor(children), apis, proxy, roll)
    except _Stop:
        return 0
    except (ChildFailedError, SettingsError) as exc:
        print(f"taskflow: {exc}", file=sys.stderr)  # noqa: T201 - CLI output
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in reversed(children):
            # SIGINT: an API process skips its drain, HAProxy is already gone.
            if not child.stop(signum=signal.SIGINT if child in apis else signal.SIGTERM):
                print(f"taskflow: {child.name} did not stop in time and was killed", file=sys.stderr)  # noqa: T201
        env_file.unlink(missing_ok=True)
        log.close()
        if ephemeral:
            shutil.rmtree(home, ignore_errors=True)
        print("taskflow: stopped", file=sys.stderr)  # noqa: T201 - CLI output


def _start_api(
    command: list[str],
    env: dict[str, str],
    settings: Settings,
    *,
    home: Path,
    port: int,
    tls: TlsListener | None,
    log: IO[bytes],
) -> tuple[list[Child], Child | None]:
    """`api_processes` API processes and HAProxy in front on `port` (and `tls`); one on `port` without haproxy."""
    url = f"http://127.0.0.1:{port}"
    binary = haproxy_binary() if settings.api_processes > 1 or tls else None
    if binary is None and tls is not None:
        msg = "--tls: HAProxy terminates TLS, and it is not installed (apt-get install haproxy)"
        raise SettingsError(msg)
    if binary is None:
        if settings.api_processes > 1:
            print("taskflow: haproxy is not installed (apt-get install haproxy): one API process", file=sys.stderr)  # noqa: T201
        alone = {**env, DRAIN: env.get(DRAIN) or "0"}  # no load balancer to tell
        api = spawn("API", [*command, "serve", "--port", str(port)], port=port, url=url, env=alone)
        wait_for_http(api, f"{url}/health/ready", timeout=READY_TIMEOUT_SECONDS)
        return [api], None
    template = TEMPLATE.read_text()
    if settings.proxy_check_ms:
        template = with_check_interval(template, settings.proxy_check_ms)
    behind = {
        **env,
        PREFIX + "TRUSTED_PROXIES": env.get(PREFIX + "TRUSTED_PROXIES") or "127.0.0.1",
        DRAIN: env.get(DRAIN) or str(notice_seconds(template)),
    }
    apis = []
    for n in range(1, settings.api_processes + 1):
        api_port = free_port()
        argv = [*command, "serve", "--port", str(api_port)]
        apis.append(spawn(f"API {n}", argv, port=api_port, url=f"http://127.0.0.1:{api_port}", env=behind))
    for api in apis:
        wait_for_http(api, f"{api.url}/health/ready", timeout=READY_TIMEOUT_SECONDS)
    stats_port = free_port()
    config = dev_config(template, port=port, backends=[api.port for api in apis], stats_port=stats_port, tls=tls)
    proxy = start_haproxy(
        binary,
        config,
        home / "haproxy.cfg",
        name="haproxy",
        port=stats_port,
        url=url,
        ready=f"{url}/health/ready",
        log=log,
    )
    return apis, proxy


def _supervise(supervisor: Supervisor, apis: list[Child], proxy: Child | None, roll: threading.Event) -> NoReturn:
    """Until a signal: a child that exits is started again; SIGHUP (`roll`) restarts the API processes."""
    while True:
        if roll.is_set():
            roll.clear()
            _rolling_restart(apis, supervisor, proxy)
        supervisor.tick()
        time.sleep(SUPERVISE_EVERY_SECONDS)


def _rolling_restart(apis: list[Child], supervisor: Supervisor, proxy: Child | None) -> None:
    """One API process at a time; the next only once HAProxy sends the last one traffic again."""
    _say(f"taskflow: rolling restart of {len(apis)} API process{'es' if len(apis) > 1 else ''}")
    for n, api in enumerate(apis, 1):
        old = api.process
        supervisor.replace(api)
        if not _tick_until(supervisor, partial(_back, api, old)):
            _say(f"taskflow: {api.name} did not come back; rolling restart stopped")
            return
        if proxy is not None and not _tick_until(supervisor, partial(_in_rotation, proxy, f"api{n}")):
            _say(f"taskflow: HAProxy did not take {api.name} back; rolling restart stopped")
            return
    _say("taskflow: rolling restart done")


def _tick_until(supervisor: Supervisor, done: Callable[[], bool]) -> bool:
    """Supervise the stack until `done()`, for a drain and a start at most."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not done():
        if time.monotonic() > deadline:
            return False
        supervisor.tick()
        time.sleep(SUPERVISE_EVERY_SECONDS)
    return True


def _back(api: Child, old: subprocess.Popen[bytes]) -> bool:
    """A new process in `api`'s place, and ready."""
    return api.process is not old and answers(f"{api.url}/health/ready")


def _in_rotation(proxy: Child, server: str) -> bool:
    with suppress(OSError):
        return server_states(f"http://127.0.0.1:{proxy.port}/").get(server) == "UP"
    return False


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # noqa: T201 - CLI output


def _scrapers(env: dict[str, str]) -> str:
    allowed = env.get(PREFIX + "METRICS_ALLOWED", "")
    return allowed.replace(",", ", ") if allowed else "this machine only"


def _print_banner(
    api_url: str,
    home: Path,
    env: dict[str, str],
    *,
    proxy: Child | None,
    processes: int,
    https: tuple[int, Path] | None,
) -> None:
    """`https`: the TLS port and the certificate a client is told to trust, when `--tls` serves one."""
    lines = [
        "",
        "taskflow is running. Ctrl-C stops everything.",
        f"  web app   {api_url}/",
        f"  API       {api_url}/api/v1",
        f"  docs      {api_url}/docs",
        f"  health    {api_url}/health/ready",
        f"  metrics   {api_url}/metrics  (from {_scrapers(env)}; elsewhere, TASKFLOW_METRICS_TOKEN as a bearer token)",
        f"  MongoDB   {env[PREFIX + 'MONGODB_URI']}",
        f"  Redis     {env[PREFIX + 'REDIS_URL']}",
        f"  mail      {env[PREFIX + 'SMTP_URL']} -> {home / 'mail'}",
        f"  data      {home}",
        "",
    ]
    if https is not None:
        tls_port, certificate = https
        lines.insert(2, f"  https     https://127.0.0.1:{tls_port}/  (self-signed, made on first start: {certificate};")
        lines.insert(3, "            your browser asks once; curl --cacert it)")
    if proxy is not None:
        lines.insert(-5, f"  HAProxy   {processes} API processes behind it; stats http://127.0.0.1:{proxy.port}/")
        lines.insert(-5, f"  restart   kill -HUP {os.getpid()}  (the API processes, one at a time)")
    print("\n".join(lines), flush=True)  # noqa: T201 - CLI output
