"""The framework's ceiling on this machine: a Litestar app with one handler and nothing else."""

from __future__ import annotations

from litestar import Litestar, get


@get("/ping")
async def ping() -> dict[str, str]:
    return {"status": "up"}


app = Litestar([ping], logging_config=None, openapi_config=None)
