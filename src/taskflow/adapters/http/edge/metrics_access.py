"""Who may read `/metrics`: the allowed client addresses, or whoever presents the scrape token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskflow.adapters.http.edge.client_addresses import Networks


@dataclass(frozen=True, slots=True)
class MetricsAccess:
    """Who may scrape: a client address in `allowed` (`TASKFLOW_METRICS_ALLOWED`), or whoever sends the token.

    The address is the client's as the trusted proxies tell it, so behind HAProxy a public
    client is judged by its own address, not HAProxy's.
    """

    allowed: Networks
    token: str

    def admits(self, address: str, authorization: str) -> bool:
        if address in self.allowed:
            return True
        scheme, _, presented = authorization.partition(" ")
        return bool(self.token) and scheme.lower() == "bearer" and hmac.compare_digest(presented, self.token)
