"""structlog set-up: configured once per process, JSON unless told otherwise."""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.tracebacks import ExceptionDictTransformer


def configure_logging(*, level: str = "info", json: bool = True) -> None:
    """Every log line carries what `bind_contextvars` bound (request id, user id)."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        # Frame locals would carry request headers (bearer tokens) and bodies (passwords).
        structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.WriteLoggerFactory(
            file=sys.__stderr__
        ),  # the process's fd 2, whoever swaps sys.stderr
        cache_logger_on_first_use=True,
    )
    # Libraries that use the standard library (uvicorn, arq) go through the same level.
    logging.basicConfig(
        level=numeric,
        stream=sys.__stderr__,
        format="%(levelname)s %(name)s %(message)s",
        force=True,
    )
    logging.getLogger("uvicorn.access").disabled = True  # one line per request comes from taskflow
