"""The OpenAPI schema of a request body says what the server enforces on it.

Litestar's own plugin leaves `additionalProperties` open on every msgspec struct, so a
client built from the document sent fields the server then refused with a 422; and the
password policy's minimum length is a setting, which no struct declaration can carry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.spec import Schema as OpenAPISchema

from taskflow.adapters.http.fields import NewPassword

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's struct plugin, stating unknown fields refused and the policy's password minimum.

    `additionalProperties: false` where the struct forbids unknown fields; `minLength` from
    the policy on every field that chooses a password (`NewPassword`).
    """

    def __init__(self, *, new_password_min_length: int) -> None:
        self._new_password_min_length = new_password_min_length

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if not isinstance(info, msgspec.inspect.StructType):
            return schema
        if info.forbid_unknown_fields:
            schema.additional_properties = False
        hints = field_definition.get_type_hints(include_extras=True)
        for field in info.fields:
            declared = (schema.properties or {}).get(field.encode_name)
            if not isinstance(declared, OpenAPISchema):
                continue
            if hints.get(field.name) == NewPassword:
                declared.min_length = self._new_password_min_length
            _limit_string_items(declared, field.type)
        return schema


def _limit_string_items(declared: OpenAPISchema, field_type: msgspec.inspect.Type) -> None:
    """The limits of each string in a list (tags), which Litestar leaves out of `items`."""
    types = field_type.types if isinstance(field_type, msgspec.inspect.UnionType) else (field_type,)
    item = next(
        (t.item_type for t in types if isinstance(t, msgspec.inspect.ListType)),
        None,
    )
    if not isinstance(item, msgspec.inspect.StrType):
        return
    arrays = [declared, *(declared.one_of or [])]
    for array in arrays:
        if isinstance(array, OpenAPISchema) and isinstance(array.items, OpenAPISchema):
            array.items.min_length = item.min_length
            array.items.max_length = item.max_length
            array.items.pattern = item.pattern
