"""Rows as of a log position, looked up in the history tables (`history_rows` writes them).

The version of a key as of position P is the one with the greatest `valid_from` <= P: one
index lookup on (gen, key…, valid_from), whatever the length of the log or of the key's history.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ledger.projections.store import tables as t
from ledger.projections.store.standings import (  # noqa: F401 (read here too)
    agencies_as_of, figures_of, month_rows_as_of,
)
from ledger.projections.model.codec import loads
from ledger.projections.model.history_rows import agency_of_version
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import NO_DEDUCTIONS, MonthFigures

AGENCY_V = t.HISTORY["agency"]
MONTH_V = t.HISTORY["month"]
DEDUCTION_V = t.HISTORY["deduction"]


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
    # One statement: the month version (its greatest valid_from <= position) joined with the
    # deduction versions of that valid_from; a month version always has deductions.
    latest = select(m.valid_from).where(
        m.gen == gen, m.agency == code, m.month == month, m.valid_from <= position) \
        .order_by(m.valid_from.desc()).limit(1).scalar_subquery()
    rows = conn.execute(select(m.score, m.deducted_points, m.pending_points, d.resource).join(
        DEDUCTION_V, (d.gen == m.gen) & (d.agency == m.agency) & (d.month == m.month)
        & (d.valid_from == m.valid_from)).where(
        m.gen == gen, m.agency == code, m.month == month, m.valid_from == latest)).all()
    if not rows:
        return NO_DEDUCTIONS, []
    return figures_of(rows[0]), [loads(r.resource) for r in rows]


def deductions_as_of(conn: Connection, gen: int, code: str, position: int) -> list[dict]:
    """Every deduction of the agency as of `position` (stored resources, in no order)."""
    m, d = MONTH_V.c, DEDUCTION_V.c
    latest = select(m.month, func.max(m.valid_from).label("valid_from")).where(
        m.gen == gen, m.agency == code, m.valid_from <= position).group_by(m.month).subquery()
    rows = conn.execute(select(d.resource).join(
        latest, (d.month == latest.c.month) & (d.valid_from == latest.c.valid_from))
        .where(d.gen == gen, d.agency == code)).scalars()
    return [loads(r) for r in rows]
