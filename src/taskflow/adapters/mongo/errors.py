"""Driver errors translated to domain errors by one table, keeping the cause."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    OperationFailure,
    PyMongoError,
    WriteConcernError,
)

from taskflow.domain.errors import StorageUnavailableError

if TYPE_CHECKING:
    from pymongo.asynchronous.collection import AsyncCollection

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


def duplicates_of(error: BulkWriteError) -> set[int]:
    """The writes of an unordered bulk write refused only as duplicate keys (a replay's): their indexes.

    Any other failure is raised: a write concern error as StorageUnavailableError (the writes
    may not last, so they must come again), anything else as it is.
    """
    if error.details.get("writeConcernErrors"):
        raise StorageUnavailableError from error
    failures = error.details.get("writeErrors", [])
    if any(failure.get("code") != DUPLICATE_KEY for failure in failures):
        raise error
    return {failure["index"] for failure in failures}


async def insert_new(collection: AsyncCollection[Any], documents: Sequence[dict[str, Any]]) -> set[int]:
    """Insert each document whose `_id` is not there yet (a replay's are); the indexes of those inserted."""
    if not documents:
        return set()
    try:
        with translate_errors():
            await collection.insert_many(documents, ordered=False)
    except BulkWriteError as error:
        return set(range(len(documents))) - duplicates_of(error)
    return set(range(len(documents)))
