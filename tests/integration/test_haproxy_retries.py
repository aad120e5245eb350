"""HAProxy's retry rules, on the real haproxy: what it repeats when a server fails a request.

The servers behind it are small HTTP servers that count what reaches them; one of them
closes every connection without an answer, as an API process SIGKILLed mid-request does.
The checks are slowed down, so the failing server stays in rotation for the test's length.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from taskflow.entrypoints.processes import free_port
from taskflow.entrypoints.proxy import TEMPLATE, dev_config, haproxy_binary, start_haproxy

REQUESTS = 8


class Backend:
    """Answers 200, or (`answers=False`) hangs up on everything but the health check."""

    def __init__(self, *, answers: bool) -> None:
        self.seen: list[str] = []  # the X-Seq of each request that reached it
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path == "/health/ready":
                    self._answer()
                    return
                backend.seen.append(self.headers["x-seq"])
                if answers:
                    self._answer()
                else:
                    self.close_connection = True  # no answer at all: a process that died

            def _answer(self) -> None:
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def _haproxy(tmp_path: Path, backends: list[int]) -> Iterator[str]:
    binary = haproxy_binary()
    if binary is None:
        pytest.skip("haproxy is not installed")
    port, stats = free_port(), free_port()
    config = dev_config(TEMPLATE.read_text(), port=port, backends=backends, stats_port=stats)
    slow_checks = config.replace(" inter 2s ", " inter 60s ")
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "haproxy.log").open("ab") as log:
        proxy = start_haproxy(
            binary, slow_checks, tmp_path / "haproxy.cfg", name="haproxy", port=port, url=url,
            ready=f"http://127.0.0.1:{stats}/", log=log,
        )  # fmt: skip
        try:
            yield url
        finally:
            proxy.stop()


@pytest.fixture
def servers() -> Iterator[tuple[Backend, Backend]]:
    hanging_up, answering = Backend(answers=False), Backend(answers=True)
    yield hanging_up, answering
    hanging_up.close()
    answering.close()


@pytest.fixture
def proxied(tmp_path: Path, servers: tuple[Backend, Backend]) -> Iterator[str]:
    with _haproxy(tmp_path, [server.port for server in servers]) as url:
        yield url


def _send(url: str, method: str, *, keyed: bool) -> dict[str, int]:
    """REQUESTS requests, each numbered in X-Seq; their statuses by number."""
    statuses = {}
    with httpx.Client(base_url=url, timeout=10) as http:
        for seq in range(REQUESTS):
            headers = {"x-seq": f"{method}{keyed}{seq}"} | ({"idempotency-key": f"k{seq}"} if keyed else {})
            statuses[headers["x-seq"]] = http.request(method, "/api/v1/tasks", headers=headers, json={}).status_code
    return statuses


def test_reads_and_keyed_writes_are_tried_again_on_another_server(
    proxied: str, servers: tuple[Backend, Backend]
) -> None:
    hanging_up, answering = servers
    gets, keyed = _send(proxied, "GET", keyed=False), _send(proxied, "POST", keyed=True)
    assert set(gets.values()) == set(keyed.values()) == {200}
    assert len(hanging_up.seen) >= REQUESTS  # round robin sent half of each kind to the server that hung up
    assert sorted(answering.seen) == sorted([*gets, *keyed])


def test_an_unkeyed_post_that_reached_a_server_is_never_sent_twice(
    proxied: str, servers: tuple[Backend, Backend]
) -> None:
    hanging_up, answering = servers
    posts = _send(proxied, "POST", keyed=False)
    assert sorted(hanging_up.seen + answering.seen) == sorted(posts)  # each delivered exactly once
    assert {seq: posts[seq] for seq in hanging_up.seen} == dict.fromkeys(hanging_up.seen, 502)
    assert hanging_up.seen
    assert set(posts.values()) == {200, 502}


def test_any_request_whose_connection_failed_is_tried_again(tmp_path: Path) -> None:
    answering = Backend(answers=True)
    try:
        with _haproxy(tmp_path, [free_port(), answering.port]) as url:  # nothing listens on the first
            posts = _send(url, "POST", keyed=False)
        assert set(posts.values()) == {200}  # it never reached a server, so it is safe to send
        assert sorted(answering.seen) == sorted(posts)
    finally:
        answering.close()
