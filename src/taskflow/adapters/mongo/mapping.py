"""An entity's fields to a document's and back, worked out once from the dataclass's own annotations.

So a field added to an entity and to its document is stored and read with no mapper to
write: ids that are ObjectIds are stored as ObjectIds, other value objects (an e-mail
address) and enums as their values, tuples as arrays, the rest as they are. A field may be
stored under another name (`_id`), and a document may hold values derived from the entity
(an index's sort key).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final, Generic, TypeVar

from bson import ObjectId

from taskflow.adapters.mongo.raw import Raw
from taskflow.domain.values import ProjectId, TaskId, UserId

E = TypeVar("E")
_OBJECT_IDS: Final = (TaskId, UserId, ProjectId)
"""Id types whose values are ObjectIds' hex: stored as ObjectIds, so they sort and index as MongoDB's own."""
_MISSING: Final = object()
Convert = Callable[[Any], Any]


def _identity(value: Any) -> Any:  # noqa: ANN401 - any stored value
    return value


def _converters(annotation: object) -> tuple[Convert, Convert]:
    """(to the document, to the entity) for one annotation; None passes through an optional one."""
    arguments = typing.get_args(annotation)
    if typing.get_origin(annotation) in {typing.Union, types.UnionType} and type(None) in arguments:
        (inner,) = [argument for argument in arguments if argument is not type(None)]
        store, load = _converters(inner)
        return (lambda value: None if value is None else store(value)), (lambda raw: None if raw is None else load(raw))
    if annotation in _OBJECT_IDS:
        kind = typing.cast("Callable[[str], Any]", annotation)
        return (lambda value: ObjectId(value.value)), (lambda raw: kind(str(raw)))
    if _is_value_object(annotation):
        return (lambda value: value.value), typing.cast("Convert", annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return (lambda value: value.value), annotation
    if typing.get_origin(annotation) is tuple:
        return list, tuple
    return _identity, _identity


def _is_value_object(annotation: object) -> bool:
    """A value of one field, `value` (an e-mail address, a session id): stored as that value."""
    return (
        isinstance(annotation, type)
        and dataclasses.is_dataclass(annotation)
        and [field.name for field in dataclasses.fields(annotation)] == ["value"]
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Field:
    name: str
    key: str
    store: Convert
    load: Convert
    default: Any


class EntityMapping(Generic[E]):
    """`to_document` and `to_entity` for one dataclass; `renamed` maps a field to its key, `derived` adds keys."""

    def __init__(
        self,
        entity: type[E],
        *,
        renamed: Mapping[str, str] = types.MappingProxyType({}),
        derived: Mapping[str, Callable[[E], Any]] = types.MappingProxyType({}),
    ) -> None:
        self._entity = entity
        hints = typing.get_type_hints(entity)
        self._fields = tuple(
            _Field(
                field.name,
                renamed.get(field.name, field.name),
                *_converters(hints[field.name]),
                _default(field),
            )
            for field in dataclasses.fields(typing.cast("Any", entity))
        )
        self._derived = tuple(derived.items())

    @property
    def keys(self) -> frozenset[str]:
        """Every key a document of this entity holds."""
        return frozenset(field.key for field in self._fields) | {key for key, _ in self._derived}

    def to_document(self, entity: E) -> Raw:
        document = {field.key: field.store(getattr(entity, field.name)) for field in self._fields}
        for key, derive in self._derived:
            document[key] = derive(entity)
        return document

    def to_entity(self, raw: Raw) -> E:
        """A key the document lacks takes the field's default (documents older than the field)."""
        values = {}
        for field in self._fields:
            stored = raw.get(field.key, _MISSING)
            if stored is _MISSING:
                if field.default is _MISSING:
                    raise KeyError(field.key)
                values[field.name] = field.default
            else:
                values[field.name] = field.load(stored)
        return self._entity(**values)


def _default(field: dataclasses.Field[Any]) -> Any:  # noqa: ANN401 - the field's own type
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return _MISSING
