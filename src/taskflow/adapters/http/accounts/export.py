"""An account's export: one JSON document, its tasks written into it as they stream."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from taskflow.adapters.http.accounts.schemas import AccountExportHead

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from taskflow.domain.model.tasks import Task
from taskflow.adapters.http.tasks.export import jsonl_chunks


async def account_chunks(head: AccountExportHead, tasks: AsyncIterator[Task]) -> AsyncIterator[bytes]:
    """One JSON document: the head's fields, then `tasks`, an array written as the tasks stream."""
    encoder = msgspec.json.Encoder()
    opening = encoder.encode(head)
    yield opening[:-1] + b',"tasks":['  # the head is an object: it goes on with the tasks
    separator = b""
    async for chunk in jsonl_chunks(tasks):
        if chunk:
            yield separator + chunk.rstrip(b"\n").replace(b"\n", b",")
            separator = b","
    yield b"]}"
