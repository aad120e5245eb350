"""The system clock, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from taskflow.domain.ports.time_and_ids import Clock


class SystemClock(Clock):
    """MongoDB keeps milliseconds, so the clock does too: what is stored is what was returned."""

    def now(self) -> datetime:
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)
