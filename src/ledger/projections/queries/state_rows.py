"""Agencies' fold state put together from the stored rows, never from `rm_agency.state`.

For the one reader that needs every fact of an agency as the fold holds it, the what-if
preview (it puts a draft's terms on the deductions and scores again). Each fact comes from the
row the fold wrote for it:

| state | rows |
|---|---|
| registration and deregistration | the agency's newest `rm_agency_version` |
| deductions (and their disputes) | `rm_deduction.resource`, with `serious` and `rectifiable` from `rm_deduction_terms` |
| attendance | `rm_attendance` with its `rm_session`, in log order |
| secondments | `rm_secondment`, in the order they started (`seq`) |
| purchaser ratings | `rm_rating`, in log order |
| provincial scores | `rm_provincial` |

A generation holds them all only when `rm_versioned` lists the kinds `NEEDED`; one built by an
earlier release does not, and its readers fold the log instead. A property test
(tests/projections/test_row_readers.py) checks that the states equal the fold's, agency by
agency, with the stored fold states made unreadable.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from ledger.domain.scoring import DOUBLING_WINDOW_DAYS
from ledger.projections.model.codec import loads
from ledger.projections.model.fact_rows import PROVINCIAL, RATING, TERMS
from ledger.projections.model.history_rows import AGENCY, agency_of_version
from ledger.projections.model.secondment_rows import KIND as SECONDMENT
from ledger.projections.model.state import (
    AgencyState, AttendanceState, DeductionState, DisputeState, RatingState, SecondmentState,
)
from ledger.projections.store import tables as t

# The kinds of rows (besides the current rows every generation has) a generation must hold
# from its first event for its agencies' states to be put together from rows.
NEEDED = (AGENCY, SECONDMENT, RATING, PROVINCIAL, TERMS)
CHUNK = 500  # credit codes per IN list


@contextmanager
def one_state(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see one state of the database, whatever is committed
    meanwhile: PostgreSQL's REPEATABLE READ; on SQLite one read transaction (in WAL mode a
    reader keeps the snapshot of its first read until its transaction ends). Read only: the
    transaction is rolled back when the connection closes. An in-memory SQLite database has one
    connection, shared: nothing else can commit between its reads, and a transaction opened
    on it would be every other user's too, so none is."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        elif conn.dialect.name == "sqlite" and not _in_memory(engine) and \
                not conn.connection.dbapi_connection.in_transaction:
            conn.exec_driver_sql("BEGIN")
        yield conn


def _in_memory(engine: Engine) -> bool:
    url = engine.url
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def agencies_from_rows(conn: Connection, gen: int, codes: Collection[str],
                       period: tuple[date, date] | None = None,
                       facts: bool = True) -> dict[str, AgencyState]:
    """The fold state of each of `codes` registered in generation `gen`, from its rows, by
    credit code.

    With a `period` (first, last day), only what the figures of its months and years can
    depend on: the deductions found in its months or those of the doubling window before it
    (`scoring.DOUBLING_WINDOW_DAYS`: an earlier same-code deduction can double one found in
    the period), and the other facts dated in its years; a state for those figures only.
    `facts=False`: registration and deductions only (all a month's figures depend on)."""
    since = until = None
    if period is not None:
        since, until = period[0] - timedelta(days=DOUBLING_WINDOW_DAYS), period[1]
    wanted = sorted(set(codes))
    years = None if period is None else (period[0].year, period[1].year)
    sessions = _sessions(conn, gen, years) if facts and wanted else {}
    agencies: dict[str, AgencyState] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start:start + CHUNK]
        agencies.update(_registrations(conn, gen, chunk))
        _add_deductions(conn, gen, chunk, agencies, since, until)
        if facts:
            _add_facts(conn, gen, chunk, agencies, years, sessions)
    return agencies


def _within(column: Any, years: tuple[int, int] | None) -> tuple:
    """The condition that a date `column` falls in `years` (first, last); none for None."""
    return () if years is None else \
        (column >= date(years[0], 1, 1), column <= date(years[1], 12, 31))


def _sessions(conn: Connection, gen: int,
              years: tuple[int, int] | None) -> dict[str, tuple[str, date]]:
    """(kind, day) of every training session (held in `years`, when given), by id."""
    se = t.session.c
    return {r.id: (r.kind, r.held_on) for r in conn.execute(
        select(se.id, se.kind, se.held_on).where(se.gen == gen, *_within(se.held_on, years)))}


def _registrations(conn: Connection, gen: int, codes: list[str]) -> dict[str, AgencyState]:
    v = t.HISTORY[AGENCY]
    newest: dict[str, Any] = {}
    for row in conn.execute(select(v).where(v.c.gen == gen, v.c.code.in_(codes))
                            .order_by(v.c.valid_from)):
        newest[row.code] = row
    return {code: agency_of_version(row) for code, row in newest.items()}


