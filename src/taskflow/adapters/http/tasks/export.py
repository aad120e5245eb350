"""Tasks as CSV or JSON lines, encoded a batch at a time while they stream.

CSV columns and cells are the task file's (`domain/task_files/columns.py`: formulas neutralised).
JSON lines carry the values exactly, as the API shows a task.
"""

from __future__ import annotations

import csv
import io
import json
import typing
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

import msgspec

from taskflow.adapters.http.tasks.schemas import TaskResponse
from taskflow.domain.model.tasks import Task
from taskflow.domain.task_files.columns import COLUMNS, neutralise
from taskflow.domain.values import ProjectId, TaskId, UserId

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


def _instant(value: datetime) -> str:
    return str(msgspec.json.encode(value), "ascii").strip('"')


def _cell(held: object) -> Callable[[Any], str]:
    """How a task's value of one type becomes a cell: as JSON lines write it, tags as a JSON array."""
    arguments = set(typing.get_args(held) or (held,)) - {type(None)}
    if arguments & {TaskId, ProjectId, UserId}:
        return lambda value: value.value
    if arguments & {datetime}:
        return _instant
    if typing.get_origin(held) is tuple:
        return lambda value: json.dumps(list(value), ensure_ascii=False)
    if any(isinstance(argument, type) and issubclass(argument, Enum) for argument in arguments):
        return lambda value: value.value
    return str


_HELD: Final = typing.get_type_hints(Task)
_CELLS: Final = tuple((column, _cell(_HELD[column])) for column in COLUMNS)


def _csv_row(task: Task) -> list[str]:
    row = []
    for column, cell in _CELLS:
        value = getattr(task, column)
        row.append("" if value is None else neutralise(cell(value)))
    return row


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
