"""The assessments projection's persistence adapter: write what a batch of events changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, tuple_
from sqlalchemy.engine import Connection

from ledger.domain.scoring import normalise, registered_in_month
from ledger.projections.store import tables as t
from ledger.projections.store.rows import Writes, insert_rows, upsert_rows
from ledger.projections.model.codec import agency_from_json, agency_to_json, dumps
from ledger.projections.model.fold import AGENCY_EVENTS, DEDUCTION_EVENTS, Changes, LedgerModel
from ledger.projections.model.state import SessionState
from ledger.projections.model.views import (
    month_figures, month_standings, ranked, standing_row, stored_deduction, stored_figures,
)


def load_needed(conn: Connection, gen: int, model: LedgerModel, events: list[Any]) -> None:
    """Load into `model` every agency and session the events will touch."""
    aggregate_ids, deduction_ids, codes, session_ids = set(), set(), set(), set()
    for _, e in events:
        name, oid = type(e).__name__, str(e.originator_id)
        if name in AGENCY_EVENTS and name != "AgencyRegistered":
            if oid not in model.agency_of_aggregate:
                aggregate_ids.add(oid)
        elif name == "DeductionRecorded" or name == "AttendanceRecorded":
            codes.add(e.agency)
            if name == "AttendanceRecorded" and oid not in model.sessions:
                session_ids.add(oid)
        elif name in DEDUCTION_EVENTS and oid not in model.agency_of_deduction:
            deduction_ids.add(oid)
    if deduction_ids:
        rows = conn.execute(select(t.stream.c.agency).where(
            t.stream.c.gen == gen, t.stream.c.originator_id.in_(deduction_ids)))
        codes.update(r.agency for r in rows)
    codes -= set(model.agencies)
    if codes or aggregate_ids:
        where = t.agency.c.code.in_(codes) | t.agency.c.aggregate_id.in_(aggregate_ids)
        for row in conn.execute(select(t.agency.c.state).where(t.agency.c.gen == gen, where)):
            model.add_agency(agency_from_json(row.state))
    if session_ids:
        s = t.session.c
        for row in conn.execute(select(t.session).where(s.gen == gen, s.id.in_(session_ids))):
            model.sessions[row.id] = SessionState(
                row.id, row.kind, row.held_on, row.topic, Decimal(row.hours), row.recorded_at,
                row.attendance)


SLICE = 2_000


def write_changes(conn: Connection, gen: int, model: LedgerModel, changes: Changes,
                  replace: bool = True, writes: Writes | None = None) -> None:
    """Replace every row the changes touched, in the caller's transaction.

    `replace=False` when the generation has none of these rows yet (a rebuild's first write).
    Through `writes` when given (the caller flushes it), else written before returning.
    """
    # In slices, so a rebuild's write of every agency never holds all its rows at once.
    # Rows that may exist are replaced by an upsert (one statement, not a DELETE and an
    # INSERT); `replace=False` inserts. On PostgreSQL the writes go together (`Writes`).
    w = Writes(conn) if writes is None else writes
    write = w.upsert if replace else w.insert
    agencies = list(changes.agencies)
    for start in range(0, len(agencies), SLICE):
        codes = agencies[start:start + SLICE]
        write(t.agency, [_agency_row(gen, model.agencies[c]) for c in codes])
    months = list(changes.months)
    for start in range(0, len(months), SLICE):
        _write_months(w, gen, model, months[start:start + SLICE], replace)
    w.insert(t.trail, trail_rows(gen, changes.trail))
    if changes.sessions:
        write(t.session, session_rows(gen, model, changes.sessions))
    w.insert(t.attendance, attendance_rows(gen, changes.attendance))
    w.insert(t.stream, stream_rows(gen, changes.streams))
    write_versions(conn, gen, changes.versions, w)
    if writes is None:
        w.flush()


def session_rows(gen: int, model: LedgerModel, ids) -> list[dict]:
    return [{"gen": gen, "id": s.id, "kind": s.kind, "held_on": s.held_on, "topic": s.topic,
             "hours": str(s.hours), "attendance": s.attendance, "recorded_at": s.recorded_at}
            for s in (model.sessions[i] for i in ids)]


def write_versions(conn: Connection, gen: int, versions: list[tuple[str, dict]],
                   writes: Writes | None = None) -> None:
    """Add the row versions (append-only: a version is never changed once written); through
    `writes` if given (the caller flushes it), else at once."""
    w = Writes(conn) if writes is None else writes
    by_kind: dict[str, list[dict]] = {}
    for kind, row in versions:
        by_kind.setdefault(kind, []).append({"gen": gen, **row})
    for kind, rows in by_kind.items():
        w.insert(t.HISTORY[kind], rows)
        current = t.CURRENT.get(kind)
        if current is not None:
            replace_current(conn, current, gen, rows, w)
    if writes is None:
        w.flush()


def _current_key(table) -> list:
    return [c for c in table.primary_key.columns if c.name != "gen"]


# DELETE statements built once per table and column: a statement object reused keeps its
# cache key, so a projector's batch neither builds nor keys them again (the values are bound).
_DELETES: dict[tuple, Any] = {}


def _delete_where_in(table, columns: tuple) -> Any:
    """DELETE FROM table WHERE gen = :gen AND (columns) IN :values (expanding)."""
    found = _DELETES.get((table.name, *(c.name for c in columns)))
    if found is None:
        target = columns[0] if len(columns) == 1 else tuple_(*columns)
        found = _DELETES[(table.name, *(c.name for c in columns))] = delete(table).where(
            table.c.gen == bindparam("gen"),
            target.in_(bindparam("values", expanding=True)))
    return found


# A few keys (a projector's batch: one write's agency, deduction, evaluation rows) are
# deleted with a DELETE by key equality run for each key: an expanding IN is rendered again
# on every execution, which costs more than the database's work for a handful of values.
FEW = 16


def _delete_where_equal(table, columns: tuple) -> Any:
    """DELETE FROM table WHERE gen = :gen AND column_i = :k<i> (bound per key)."""
    key = ("=", table.name, *(c.name for c in columns))
    found = _DELETES.get(key)
    if found is None:
        found = _DELETES[key] = delete(table).where(
            table.c.gen == bindparam("gen"),
            *(c == bindparam(f"k{i}") for i, c in enumerate(columns)))
    return found


def _delete_keys(conn: Connection, table, columns: tuple, gen: int, keys: list,
                 chunk: int) -> None:
    """Delete the generation's rows whose `columns` hold one of `keys` (values for one
    column, tuples for several)."""
    if not keys:
        return
    if len(keys) <= FEW:
        one = len(columns) == 1
        conn.execute(_delete_where_equal(table, columns), [
            {"gen": gen, **({"k0": k} if one else {f"k{i}": v for i, v in enumerate(k)})}
            for k in keys])
        return
    statement = _delete_where_in(table, columns)
    for start in range(0, len(keys), chunk):
        conn.execute(statement, {"gen": gen, "values": keys[start:start + chunk]})


def replace_current(conn: Connection, table, gen: int, rows: list[dict],
                    writes: Writes | None = None) -> None:
    """Make the newest of `rows` (in log order, each with `gen`) the current row of its key
    (an upsert: it replaces the key's row if there is one); through `writes` if given."""
    key = _current_key(table)
    newest = list({tuple(row[c.name] for c in key): row for row in rows}.values())
    if writes is None:
        upsert_rows(conn, table, newest)
    else:
        writes.upsert(table, newest)


def restore_current(conn: Connection, gen: int, position: int, where=None) -> None:
    """Current rows as of `position` again, after the history rows after it were deleted
    (a rebuild resumed from its last checkpoint). `where(table)`: only the rows it selects (a
    shard's agencies)."""
    for kind, table in t.CURRENT.items():
        history, key = t.HISTORY[kind], _current_key(table)
        keys = [tuple(r) for r in conn.execute(select(*key).where(
            table.c.gen == gen, table.c.valid_from > position,
            *(() if where is None else (where(table),))))]
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            conn.execute(delete(table).where(table.c.gen == gen, tuple_(*key).in_(chunk)))
            hkey = [history.c[c.name] for c in key]
            found: dict[tuple, dict] = {}
            for r in conn.execute(select(history).where(
                    history.c.gen == gen, history.c.valid_from <= position,
                    tuple_(*hkey).in_(chunk)).order_by(history.c.valid_from)):
                found[tuple(getattr(r, c.name) for c in key)] = dict(r._mapping)
            insert_rows(conn, table, list(found.values()))


def delete_in(conn: Connection, table, column, values, gen: int, chunk: int = 5_000) -> None:
    """Delete the generation's rows whose `column` is one of `values`, a chunk per statement
    (SQLite caps the bound parameters of one statement)."""
    _delete_keys(conn, table, (column,), gen, list(values), chunk)


def attendance_rows(gen: int, attendance: list) -> list[dict]:
    return [{"gen": gen, "session_id": sid, "agency": code, "staff_ref": ref,
             "staff_name": name, "position": pos} for sid, code, ref, name, pos in attendance]


def stream_rows(gen: int, streams: list) -> list[dict]:
    return [{"gen": gen, "originator_id": oid, "kind": kind, "agency": code}
            for oid, kind, code in streams]


def trail_rows(gen: int, trail: list) -> list[dict]:
    return [{"gen": gen, "agency": e.agency, "month": e.month, "position": e.position,
             "recorded_at": e.recorded_at, "recorded_by": e.recorded_by, "event": e.event,
             "deduction_id": e.deduction_id, "summary": e.summary,
             "score_before": _s(e.score_before), "score_after": _s(e.score_after)}
            for e in trail]


def _s(value) -> str | None:
    return None if value is None else str(normalise(value))


def _agency_row(gen: int, a) -> dict:
    return {"gen": gen, "code": a.code, "aggregate_id": a.aggregate_id, "name": a.name,
            "registered_on": a.registered_on, "deregistered_on": a.deregistered_on,
            "state": agency_to_json(a)}


def _write_months(w: Writes, gen: int, model: LedgerModel, months: list,
                  replace: bool = True) -> None:
    month_rows, deduction_rows, empty = [], [], []
    for code, m in months:
        agency = model.agencies[code]
        deductions = agency.deductions_in(m)
        figures = month_figures(agency, m)
        if not deductions:
            empty.append((code, m))
        else:
            month_rows.append({
                "gen": gen, "agency": code, "month": m, "score": _s(figures.score),
                "deducted_points": _s(figures.deducted_points),
                "pending_points": _s(figures.pending_points)})
        for d in deductions:
            resource = stored_deduction(d, figures.effects[d.id])
            deduction_rows.append({
                "gen": gen, "id": d.id, "agency": code, "month": m, "status": d.status,
                "rule_code": d.rule_code, "found_on": d.found_on, "position": d.position,
                "dispute_id": d.dispute.id if d.dispute else None,
                "dispute_status": (d.dispute.outcome or "open") if d.dispute else None,
                "review_due": d.dispute.review_due if d.dispute else None,
                "rectification_due": d.rectification_due, "rectified_on": d.rectified_on,
                "resource": dumps(resource)})
    if not replace:
        w.insert(t.deduction, deduction_rows)
        w.insert(t.month, month_rows)
        return
    # Each of the months' deductions and each month that has any replace their rows (an
    # upsert); a month left without deductions (none in the fold today) loses its row (a
    # DELETE of keys the upsert does not write: their order does not matter).
    _delete_keys(w.conn, t.month, (t.month.c.agency, t.month.c.month), gen, empty, 500)
    w.upsert(t.deduction, deduction_rows)
    w.upsert(t.month, month_rows)


def standings_rows(conn: Connection, gen: int, month: str) -> list[dict]:
    """Current standings of a month from the tables: every agency assessed in it, ranked."""
    a, m = t.agency.c, t.month.c
    agencies = conn.execute(select(a.code, a.name, a.registered_on, a.deregistered_on).where(
        a.gen == gen)).all()
    scores = {r.agency: (r.score, r.deducted_points, r.pending_points) for r in conn.execute(
        select(t.month).where(m.gen == gen, m.month == month))}
    return ranked([standing_row(r.code, r.name, stored_figures(scores.get(r.code)))
                   for r in agencies
                   if registered_in_month(r.registered_on, r.deregistered_on, month)])


def model_standings(model: LedgerModel, month: str) -> list[dict]:
    """Current standings of a month from a model that holds every agency."""
    return month_standings(model.agencies.values(), month)


def write_publication(conn: Connection, gen: int, publication,
                      rows: list[dict] | None = None) -> None:
    if rows is None:
        rows = standings_rows(conn, gen, publication.month)
    conn.execute(insert(t.publication).values(
        gen=gen, month=publication.month, revision=publication.revision,
        published_on=publication.published_on, position=publication.position,
        recorded_at=publication.recorded_at, recorded_by=publication.recorded_by,
        rows=dumps(rows)))


def freeze_publications(conn: Connection, gen: int, model: LedgerModel,
                        changes: Changes) -> None:
    """Write the publications the changes hold into generation `gen`, each with the month's
    standings as they stand now in `model`, which holds every agency (`model.complete`); and
    take them off the changes. Call it after each applied event."""
    for publication in changes.publications:
        write_publication(conn, gen, publication, model_standings(model, publication.month))
    changes.publications = []