def _add_deductions(conn: Connection, gen: int, codes: list[str],
                    agencies: dict[str, AgencyState], since: date | None,
                    until: date | None) -> None:
    # Two statements, each answered from its own index by agency (joined, SQLite scanned the
    # generation's terms for want of statistics on a new generation).
    terms = t.HISTORY[TERMS]
    held = {r.id: (r.serious, r.rectifiable) for r in conn.execute(
        select(terms.c.id, terms.c.serious, terms.c.rectifiable).where(
            terms.c.gen == gen, terms.c.agency.in_(codes)))}
    d = t.deduction.c
    query = select(d.resource).where(d.gen == gen, d.agency.in_(codes))
    if since is not None and until is not None:  # months, as the index (gen, agency, month)
        query = query.where(d.month >= month_of(since), d.month <= month_of(until))
    for resource in conn.execute(query.order_by(d.position)).scalars():
        stored = loads(resource)
        found = stored["deduction"]
        agencies[found["agency"]].add_deduction(deduction_of_stored(stored, *held[found["id"]]))


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def deduction_of_stored(stored: dict, serious: bool, rectifiable: bool) -> DeductionState:
    """A deduction's fold state from its stored resource (`views.stored_deduction`: the
    deduction's and its dispute's) and its class as recorded (`rm_deduction_terms`)."""
    d, s = stored["deduction"], stored["dispute"]
    rectification = d["rectification"]
    dispute = None if s is None else DisputeState(
        id=s["id"], grounds=s["grounds"], filed_on=s["filed_on"], review_due=s["review_due"],
        filed_by=s["filed_by"], position=s["position"], outcome=s["outcome"],
        points=s["points"], reasoning=s["reasoning"], decided_on=s["decided_on"],
        decided_by=s["decided_by"], calendar=s["calendar"])
    return DeductionState(
        id=d["id"], agency=d["agency"], rule_code=d["rule_code"],
        rule_version=d["rule_version"], base_points=d["base_points"], serious=serious,
        rectifiable=rectifiable, found_on=d["found_on"], notified_on=d["notified_on"],
        reason=d["reason"], project_ref=d["project_ref"], evidence=d["evidence"],
        rectification_due=d["rectification_due"], dispute_deadline=d["dispute_deadline"],
        calendar=d["calendar"], recorded_by=d["recorded_by"], recorded_at=d["recorded_at"],
        position=d["position"], withdrawn=d["status"] == "withdrawn",
        withdrawal_reason=d["withdrawal_reason"],
        rectified_on=rectification["completed_on"] if rectification else None,
        rectification_note=rectification["note"] if rectification else None,
        dispute=dispute)


def _add_facts(conn: Connection, gen: int, codes: list[str],
               agencies: dict[str, AgencyState], years: tuple[int, int] | None,
               sessions: dict[str, tuple[str, date]]) -> None:
    """Attendance (at `sessions`: those held in `years`), secondments, ratings and provincial
    scores (those dated in `years`, first and last, when given: what an evaluation of those
    years takes of them)."""
    at = t.attendance.c
    # Attendance by the agency's index, its sessions read once (`_sessions`) and put with it
    # here: joined with a condition on the sessions' days, SQLite started from the sessions.
    for agency, session_id, staff_ref, staff_name in conn.execute(
            select(at.agency, at.session_id, at.staff_ref, at.staff_name).where(
                at.gen == gen, at.agency.in_(codes)).order_by(at.position)).tuples():
        held = sessions.get(session_id)
        if held is not None:
            agencies[agency].attendance.append(
                AttendanceState(session_id, held[0], held[1], staff_ref, staff_name))
    s = t.secondment.c
    for r in conn.execute(select(t.secondment).where(s.gen == gen, s.agency.in_(codes))
                          .order_by(s.agency, s.seq)):
        agencies[r.agency].secondments[r.id] = secondment_of_row(r)
    ratings = t.HISTORY[RATING]
    for r in conn.execute(select(ratings).where(ratings.c.gen == gen,
                                                ratings.c.agency.in_(codes),
                                                *_within(ratings.c.rated_on, years))
                          .order_by(ratings.c.valid_from)):
        agencies[r.agency].ratings.append(
            RatingState(r.id, r.rated_on, r.purchaser, r.project_ref, Decimal(r.rating)))
    p = t.provincial.c
    for r in conn.execute(select(p.agency, p.year, p.score).where(
            p.gen == gen, p.agency.in_(codes),
            *(() if years is None else (p.year >= years[0], p.year <= years[1])))):
        agencies[r.agency].provincial[r.year] = Decimal(r.score)


def secondment_of_row(row: Any) -> SecondmentState:
    """A secondment as its stored row holds it (`secondment_rows`)."""
    return SecondmentState(row.id, row.staff_ref, row.staff_name, row.department,
                           row.started_on, row.ended_on)
