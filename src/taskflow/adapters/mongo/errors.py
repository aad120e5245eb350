"""Driver errors translated to domain errors by one table, keeping the cause."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.errors import (
    ConnectionFailure,
    OperationFailure,
    PyMongoError,
    WriteConcernError,
)

from taskflow.domain.errors import StorageUnavailableError

DUPLICATE_KEY = 11000

# Errors that mean "try again later", not "your request is wrong".
_UNAVAILABLE: tuple[type[PyMongoError], ...] = (ConnectionFailure, WriteConcernError)
# Server codes of the same kind: not primary, shutting down, exceeded time limit, interrupted.
_UNAVAILABLE_CODES = frozenset({6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 50})


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn transient driver failures into StorageUnavailableError (503); let others through."""
    try:
        yield
    except PyMongoError as exc:
        transient = (
            isinstance(exc, _UNAVAILABLE)
            or exc.timeout
            or exc.has_error_label("RetryableWriteError")
            or (isinstance(exc, OperationFailure) and exc.code in _UNAVAILABLE_CODES)
        )
        if transient:
            raise StorageUnavailableError from exc
        raise
