"""OpenAPI 3.1 at /openapi.json and Swagger UI at /docs, with every asset served locally.

Litestar's default page loads Swagger UI from a CDN, which fails offline; the assets come
from the `swagger-ui-bundle` package instead, served under /docs/assets.
"""

from __future__ import annotations

from typing import Final

import swagger_ui_bundle
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, OAuthFlow, OAuthFlows, SecurityScheme
from litestar.router import Router
from litestar.static_files import create_static_files_router

import taskflow

ASSETS: Final = "/docs/assets"
TOKEN_URL: Final = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret


def openapi_config() -> OpenAPIConfig:
    swagger = SwaggerRenderPlugin(
        path="/docs",
        js_url=f"{ASSETS}/swagger-ui-bundle.js",
        css_url=f"{ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
    )
    return OpenAPIConfig(
        title="taskflow",
        version=taskflow.__version__,
        description="Multi-user task management. Authorize with your e-mail as username.",
        path="/",
        render_plugins=[swagger],
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


def docs_assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS,
        directories=[swagger_ui_bundle.swagger_ui_path],
        include_in_schema=False,
        opt={"public": True},
    )
