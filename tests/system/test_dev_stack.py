"""`taskflow dev` as a user runs it: one command, every service real, nothing left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from taskflow.entrypoints.processes import free_port

pytestmark = pytest.mark.system
PASSWORD = "correct horse battery staple"


def _descendants(pid: int) -> set[int]:
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


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class DevStack:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port, self.url = folder, port, f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TASKFLOW_")}
        env["TASKFLOW_PORT"] = str(port)
        self.env = env
        self.log = folder / f"dev-{time.monotonic_ns()}.out"
        self.output = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "taskflow.entrypoints.cli", "dev"],
            cwd=folder,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own, as a shell gives a foreground job
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            if "taskflow is running" in self.log.read_text():
                return
            time.sleep(0.2)
        pytest.fail("taskflow dev did not become ready: " + self.log.read_text())

    def stop(self, signum: int, *, whole_group: bool = False) -> set[int]:
        """Signal `taskflow dev`, or its whole process group as a terminal's Ctrl-C does."""
        children = _descendants(self.process.pid)
        if whole_group:
            os.killpg(self.process.pid, signum)
        else:
            self.process.send_signal(signum)
        # Children stop in order, so none waits out its grace period on a server already gone.
        assert self.process.wait(timeout=30) == 0, self.log.read_text()
        assert "was killed" not in self.log.read_text()
        self.output.close()
        return children


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    before = _descendants(os.getpid())  # the session's own servers, which later tests still use
    yield tmp_path
    for pid in _descendants(os.getpid()) - before:  # belt and braces: never leave a server behind
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _the_one_mail(folder: Path) -> bytes:
    """The one mail the stack's sink wrote, once it is there (30 s at most)."""
    mail = folder / ".taskflow" / "mail"
    deadline = time.monotonic() + 30
    while not list(mail.glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.2)
    (welcome,) = mail.glob("*.eml")
    return welcome.read_bytes()


def _assert_all_gone(children: set[int], port: int) -> None:
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    with socket.socket() as sock:  # no listener left: a new server could bind as uvicorn does
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_dev_runs_everything_stops_cleanly_and_keeps_data(folder: Path) -> None:
    port = free_port()
    stack = DevStack(folder, port)
    with httpx.Client(base_url=stack.url, timeout=10) as http:
        assert http.get("/health/ready").json()["checks"] == {"database": "up", "redis": "up"}
        registered = http.post(
            "/api/v1/auth/register", json={"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
        )
        assert registered.status_code == 201
        assert "server" not in registered.headers
        token = http.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        created = http.post("/api/v1/tasks", json={"title": "Survive a restart"}, headers=auth)
        assert created.status_code == 201
        assert http.get("/docs").status_code == 200

    assert b"ada@example.com" in _the_one_mail(folder)

    admin = subprocess.run(
        [
            sys.executable,
            "-m",
            "taskflow.entrypoints.cli",
            "create-admin",
            "--email",
            "ada@example.com",
            "--password",
            "x",
        ],
        cwd=folder,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert admin.returncode == 0, admin.stderr
    assert "ada@example.com is an admin" in admin.stdout

    _assert_all_gone(stack.stop(signal.SIGTERM), port)
    assert not (folder / ".taskflow" / "env").exists()

    again = DevStack(folder, port)
    with httpx.Client(base_url=again.url, timeout=10) as http:
        token = http.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}).json()
        read = http.get(created.headers["location"], headers={"Authorization": f"Bearer {token['access_token']}"})
        assert read.status_code == 200
        assert read.json()["title"] == "Survive a restart"
        assert (
            http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json()["role"]
            == "admin"
        )
    _assert_all_gone(again.stop(signal.SIGINT, whole_group=True), port)


def _child_running_pid(pid: int, marker: str) -> bool:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return marker in command and _alive(pid)


def _child_running(stack: DevStack, marker: str) -> int | None:
    """The pid of the stack's live child whose command line holds `marker`."""
    return next((pid for pid in _descendants(stack.process.pid) if _child_running_pid(pid, marker)), None)


def _restarted(stack: DevStack, marker: str, killed: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pid = _child_running(stack, marker)
        if pid is not None and pid != killed:
            return pid
        time.sleep(0.2)
    pytest.fail(f"{marker} was not restarted: " + stack.log.read_text())


def test_a_killed_worker_and_mail_sink_are_restarted_and_the_mail_still_arrives(folder: Path) -> None:
    port = free_port()
    stack = DevStack(folder, port)
    for marker in ("cli worker", "entrypoints.mailsink"):
        killed = _child_running(stack, marker)
        assert killed is not None
        os.kill(killed, signal.SIGKILL)
        _restarted(stack, marker, killed)
    assert stack.process.poll() is None  # the stack went on
    with httpx.Client(base_url=stack.url, timeout=10) as http:
        registered = http.post(
            "/api/v1/auth/register", json={"email": "grace@example.com", "password": PASSWORD, "name": "Grace"}
        )
        assert registered.status_code == 201
    assert b"grace@example.com" in _the_one_mail(folder)
    log = stack.log.read_text()
    assert "worker exited (-9); restarting it in 1 s (restart 1)" in log
    assert "mail sink exited (-9); restarting it in 1 s (restart 1)" in log
    _assert_all_gone(stack.stop(signal.SIGINT, whole_group=True), port)


def _servers_up(stats_url: str) -> dict[str, str]:
    """HAProxy's own view of its API servers, from the stats page's CSV."""
    rows = httpx.get(stats_url + ";csv", timeout=5).text.splitlines()
    fields = rows[0].lstrip("# ").split(",")
    named = [dict(zip(fields, row.split(","), strict=False)) for row in rows[1:] if row]
    return {row["svname"]: row["status"] for row in named if row["pxname"] == "api" and row["svname"] != "BACKEND"}


def _both_up(stats_url: str) -> None:
    deadline = time.monotonic() + 30
    while _servers_up(stats_url) != {"api1": "UP", "api2": "UP"}:  # not "UP 1/2": settled
        assert time.monotonic() < deadline, _servers_up(stats_url)
        time.sleep(0.5)


def test_haproxy_serves_two_api_processes_and_a_killed_one_costs_no_request(folder: Path) -> None:
    port = free_port()
    stack = DevStack(folder, port)
    banner = stack.log.read_text()
    assert "HAProxy   2 API processes behind it" in banner
    stats_url = banner.split("stats ")[1].split()[0]
    _both_up(stats_url)
    serving = [pid for pid in _descendants(stack.process.pid) if _child_running_pid(pid, "cli serve")]
    assert len(serving) == 2
    os.kill(serving[0], signal.SIGKILL)
    statuses = []
    with httpx.Client(base_url=stack.url, timeout=10) as http:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            statuses.append(http.get("/health/live").status_code)
    assert statuses
    assert set(statuses) == {200}  # HAProxy tried the other process for what the dead one refused
    _restarted(stack, "cli serve", serving[0])
    _both_up(stats_url)  # the restarted process is back in rotation
    _assert_all_gone(stack.stop(signal.SIGINT, whole_group=True), port)
