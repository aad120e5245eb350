"""Import rules and file formats, on fakes."""

from __future__ import annotations

import json

import pytest

from taskflow.domain.access.grants import Grant
from taskflow.domain.errors import InvalidValueError, JobNotFoundError, TooManyRequestsError, UnavailableError
from taskflow.domain.model.jobs import JobState
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder
from taskflow.domain.model.tasks import Task
from taskflow.domain.services.imports import BATCH_ROWS, IMPORT_JOB
from taskflow.domain.task_files.columns import neutralise, unneutralise
from taskflow.domain.task_files.rows import ImportFormat, RowError, count_rows, rows
from taskflow.domain.values import Priority, TaskStatus, UserId
from tests.unit.conftest import World, me

ADA = UserId("a" * 24)
BOB = UserId("b" * 24)
HEADER = "title,description,status,priority,due_at,tags\n"


def _csv(count: int, *, start: int = 0) -> bytes:
    return (HEADER + "".join(f"Task {n},,todo,low,,[]\n" for n in range(start, start + count))).encode()


async def _titles(world: World, owner: UserId) -> list[str]:
    page = await world.task_service.list(me(owner), TaskFilter(), TaskOrder(), after=None, limit=100)
    found = list(page.items)
    while page.next_after is not None:
        page = await world.task_service.list(me(owner), TaskFilter(), TaskOrder(), after=page.next_after, limit=100)
        found += page.items
    return sorted(task.title for task in found)


def test_csv_rows_follow_the_post_rules_and_the_exports_columns() -> None:
    data = (
        b"id,title,description,status,priority,due_at,tags,created_at\n"
        b'x,Write,"two\nlines",done,urgent,2026-05-01T10:00:00Z,"[""a"",""b""]",ignored\n'
        b"y,,,todo,low,,[],\n"
        b"z,Fine,,maybe,low,,[],\n"
        b"w,Late,,todo,low,2026-05-01T10:00:00,[],\n"
        b"v,'=SUM(A1),,todo,low,,[],\n"
    )
    parsed = dict(rows(data, ImportFormat.CSV))
    first = parsed[1]
    assert not isinstance(first, RowError)
    assert (first.title, first.description, first.status, first.priority) == (
        "Write",
        "two\nlines",
        TaskStatus.DONE,
        Priority.URGENT,
    )
    assert first.tags == ("a", "b")
    assert parsed[2] == RowError(2, "title", "required, a string")
    assert isinstance(parsed[3], RowError)
    assert parsed[3].field == "status"
    assert isinstance(parsed[4], RowError)
    assert parsed[4].field == "due_at"
    formula = parsed[5]
    assert not isinstance(formula, RowError)
    assert formula.title == "=SUM(A1)"  # the export's guard is taken off; the text is kept, never run


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (HEADER.encode() + b"ok,,todo,low,,[],extra\n", None),  # too many cells
        (HEADER.encode() + "caf\xe9,,todo,low,,[]\n".encode("latin-1"), None),  # not UTF-8
        (HEADER.encode() + b'"broken,,todo,low,,[]\n', None),  # a quote never closed
        (HEADER.encode() + ("x" * 201 + ",,todo,low,,[]\n").encode(), "title"),
        (b"title,colour\nx,red\n", "colour"),
    ],
)
def test_hostile_csv_rows_are_row_errors_not_crashes(data: bytes, field: str | None) -> None:
    parsed = list(rows(data, ImportFormat.CSV))
    assert parsed, "every data row is reported"
    assert count_rows(data, ImportFormat.CSV) == len(parsed)
    outcome = parsed[0][1]
    assert isinstance(outcome, RowError)
    assert outcome.row == 1
    assert outcome.field == field


@pytest.mark.parametrize(
    "cell", ["=1+1", "+33 1", "-", "@SUM(A1)", "\tx", "\rx", "'=1+1", "''=1", "it's", "'", "", "plain"]
)
def test_every_cell_the_export_writes_imports_back_as_itself(cell: str) -> None:
    written = neutralise(cell)
    assert not written.startswith(("=", "+", "-", "@", "\t", "\r"))  # no spreadsheet runs it
    assert unneutralise(written) == cell


def test_jsonl_rows_are_objects_checked_like_post() -> None:
    lines = [
        json.dumps({"title": "One", "tags": ["x"], "priority": "high"}),
        "",
        "not json",
        json.dumps(["a", "list"]),
        json.dumps({"title": "Two", "colour": "red"}),
        json.dumps({"title": 5}),
        json.dumps({"title": "Three", "due_at": "2026-05-01T10:00:00+02:00"}),
    ]
    parsed = dict(rows("\n".join(lines).encode(), ImportFormat.JSONL))
    assert list(parsed) == [1, 2, 3, 4, 5, 6]  # blank lines are not rows
    assert [type(outcome).__name__ for outcome in parsed.values()] == [
        "TaskDraft",
        "RowError",
        "RowError",
        "RowError",
        "RowError",
        "TaskDraft",
    ]
    assert isinstance(parsed[4], RowError)
    assert parsed[4].field == "colour"


