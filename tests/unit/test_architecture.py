"""The arrows point inward: import-linter's contracts from pyproject.toml hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603 - our own tool
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


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
