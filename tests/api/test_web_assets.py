"""The web app's files as the server sends them: hashed names, compression, caching, CSP."""

from __future__ import annotations

import re

import httpx

from taskflow.adapters.http.web_app import WEB_FILES
from tests.api.conftest import assert_problem

ASSET = re.compile(r'(?:href|src)="(/assets/([\w-]+)\.([0-9a-f]{12})\.(\w+))"')


async def test_the_page_is_never_stored_and_forbids_inline_script_and_framing(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store"
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'none'"
    assert "unsafe" not in page.headers["content-security-policy"]
    assert "<script>" not in page.text
    assert " style=" not in page.text
    assert " on" not in re.sub(r'"[^"]*"', "", page.text)  # no inline handler attribute anywhere
    assert "http://" not in page.text
    assert "https://" not in page.text  # nothing from another origin


async def test_every_asset_has_its_hash_in_its_name_is_gzipped_and_cached_for_a_year(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    found = ASSET.findall(page)
    names = {f"{stem}.{suffix}" for _, stem, _, suffix in found}
    assert {"app.js", "app.css", "api.js", "live.js", "tasks.js", "icon.svg"} <= names
    for url, stem, _, suffix in found:
        plain = await client.get(url, headers={"Accept-Encoding": "identity"})
        packed = await client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert plain.status_code == packed.status_code == 200, url
        assert plain.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["vary"] == "accept-encoding"
        assert int(packed.headers["content-length"]) < int(plain.headers["content-length"]), url
        shipped = (WEB_FILES / f"{stem}.{suffix}").read_bytes()
        if suffix != "js":  # modules import each other by hashed name: only those names differ
            assert plain.content == shipped
        again = await client.get(url, headers={"If-None-Match": plain.headers["etag"]})
        assert again.status_code == 304
    app = (await client.get(next(url for url, stem, _, suffix in found if (stem, suffix) == ("app", "js")))).text
    assert re.search(r'from "\./api\.[0-9a-f]{12}\.js"', app)  # its imports name hashed files too


async def test_an_unknown_or_old_asset_is_a_404_problem(client: httpx.AsyncClient) -> None:
    for url in ("/assets/app.000000000000.js", "/assets/app.js", "/assets/..%2Fweb_app.py", "/assets/index.html"):
        assert_problem(await client.get(url), 404)


async def test_the_openapi_document_and_docs_ui_stay_where_clients_look_for_them(client: httpx.AsyncClient) -> None:
    document = await client.get("/openapi.json")
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.1")
    assert "/" not in document.json()["paths"]
    assert (await client.get("/docs/openapi.json")).json() == document.json()
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