async def test_an_import_creates_the_good_rows_and_reports_the_bad(world: World) -> None:
    data = _csv(3) + b",,todo,low,,[]\nFine,,nope,low,,[]\n"
    job = await world.imports.submit(ADA, data, ImportFormat.CSV, dry_run=False)
    assert job.state is JobState.QUEUED
    assert world.jobs.jobs == {f"import:{job.id}": (IMPORT_JOB, {"import_id": job.id})}
    await world.imports.run(job.id)
    done = await world.imports.get(ADA, job.id)
    assert (done.state, done.total, done.processed, done.created, done.failed) == (JobState.SUCCEEDED, 5, 5, 3, 2)
    assert [(e.row, e.field) for e in done.errors] == [(4, "title"), (5, "status")]
    assert await _titles(world, ADA) == ["Task 0", "Task 1", "Task 2"]
    assert await world.outbox.is_done(f"import:{job.id}")


async def test_running_an_import_again_creates_nothing_twice(world: World) -> None:
    job = await world.imports.submit(ADA, _csv(BATCH_ROWS + 20), ImportFormat.CSV, dry_run=False)
    await world.imports.run(job.id)
    await world.imports.run(job.id)  # arq may call a job twice
    assert len(await _titles(world, ADA)) == BATCH_ROWS + 20
    assert (await world.imports.get(ADA, job.id)).created == BATCH_ROWS + 20


async def test_a_run_cut_short_resumes_after_its_last_batch_and_counts_once(world: World) -> None:
    total = 2 * BATCH_ROWS + 7
    job = await world.imports.submit(ADA, _csv(total), ImportFormat.CSV, dry_run=False)
    failing = FailOnSecondBatch(world)
    with pytest.raises(UnavailableError):
        await world.imports.run(job.id)
    failing.restore()
    cut = await world.imports.get(ADA, job.id)
    assert (cut.state, cut.processed, cut.created) == (JobState.RUNNING, BATCH_ROWS, BATCH_ROWS)
    await world.imports.run(job.id)
    done = await world.imports.get(ADA, job.id)
    assert (done.state, done.processed, done.created) == (JobState.SUCCEEDED, total, total)
    assert len(await _titles(world, ADA)) == total


class FailOnSecondBatch:
    """The database goes away after the first batch is written (the fake's `add_many` raises)."""

    def __init__(self, world: World) -> None:
        self._tasks = world.tasks
        self._original = world.tasks.add_many
        self._calls = 0

        async def add_many(grant: Grant, tasks: list[Task]) -> None:
            self._calls += 1
            if self._calls == 2:
                raise UnavailableError
            await self._original(grant, tasks)

        world.tasks.add_many = add_many  # type: ignore[method-assign]

    def restore(self) -> None:
        self._tasks.add_many = self._original  # type: ignore[method-assign]


async def test_a_dry_run_checks_every_row_and_writes_none(world: World) -> None:
    job = await world.imports.submit(ADA, _csv(4) + b",,,,,\n", ImportFormat.CSV, dry_run=True)
    await world.imports.run(job.id)
    done = await world.imports.get(ADA, job.id)
    assert (done.state, done.created, done.failed) == (JobState.SUCCEEDED, 4, 1)
    assert await _titles(world, ADA) == []


async def test_limits_on_size_rows_and_imports_at_once(world: World) -> None:
    with pytest.raises(InvalidValueError, match="bytes"):
        await world.imports.submit(ADA, b"x" * 100_001, ImportFormat.CSV, dry_run=False)
    with pytest.raises(InvalidValueError, match="rows"):
        await world.imports.submit(ADA, _csv(2_001), ImportFormat.CSV, dry_run=False)
    await world.imports.submit(ADA, _csv(1), ImportFormat.CSV, dry_run=False)
    second = await world.imports.submit(ADA, _csv(1), ImportFormat.CSV, dry_run=False)
    with pytest.raises(TooManyRequestsError):
        await world.imports.submit(ADA, _csv(1), ImportFormat.CSV, dry_run=False)
    await world.imports.submit(BOB, _csv(1), ImportFormat.CSV, dry_run=False)  # per user
    await world.imports.run(second.id)
    await world.imports.submit(ADA, _csv(1), ImportFormat.CSV, dry_run=False)  # a slot is free again


async def test_another_users_job_is_not_found(world: World) -> None:
    job = await world.imports.submit(ADA, _csv(1), ImportFormat.CSV, dry_run=False)
    with pytest.raises(JobNotFoundError):
        await world.imports.get(BOB, job.id)
