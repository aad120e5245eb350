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
from taskflow.domain.model.tasks import Task
from taskflow.domain.task_files.columns import COLUMNS, neutralise

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


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
    """The task as the API shows it (as JSON lines carry it), one cell a column, tags as a JSON array."""
    shown = msgspec.to_builtins(TaskResponse.of(task))
    return [_cell(shown[column]) for column in COLUMNS]


def _cell(value: object) -> str:
    if value is None:
        return ""
    return neutralise(json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value))


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
