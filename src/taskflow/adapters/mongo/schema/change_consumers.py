"""The `change_consumers` collection: each durable consumer's lease and checkpoint (issue 30)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beanie import Document

from taskflow.domain.changes.feed import FeedPosition


class ChangeConsumerDocument(Document):
    """`_id` is the consumer's name; `position` its checkpoint {time, increment, token}, none before its first run."""

    id: str  # type: ignore[assignment]  # the consumer's name, not Beanie's ObjectId
    holder: str
    lease_until: datetime
    position: dict[str, Any] | None = None

    class Settings:
        name = "change_consumers"


CHANGE_CONSUMERS = ChangeConsumerDocument.Settings.name


def position_to_document(position: FeedPosition) -> dict[str, Any]:
    return {"time": position.time, "increment": position.increment, "token": position.token}


def position_to_entity(stored: dict[str, Any] | None) -> FeedPosition | None:
    return None if stored is None else FeedPosition(**stored)
