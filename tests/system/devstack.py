"""`taskflow dev` run as a user runs it, and what the system tests ask of its processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from taskflow.entrypoints.proxy import server_states

PASSWORD = "correct horse battery staple"


def sign_up(url: str, email: str | None = None) -> dict[str, str]:
    """A new account on the API at `url`, signed in: its Authorization header."""
    account = {"email": email or f"ada-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
    with httpx.Client(base_url=url, timeout=10) as http:
        assert http.post("/api/v1/auth/register", json={**account, "name": "Ada"}).status_code == 201
        token = http.post("/api/v1/auth/login", json=account).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class DevStack:
    def __init__(self, folder: Path, port: int, *options: str, **settings: str) -> None:
        """`options` for `taskflow dev`; `settings`: TASKFLOW_ variables for the stack (all others are dropped)."""
        self.folder, self.port, self.url = folder, port, f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TASKFLOW_")}
        env["TASKFLOW_PORT"] = str(port)
        self.env = env | settings
        self.log = folder / f"dev-{time.monotonic_ns()}.out"
        self.output = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI, with options the test chose
            [sys.executable, "-m", "taskflow.entrypoints.cli", "dev", *options],
            cwd=folder,
            env=self.env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own, as a shell gives a foreground job
        )
        self.wait_for_line("taskflow is running", timeout=90)

    def wait_for_line(self, line: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            if line in self.log.read_text():
                return
            time.sleep(0.2)
        pytest.fail(f"taskflow dev did not say {line!r}: " + self.log.read_text())

    @property
    def stats_url(self) -> str:
        return self.log.read_text().split("stats ")[1].split()[0]

    def stop(self, signum: int, *, whole_group: bool = False) -> set[int]:
        """Signal `taskflow dev`, or its whole process group as a terminal's Ctrl-C does."""
        children = descendants(self.process.pid)
        if whole_group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        # Children stop in order, so none waits out its grace period on a server already gone.
        assert self.process.wait(timeout=30) == 0, self.log.read_text()
        assert "was killed" not in self.log.read_text()
        self.output.close()
        return children

    def pids(self, marker: str) -> list[int]:
        """The stack's live children whose command line holds `marker`."""
        return [pid for pid in descendants(self.process.pid) if _running(pid, marker)]

    def restarted(self, marker: str, killed: int) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pids = [pid for pid in self.pids(marker) if pid != killed]
            if pids:
                return pids[0]
            time.sleep(0.2)
        pytest.fail(f"{marker} was not restarted: " + self.log.read_text())

    def all_in_rotation(self) -> None:
        """Until HAProxy sends traffic to both API processes (not "UP 1/2": settled)."""
        deadline = time.monotonic() + 30
        while server_states(self.stats_url) != {"api1": "UP", "api2": "UP"}:
            assert time.monotonic() < deadline, server_states(self.stats_url)
            time.sleep(0.5)


def _running(pid: int, marker: str) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return marker in command and alive(pid)


def the_one_mail(folder: Path, *, timeout: float = 30) -> bytes:
    """The one mail the stack's sink wrote, once it is there."""
    mail = folder / ".taskflow" / "mail"
    deadline = time.monotonic() + timeout
    while not list(mail.glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.2)
    (welcome,) = mail.glob("*.eml")
    return welcome.read_bytes()


def mail_to(folder: Path, address: str, *, timeout: float = 30) -> bytes:
    """A mail the stack's sink wrote to `address`, once it is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in (folder / ".taskflow" / "mail").glob("*.eml"):
            if f"To: {address}".encode() in (found := path.read_bytes()):
                return found
        time.sleep(0.2)
    pytest.fail(f"no mail reached {address}")


def assert_all_gone(children: set[int], port: int) -> None:
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if alive(pid)]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with socket.socket() as sock:  # no listener left: a new server could bind as uvicorn does
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
