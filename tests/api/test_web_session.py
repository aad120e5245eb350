"""The web page's sign-in: the session in an HttpOnly, SameSite=Strict cookie, spent only from taskflow's own page."""

from __future__ import annotations

import httpx
import pytest

from taskflow.entrypoints.processes import Child
from tests.api.conftest import PASSWORD, Register, new_account, serve
from tests.conftest import make_settings

WEB = "/api/v1/auth/web"
OWN_PAGE = {"X-Taskflow-Web": "1"}


def _with_cookie(value: str) -> dict[str, str]:
    """The page's request: its header, and the cookie as the browser sends it."""
    return {**OWN_PAGE, "Cookie": f"taskflow_session={value}"}


def _set_cookie(response: httpx.Response) -> str:
    (header,) = response.headers.get_list("set-cookie")
    return header


def _cookie_value(response: httpx.Response) -> str:
    return _set_cookie(response).split(";", 1)[0].split("=", 1)[1]


async def test_a_page_signs_in_trades_its_cookie_and_signs_out(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    login = await client.post(f"{WEB}/login", json={"email": ada.email, "password": PASSWORD}, headers=OWN_PAGE)
    assert login.status_code == 200, login.text
    assert set(login.json()) == {"access_token", "expires_in", "token_type"}  # no refresh token for script to keep
    cookie = _set_cookie(login)
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", f"path={WEB}"} <= attributes
    assert "secure" not in attributes  # plain http here; over https the cookie is Secure
    assert login.headers["cache-control"] == "no-store"
    first = _cookie_value(login)
    me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert me.status_code == 200

    traded = await client.post(f"{WEB}/token", headers=_with_cookie(first))
    assert traded.status_code == 200, traded.text
    second = _cookie_value(traded)
    assert second != first  # it rotates
    access = {"Authorization": f"Bearer {traded.json()['access_token']}"}
    assert (await client.get("/api/v1/users/me", headers=access)).status_code == 200

    out = await client.post(f"{WEB}/logout", headers=_with_cookie(second))
    assert out.status_code == 204
    assert "max-age=0" in _set_cookie(out).lower()
    # The session ended on the server: its cookie trades for nothing (and is cleared), its access token works no more.
    again = await client.post(f"{WEB}/token", headers=_with_cookie(second))
    assert again.status_code == 204
    assert "max-age=0" in _set_cookie(again).lower()
    assert (await client.get("/api/v1/users/me", headers=access)).status_code == 401


async def test_a_spent_cookie_ends_the_session(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    login = await client.post(f"{WEB}/login", json={"email": ada.email, "password": PASSWORD}, headers=OWN_PAGE)
    first = _cookie_value(login)
    traded = await client.post(f"{WEB}/token", headers=_with_cookie(first))
    stolen = await client.post(f"{WEB}/token", headers=_with_cookie(first))
    assert stolen.status_code == 204  # no session for this cookie
    assert stolen.content == b""
    current = await client.post(f"{WEB}/token", headers=_with_cookie(_cookie_value(traded)))
    assert current.status_code == 204  # reuse of a spent one ended the whole session


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 400),  # no X-Taskflow-Web: a plain form post or a cross-site fetch without a CORS grant
        ({**OWN_PAGE, "Origin": "https://evil.example"}, 403),
        ({**OWN_PAGE, "Sec-Fetch-Site": "cross-site"}, 403),
        ({**OWN_PAGE, "Sec-Fetch-Site": "same-site"}, 403),
    ],
)
async def test_the_cookie_is_not_spent_from_another_site(
    client: httpx.AsyncClient, register: Register, headers: dict[str, str], status: int
) -> None:
    ada = await register()
    login = await client.post(f"{WEB}/login", json={"email": ada.email, "password": PASSWORD}, headers=OWN_PAGE)
    cookie = f"taskflow_session={_cookie_value(login)}"
    for route in ("token", "logout"):
        refused = await client.post(f"{WEB}/{route}", headers={**headers, "Cookie": cookie})
        assert refused.status_code == status, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "set-cookie" not in refused.headers
    if status == 403:
        assert refused.json()["type"].endswith("/cross-site-request")
    # Nothing was spent: the page itself still trades it.
    assert (await client.post(f"{WEB}/token", headers={**OWN_PAGE, "Cookie": cookie})).status_code == 200


async def test_the_page_from_its_own_origin_is_let_through(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    origin = str(client.base_url).rstrip("/")
    own = {**OWN_PAGE, "Origin": origin, "Sec-Fetch-Site": "same-origin"}
    login = await client.post(f"{WEB}/login", json={"email": ada.email, "password": PASSWORD}, headers=own)
    assert login.status_code == 200, login.text


async def test_without_a_cookie_or_with_a_wrong_password(client: httpx.AsyncClient, register: Register) -> None:
    """A signed-out page asks for its session first: no session is an answer (204), not a failure."""
    ada = await register()
    none = await client.post(f"{WEB}/token", headers=OWN_PAGE)
    assert (none.status_code, none.content) == (204, b"")
    assert "set-cookie" not in none.headers
    garbage = await client.post(f"{WEB}/token", headers=_with_cookie("nope"))
    assert garbage.status_code == 204
    assert "max-age=0" in _set_cookie(garbage).lower()  # cleared: the next visit sends none
    wrong = await client.post(f"{WEB}/login", json={"email": ada.email, "password": "x" * 20}, headers=OWN_PAGE)
    assert wrong.status_code == 401
    assert "set-cookie" not in wrong.headers
    assert (await client.post(f"{WEB}/logout", headers=OWN_PAGE)).status_code == 204


async def test_the_cookie_is_secure_when_a_trusted_proxy_says_the_client_came_over_https(
    client: httpx.AsyncClient, register: Register, mongodb: Child, redis_server: Child
) -> None:
    told = {**OWN_PAGE, "X-Forwarded-Proto": "https"}
    # Nobody is trusted here: a client cannot make itself look secure.
    ada = await register()
    untrusted = await client.post(f"{WEB}/login", json={"email": ada.email, "password": PASSWORD}, headers=told)
    assert "secure" not in _set_cookie(untrusted).lower()
    settings = make_settings(mongodb, redis_server, trusted_proxies=("127.0.0.1",))
    async with serve(settings) as url, httpx.AsyncClient(base_url=url, timeout=10) as behind_proxy:
        grace = await new_account(behind_proxy)
        credentials = {"email": grace.email, "password": PASSWORD}
        proxied = await behind_proxy.post(f"{WEB}/login", json=credentials, headers=told)
        assert proxied.status_code == 200, proxied.text
        assert "secure" in {part.strip().lower() for part in _set_cookie(proxied).split(";")}
        plain = await behind_proxy.post(f"{WEB}/login", json=credentials, headers=OWN_PAGE)
        assert "secure" not in _set_cookie(plain).lower()
