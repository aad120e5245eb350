"""A typed client generated from `/openapi.json` (openapi-python-client, pinned) drives the API.

What a REST client's author does first: generate a client, then register, sign in, create,
list with a filter and a cursor, change a task with `If-Match`, and read the errors as
typed problems.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from taskflow.settings import Settings
from tests.api.conftest import PASSWORD, api_processes

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture
def api_url(settings: Settings) -> Iterator[str]:
    with api_processes(settings, count=1) as (url,):
        yield url


def _generate(url: str, into: Path) -> str:
    """The client package, generated as its README says; its import name."""
    generated = subprocess.run(  # noqa: S603 - the pinned generator with our own arguments
        [str(GENERATOR), "generate", "--url", f"{url}/openapi.json", "--meta", "none", "--output-path",
         str(into / "taskflow_client")],
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"},  # its ruff
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # The one operation it cannot generate: the import's body is a CSV or JSON-lines file.
    warnings = [line for line in (generated.stdout + generated.stderr).splitlines() if line.startswith("WARNING")]
    assert warnings == ["WARNING parsing POST /api/v1/tasks/import within tasks. Endpoint will not be generated."]
    return "taskflow_client"


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_a_generated_client_registers_lists_with_a_cursor_and_reads_typed_problems(
    api_url: str, tmp_path: Path
) -> None:
    package = _generate(api_url, tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        client_module, models = _module(package), _module(f"{package}.models")

        def call(operation: str, **kwargs: Any) -> Any:
            return _module(f"{package}.api.{operation}").sync_detailed(**kwargs)

        anonymous = client_module.Client(base_url=api_url)
        email = f"generated-{tmp_path.name}@example.com"
        registered = call(
            "auth.register", client=anonymous, body=models.RegisterRequest(email=email, password=PASSWORD, name="Gen")
        )
        assert registered.status_code == 201
        assert isinstance(registered.parsed, models.UserResponse)
        tokens = call("auth.login", client=anonymous, body=models.LoginRequest(email=email, password=PASSWORD)).parsed
        assert isinstance(tokens, models.TokenResponse)
        client = client_module.AuthenticatedClient(base_url=api_url, token=tokens.access_token)

        for n in range(3):
            body = models.TaskCreate(title=f"Task {n}", priority=models.Priority.HIGH if n else models.Priority.LOW)
            created = call("tasks.create_task", client=client, body=body)
            assert created.status_code == 201
            assert isinstance(created.parsed, models.TaskResponse)
        first = call("tasks.list_tasks", client=client, priority=[models.Priority.HIGH], limit=1).parsed
        assert isinstance(first, models.TaskPageResponse)
        assert first.next_cursor
        second = call(
            "tasks.list_tasks", client=client, priority=[models.Priority.HIGH], limit=1, cursor=first.next_cursor
        ).parsed
        assert isinstance(second, models.TaskPageResponse)
        assert [t.title for t in first.items + second.items] == ["Task 2", "Task 1"]
        assert second.next_cursor is None

        task = first.items[0]
        changed = call(
            "tasks.update_task",
            client=client,
            task_id=task.id,
            body=models.TaskPatch(status=models.TaskStatus.DONE),
            if_match=f'"{task.version}"',
        )
        assert changed.status_code == 200
        assert changed.parsed.status == models.TaskStatus.DONE
        stale = call(
            "tasks.update_task", client=client, task_id=task.id, body=models.TaskPatch(title="again"),
            if_match=f'"{task.version}"',
        )  # fmt: skip
        assert stale.status_code == 412
        assert isinstance(stale.parsed, models.Problem)
        assert stale.parsed.type_.endswith("/precondition-failed")
        refused = call("tasks.create_task", client=client, body=models.TaskCreate(title=" "))
        assert refused.status_code == 422
        assert isinstance(refused.parsed, models.Problem)
        assert refused.parsed.errors[0].field == "title"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
            del sys.modules[name]
