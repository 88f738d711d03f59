"""A list of rows dumped as marshmallow dumps them, without its per-field calls.

A standings list is up to 20,000 rows of five or six plain fields: marshmallow's List of Nested
spends about 15 microseconds a row on calls (a schema dump per row, then per field `serialize`,
`get_value`, `_serialize`, `_format_num`), ~300 ms for the whole list at nation scale. `Rows`
gives the same list of dicts (the same keys in the same order, the same values and types) with
one loop, for a nested schema whose fields are all of the kinds below, left as marshmallow
builds them; any other schema, or a row that is not a dict, is dumped by marshmallow itself.
"""

from __future__ import annotations

import decimal
from typing import Any

import marshmallow as ma
from marshmallow import fields, missing, utils
from marshmallow.decorators import POST_DUMP, PRE_DUMP

# What each field kind's `_serialize` gives for a value that is not None (marshmallow 4:
# Number._serialize -> _format_num, String._serialize -> ensure_text_type), and the type a value
# already has when that gives an equal value of the same type (an int's int, a str's str, a
# Decimal rebuilt from its own str: same digits and exponent), so it is kept as it is.
KINDS: dict[type, tuple[type, Any]] = {
    fields.Integer: (int, int),
    fields.String: (str, utils.ensure_text_type),
    fields.Decimal: (decimal.Decimal, lambda value: decimal.Decimal(str(value))),
}


def dump_plan(schema: ma.Schema) -> list[tuple[str, str, type, Any]] | None:
    """(attribute, key, kept type, convert) per dumped field in order; None if the schema is
    not plain enough to be dumped this way (then marshmallow dumps it)."""
    if schema.many or schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP] \
            or type(schema).get_attribute is not ma.Schema.get_attribute \
            or schema.dict_class is not dict:
        return None
    plan = []
    for name, field in schema.dump_fields.items():
        kind = KINDS.get(type(field))
        if kind is None or field.attribute is not None or field.dump_default is not missing \
                or "." in name or hasattr(dict, name) \
                or getattr(field, "as_string", False) or getattr(field, "places", None) is not None:
            return None  # (a dict attribute: marshmallow would fall back to getattr on a row)
        plan.append((name, name if field.data_key is None else field.data_key, *kind))
    return plan


class Rows(fields.List):
    """`fields.List(fields.Nested(schema))`, the same in the API description and in what it
    dumps, with the rows dumped by `dump_plan` when the schema allows it."""

    def __init__(self, schema: type[ma.Schema], **kwargs: Any) -> None:
        super().__init__(fields.Nested(schema), **kwargs)
        self._plan: list | None | bool = False  # False: not made yet

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        plan = self._plan
        if plan is False:
            plan = self._plan = dump_plan(self.inner.schema)
        if plan is None:
            return super()._serialize(value, attr, obj, **kwargs)
        out = []
        for row in value:
            if type(row) is not dict:
                out.append(self.inner._serialize(row, attr, obj, **kwargs))
                continue
            dumped = {}
            for name, key, kept, convert in plan:
                item = row.get(name, missing)
                if item is missing:
                    continue  # marshmallow leaves out what the row does not have
                dumped[key] = item if item is None or type(item) is kept else convert(item)
            out.append(dumped)
        return out
