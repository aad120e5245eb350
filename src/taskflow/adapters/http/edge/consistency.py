"""`X-Consistency-Token`: a write answers where it landed; a read that presents it sees it.

The server also remembers each user's last write (decision 0016), so the header matters
only to a client that hands it to another client, or that must not depend on Redis.
"""

from __future__ import annotations

from typing import Final

from taskflow.adapters.http.edge.signing import Signer
from taskflow.adapters.stores.tasks.consistency import WriteToken

HEADER: Final = "X-Consistency-Token"
MAX_LENGTH: Final = 1024


class ConsistencyTokens:
    """Signed, so a client cannot make the database wait on a cluster time it invented."""

    def __init__(self, secret: str) -> None:
        self._signer = Signer(secret, b"taskflow consistency token v1")

    def encode(self, token: WriteToken) -> str:
        return self._signer.sign(token.to_bytes())

    def decode(self, text: str) -> WriteToken | None:
        raw = self._signer.open(text) if len(text) <= MAX_LENGTH else None
        return None if raw is None else WriteToken.from_bytes(raw)
