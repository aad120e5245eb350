"""OpenAPI 3.1 at /openapi.json and Swagger UI at /docs, with every asset served locally.

Litestar's OpenAPI router lives under /docs, since its default page would otherwise take
`/`, which is the web app's; /openapi.json serves the same document as /docs/openapi.json.

Litestar's default page loads Swagger UI from a CDN, which fails offline. The assets come
from the `flask-openapi3-swagger` wheel (Swagger UI 5, which renders OpenAPI 3.1), served
under /docs/assets. Only its files are used; its package is never imported.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any, Final

from litestar import Litestar, Request, get
from litestar.enums import OpenAPIMediaType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme
from litestar.router import Router
from litestar.serialization import encode_json
from litestar.static_files import create_static_files_router

import taskflow

DOCS: Final = "/docs"
ASSETS: Final = f"{DOCS}/assets"
TOKEN_URL: Final = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret


def openapi_config() -> OpenAPIConfig:
    swagger = SwaggerRenderPlugin(
        path="/",
        js_url=f"{ASSETS}/js/swagger-ui-bundle.js",
        css_url=f"{ASSETS}/css/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS}/js/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/svg+xml' href='{ASSETS}/images/swagger.svg'>",
    )
    return OpenAPIConfig(
        title="taskflow",
        version=taskflow.__version__,
        description="Multi-user task management. Authorize with your e-mail as username.",
        path=DOCS,
        render_plugins=[swagger],  # Litestar adds the JSON document at /docs/openapi.json
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="oauth2",
                    description="Access token from /api/v1/auth/login or the password grant.",
                    flows=OAuthFlows(password=OAuthFlow(token_url=TOKEN_URL, scopes={})),
                ),
            },
        ),
    )


def _swagger_ui_directory() -> Path:
    spec = importlib.util.find_spec("flask_openapi3_swagger")
    if spec is None or not spec.submodule_search_locations:
        msg = "flask-openapi3-swagger is not installed; the docs UI has no assets"
        raise RuntimeError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "templates" / "swagger"


def docs_assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS,
        directories=[_swagger_ui_directory()],
        include_in_schema=False,
        opt={"public": True},
    )


@get("/openapi.json", include_in_schema=False, media_type=OpenAPIMediaType.OPENAPI_JSON, sync_to_thread=False)
def openapi_document(request: Request[Any, Any, Any]) -> bytes:
    """Where clients and generators have always fetched the document."""
    return _encoded(request.app)


@cache
def _encoded(app: Litestar) -> bytes:
    return encode_json(app.openapi_schema.to_schema())
