"""Body field types that more than one feature takes or answers, with the domain's limits stated for the document."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

import msgspec

from taskflow.domain.values import (
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    NAME_MAX_LENGTH,
    PASSWORD_MAX_BYTES,
    WHITE_SPACE,
    UserId,
)

# Not blank: at least one character that is not white space (the domain's rule, stated).
NOT_BLANK: Final = rf"[^{WHITE_SPACE}]"
# The domain's rule, around which white space is trimmed (the domain trims it too).
EmailField = Annotated[
    str,
    msgspec.Meta(
        max_length=EMAIL_MAX_LENGTH,
        pattern=rf"^[{WHITE_SPACE}]*{EMAIL_PATTERN}[{WHITE_SPACE}]*$",
        examples=["ada@example.com"],
    ),
]
# Characters, not bytes: the byte limit is checked by the password policy before hashing.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=PASSWORD_MAX_BYTES)]
# A password being chosen. The policy's minimum length is configured
# (TASKFLOW_PASSWORD_MIN_LENGTH): the document states it from there (StrictStructSchemaPlugin).
NewPassword = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=PASSWORD_MAX_BYTES,
        description=f"At most {PASSWORD_MAX_BYTES} bytes as UTF-8, and not one of the most common passwords "
        "(checked by the server; a schema cannot say it).",
    ),
]
Name = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=NAME_MAX_LENGTH, pattern=NOT_BLANK, examples=["Ada Lovelace"]),
]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a time-zone offset")]


class ActorResponse(msgspec.Struct):
    """Who did something: their id and their name now."""

    id: str
    name: str

    @classmethod
    def of(cls, actor: UserId | None, names: dict[UserId, str]) -> ActorResponse | None:
        """None for the system, or for an account that no longer exists."""
        name = None if actor is None else names.get(actor)
        return None if actor is None or name is None else cls(actor.value, name)
