"""`taskflow serve` drains before it stops: readiness 503 at once, requests still served, then gone."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx

from taskflow.entrypoints.processes import Child, free_port, spawn, wait_for_http
from taskflow.settings import Settings
from tests.api.conftest import CLI, process_env
from tests.event_streams import EVENTS_PATH, StreamThread
from tests.system.devstack import sign_up

DRAIN_SECONDS = 3


def _open_stream(url: str, auth: dict[str, str]) -> StreamThread:
    stream = StreamThread(url, auth)
    stream.start()
    assert stream.opened.wait(10)
    assert stream.status == 200
    return stream


def test_sigterm_turns_readiness_off_serves_the_drain_period_then_exits(settings: Settings) -> None:
    port = free_port()
    env = {**process_env(settings), "TASKFLOW_DRAIN_SECONDS": str(DRAIN_SECONDS)}
    url = f"http://127.0.0.1:{port}"
    api: Child = spawn("API", [*CLI, "serve", "--port", str(port)], port=port, url=url, env=env)
    try:
        wait_for_http(api, f"{url}/health/ready")
        auth = sign_up(url)
        stream = _open_stream(url, auth)
        api.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        ready, live = [], []
        with httpx.Client(base_url=url, timeout=2) as http:
            refused = http.get(EVENTS_PATH, headers=auth)
            while time.monotonic() - signalled < DRAIN_SECONDS - 1:
                ready.append(http.get("/health/ready").status_code)
                live.append(http.get("/health/live").status_code)
                time.sleep(0.2)
        assert set(ready) == {503}  # from the first probe after the signal
        assert set(live) == {200}  # still serving
        # Live streams end at once with a retry hint (their clients resume elsewhere); new ones go elsewhere.
        assert stream.ended.wait(DRAIN_SECONDS)
        assert api.process.poll() is None  # ended by the drain, while the process still serves
        assert "closing: reconnect with the last id" in stream.parser.comments
        assert (refused.status_code, refused.json()["type"].rsplit("/", 1)[1]) == (503, "draining")
        assert api.process.wait(timeout=DRAIN_SECONDS + 15) == 0
        assert time.monotonic() - signalled >= DRAIN_SECONDS
    finally:
        api.stop()


def test_a_second_signal_stops_at_once(settings: Settings) -> None:
    port = free_port()
    env = {**process_env(settings), "TASKFLOW_DRAIN_SECONDS": "60"}
    url = f"http://127.0.0.1:{port}"
    api: Child = spawn("API", [*CLI, "serve", "--port", str(port)], port=port, url=url, env=env)
    try:
        wait_for_http(api, f"{url}/health/ready")
        api.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        api.process.send_signal(signal.SIGTERM)
        # Well within the 60 s drain; uvicorn ends by raising the signal it caught again.
        assert api.process.wait(timeout=15) == -signal.SIGTERM
    finally:
        api.stop()


def test_sigint_stops_without_a_drain_or_a_traceback(settings: Settings, tmp_path: Path) -> None:
    """Ctrl-C, or `taskflow dev` stopping whole: no balancer is left to tell."""
    port = free_port()
    env = {**process_env(settings), "TASKFLOW_DRAIN_SECONDS": "60", "TASKFLOW_LOG_LEVEL": "info"}
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "api.log").open("ab") as log:
        api: Child = spawn("API", [*CLI, "serve", "--port", str(port)], port=port, url=url, env=env, log=log)
        try:
            wait_for_http(api, f"{url}/health/ready")
            stream = _open_stream(url, sign_up(url))  # a stream never ends on its own: the stop ends it
            api.process.send_signal(signal.SIGINT)
            assert api.process.wait(timeout=15) == -signal.SIGINT  # ended by the signal, as a shell expects
            assert stream.ended.wait(5)
        finally:
            api.stop()
    output = (tmp_path / "api.log").read_text()
    assert "Finished server process" in output
    assert "Traceback" not in output
