"""`taskflow dev` as a user runs it: one command, every service real, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from taskflow.entrypoints.processes import free_port
from tests.system.devstack import PASSWORD, DevStack, assert_all_gone, mail_to, the_one_mail


def test_dev_runs_everything_restarts_a_dead_child_stops_cleanly_and_keeps_data(folder: Path) -> None:
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
        assert '<div id="app">' in http.get("/").text  # the web app, through HAProxy

    assert b"ada@example.com" in the_one_mail(folder)

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

    assert_all_gone(stack.stop(signal.SIGTERM), port)
    assert not (folder / ".taskflow" / "env").exists()

    again = DevStack(folder, port)
    # A child that dies is started again on its own: the stack goes on, and so does the mail.
    for marker in ("cli worker", "entrypoints.mailsink"):
        (killed,) = again.pids(marker)
        os.kill(killed, signal.SIGKILL)
        again.restarted(marker, killed)
    assert again.process.poll() is None
    with httpx.Client(base_url=again.url, timeout=10) as http:
        registered = http.post(
            "/api/v1/auth/register", json={"email": "grace@example.com", "password": PASSWORD, "name": "Grace"}
        )
        assert registered.status_code == 201
        token = http.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}).json()
        read = http.get(created.headers["location"], headers={"Authorization": f"Bearer {token['access_token']}"})
        assert read.status_code == 200
        assert read.json()["title"] == "Survive a restart"
        assert (
            http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json()["role"]
            == "admin"
        )
    assert mail_to(folder, "grace@example.com")
    log = again.log.read_text()
    assert "worker exited (-9); restarting it in 1 s (restart 1)" in log
    assert "mail sink exited (-9); restarting it in 1 s (restart 1)" in log
    assert_all_gone(again.stop(signal.SIGINT, whole_group=True), port)
