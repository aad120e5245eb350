"""The PyJWT adapter refuses anything but a genuine, current HS256 access token."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from taskflow.adapters.security.tokens import LEEWAY_SECONDS, JwtTokenIssuer
from taskflow.domain.errors import InvalidTokenError
from taskflow.domain.values import SessionId, UserId

SECRET = "k" * 40
ADA = UserId("a" * 24)
SESSION = SessionId("5" * 32)
ISSUER = JwtTokenIssuer(secret=SECRET, issuer="taskflow", audience="taskflow-api", ttl_seconds=900)


def _claims(now: datetime, **overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "iss": "taskflow",
        "aud": "taskflow-api",
        "sub": ADA.value,
        "sid": SESSION.value,
        "jti": "j1",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=15),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def test_an_issued_token_verifies_with_its_claims() -> None:
    now = datetime.now(UTC).replace(microsecond=123_456)
    grant = ISSUER.issue(ADA, SESSION, now=now)
    claims = ISSUER.verify(grant.token)
    assert claims.subject == ADA
    assert claims.session_id == SESSION
    assert claims.issued_at == now.replace(microsecond=123_000)  # to the millisecond, rounded down
    assert claims.expires_at == now.replace(microsecond=0) + timedelta(seconds=900)
    assert jwt.get_unverified_header(grant.token) == {"alg": "HS256", "typ": "at+jwt"}


def _unsigned(header: dict[str, str], payload: dict[str, object]) -> str:
    def part(value: dict[str, object] | dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, default=str).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(payload)}."


@pytest.mark.parametrize(
    "make",
    [
        lambda now: jwt.encode(_claims(now), SECRET, algorithm="HS256"),  # no typ
        lambda now: jwt.encode(_claims(now), SECRET, algorithm="HS256", headers={"typ": "JWT"}),
        lambda now: jwt.encode(_claims(now), SECRET, algorithm="HS512", headers={"typ": "at+jwt"}),
        lambda now: jwt.encode(_claims(now), "other" * 10, algorithm="HS256", headers={"typ": "at+jwt"}),
        lambda now: jwt.encode(_claims(now, aud="someone-else"), SECRET, algorithm="HS256", headers={"typ": "at+jwt"}),
        lambda now: jwt.encode(_claims(now, iss="evil"), SECRET, algorithm="HS256", headers={"typ": "at+jwt"}),
        lambda now: jwt.encode(_claims(now, jti=None), SECRET, algorithm="HS256", headers={"typ": "at+jwt"}),
        lambda now: jwt.encode(_claims(now, sid=None), SECRET, algorithm="HS256", headers={"typ": "at+jwt"}),
        lambda now: jwt.encode(
            _claims(now, exp=now - timedelta(minutes=5)), SECRET, algorithm="HS256", headers={"typ": "at+jwt"}
        ),
        lambda now: jwt.encode(
            _claims(now, nbf=now + timedelta(minutes=5)), SECRET, algorithm="HS256", headers={"typ": "at+jwt"}
        ),
        lambda now: jwt.encode(_claims(now, sub="not-an-id"), SECRET, algorithm="HS256", headers={"typ": "at+jwt"}),
        lambda _: _unsigned({"alg": "none", "typ": "at+jwt"}, {"sub": ADA.value}),
        lambda _: _unsigned({"alg": "NoNe", "typ": "at+jwt"}, {"sub": ADA.value}),
        lambda _: "not.a.token",
        lambda _: "",
    ],
    ids=[
        "no-typ",
        "wrong-typ",
        "other-alg",
        "other-key",
        "wrong-aud",
        "wrong-iss",
        "no-jti",
        "no-sid",
        "expired",
        "not-yet-valid",
        "bad-subject",
        "alg-none",
        "alg-none-mixed-case",
        "garbage",
        "empty",
    ],
)
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the HS512 case signs with our key
def test_anything_else_is_an_invalid_token(make: object) -> None:
    token = make(datetime.now(UTC))  # type: ignore[operator]  # parametrised factories
    with pytest.raises(InvalidTokenError):
        ISSUER.verify(token)


def test_a_verified_token_is_remembered_until_it_expires_and_not_after() -> None:
    issuer = JwtTokenIssuer(secret=SECRET, issuer="taskflow", audience="taskflow-api", ttl_seconds=900)
    now = datetime.now(UTC)
    # Past `exp` but within the leeway: valid for about one more second.
    token = jwt.encode(
        _claims(now, exp=now - timedelta(seconds=LEEWAY_SECONDS - 1)),
        SECRET,
        algorithm="HS256",
        headers={"typ": "at+jwt"},
    )
    first = issuer.verify(token)
    assert issuer.verify(token) is first  # remembered, not decoded again
    time.sleep(1.2)
    with pytest.raises(InvalidTokenError):
        issuer.verify(token)


def test_a_forged_token_is_refused_every_time() -> None:
    issuer = JwtTokenIssuer(secret=SECRET, issuer="taskflow", audience="taskflow-api", ttl_seconds=900)
    genuine = issuer.issue(ADA, SESSION, now=datetime.now(UTC)).token
    forged = jwt.encode(_claims(datetime.now(UTC)), "x" * 40, algorithm="HS256", headers={"typ": "at+jwt"})
    assert issuer.verify(genuine)
    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            issuer.verify(forged)
