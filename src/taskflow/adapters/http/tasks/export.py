"""Tasks as CSV or JSON lines, encoded a batch at a time while they stream.

CSV columns and cells are the task file's (`domain/task_files/columns.py`: formulas neutralised).
JSON lines carry the values exactly, as the API shows a task.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Final

import msgspec

from taskflow.adapters.http.tasks.schemas import TaskResponse
from taskflow.domain.task_files.columns import COLUMNS, neutralise

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from taskflow.domain.model.tasks import Task


ROWS_PER_CHUNK: Final = 200


async def started(tasks: AsyncIterator[Task]) -> AsyncIterator[Task]:
    """Reads the first batch now, before the answer starts: a database failure is still a 503.

    Once the status line is sent, a failure can only cut the stream short.
    """
    first = await anext(tasks, None)

    async def all_of_them() -> AsyncIterator[Task]:
        if first is None:
            return
        yield first
        async for task in tasks:
            yield task

    return all_of_them()


def _csv_row(task: Task) -> list[str]:
    def instant(value: object) -> str:
        return "" if value is None else str(msgspec.json.encode(value), "ascii").strip('"')

    return [
        neutralise(cell)
        for cell in (
            task.id.value,
            task.title,
            task.description,
            task.status.value,
            task.priority.value,
            instant(task.due_at),
            json.dumps(list(task.tags), ensure_ascii=False),
            instant(task.created_at),
            instant(task.updated_at),
            instant(task.completed_at),
            str(task.version),
        )
    ]


async def csv_chunks(tasks: AsyncIterator[Task]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(COLUMNS)
    rows = 1
    async for task in tasks:
        writer.writerow(_csv_row(task))
        rows += 1
        if rows >= ROWS_PER_CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            rows = 0
    yield buffer.getvalue().encode()


async def jsonl_chunks(tasks: AsyncIterator[Task]) -> AsyncIterator[bytes]:
    encoder = msgspec.json.Encoder()
    chunk = bytearray()
    rows = 0
    async for task in tasks:
        chunk += encoder.encode(TaskResponse.of(task)) + b"\n"
        rows += 1
        if rows >= ROWS_PER_CHUNK:
            yield bytes(chunk)
            chunk.clear()
            rows = 0
    yield bytes(chunk)
