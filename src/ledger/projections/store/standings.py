"""A month's standings as of a log position, from the history rows (`tables.HISTORY`).

Every agency registered as of the position (its `agency` version then) with its month version
then (none: no deduction in the month yet, `views.NO_DEDUCTIONS`), ranked by `views.ranked`.
The as-of read of the standings (`queries/read_overview.py`) and a sharded rebuild's frozen
publications (`bulk.ShardedRebuild`) both use it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledger.projections.model.history_rows import agency_of_version
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import (
    MonthFigures, ranked, registered_in, standing_row, stored_figures,
)
from ledger.projections.store import tables as t

AGENCY_V = t.HISTORY["agency"]
MONTH_V = t.HISTORY["month"]


def newest_as_of(conn: Connection, table: Any, key: Any, columns: tuple, gen: int,
                 position: int, *where: Any) -> dict[str, Any]:
    """The version of each `key` (a column of the history `table`) as of `position`, by key:
    the row (its `key` and `columns`) with the greatest `valid_from` <= position, among the
    rows `where` selects."""
    c = table.c
    newest: dict[str, Any] = {}
    for row in conn.execute(select(key, *columns).where(c.gen == gen, c.valid_from <= position,
                                                        *where).order_by(c.valid_from)):
        newest[row[0]] = row
    return newest


def agencies_as_of(conn: Connection, gen: int, position: int) -> list[AgencyState]:
    """Every agency registered as of `position`, as of then."""
    c = AGENCY_V.c
    found = newest_as_of(conn, AGENCY_V, c.code, tuple(x for x in c if x is not c.code),
                         gen, position)
    return [agency_of_version(r) for r in found.values()]


def month_rows_as_of(conn: Connection, gen: int, month: str, position: int) -> dict[str, Any]:
    """Every agency's month row (score, deducted and pending points) as of `position`, by
    credit code; agencies without deductions in the month then have none."""
    m = MONTH_V.c
    return newest_as_of(conn, MONTH_V, m.agency, (m.score, m.deducted_points, m.pending_points),
                        gen, position, m.month == month)


def figures_of(row: Any | None) -> MonthFigures:
    """A month version's figures (its deductions' effects are in their own versions); None (no
    version: no deduction in the month) gives `views.NO_DEDUCTIONS`."""
    return stored_figures(None if row is None else
                          (row.score, row.deducted_points, row.pending_points))


def standings_as_of(conn: Connection, gen: int, month: str, position: int) -> list[dict]:
    """The month's standings as they stood at `position`, ranked."""
    months = month_rows_as_of(conn, gen, month, position)
    return ranked([standing_row(a.code, a.name, figures_of(months.get(a.code)))
                   for a in agencies_as_of(conn, gen, position) if registered_in(a, month)])
