"""A client of `GET /tasks/events`, reading server-sent events as EventSource does."""

from __future__ import annotations

import asyncio
import contextlib
import json
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
class EventStream:
    """Events as they are dispatched (comments and `retry:` kept aside); `ended` once the server closed."""

    response: httpx.Response
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    _events: asyncio.Queue[Event] = field(default_factory=asyncio.Queue)

    async def read(self) -> None:
        fields: dict[str, str] = {}
        data: list[str] = []
        try:
            async for line in self.response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line:
                    name, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if name == "data":
                        data.append(value)
                    elif name == "retry":
                        self.retry = int(value)
                    else:
                        fields[name] = value
                else:
                    if data:
                        await self._events.put(Event(fields.get("event", "message"), fields.get("id"), "\n".join(data)))
                    fields, data = {}, []
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
        stream = EventStream(response)
        reader = asyncio.create_task(stream.read())
        try:
            yield stream
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
