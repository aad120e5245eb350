"""A document as PyMongo hands it over and takes it.

Repositories map raw BSON to entities by hand: Beanie binds each document class to one
client for the whole process, and pydantic validation would double the hot path's cost.
The Beanie classes in `documents` stay the declared schema; a test checks the two agree.
"""

from typing import Any

Raw = dict[str, Any]
