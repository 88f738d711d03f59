"""The read models' row writes: an upsert replaces a key's whole row, and `Writes` (several
tables' rows in one statement on PostgreSQL) leaves exactly the rows written, on both backends."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from ledger.projections.queries.queries import ReadSide
from ledger.projections.store import tables as t
from ledger.projections.store.rows import Writes, upsert_rows

GEN = 99  # a generation of its own: nothing else writes it
AT = datetime(2026, 12, 2, 8, 30, tzinfo=timezone.utc)


def session(sid: str, topic: str, attendance: int, held_on=date(2026, 3, 4)) -> dict:
    return {"gen": GEN, "id": sid, "kind": "lecture", "held_on": held_on, "topic": topic,
            "hours": "2", "attendance": attendance, "recorded_at": AT}


def stream(oid: str, agency: str | None) -> dict:
    return {"gen": GEN, "originator_id": oid, "kind": "agency", "agency": agency}


@pytest.fixture
def engine(ledger):
    ReadSide(ledger)  # makes the read models' tables
    return ledger.engine


def rows(engine, table, order) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            sa.select(table).where(table.c.gen == GEN).order_by(order))]


def test_an_upsert_replaces_every_column_of_an_existing_key_and_adds_new_keys(engine):
    with engine.begin() as conn:
        upsert_rows(conn, t.session, [session("s1", "old", 3), session("s2", "kept", 1)])
    with engine.begin() as conn:
        upsert_rows(conn, t.session, [session("s1", "new", 5, date(2026, 4, 1)),
                                      session("s3", "added", 0)])
    assert [(r[1], r[3], r[4], r[6]) for r in rows(engine, t.session, t.session.c.id)] == [
        ("s1", date(2026, 4, 1), "new", 5), ("s2", date(2026, 3, 4), "kept", 1),
        ("s3", date(2026, 3, 4), "added", 0)]


def test_an_upsert_must_set_every_column(engine):
    row = session("s1", "old", 3)
    del row["topic"]
    with engine.begin() as conn, pytest.raises(ValueError):
        upsert_rows(conn, t.session, [row])


def test_writes_leave_exactly_the_rows_written_in_every_table(engine):
    with engine.begin() as conn:
        upsert_rows(conn, t.session, [session("s1", "old", 3)])
    with engine.begin() as conn:
        w = Writes(conn)
        w.upsert(t.session, [session("s1", "new", 4), session("s2", "second", 2)])
        w.insert(t.stream, [stream("o1", "A"), stream("o2", None)])
        w.insert(t.stream, [stream("o3", "B")])  # the same table again: written after
        w.upsert(t.session, [session("s2", "last", 7)])  # replaces the row held above
        w.insert(t.trail, [])  # nothing to write
        w.flush()
    assert [(r[1], r[4], r[6]) for r in rows(engine, t.session, t.session.c.id)] == [
        ("s1", "new", 4), ("s2", "last", 7)]
    assert rows(engine, t.stream, t.stream.c.originator_id) == [
        (GEN, "o1", "agency", "A"), (GEN, "o2", "agency", None), (GEN, "o3", "agency", "B")]
    # The timestamp is stored as every other write stores it (its bind processor ran).
    with engine.connect() as conn:
        stored = conn.execute(sa.select(t.session.c.recorded_at).where(
            t.session.c.gen == GEN, t.session.c.id == "s1")).scalar()
    assert stored == AT

