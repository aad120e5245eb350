"""Access tokens as JWTs (RFC 9068 profile), HS256 pinned, every claim required."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Final

import jwt
from cachetools import TLRUCache

from taskflow.domain.errors import InvalidTokenError, InvalidValueError
from taskflow.domain.ports.security import AccessToken, TokenClaims, TokenIssuer
from taskflow.domain.values import SessionId, UserId

ALGORITHM: Final = "HS256"
TOKEN_TYPE: Final = "at+jwt"  # noqa: S105 - RFC 9068 §2.1 media type, not a secret
LEEWAY_SECONDS: Final = 30
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_REQUIRED: Final = ["exp", "iat", "nbf", "sub", "sid", "jti", "iss", "aud"]
VERIFIED_TOKENS_KEPT: Final = 4096
"""Per process; a client sends its token many times in its 15 minutes, and each is verified once."""


def _kept_until(_token: str, claims: TokenClaims, _now: float) -> float:
    return claims.expires_at.timestamp() + LEEWAY_SECONDS


class JwtTokenIssuer(TokenIssuer):
    """Only HS256 is accepted, whatever the token's header says.

    A token verified once is remembered until it expires (bounded, least recently used
    first out), so a repeated token is not HMAC-checked and parsed again. Only genuine
    tokens are kept: a flood of forged ones costs their verification and fills nothing.
    """

    def __init__(self, *, secret: str, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._ttl = timedelta(seconds=ttl_seconds)
        self._verified: TLRUCache[str, TokenClaims] = TLRUCache(
            maxsize=VERIFIED_TOKENS_KEPT, ttu=_kept_until, timer=time.time
        )

    def issue(self, subject: UserId, session_id: SessionId, *, now: datetime) -> AccessToken:
        # `iat` to the millisecond (a NumericDate may have a fraction, RFC 7519 §2), so a
        # token issued just after a revocation cut-off in the same second still counts.
        issued_ms = int(now.timestamp() * 1000)
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject.value,
            "sid": session_id.value,
            "jti": uuid.uuid4().hex,
            "iat": issued_ms / 1000,
            "nbf": issued_ms // 1000,
            "exp": now + self._ttl,
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE})
        return AccessToken(token=token, expires_in=int(self._ttl.total_seconds()))

    def verify(self, token: str) -> TokenClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verified[token] = self._verify(token)
        return claims

    def _verify(self, token: str) -> TokenClaims:
        try:
            verified = jwt.decode_complete(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": _REQUIRED},
            )
            if verified["header"].get("typ") != TOKEN_TYPE:
                raise InvalidTokenError
            claims = verified["payload"]
            issued_ms = round(float(claims["iat"]) * 1000)
            return TokenClaims(
                subject=UserId(str(claims["sub"])),
                session_id=SessionId(str(claims["sid"])),
                token_id=str(claims["jti"]),
                issued_at=_EPOCH + timedelta(milliseconds=issued_ms),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
            )
        except (jwt.PyJWTError, InvalidValueError, ValueError, TypeError):
            raise InvalidTokenError from None
