"""Who may see a task where it is: one rule, for the live stream now and for every reaction to a change next."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Set as AbstractSet

    from taskflow.domain.changes.feed import Place
    from taskflow.domain.values import ProjectId, UserId


def sees(viewer: UserId, projects: AbstractSet[ProjectId], place: Place | None) -> bool:
    """A task in someone's own place is theirs alone; a project's is every member's; nowhere (deleted) nobody's.

    `projects`: the projects `viewer` is in, as of the change being judged.
    """
    if place is None:
        return False
    if place.project is None:
        return place.space == viewer
    return place.project in projects
