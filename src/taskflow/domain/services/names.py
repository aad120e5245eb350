"""People's names as they are now, for pages that show who did something."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from taskflow.domain.ports.accounts import UserRepository
    from taskflow.domain.values import UserId


async def names_of(users: UserRepository, people: Iterable[UserId | None]) -> dict[UserId, str]:
    """Those with an account (an erased one is nobody's name any more); one look-up, none for nobody."""
    wanted = list({person for person in people if person is not None})
    return await users.names(wanted) if wanted else {}
