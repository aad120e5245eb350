"""`X-Consistency-Token`: a write answers where it landed; a read that presents it sees it.

The server also remembers each user's last write (decision 0016), so the header matters
only to a client that hands it to another client, or that must not depend on Redis.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from litestar.datastructures import MutableScopeHeaders

from taskflow.adapters.consistency import WriteToken, request_tokens
from taskflow.adapters.http.problems import problem
from taskflow.adapters.http.signing import Signer

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from taskflow.adapters.http.state import AppState

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


class ConsistencyMiddleware:
    """Takes the token a request presents and answers the token of its writes.

    A presented token this API did not make is a 400: silently ignoring it would hide the
    client's bug until the one read where it mattered.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]  # Litestar's Scope union omits nothing we need
            await self.app(scope, receive, send)
            return
        codec = _state(scope).consistency_tokens
        header = dict(scope["headers"]).get(HEADER.lower().encode())
        presented = None
        if header is not None:
            presented = codec.decode(header.decode("latin-1"))
            if presented is None:
                raise problem(
                    HTTPStatus.BAD_REQUEST,
                    "invalid-consistency-token",
                    "The consistency token is not one this API handed out",
                    f"Send back the {HEADER} of an earlier answer unchanged, or leave the header out",
                )
        with request_tokens(presented) as tokens:

            async def send_with_token(message: Message) -> None:
                if message["type"] == "http.response.start" and tokens.written is not None:
                    MutableScopeHeaders.from_message(message)[HEADER] = codec.encode(tokens.written)
                await send(message)

            await self.app(scope, receive, send_with_token)


def _state(scope: Scope) -> AppState:
    state: AppState = scope["litestar_app"].state.taskflow
    return state
