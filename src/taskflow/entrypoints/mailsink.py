"""A development SMTP server that keeps every message as an .eml file: `python -m taskflow.entrypoints.mailsink`."""

from __future__ import annotations

import argparse
import signal
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class FileSink:
    """aiosmtpd handler: one file per message, named so that `ls` lists them in order."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: ANN401, ARG002, N802 - aiosmtpd's hook
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = self.directory / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        partial = target.with_suffix(".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(target)  # readers never see half a message
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    controller = Controller(FileSink(args.dir), hostname=args.host, port=args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
