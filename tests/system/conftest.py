"""The system tests' clean-up: whatever a test started is gone after it."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.system.devstack import alive, descendants


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    before = descendants(os.getpid())  # the session's own servers, which later tests still use
    yield tmp_path
    for pid in descendants(os.getpid()) - before:  # belt and braces: never leave a server behind
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
