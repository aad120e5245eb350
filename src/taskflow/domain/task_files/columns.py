"""The task file, both ways: the export writes these columns and the import reads them back.

Decision 0013. A CSV cell a spreadsheet would run as a formula (starting with `=`, `+`,
`-`, `@`, tab or carriage return) is written with a leading `'` (OWASP's CSV-injection
advice), and read back without it, so every cell survives the round trip.
"""

from __future__ import annotations

import re
from typing import Final

COLUMNS: Final = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "due_at",
    "tags",
    "created_at",
    "updated_at",
    "completed_at",
    "version",
)
IMPORTED: Final = ("title", "description", "status", "priority", "due_at", "tags")
"""What an import takes from a row; the other columns are the stored task's own (an import makes new tasks)."""
IGNORED: Final = frozenset(COLUMNS) - frozenset(IMPORTED)

# A formula's first character, after any quotes: `'=x` is written `''=x`, so that reading
# takes one quote off every cell that starts with quotes and then one of these.
_LIKE_A_FORMULA: Final = re.compile(r"'*[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    return "'" + cell if _LIKE_A_FORMULA.match(cell) else cell


def unneutralise(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _LIKE_A_FORMULA.match(cell, 1) else cell
