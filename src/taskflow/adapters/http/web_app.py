"""The web app at `/`: files shipped in the package, served under content-hashed names.

Nothing is built on the user's machine: at start-up each file gets a name with its
content's hash in it (a module's hash covers the hashed names it imports, so a change
anywhere renames every module that reaches it), is gzipped once, and is then served as
immutable for a year. The page itself is never stored, so a new release is picked up at
once and the back button after sign-out cannot show a stored copy. See decision 0036.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.router import Router
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from taskflow.adapters.http.edge.admission import PUBLIC

WEB_FILES: Final = Path(__file__).parent / "web"
ASSETS: Final = "/assets"
_IMPORT: Final = re.compile(r'(\bfrom\s*|\bimport\s*)"\./([\w-]+\.js)"')
_ASSET_REFERENCE: Final = re.compile(rf"{ASSETS}/([\w-]+\.\w+)")
_FOREVER: Final = "public, max-age=31536000, immutable"
# No inline script or style, no eval, no frames, nothing from another origin.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; manifest-src 'self'"
)
# Litestar adds `; charset=utf-8` to text types.
_MEDIA_TYPES: Final = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes
    media_type: str
    digest: str  # of the body: in the asset's name and its ETag

    @classmethod
    def of(cls, body: bytes, suffix: str) -> Asset:
        media_type = _MEDIA_TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
        digest = hashlib.sha256(body).hexdigest()[:12]
        return cls(body, gzip.compress(body, compresslevel=9, mtime=0), media_type, digest)

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


@dataclass(frozen=True, slots=True)
class WebApp:
    page: Asset
    assets: dict[str, Asset]  # by hashed name


@cache
def web_app(directory: Path = WEB_FILES) -> WebApp:
    """Every file of `directory`, hashed and compressed once per process."""
    hashed: dict[str, str] = {}  # plain name -> hashed name
    assets: dict[str, Asset] = {}

    def add(name: str) -> str:
        if name in hashed:
            return hashed[name]
        body = (directory / name).read_bytes()
        if name.endswith(".js"):
            text = _IMPORT.sub(lambda m: f'{m[1]}"./{add(m[2])}"', body.decode())
            body = text.encode()
        asset = Asset.of(body, Path(name).suffix)
        stem, _, suffix = name.rpartition(".")
        hashed[name] = f"{stem}.{asset.digest}.{suffix}"
        assets[hashed[name]] = asset
        return hashed[name]

    for path in sorted(directory.iterdir()):
        if path.is_file() and path.name != "index.html":
            add(path.name)
    page = _ASSET_REFERENCE.sub(lambda m: f"{ASSETS}/{hashed[m[1]]}", (directory / "index.html").read_text())
    return WebApp(page=Asset.of(page.encode(), ".html"), assets=assets)


def _respond(request: Request[Any, Any, Any], asset: Asset, cache_control: str, **headers: str) -> Response[bytes]:
    shared = {"cache-control": cache_control, "etag": asset.etag, "vary": "accept-encoding", **headers}
    if request.headers.get("if-none-match") == asset.etag:
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=shared)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(asset.gzipped, media_type=asset.media_type, headers={**shared, "content-encoding": "gzip"})
    return Response(asset.body, media_type=asset.media_type, headers=shared)


@get("/", include_in_schema=False, sync_to_thread=False)
def page(request: Request[Any, Any, Any]) -> Response[bytes]:
    return _respond(request, web_app().page, "no-store", **{"content-security-policy": CONTENT_SECURITY_POLICY})


@get(f"{ASSETS}/{{name:str}}", include_in_schema=False, sync_to_thread=False)
def asset(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[bytes]:
    found = web_app().assets.get(name)
    if found is None:
        msg = f"No asset {name!r}: the page may be older than this release; reload it"
        raise NotFoundException(msg)
    return _respond(request, found, _FOREVER)


def web_app_router() -> Router:
    web_app()  # read, hashed and compressed at start-up: a missing file stops the process, not a request
    return Router("/", route_handlers=[page, asset], opt={PUBLIC: True}, include_in_schema=False)
