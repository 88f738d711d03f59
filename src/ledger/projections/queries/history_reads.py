"""Rows as of a log position, looked up in the history tables (`history_rows` writes them).

The version of a key as of position P is the one with the greatest `valid_from` <= P: one
index lookup on (gen, key…, valid_from), whatever the length of the log or of the key's history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, cast, literal, null, select, union_all
from sqlalchemy.engine import Connection

from ledger.projections.store import tables as t
from ledger.projections.store.standings import (  # noqa: F401 (read here too)
    agencies_as_of, figures_of, month_rows_as_of, newest_as_of,
)
from ledger.projections.model.history_rows import agency_of_version, stored_of_versions
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import NO_DEDUCTIONS, MonthFigures

AGENCY_V = t.HISTORY["agency"]
MONTH_V = t.HISTORY["month"]
DEDUCTION_V = t.HISTORY["deduction"]
EVALUATION_V = t.HISTORY["evaluation"]


def agency_as_of(conn: Connection, gen: int, code: str, position: int) -> AgencyState | None:
    """The agency's registration as of `position`; None when it was not registered yet."""
    c = AGENCY_V.c
    row = conn.execute(select(AGENCY_V).where(
        c.gen == gen, c.code == code, c.valid_from <= position)
        .order_by(c.valid_from.desc()).limit(1)).first()
    return agency_of_version(row) if row is not None else None


def agency_known(conn: Connection, gen: int, code: str) -> bool:
    """The agency is registered at some position of the generation."""
    c = AGENCY_V.c
    return conn.execute(select(c.code).where(c.gen == gen, c.code == code).limit(1)) \
        .first() is not None


def month_as_of(conn: Connection, gen: int, code: str, month: str,
                position: int) -> tuple[MonthFigures, list[dict]]:
    """The month's figures as of `position` and its deductions' stored resources then."""
    m, d = MONTH_V.c, DEDUCTION_V.c
    # One statement: the month version (its greatest valid_from <= position), then every
    # version of the month's deductions up to the position, oldest first (a version is
    # written only when its content changes: each deduction's latest one holds).
    text = lambda: cast(null(), Text)  # noqa: E731 - typed NULLs for the other part's columns
    version = select(literal(0).label("part"), m.valid_from, text().label("id"),
                     m.score, m.deducted_points, m.pending_points,
                     text().label("resource")).where(
        m.gen == gen, m.agency == code, m.month == month, m.valid_from <= position) \
        .order_by(m.valid_from.desc()).limit(1)
    deductions = select(literal(1), d.valid_from, d.id, text(), text(), text(),
                        d.resource).where(
        d.gen == gen, d.agency == code, d.month == month, d.valid_from <= position)
    both = union_all(version.subquery().select(), deductions).subquery()
    rows = conn.execute(select(both).order_by(both.c.part, both.c.valid_from)).all()
    figures, versions = NO_DEDUCTIONS, {}
    for row in rows:
        if row.part == 0:
            figures = figures_of(row)
        else:
            versions.setdefault(row.id, []).append(row.resource)
    return figures, [stored_of_versions(v) for v in versions.values()]


def deductions_as_of(conn: Connection, gen: int, code: str | None,
                     position: int) -> list[dict]:
    """Every deduction of the agency (of every agency when `code` is None) as of `position`
    (stored resources, in no order): the latest version of each up to the position
    (`history_rows.stored_of_versions`)."""
    d = DEDUCTION_V.c
    versions: dict[str, list[str]] = {}
    query = select(d.id, d.resource).where(d.gen == gen, d.valid_from <= position)
    if code is not None:
        query = query.where(d.agency == code)
    for row in conn.execute(query.order_by(d.valid_from)):
        versions.setdefault(row.id, []).append(row.resource)
    return [stored_of_versions(v) for v in versions.values()]



def evaluations_as_of(conn: Connection, gen: int, year: int, position: int) -> dict[str, Any]:
    """Every agency's evaluation version of `year` as of `position` (first_through, standing),
    by credit code; agency-years without a fact then have none."""
    e = EVALUATION_V.c
    return newest_as_of(conn, EVALUATION_V, e.agency, (e.first_through, e.standing), gen,
                        position, e.year == year)
