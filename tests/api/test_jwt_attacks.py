"""Forged and doctored access tokens against the running API: each one is a 401.

A control token, signed the way the server signs, is accepted: so each refusal below is
about the one thing the case changes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.api.conftest import Account, Register, assert_problem
from tests.conftest import TEST_JWT_SECRET

ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_PUBLIC_PEM = ATTACKER_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def _claims(account: Account, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": "taskflow",
        "aud": "taskflow-api",
        "sub": account.id,
        "sid": account.refresh_token.split(".")[0],
        "jti": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _sign(claims: dict[str, Any], *, key: Any = TEST_JWT_SECRET, alg: str = "HS256", **header: Any) -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"typ": "at+jwt", **header})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    body = json.dumps(claims, default=lambda moment: int(moment.timestamp())).encode()
    return f"{_b64(json.dumps(header).encode())}.{_b64(body)}."


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})


def _assert_refused(response: httpx.Response) -> None:
    assert_problem(response, 401, "invalid-token")
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_the_control_token_signed_like_the_server_is_accepted(
    client: httpx.AsyncClient, register: Register
) -> None:
    account = await register()
    response = await _me(client, _sign(_claims(account)))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == account.id


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_alg_none_in_any_case_is_refused(client: httpx.AsyncClient, register: Register, alg: str) -> None:
    account = await register()
    _assert_refused(await _me(client, _unsigned({"alg": alg, "typ": "at+jwt"}, _claims(account))))


async def test_hs_rs_confusion_is_refused(client: httpx.AsyncClient, register: Register) -> None:
    account = await register()
    # An RS256 token signed with the attacker's private key...
    _assert_refused(await _me(client, _sign(_claims(account), key=ATTACKER_KEY, alg="RS256")))
    # ...and the classic confusion: HS256 keyed with a public key the attacker knows.
    # PyJWT's encode refuses a PEM as an HMAC secret, so sign with the bare algorithm.
    hmac_alg = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256)
    signing_input = ".".join(
        [
            _b64(json.dumps({"alg": "HS256", "typ": "at+jwt"}).encode()),
            _b64(json.dumps(_claims(account), default=lambda moment: int(moment.timestamp())).encode()),
        ]
    )
    signature = hmac_alg.sign(signing_input.encode(), ATTACKER_PUBLIC_PEM)
    _assert_refused(await _me(client, f"{signing_input}.{_b64(signature)}"))


async def test_tampered_signature_and_payload_are_refused(client: httpx.AsyncClient, register: Register) -> None:
    account, other = await register(), await register()
    header, payload, signature = account.token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    _assert_refused(await _me(client, f"{header}.{payload}.{flipped}"))
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = other.id
    _assert_refused(await _me(client, f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"))


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": timedelta(minutes=-2)},  # from the time the test runs, not the time it was collected
        {"nbf": timedelta(minutes=2)},
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        *({name: None} for name in ("exp", "iat", "nbf", "sub", "sid", "jti", "iss", "aud")),
    ],
    ids=[
        "expired",
        "not-yet-valid",
        "wrong-aud",
        "wrong-iss",
        *(f"missing-{name}" for name in ("exp", "iat", "nbf", "sub", "sid", "jti", "iss", "aud")),
    ],
)
async def test_claims_out_of_bounds_are_refused(
    client: httpx.AsyncClient, register: Register, changes: dict[str, Any]
) -> None:
    account = await register()
    now = datetime.now(UTC)
    changes = {name: now + value if isinstance(value, timedelta) else value for name, value in changes.items()}
    _assert_refused(await _me(client, _sign(_claims(account, **changes))))


async def test_a_token_without_the_access_token_type_is_refused(client: httpx.AsyncClient, register: Register) -> None:
    account = await register()
    token = jwt.encode(_claims(account), TEST_JWT_SECRET, algorithm="HS256", headers={"typ": "JWT"})
    _assert_refused(await _me(client, token))


@pytest.fixture
async def key_server() -> AsyncIterator[tuple[str, list[object]]]:
    """A local listener a hostile header points at; it records every connection."""
    connections: list[object] = []

    async def handle(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername"))  # recorded on accept
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        server.close()
        await server.wait_closed()


async def test_hostile_key_headers_are_ignored_and_fetch_nothing(
    client: httpx.AsyncClient, register: Register, key_server: tuple[str, list[object]]
) -> None:
    account = await register()
    url, connections = key_server
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(ATTACKER_KEY.public_key()))
    attempts = [
        _sign(_claims(account), key=ATTACKER_KEY, alg="RS256", jku=f"{url}/jwks.json"),
        _sign(_claims(account), key=ATTACKER_KEY, alg="RS256", x5u=f"{url}/cert.pem"),
        _sign(_claims(account), key=ATTACKER_KEY, alg="RS256", jwk=public_jwk),
        _sign(_claims(account), key="attacker secret, 32 bytes or more!!", kid="../../../../dev/null"),
        _sign(_claims(account), key="attacker secret, 32 bytes or more!!", kid="' OR '1'='1"),
        _sign(_claims(account), key="attacker secret, 32 bytes or more!!", jku=f"{url}/jwks.json"),
    ]
    for token in attempts:
        _assert_refused(await _me(client, token))
    # The API runs in this event loop: a fetch would have been accepted before the 401 came back.
    assert connections == []
