"""The arrows point inward: import-linter's contracts from pyproject.toml hold."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp

import taskflow
from taskflow.domain.errors import TaskflowError

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603 - our own tool
    assert result.returncode == 0, result.stdout + result.stderr
    assert "9 kept, 0 broken" in result.stdout


def test_no_module_imports_itself_by_a_detour() -> None:
    """No import cycles, those only for type checking included: each room reads on its own."""
    graph = grimp.build_graph("taskflow", cache_dir=None)
    cycles = sorted(
        f"{importer} -> {' -> '.join(chain[1:])}"
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if (chain := graph.find_shortest_chain(imported, importer)) is not None
    )
    assert cycles == []


def test_every_problem_type_is_declared_in_domain_errors() -> None:
    """A client's vocabulary of problem types has one owner: a class with its own `code` lives there."""
    for module in pkgutil.walk_packages(taskflow.__path__, "taskflow."):
        importlib.import_module(module.name)
    pending, elsewhere = [TaskflowError], []
    while pending:
        error = pending.pop()
        pending += error.__subclasses__()
        if "code" in vars(error) and error.__module__ != "taskflow.domain.errors":
            elsewhere.append(f"{error.__module__}.{error.__qualname__}")
    assert elsewhere == []
