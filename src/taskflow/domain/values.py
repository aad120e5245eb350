"""Value objects: validated once, where they are made, with messages a user can read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from taskflow.domain.errors import InvalidValueError

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
TAGS_MAX_COUNT = 20
TAG_MAX_LENGTH = 40
NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit less the angle brackets
PASSWORD_MAX_BYTES = 1024

PASSWORD_MIN_LENGTH_FLOOR = 8  # NIST SP 800-63B-4 §3.1.1.2: never below 8, whatever is configured

OBJECT_ID_PATTERN = "^[0-9a-f]{24}$"
_OBJECT_ID = re.compile(OBJECT_ID_PATTERN)
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
# Deliberately loose: one "@", no spaces, a dot in the domain. Deliverability is
# proven by mail, not by a regular expression.
# White space as `str.isspace` and `str.strip` see it, spelled out: `\s` means another set
# in the ECMAScript regexes an OpenAPI `pattern` is read as (it leaves out \x1c-\x1f).
WHITE_SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
EMAIL_PATTERN = rf"[^@{WHITE_SPACE}]+@[^@{WHITE_SPACE}]+\.[^@{WHITE_SPACE}]+"
_EMAIL = re.compile(EMAIL_PATTERN)


def _check_id(value: str, kind: str) -> None:
    if not _OBJECT_ID.fullmatch(value):
        msg = f"{kind} must be 24 lowercase hexadecimal characters"
        raise InvalidValueError(msg, field="id")


@dataclass(frozen=True, slots=True)
class UserId:
    """Identity of an account; also the shard key of every task."""

    value: str

    def __post_init__(self) -> None:
        _check_id(self.value, "user id")

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ProjectId:
    """Identity of a project; its tasks live in its space (decision 0028)."""

    value: str

    def __post_init__(self) -> None:
        _check_id(self.value, "project id")

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class TaskId:
    """Identity of a task; meaningful only together with its owner."""

    value: str

    def __post_init__(self) -> None:
        _check_id(self.value, "task id")

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class SessionId:
    """One sign-in and its refresh-token family: 128 random bits, so it cannot be guessed."""

    value: str

    def __post_init__(self) -> None:
        if not _SESSION_ID.fullmatch(self.value):
            msg = "session id must be 32 lowercase hexadecimal characters"
            raise InvalidValueError(msg, field="session_id")

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Email:
    """An e-mail address, compared case-insensitively (stored lower-cased)."""

    value: str

    def __post_init__(self) -> None:
        normalized = self.value.strip().lower()
        if len(normalized) > EMAIL_MAX_LENGTH or not _EMAIL.fullmatch(normalized):
            msg = "email must be an e-mail address"
            raise InvalidValueError(msg, field="email")
        object.__setattr__(self, "value", normalized)

    def __str__(self) -> str:
        return self.value


class Role(StrEnum):
    """What an account may do beyond its own data."""

    USER = "user"
    ADMIN = "admin"


class TaskStatus(StrEnum):
    """Where a task stands; `done` stamps `completed_at`."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Priority(StrEnum):
    """How urgent a task is, in ascending order."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


def check_title(title: str) -> str:
    """A title has 1 to 200 characters and is not only white space."""
    if not title.strip() or len(title) > TITLE_MAX_LENGTH:
        msg = f"title must have 1 to {TITLE_MAX_LENGTH} characters and not be blank"
        raise InvalidValueError(msg, field="title")
    return title


def check_description(description: str) -> str:
    """A description has at most 10,000 characters."""
    if len(description) > DESCRIPTION_MAX_LENGTH:
        msg = f"description must have at most {DESCRIPTION_MAX_LENGTH} characters"
        raise InvalidValueError(msg, field="description")
    return description


def check_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """At most 20 tags of 1 to 40 characters; duplicates collapse, order is kept."""
    unique = tuple(dict.fromkeys(tags))
    if len(unique) > TAGS_MAX_COUNT:
        msg = f"tags must have at most {TAGS_MAX_COUNT} entries"
        raise InvalidValueError(msg, field="tags")
    for tag in unique:
        if not tag.strip() or len(tag) > TAG_MAX_LENGTH:
            msg = f"each tag must have 1 to {TAG_MAX_LENGTH} characters and not be blank"
            raise InvalidValueError(msg, field="tags")
    return unique


def check_name(name: str) -> str:
    """A display name has 1 to 100 characters and is not only white space."""
    if not name.strip() or len(name) > NAME_MAX_LENGTH:
        msg = f"name must have 1 to {NAME_MAX_LENGTH} characters and not be blank"
        raise InvalidValueError(msg, field="name")
    return name
