"""HAProxy in front of the embedded stack's API processes, from infra/haproxy/haproxy.cfg.

One source for its rules: the dev configuration is the production file with its listen
address, its backend list (the API processes `taskflow dev` started) and a stats page on
loopback put in; timeouts, health checks and retry rules stay as that file says.
"""

from __future__ import annotations

import re
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from taskflow.entrypoints.processes import Child, spawn, wait_for_http

if TYPE_CHECKING:
    from collections.abc import Sequence

TEMPLATE: Final = Path(__file__).resolve().parents[3] / "infra" / "haproxy" / "haproxy.cfg"


def haproxy_binary() -> str | None:
    """Debian's haproxy: on PATH, or in /usr/sbin, which a user's PATH may lack."""
    found = shutil.which("haproxy")
    if found:
        return found
    return "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None


def start_haproxy(
    binary: str, config: str, path: Path, *, name: str, port: int, url: str, ready: str, log: IO[bytes] | None
) -> Child:
    """HAProxy on `config` (written to `path`), returned once `ready` answers 200."""
    path.write_text(config)
    child = spawn(name, [binary, "-f", str(path), "-db"], port=port, url=url, log=log)
    wait_for_http(child, ready)
    return child


@dataclass(frozen=True, slots=True)
class TlsListener:
    """Where `taskflow dev --tls` takes HTTPS: a loopback port and the certificate bundle HAProxy serves."""

    port: int
    bundle: Path


def dev_config(
    template: str, *, port: int, backends: Sequence[int], stats_port: int, tls: TlsListener | None = None
) -> str:
    """The template, listening on 127.0.0.1:`port` (and `tls`'s port, over TLS), balancing `backends`.

    Plain HTTP stays HTTP here (no redirect): the dev stack is reached on both.
    """
    lines: list[str] = []
    for line in template.splitlines():
        stripped = line.strip()
        if stripped.startswith(("server ", "http-request redirect scheme https")):
            continue  # the production backend list; the production redirect to HTTPS
        if stripped.startswith("bind ") and " ssl " in stripped:
            if tls is not None:
                lines.append(f"    bind 127.0.0.1:{tls.port} ssl crt {tls.bundle} alpn h2,http/1.1")
            continue
        lines.append(f"    bind 127.0.0.1:{port}" if stripped.startswith("bind ") else line)
        if stripped.startswith("default-server "):
            lines += [f"    server api{n} 127.0.0.1:{backend} check" for n, backend in enumerate(backends, 1)]
    lines += ["", "listen stats", f"    bind 127.0.0.1:{stats_port}", "    stats enable", "    stats uri /", ""]
    return "\n".join(lines)


_CHECK_INTERVAL: Final = re.compile(r"^(\s*default-server\b.*\binter )(\d+)(ms|s)\b", re.MULTILINE)


def with_check_interval(template: str, milliseconds: int) -> str:
    """The template with its health checks every `milliseconds`: a stack that notices sooner (the tests')."""
    changed, found = _CHECK_INTERVAL.subn(rf"\g<1>{milliseconds}ms", template)
    if found != 1:
        msg = "haproxy.cfg sets no check interval on default-server"
        raise ValueError(msg)
    return changed


def notice_seconds(template: str) -> float:
    """How long HAProxy may take to stop sending to a process whose readiness turned 503.

    A check every `inter`, out after `fall` failures; one interval more for the check in
    flight when readiness turned. A draining process serves at least this long.
    """
    interval = _CHECK_INTERVAL.search(template)
    fall = re.search(r"^\s*default-server\b.*\bfall (\d+)\b", template, re.MULTILINE)
    if interval is None or fall is None:
        msg = "haproxy.cfg sets no check interval and fall count on default-server"
        raise ValueError(msg)
    inter = int(interval[2]) / (1000 if interval[3] == "ms" else 1)
    return inter * (int(fall[1]) + 1)


def server_states(stats_url: str) -> dict[str, str]:
    """HAProxy's view of the API servers (`api1`: "UP", ...), from its stats page's CSV."""
    with urllib.request.urlopen(stats_url + ";csv", timeout=2) as answer:  # noqa: S310 - loopback http
        rows = answer.read().decode().splitlines()
    fields = rows[0].lstrip("# ").split(",")
    named = [dict(zip(fields, row.split(","), strict=False)) for row in rows[1:] if row]
    return {row["svname"]: row["status"] for row in named if row["pxname"] == "api" and row["svname"] != "BACKEND"}
