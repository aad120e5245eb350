"""Security events as warning-level log lines under one logger, easy to alert on."""

from __future__ import annotations

import structlog

from taskflow.domain.ports.security import SecurityLog

log = structlog.get_logger("taskflow.security")


class StructlogSecurityLog(SecurityLog):
    def record(self, event: str, **fields: str) -> None:
        log.warning(event, security_event=True, **fields)
