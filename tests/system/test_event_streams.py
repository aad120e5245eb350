"""A live stream whose client never reads costs an API process its buffer, not the changes it misses.

One that reads gets every change of a burst, in order, once (resuming if the burst outran it).
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from bson import ObjectId
from pymongo import MongoClient

from taskflow.adapters.mongo.schema.tasks import TASKS, task_to_document
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.values import TaskId, UserId
from taskflow.entrypoints.processes import Child, free_port, spawn, wait_for_http
from taskflow.settings import Settings
from tests.api.conftest import CLI, process_env
from tests.event_streams import EVENTS_PATH, StreamThread
from tests.system.devstack import sign_up

BUFFER = 100
CHANGES = 10_000
DESCRIPTION = "x" * 2_000  # 10,000 changes hold 20 MB of descriptions alone
ALLOWED_GROWTH = 12 * 2**20


def _rss(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) * 1024


def _tasks(owner: str, count: int) -> list[dict[str, object]]:
    now = datetime.now(UTC)
    draft = TaskDraft(title="bulk", description=DESCRIPTION)
    return [task_to_document(Task.create(TaskId(str(ObjectId())), UserId(owner), draft, now=now)) for _ in range(count)]


def _user_id(url: str, auth: dict[str, str]) -> str:
    return str(httpx.get(f"{url}/api/v1/users/me", headers=auth, timeout=10).json()["id"])


def test_a_client_that_never_reads_costs_the_api_its_buffer_and_is_told_to_resume(settings: Settings) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**process_env(settings), "TASKFLOW_EVENT_BUFFER": str(BUFFER)}
    api: Child = spawn("API", [*CLI, "serve", "--port", str(port)], port=port, url=url, env=env)
    mongo: MongoClient[dict[str, object]] = MongoClient(settings.mongodb_uri)
    try:
        wait_for_http(api, f"{url}/health/ready")
        auth = sign_up(url)
        owner = _user_id(url, auth)
        # A client that reads, reconnecting with its last id whenever the burst outruns its buffer.
        reader = StreamThread(url, auth, reconnect=True)
        reader.start()
        assert reader.opened.wait(10)
        first = httpx.post(f"{url}/api/v1/tasks", json={"title": "first"}, headers=auth, timeout=10).json()
        reader.wait_for(1)
        # Default socket buffers: the kernel holds a few MB of the stream, far less than the burst. (A
        # tiny receive buffer would leave the sender probing a zero window for up to minutes.)
        stalled = socket.create_connection(("127.0.0.1", port))
        request = f"GET {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth['Authorization']}\r\n\r\n"
        stalled.sendall(request.encode())
        time.sleep(1)
        before = _rss(api.process.pid)
        tasks = mongo[settings.mongodb_database][TASKS]
        written: list[str] = []
        for _ in range(CHANGES // 1_000):
            batch = _tasks(owner, 1_000)
            tasks.insert_many(batch)
            written += [str(task["_id"]) for task in batch]
        received = reader.wait_for(1 + CHANGES, within=120)[1:]
        grown = _rss(api.process.pid) - before
        reader.stop()
        assert [event.json()["id"] for event in received] == written  # all, in order, none twice
        assert reader.events[0].json()["id"] == first["id"]
        assert not [event for event in reader.events if event.event == "reset"]
        assert grown < ALLOWED_GROWTH, f"the API grew {grown / 2**20:.1f} MiB"
        # Now the stalled one reads: what the socket held, then the hint to resume from its last id.
        stalled.settimeout(30)
        answer = b""
        while b": behind: reconnect with the last id" not in answer:
            chunk = stalled.recv(65_536)
            assert chunk, "the stream ended without telling its client to resume"
            answer += chunk
        assert answer.count(b"event: task.created") < CHANGES
        stalled.close()
    finally:
        mongo.close()
        api.stop()
