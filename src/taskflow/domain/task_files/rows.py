"""What an import file means: rows of CSV or JSON lines, each a task or the reason it is not.

The columns are the export's (`columns`), so an export imports back; the stored task's
own columns (`id`, timestamps, `version`) are ignored (the import makes new tasks).
Every row is checked by the rules of `POST /tasks` (`TaskDraft`). A row that
cannot be read (bad quoting, not UTF-8, not a JSON object) is an error of that row, never
of the whole file.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from taskflow.domain.errors import InvalidValueError
from taskflow.domain.model.tasks import TaskDraft
from taskflow.domain.task_files.columns import IGNORED, IMPORTED, unneutralise
from taskflow.domain.values import Priority, TaskStatus

if TYPE_CHECKING:
    from collections.abc import Iterator


class ImportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


@dataclass(frozen=True, slots=True)
class RowError:
    """Row numbers count data rows from 1 (a CSV header is not a row)."""

    row: int
    field: str | None
    message: str


Row = tuple[int, TaskDraft | RowError]
_Record = tuple[int, dict[str, object] | RowError]  # a row's values, not yet checked


def rows(data: bytes, fmt: ImportFormat) -> Iterator[Row]:
    for number, record in _records(data, fmt):
        yield number, record if isinstance(record, RowError) else _draft(record, number)


def count_rows(data: bytes, fmt: ImportFormat) -> int:
    """How many rows the file has, read but not checked (cheaper than `rows`)."""
    return sum(1 for _ in _records(data, fmt))


def _records(data: bytes, fmt: ImportFormat) -> Iterator[_Record]:
    return _csv_records(data) if fmt is ImportFormat.CSV else _jsonl_records(data)


def _csv_records(data: bytes) -> Iterator[_Record]:
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return
    columns = [name.strip().lower() for name in header]
    unknown = [name for name in columns if name not in IMPORTED and name not in IGNORED]
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, RowError(number, None, f"unreadable CSV: {exc}")
            continue
        if unknown:
            yield number, RowError(number, unknown[0], "unknown column")
        elif len(cells) != len(columns):
            yield number, RowError(number, None, f"{len(cells)} cells for {len(columns)} columns")
        elif any(_not_utf8(cell) for cell in cells):
            yield number, RowError(number, None, "not valid UTF-8")
        else:
            values = {name: unneutralise(cell) for name, cell in zip(columns, cells, strict=True)}
            yield number, {name: value for name, value in values.items() if value != ""}


def _jsonl_records(data: bytes) -> Iterator[_Record]:
    number = 0
    for line in data.splitlines():
        if not line.strip():
            continue
        number += 1
        try:
            value = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            yield number, RowError(number, None, "not a JSON object")
            continue
        if not isinstance(value, dict):
            yield number, RowError(number, None, "not a JSON object")
            continue
        unknown = [name for name in value if name not in IMPORTED and name not in IGNORED]
        if unknown:
            yield number, RowError(number, str(unknown[0]), "unknown field")
            continue
        yield number, {name: v for name, v in value.items() if v is not None}


def _draft(values: dict[str, object], number: int) -> TaskDraft | RowError:
    field = "title"
    try:
        title = values.get("title")
        if not isinstance(title, str):
            return RowError(number, "title", "required, a string")
        field = "description"
        description = _text(values.get("description", ""))
        field = "status"
        status = TaskStatus(_text(values.get("status", TaskStatus.TODO.value)))
        field = "priority"
        priority = Priority(_text(values.get("priority", Priority.MEDIUM.value)))
        field = "due_at"
        due_at = _instant(values["due_at"]) if "due_at" in values else None
        field = "tags"
        tags = _tags(values.get("tags", []))
        return TaskDraft(
            title=title, description=description, status=status, priority=priority, due_at=due_at, tags=tags
        )
    except InvalidValueError as exc:
        return RowError(number, exc.field or field, exc.detail)
    except (ValueError, TypeError) as exc:
        return RowError(number, field, str(exc) or "not a valid value")


def _text(value: object) -> str:
    if not isinstance(value, str):
        msg = "must be a string"
        raise TypeError(msg)
    return value


def _instant(value: object) -> datetime:
    moment = datetime.fromisoformat(_text(value))
    if moment.tzinfo is None:
        msg = "needs a time zone offset, e.g. Z"
        raise ValueError(msg)
    return moment


def _tags(value: object) -> tuple[str, ...]:
    if isinstance(value, str):  # CSV: the export's JSON array
        value = json.loads(value) if value.strip().startswith("[") else [value]
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        msg = "a list of strings"
        raise TypeError(msg)
    return tuple(value)


def _not_utf8(cell: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in cell)
