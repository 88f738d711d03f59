"""Standings rows are dumped by `api.rows.Rows` in one loop: exactly what marshmallow's List of
Nested dumps (keys, their order, values and types, so the same JSON), whatever the rows hold."""

from __future__ import annotations

import json
from decimal import Decimal

import marshmallow as ma
from marshmallow import fields

from ledger.api.jsonprovider import to_json_value
from ledger.api.rows import Rows, dump_plan
from ledger.api.standings import AnnualRow, AnnualStandings, Row, Standings


class Named:  # a row that is not a dict: marshmallow reads its attributes
    def __init__(self, **values) -> None:
        self.__dict__.update(values)


ROWS = [
    {"agency": "A", "name": "甲", "score": Decimal("97.50"), "deducted_points": Decimal("2.5"),
     "pending_points": Decimal("0"), "rank": 1, "grade": "A"},
    {"rank": 2, "name": "b", "agency": "B", "score": Decimal("1E+2"), "grade": "B",
     "deducted_points": Decimal("-0"), "pending_points": Decimal("0.00")},  # another key order
    {"agency": "C", "score": None, "rank": None, "name": None},  # None, and keys left out
    {"agency": 7, "name": b"bytes", "score": 98, "rank": "3", "deducted_points": 1.25,
     "pending_points": "0.50", "extra": "not in the schema"},  # values marshmallow converts
    {"agency": "D", "rank": True},  # a bool is an int to isinstance, not to the dump
    {},
    Named(agency="N", name="n", score=Decimal("99.5"), rank=4, grade="C"),
]


def dumped(field: fields.Field, rows: list) -> list:
    return field.serialize("rows", {"rows": rows})


def test_rows_dump_as_marshmallow_dumps_them():
    for schema in (Row, AnnualRow):
        assert dump_plan(schema()) is not None  # (else this compares marshmallow with itself)
        plain, fast = fields.List(fields.Nested(schema)), Rows(schema)
        expected, got = dumped(plain, ROWS), dumped(fast, ROWS)
        assert got == expected
        assert [[(k, type(v)) for k, v in r.items()] for r in got] == \
            [[(k, type(v)) for k, v in r.items()] for r in expected]  # key order and types
        assert [str(r.get("score")) for r in got] == [str(r.get("score")) for r in expected]
        assert json.dumps(got, default=to_json_value, ensure_ascii=False) == \
            json.dumps(expected, default=to_json_value, ensure_ascii=False)
        assert dumped(fast, None) is None


def test_the_standings_schemas_dump_their_rows_this_way():
    assert isinstance(Standings().fields["rows"], Rows)
    assert isinstance(AnnualStandings().fields["rows"], Rows)


def test_a_schema_that_is_not_plain_is_dumped_by_marshmallow():
    class Hooked(ma.Schema):
        rank = fields.Integer()

        @ma.post_dump
        def mark(self, data, **kwargs):
            return {**data, "hooked": True}

    class Other(ma.Schema):
        rank = fields.Integer(data_key="position")
        when = fields.Date()

    class Renamed(ma.Schema):
        rank = fields.Integer(data_key="position")
        score = fields.Decimal(as_string=True)

    assert dump_plan(Hooked()) is None and dump_plan(Other()) is None
    assert dumped(Rows(Hooked), [{"rank": 1}]) == [{"rank": 1, "hooked": True}]
    renamed = [{"rank": "2", "score": Decimal("1.50")}]
    assert dumped(Rows(Renamed), renamed) == dumped(fields.List(fields.Nested(Renamed)), renamed)


def test_a_data_key_names_the_dumped_key_as_marshmallow_names_it():
    class Keyed(ma.Schema):
        rank = fields.Integer(data_key="position")
        agency = fields.String()

    assert dump_plan(Keyed()) is not None
    rows = [{"agency": "A", "rank": 1}, {"rank": "2"}]
    assert dumped(Rows(Keyed), rows) == dumped(fields.List(fields.Nested(Keyed)), rows) == [
        {"position": 1, "agency": "A"}, {"position": 2}]
