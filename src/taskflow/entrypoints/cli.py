"""The `taskflow` command: dev, serve, worker, migrate, create-admin."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskflow.settings import ENV_FILE, PREFIX, Settings, SettingsError

if TYPE_CHECKING:
    from collections.abc import Mapping


def read_env_file(home: Path) -> dict[str, str]:
    """`KEY=value` lines that `taskflow dev` wrote for the stack it runs."""
    path = home / ENV_FILE
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def effective_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment, with what it leaves unset taken from the running dev stack."""
    environ = dict(os.environ if environ is None else environ)
    home = Path(Settings.value_from_env(environ, "home"))
    return {**read_env_file(home), **environ}


def load_settings() -> Settings:
    try:
        return Settings.from_env(effective_env())
    except SettingsError as exc:
        sys.exit(f"taskflow: {exc}")


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn  # noqa: PLC0415 - only `serve` needs it

    from taskflow.entrypoints.serving import DrainingServer  # noqa: PLC0415 - as above

    settings = load_settings()
    options: dict[str, Any] = {
        "factory": True,
        "host": args.host or settings.host,
        "port": args.port or settings.port,
        "server_header": False,
        "date_header": True,
        "log_config": None,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 10,
    }
    app = "taskflow.entrypoints.asgi:create_app"
    DrainingServer(uvicorn.Config(app, **options), drain_seconds=settings.drain_seconds).run()


def cmd_worker(_: argparse.Namespace) -> None:
    from taskflow.entrypoints.worker import run  # noqa: PLC0415 - only `worker` needs arq's runner

    run(load_settings())


def cmd_migrate(_: argparse.Namespace) -> None:
    from taskflow.entrypoints.migration import migrate  # noqa: PLC0415 - keeps `taskflow --help` fast

    collections = asyncio.run(migrate(load_settings()))
    print(f"indexes ready on: {', '.join(collections)}")  # noqa: T201 - CLI output


def cmd_create_admin(args: argparse.Namespace) -> None:
    from taskflow.bootstrap import build_services, open_ports  # noqa: PLC0415 - keeps `taskflow --help` fast
    from taskflow.domain.errors import TaskflowError  # noqa: PLC0415 - as above

    settings = load_settings()

    async def create() -> str:
        async with open_ports(settings) as ports:
            user = await build_services(ports, settings).registration.create_admin(args.email, args.password, args.name)
            return f"{user.email} is an admin (id {user.id})"

    try:
        print(asyncio.run(create()))  # noqa: T201 - CLI output
    except TaskflowError as exc:
        sys.exit(f"taskflow: {exc.detail}")


def cmd_dev(args: argparse.Namespace) -> None:
    from taskflow.entrypoints.dev import run_dev  # noqa: PLC0415 - only `dev` needs the launcher

    sys.exit(run_dev(ephemeral=args.ephemeral, tls=args.tls))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="taskflow", description="Multi-user task management API.")
    sub = root.add_subparsers(dest="command", required=True)

    dev = sub.add_parser(
        "dev",
        help="run the whole stack on this machine (MongoDB, Redis, mail, API, worker)",
    )
    dev.add_argument("--ephemeral", action="store_true", help="keep no data after it stops")
    dev.add_argument(
        "--tls",
        action="store_true",
        help=f"also serve HTTPS (HTTP/2) on 127.0.0.1:{PREFIX}TLS_PORT (8443), with a certificate made on first start",
    )
    dev.set_defaults(func=cmd_dev)

    serve = sub.add_parser("serve", help="run the API server")
    serve.add_argument("--host", default=None, help=f"default: {PREFIX}HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help=f"default: {PREFIX}PORT or 8000")
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("worker", help="run the arq background worker").set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="create indexes (idempotent)").set_defaults(func=cmd_migrate)

    admin = sub.add_parser("create-admin", help="create an admin, or promote an existing account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name", default="Administrator")
    admin.set_defaults(func=cmd_create_admin)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
