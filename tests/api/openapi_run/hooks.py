"""Hooks for the schemathesis run: the values only the server can make, and rules no schema states.

Loaded by `st run` through SCHEMATHESIS_HOOKS; the test passes what they need in the
environment. Every hook narrows what is generated to what the document describes in
words, never what the server is asked to accept.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import schemathesis

from taskflow.adapters.security.common_passwords import BundledCommonPasswords

COMMON = BundledCommonPasswords()


# Case hooks: the coverage phase applies these, not the per-part ones (map_headers, filter_body).


@schemathesis.hook
def before_call(_ctx: Any, case: Any, _kwargs: Any) -> None:
    """An X-Consistency-Token is one this API handed out ("unchanged"): any other string is a 400 by design.

    Set as the request leaves, in every phase, whatever put the header there: drawn with the
    case, or carried over by a link the stateful phase inferred (a `map_case` hook ran before
    that, and once let a drawn one through). Only in cases meant to be valid.
    """
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    if case.headers and "X-Consistency-Token" in case.headers:
        case.headers["X-Consistency-Token"] = os.environ["TASKFLOW_TEST_CONSISTENCY_TOKEN"]


@schemathesis.hook
def map_case(_ctx: Any, case: Any) -> Any:
    """Values only the server makes, in cases meant to be valid; a case meant to break the schema is left as drawn."""
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return case
    if case.headers and "Idempotency-Key" in case.headers:
        # "A unique value per operation": a drawn key ("0") recurs across operations, and the
        # same key with another request is refused by design (422 idempotency-key-reused).
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    if case.query and "cursor" in case.query:
        # Likewise a cursor ("signed and bound to you, the sort and the filters"): the stateful
        # phase follows real ones from `next_cursor`.
        del case.query["cursor"]
    return case


@schemathesis.hook
def filter_case(_ctx: Any, case: Any) -> bool:
    return _described(case)


@schemathesis.hook
def before_add_examples(_ctx: Any, examples: list[Any]) -> None:
    """The examples phase fills missing fields itself, past `filter_case`."""
    examples[:] = [case for case in examples if _described(case)]


def _described(case: Any) -> bool:
    """What the descriptions rule out and a schema cannot.

    A common password; an empty due window; an assignee who is no member of the task's
    project (the run's account shares no project with anyone).
    """
    body = case.body
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    if not negative and isinstance(body, dict) and body.get("assignee_id") is not None:
        return False
    if isinstance(body, dict):
        chosen = body.get("new_password", body.get("password") if "email" in body and "name" in body else None)
        if isinstance(chosen, str) and COMMON.contains(chosen):
            return False
    query = case.query or {}
    after, before = query.get("due_after"), query.get("due_before")
    return not (isinstance(after, str) and isinstance(before, str) and _instant(after) >= _instant(before))


def _instant(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)  # not a date: the server says so, with its own 422
