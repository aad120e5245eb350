"""HAProxy in front of the embedded stack's API processes, from infra/haproxy/haproxy.cfg.

One source for its rules: the dev configuration is the production file with its listen
address, its backend list (the API processes `taskflow dev` started) and a stats page on
loopback put in; timeouts, health checks and retry rules stay as that file says.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

TEMPLATE: Final = Path(__file__).resolve().parents[3] / "infra" / "haproxy" / "haproxy.cfg"


def haproxy_binary() -> str | None:
    """Debian's haproxy: on PATH, or in /usr/sbin, which a user's PATH may lack."""
    found = shutil.which("haproxy")
    if found:
        return found
    return "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None


def dev_config(template: str, *, port: int, backends: Sequence[int], stats_port: int) -> str:
    """The template, listening on 127.0.0.1:`port`, balancing the API processes on `backends`."""
    lines: list[str] = []
    for line in template.splitlines():
        stripped = line.strip()
        if stripped.startswith("server "):
            continue  # the production backend list
        lines.append(f"    bind 127.0.0.1:{port}" if stripped.startswith("bind ") else line)
        if stripped.startswith("default-server "):
            lines += [f"    server api{n} 127.0.0.1:{backend} check" for n, backend in enumerate(backends, 1)]
    lines += ["", "listen stats", f"    bind 127.0.0.1:{stats_port}", "    stats enable", "    stats uri /", ""]
    return "\n".join(lines)
