"""A client of `GET /tasks/events`, reading server-sent events as EventSource does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

EVENTS_PATH = "/api/v1/tasks/events"


@dataclass
class Event:
    event: str
    id: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class EventParser:
    """Lines in, dispatched events out; comments and `retry:` kept aside, as EventSource keeps them."""

    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    last_id: str | None = None
    """As EventSource keeps it: the id of the last block that had one, dispatched or not."""
    _fields: dict[str, str] = field(default_factory=dict)
    _data: list[str] = field(default_factory=list)

    def feed(self, line: str) -> Event | None:
        if line.startswith(":"):
            self.comments.append(line[1:].strip())
        elif line:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                self._data.append(value)
            elif name == "retry":
                self.retry = int(value)
            else:
                self._fields[name] = value
        else:
            fields, data, self._fields, self._data = self._fields, self._data, {}, []
            self.last_id = fields.get("id", self.last_id)
            if data:
                return Event(fields.get("event", "message"), fields.get("id"), "\n".join(data))
        return None


@dataclass
class EventStream:
    """Events as they are dispatched; `ended` once the server closed the stream."""

    response: httpx.Response
    parser: EventParser = field(default_factory=EventParser)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    _events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)

    @property
    def comments(self) -> list[str]:
        return self.parser.comments

    @property
    def retry(self) -> int | None:
        return self.parser.retry

    async def read(self) -> None:
        try:
            async for line in self.response.aiter_lines():
                event = self.parser.feed(line)
                if event is not None:
                    await self._events.put(event)
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()

    async def next(self, within: float = 10.0) -> Event:
        return await asyncio.wait_for(self._events.get(), within)

    async def take(self, count: int, within: float = 10.0) -> list[Event]:
        return [await self.next(within) for _ in range(count)]

    def pending(self) -> int:
        return self._events.qsize()


@asynccontextmanager
async def event_stream(
    client: httpx.AsyncClient, auth: Mapping[str, str], last_event_id: str | None = None
) -> AsyncIterator[EventStream]:
    """An open stream (200 or the test fails), read in the background until the block ends."""
    headers = dict(auth) | ({"Last-Event-ID": last_event_id} if last_event_id is not None else {})
    async with client.stream("GET", EVENTS_PATH, headers=headers, timeout=httpx.Timeout(10, read=None)) as response:
        if response.status_code != 200:
            await response.aread()
            refused = f"{response.status_code}: {response.text}"
            raise AssertionError(refused)
        stream = EventStream(response=response)
        reader = asyncio.create_task(stream.read())
        try:
            yield stream
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


class StreamThread(threading.Thread):
    """A stream read in a thread, for tests that drive processes without an event loop.

    With `reconnect`, it does what EventSource does when the server ends the stream: it
    connects again with the last id it received, until `stop`.
    """

    def __init__(
        self, url: str, auth: Mapping[str, str], last_event_id: str | None = None, *, reconnect: bool = False
    ) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.auth = dict(auth)
        self.last_event_id = last_event_id
        self.reconnect = reconnect
        self.parser = EventParser()
        self.events: list[Event] = []
        self.status: int | None = None
        self.opened = threading.Event()
        self.ended = threading.Event()
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.url, timeout=httpx.Timeout(10, read=None)) as http:
                while not self._stopped.is_set():
                    self._read_once(http)
                    if not self.reconnect:
                        return
                    time.sleep((self.parser.retry or 1000) / 1000)
        finally:
            self.opened.set()
            self.ended.set()

    def _read_once(self, http: httpx.Client) -> None:
        last_id = self.parser.last_id or self.last_event_id
        headers = self.auth | ({"Last-Event-ID": last_id} if last_id else {})
        try:
            with http.stream("GET", EVENTS_PATH, headers=headers) as response:
                self.status = response.status_code
                self.opened.set()
                for line in response.iter_lines():
                    event = self.parser.feed(line)
                    if event is not None:
                        self.events.append(event)
        except httpx.HTTPError:
            return

    def stop(self) -> None:
        self._stopped.set()

    def wait_for(self, count: int, within: float = 10.0) -> list[Event]:
        """The first `count` events, once they are here."""
        deadline = time.monotonic() + within
        while len(self.events) < count:
            assert time.monotonic() < deadline, f"{len(self.events)} of {count} events came"
            time.sleep(0.05)
        return self.events[:count]
