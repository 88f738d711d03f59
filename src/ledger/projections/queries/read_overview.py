"""Reads over every agency: monthly and annual standings, training statistics."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ledger.domain.errors import NotFound
from ledger.domain.scoring import month_bounds
from ledger.projections.store import tables as t
from ledger.projections.queries.annual_ranking import (  # noqa: F401 (annual_row: read here too)
    AnnualStandings, annual_row, year_rows_as_of,
)
from ledger.projections.queries.asof import AsOf
from ledger.projections.model.codec import loads
from ledger.projections.queries.ranking import CurrentStandings, window
from ledger.projections.queries.read_base import ReadBase
from ledger.projections.store.runner import ASSESSMENTS, EVENT_INDEX
from ledger.projections.model.state import AgencyState
from ledger.projections.model.evaluation_rows import KIND as EVALUATION
from ledger.projections.store.standings import standings_as_of
from ledger.projections.model.history_rows import AGENCY, MONTH
from ledger.projections.model.views import month_standings, ranked, through_of

PUBLICATIONS_KEPT = 3  # decoded published standings kept (~15 MB each at 20,000 agencies)


class OverviewReads(ReadBase):
    """Standings (current, published, annual) and the year's training statistics."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._current = CurrentStandings(self.runner)
        self._annual = AnnualStandings(self.runner, self.as_of_reader)
        self._published: OrderedDict[tuple, list[dict]] = OrderedDict()
        self._published_lock = threading.Lock()

    def standings(self, month: str | None = None, basis: str = "current",
                  as_of: AsOf | None = None, limit: int | None = None, offset: int = 0,
                  agency: str | None = None) -> dict:
        """A month's standings: all rows, `limit` rows from `offset`, or one agency's row.

        Ranks are always over the whole list; `total` is its length.
        """
        position, today = self.as_of_reader.resolve(as_of) if as_of is not None else (None, None)
        gen = self._gen()
        page = {"limit": limit, "offset": offset}
        with self.engine.connect() as conn:
            publications = self._publications(conn, gen, month, position)
            if month is None:
                if not publications:
                    raise NotFound("No month has been published yet.")
                month = max(publications, key=lambda r: (r.month, r.revision)).month
                publications = [r for r in publications if r.month == month]
            if basis == "published":
                if not publications:
                    raise NotFound(f"Month {month} has not been published.")
                latest = max(publications, key=lambda r: r.revision)
                rows = self._published_rows(conn, gen, latest)
                return {"month": month, "basis": basis, "revision": latest.revision,
                        "published_on": latest.published_on, "position": latest.position,
                        "total": len(rows), **page,
                        "rows": window(rows, limit, offset, agency)}
        head = {"month": month, "basis": basis, "revision": None, **page}
        if position is None:
            today = self.today()
        if month_bounds(month)[0] > today:  # a month that has not begun assesses nobody yet
            return {**head, "total": 0, "rows": []}
        if position is None:
            rows, total = self._current.page(month, limit, offset, agency)
            return {**head, "total": total, "rows": rows}
        held = self._history_as_of(as_of, (AGENCY, MONTH))
        if held is not None:
            # Every agency's registration and month row as of the position (`_history_as_of`
            # caught the read models up to at least it).
            gen, position, _ = held
            with self.engine.connect() as conn:
                rows = standings_as_of(conn, gen, month, position)
        else:
            model = self.as_of_reader.model(position)
            rows = month_standings(model.agencies.values(), month)
        return {**head, "total": len(rows), "rows": window(rows, limit, offset, agency)}

    def _publications(self, conn: Connection, gen: int, month: str | None,
                      position: int | None) -> list:
        """The publications (not their rows) of the month, or of every month."""
        p = t.publication.c
        query = select(p.month, p.revision, p.published_on, p.position).where(p.gen == gen)
        if position is not None:
            query = query.where(p.position <= position)
        if month is not None:
            query = query.where(p.month == month)
        return conn.execute(query.order_by(p.position)).all()

    def _published_rows(self, conn: Connection, gen: int, publication) -> list[dict]:
        """A publication's frozen rows, decoded once: they never change within a generation."""
        key = (gen, publication.month, publication.revision)
        with self._published_lock:
            rows = self._published.get(key)
            if rows is None:
                p = t.publication.c
                rows = loads(conn.execute(select(p.rows).where(
                    p.gen == gen, p.month == publication.month,
                    p.revision == publication.revision)).scalar_one())
                self._published[key] = rows
            self._published.move_to_end(key)
            while len(self._published) > PUBLICATIONS_KEPT:
                self._published.popitem(last=False)
        return rows

    def annual_standings(self, year: int, as_of: AsOf | None = None, limit: int | None = None,
                         offset: int = 0, agency: str | None = None) -> dict:
        """A year's standings by annual score: all rows, a page, or one agency's row."""
        page = {"year": year, "limit": limit, "offset": offset}
        if as_of is not None:
            held = self._history_as_of(as_of, (AGENCY, EVALUATION))
            if held is not None:
                # Every agency's registration and evaluation version as of the position.
                gen, position, today = held
                with self.engine.connect() as conn:
                    found, missing = year_rows_as_of(conn, gen, year, through_of(year, today),
                                                     position)
                for code in missing:  # a version without today's through: fold the agency
                    row = annual_row(self.as_of_reader.model(position, code).agencies[code],
                                     year, today)
                    if row is not None:
                        found.append(row)
                rows = ranked(found)
            else:  # a generation built before agency or evaluation versions: fold the log
                position, today = self.as_of_reader.resolve(as_of)
                agencies = list(self.as_of_reader.model(position).agencies.values())
                rows = annual_rows(agencies, year, today)
            return {**page, "total": len(rows), "rows": window(rows, limit, offset, agency)}
        gen, today = self._gen(), self.today()
        if self._versioned(gen):
            rows, total = self._annual.page(year, through_of(year, today), limit, offset, agency)
            return {**page, "total": total, "rows": rows}

        def compute() -> list[dict]:  # a generation built before evaluations were stored
            return annual_rows(self._folded_all(gen)[1], year, today)  # the log folded
        rows = self._memo(("annual", year), compute)
        return {**page, "total": len(rows), "rows": window(rows, limit, offset, agency)}

    def training_statistics(self, year: int, as_of: AsOf | None = None) -> dict:
        """Sessions by kind, agencies trained, person-times (in total and by kind)."""
        # The rows of sessions and attendance, as of a position too: an attendance row keeps
        # its event's position, and a session was recorded by then when the first event of
        # its stream in the event index (its recording) is at or before it (a session's kind
        # and day never change).
        position = None if as_of is None else self.as_of_reader.resolve(as_of)[0]
        # Caught up to the head (so at least to `position`); the event index only as of one.
        gens = self.refresh((ASSESSMENTS,) if position is None else (ASSESSMENTS, EVENT_INDEX))
        gen = gens[ASSESSMENTS]
        s, a, e = t.session.c, t.attendance.c, t.event.c
        attended = select(a.session_id, a.agency).where(a.gen == gen)
        if position is not None:
            attended = attended.where(a.position <= position)
        with self.engine.connect() as conn:
            sessions = {r.id: r.kind for r in conn.execute(select(s.id, s.kind).where(
                s.gen == gen, s.held_on >= date(year, 1, 1), s.held_on <= date(year, 12, 31)))}
            if position is not None and sessions:
                # Grouped by stream, so that each is looked up by its index (gen, originator_id).
                recorded = conn.execute(select(e.originator_id, func.min(e.position)).where(
                    e.gen == gens[EVENT_INDEX], e.originator_id.in_(list(sessions)))
                    .group_by(e.originator_id)).all()
                sessions = {oid: sessions[oid] for oid, first in recorded if first <= position}
            people = [(r.session_id, r.agency) for r in conn.execute(attended)
                      if r.session_id in sessions]
        by_kind: dict[str, int] = {}
        for kind in sessions.values():
            by_kind[kind] = by_kind.get(kind, 0) + 1
        person_times: dict[str, int] = {}
        for session_id, _ in people:
            kind = sessions[session_id]
            person_times[kind] = person_times.get(kind, 0) + 1
        return {"year": year, "sessions": by_kind, "agencies": len({c for _, c in people}),
                "person_times": len(people), "person_times_by_kind": person_times}

    def training_session(self, session_id: str) -> dict:
        gen = self._gen()
        with self.engine.connect() as conn:
            r = conn.execute(select(t.session).where(
                t.session.c.gen == gen, t.session.c.id == str(session_id))).first()
        if r is None:
            raise NotFound(f"No training session {session_id}.")
        return session_resource(r.id, r, r.attendance)


def session_resource(session_id: str, s: Any, attendance: int) -> dict:
    """A training session, from its read-model row or its aggregate (same attributes)."""
    return {"id": str(session_id), "kind": s.kind, "held_on": s.held_on, "topic": s.topic,
            "hours": Decimal(s.hours), "attendance": attendance}


def annual_rows(agencies: list[AgencyState], year: int, today: date) -> list[dict]:
    """Annual standings rows: every agency with an annual score, ranked."""
    return ranked([row for row in (annual_row(a, year, today) for a in agencies)
                   if row is not None])

