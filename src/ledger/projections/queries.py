"""The read side's one entry point for the API and the CLI: queries return plain values.

Values are str, int, bool, None, Decimal (exact scores and points), date, datetime (UTC), or
dicts and lists of those. Unknown ids raise NotFound. `as_of` answers from the events recorded
at or before that moment only, by folding the relevant streams up to it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ledger.config import today_in_china
from ledger.domain.errors import NotFound
from ledger.domain.scoring import month_bounds
from ledger.projections import tables as t
from ledger.projections.asof import AsOf, AsOfReader
from ledger.projections.codec import agency_from_json, loads
from ledger.projections.fold import Changes
from ledger.projections.runner import ASSESSMENTS, EVENT_INDEX, NAMES, Projections
from ledger.projections.state import AgencyState
from ledger.projections.views import (
    deduction_effect, deduction_resource, dispute_resource, evaluation_resource,
    month_resource, month_standing_row, ranked, rectification_state, registered_in,
)
from ledger.projections.writer import standings_rows

__all__ = ["AsOf", "ReadSide"]


class ReadSide:
    """Queries over the read models, always caught up with the log before answering."""

    def __init__(self, ledger: Any, today: Callable[[], date] = today_in_china) -> None:
        self.runner = Projections(ledger)
        self.engine = self.runner.engine
        self.as_of_reader = AsOfReader(self.runner)
        self.today = today
        self._rebuilds: dict[str, threading.Thread] = {}
        self._memo_rows: dict[tuple, list[dict]] = {}

    # -- freshness ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Apply any events the read models have not seen yet."""
        head = self.runner.head()
        for name in NAMES:
            if self.runner.active(name)[1] < head:
                self.runner.catch_up(name)

    def wait_for(self, position: int, timeout: float = 10.0) -> None:
        """Block until every projection has applied `position` (read-your-writes)."""
        deadline = time.monotonic() + timeout
        for name in NAMES:
            while self.runner.active(name)[1] < position:
                self.runner.catch_up(name, until=position)
                if self.runner.active(name)[1] >= position:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"projection {name} has not reached {position}")
                time.sleep(0.01)

    def resolve_as_of(self, as_of: AsOf) -> int:
        return self.as_of_reader.resolve(as_of)[0]

    def _memo(self, key: tuple, compute: Callable[[], list[dict]]) -> list[dict]:
        """Rows computed once per state of the read models (generation, position) and day."""
        gen, position = self.runner.active(ASSESSMENTS)
        full = (*key, gen, position, self.today())
        rows = self._memo_rows.get(full)
        if rows is None:
            rows = compute()
            if len(self._memo_rows) >= 64:
                self._memo_rows.clear()
            self._memo_rows[full] = rows
        return [dict(r) for r in rows]

    def _gen(self, name: str = ASSESSMENTS) -> int:
        self.refresh()
        return self.runner.active(name)[0]

    # -- agencies and months --------------------------------------------------------------

    def _agency_state(self, code: str, as_of: AsOf | None = None,
                      changes: Changes | None = None) -> tuple[AgencyState, date]:
        if as_of is not None:
            position, today = self.as_of_reader.resolve(as_of)
            model = self.as_of_reader.model(position, code, changes)
            return model.agencies[code], today
        gen = self._gen()
        with self.engine.connect() as conn:
            state = conn.execute(select(t.agency.c.state).where(
                t.agency.c.gen == gen, t.agency.c.code == code)).scalar()
        if state is None:
            raise NotFound(f"No agency with credit code {code}.")
        return agency_from_json(state), self.today()

    def agency(self, code: str) -> dict:
        a, _ = self._agency_state(code)
        return {"credit_code": a.code, "name": a.name, "registered_on": a.registered_on,
                "deregistered_on": a.deregistered_on}

    def agencies(self) -> list[dict]:
        """Every agency the ledger knows, by credit code."""
        gen, c = self._gen(), t.agency.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.code, c.name, c.registered_on, c.deregistered_on).where(
                c.gen == gen).order_by(c.code)).all()
        return [{"credit_code": r.code, "name": r.name, "registered_on": r.registered_on,
                 "deregistered_on": r.deregistered_on} for r in rows]

    def staff_records(self, code: str) -> dict:
        """An agency's training attendance (with each session's kind and date) and secondments."""
        a, _ = self._agency_state(code)
        return {"attendance": [dict(x.__dict__) for x in a.attendance],
                "secondments": [dict(s.__dict__) for s in a.secondments.values()]}

    def month(self, code: str, month: str, as_of: AsOf | None = None) -> dict:
        a, today = self._agency_state(code, as_of)
        return month_resource(a, month, today)

    def deductions(self, code: str, month: str | None = None, status: str | None = None,
                   as_of: AsOf | None = None) -> list[dict]:
        a, _ = self._agency_state(code, as_of)
        found = sorted(a.deductions.values(), key=lambda d: d.position)
        return [deduction_resource(d, deduction_effect(a, d)) for d in found
                if (month is None or d.month == month) and (status is None or d.status == status)]

    def evaluation(self, code: str, year: int, as_of: AsOf | None = None) -> dict:
        a, today = self._agency_state(code, as_of)
        return evaluation_resource(a, year, today)

    def secondment(self, secondment_id: str) -> dict:
        code = secondment_id.rpartition("-S")[0]
        try:
            a, _ = self._agency_state(code)
            s = a.secondments[secondment_id]
        except (NotFound, KeyError):
            raise NotFound(f"No secondment {secondment_id}.") from None
        return {"id": s.id, "agency": a.code, "staff_ref": s.staff_ref,
                "staff_name": s.staff_name, "department": s.department,
                "started_on": s.started_on, "ended_on": s.ended_on,
                "days": (s.ended_on - s.started_on).days + 1 if s.ended_on else None}

    # -- trails and events ----------------------------------------------------------------

    def trail(self, code: str, month: str, as_of: AsOf | None = None) -> dict:
        """The month's audit trail: every event that made or changed its score, in log order."""
        if as_of is not None:
            changes = Changes()
            a, today = self._agency_state(code, as_of, changes)
            entries = [e.__dict__ | {} for e in changes.trail if e.month == month
                       and e.agency == code]
        else:
            a, today = self._agency_state(code)
            gen = self._gen()
            c = t.trail.c
            with self.engine.connect() as conn:
                rows = conn.execute(select(t.trail).where(
                    c.gen == gen, c.agency == code, c.month == month).order_by(c.position))
                entries = [dict(r._mapping) for r in rows]
            for e in entries:
                for key in ("score_before", "score_after"):
                    e[key] = Decimal(e[key]) if e[key] is not None else None
        entries = self._with_registration(a, month, entries)
        result = month_resource(a, month, today)
        return {"agency": code, "month": month, "score": result["score"],
                "entries": [{k: e[k] for k in (
                    "position", "recorded_at", "recorded_by", "event", "deduction_id",
                    "summary", "score_before", "score_after")} for e in entries]}

    def _with_registration(self, a: AgencyState, month: str, entries: list[dict]) -> list[dict]:
        """Registration makes a month assessed; deregistration can end that."""
        if registered_in(a, month):
            entries.insert(0, {
                "position": a.registered_position, "recorded_at": a.registered_at,
                "recorded_by": a.registered_by, "event": "AgencyRegistered",
                "deduction_id": None, "summary": f"{a.name} registered on {a.registered_on}",
                "score_before": None, "score_after": Decimal(100)})
        elif a.deregistration is not None and a.registered_on <= month_last(month):
            last = entries[-1]["score_after"] if entries else Decimal(100)
            entries.append({
                "position": a.deregistration["position"],
                "recorded_at": a.deregistration["recorded_at"],
                "recorded_by": a.deregistration["recorded_by"], "event": "AgencyDeregistered",
                "deduction_id": None,
                "summary": f"deregistered on {a.deregistered_on}; the month is not assessed",
                "score_before": last, "score_after": None})
        return entries

    def agency_events(self, code: str, as_of: AsOf | None = None) -> list[dict]:
        self.agency(code)
        gen = self._gen(EVENT_INDEX)
        e = t.event.c
        query = select(t.event).where(e.gen == gen, e.agency == code)
        if as_of is not None:
            query = query.where(e.position <= self.resolve_as_of(as_of))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(e.position)).all()
        return [{"position": r.position, "recorded_at": r.recorded_at,
                 "recorded_by": r.recorded_by, "event": r.event, "data": loads(r.data)}
                for r in rows]

    # -- deductions and disputes by id ----------------------------------------------------

    def _deduction_row(self, where: Any) -> Any:
        gen = self._gen()
        with self.engine.connect() as conn:
            return conn.execute(select(t.deduction.c.agency, t.deduction.c.id).where(
                t.deduction.c.gen == gen, where)).first()

    def deduction(self, deduction_id: str) -> dict:
        row = self._deduction_row(t.deduction.c.id == str(deduction_id))
        if row is None:
            raise NotFound(f"No deduction {deduction_id}.")
        a, _ = self._agency_state(row.agency)
        d = a.deductions[row.id]
        return deduction_resource(d, deduction_effect(a, d))

    def dispute(self, dispute_id: str) -> dict:
        row = self._deduction_row(t.deduction.c.dispute_id == str(dispute_id))
        if row is None:
            raise NotFound(f"No dispute {dispute_id}.")
        a, today = self._agency_state(row.agency)
        return dispute_resource(a.deductions[row.id], today)

    def disputes(self, status: str | None = None, agency: str | None = None,
                 as_of: AsOf | None = None) -> list[dict]:
        """Disputes in filing order, optionally only those with a status or of one agency."""
        if as_of is not None:
            position, today = self.as_of_reader.resolve(as_of)
            model = self.as_of_reader.model(position, agency)
            found = [d for a in model.agencies.values() for d in a.deductions.values()
                     if d.dispute is not None]
        else:
            gen, today = self._gen(), self.today()
            c = t.deduction.c
            query = select(c.agency, c.id).where(c.gen == gen, c.dispute_id.is_not(None))
            if agency is not None:
                query = query.where(c.agency == agency)
            if status is not None:
                query = query.where(c.dispute_status == status)
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            states: dict[str, AgencyState] = {}
            found = []
            for row in rows:
                if row.agency not in states:
                    states[row.agency] = self._agency_state(row.agency)[0]
                found.append(states[row.agency].deductions[row.id])
        result = [dispute_resource(d, today) for d in found
                  if agency is None or d.agency == agency]
        if status is not None:
            result = [r for r in result if r["status"] == status]
        return sorted(result, key=lambda r: r["position"])

    def rectifications(self, state: str | None = None, agency: str | None = None,
                       as_of: AsOf | None = None) -> list[dict]:
        """The rectification queue: deductions that take one, with their state, due first.

        States: open (not yet rectified, due date not passed), overdue, on_time, late.
        """
        if as_of is not None:
            position, today = self.as_of_reader.resolve(as_of)
            model = self.as_of_reader.model(position, agency)
            found = [deduction_resource(d, deduction_effect(a, d))
                     for a in model.agencies.values() for d in a.deductions.values()]
        else:
            gen, today = self._gen(), self.today()
            c = t.deduction.c
            query = select(c.resource).where(
                c.gen == gen, c.rectification_due.is_not(None),
                c.status.not_in(("withdrawn", "overturned")))
            if agency is not None:
                query = query.where(c.agency == agency)
            with self.engine.connect() as conn:
                found = [loads(r)["deduction"] for r in conn.execute(query).scalars()]
        result = []
        for d in found:
            d["rectification_state"] = rectification_state(d, today)
            if d["rectification_state"] != "none" and state in (None, d["rectification_state"]):
                result.append(d)
        return sorted(result, key=lambda d: (d["rectification_due"], d["agency"], d["position"]))

    # -- standings and training -----------------------------------------------------------

    def standings(self, month: str | None = None, basis: str = "current",
                  as_of: AsOf | None = None) -> dict:
        position = self.resolve_as_of(as_of) if as_of is not None else None
        gen = self._gen()
        p = t.publication.c
        with self.engine.connect() as conn:
            query = select(t.publication).where(p.gen == gen)
            if position is not None:
                query = query.where(p.position <= position)
            if month is not None:
                query = query.where(p.month == month)
            publications = conn.execute(query.order_by(p.position)).all()
            if month is None:
                if not publications:
                    raise NotFound("No month has been published yet.")
                month = max(publications, key=lambda r: (r.month, r.revision)).month
                publications = [r for r in publications if r.month == month]
            if basis == "published":
                if not publications:
                    raise NotFound(f"Month {month} has not been published.")
                latest = max(publications, key=lambda r: r.revision)
                return {"month": month, "basis": basis, "revision": latest.revision,
                        "published_on": latest.published_on, "position": latest.position,
                        "rows": loads(latest.rows)}
            if position is None:
                today = self.today()
                rows = self._memo(("standings", month),
                                  lambda: standings_rows(conn, gen, month))
        if position is not None:
            _, today = self.as_of_reader.resolve(as_of)
            model = self.as_of_reader.model(position)
            rows = ranked([month_standing_row(a, month) for a in model.agencies.values()
                           if registered_in(a, month)])
        if month_bounds(month)[0] > today:
            rows = []  # a month that has not begun assesses nobody yet
        return {"month": month, "basis": basis, "revision": None, "rows": rows}

    def annual_standings(self, year: int, as_of: AsOf | None = None) -> dict:
        if as_of is not None:
            position, today = self.as_of_reader.resolve(as_of)
            agencies = list(self.as_of_reader.model(position).agencies.values())
            return {"year": year, "rows": annual_rows(agencies, year, today)}
        gen, today = self._gen(), self.today()

        def compute() -> list[dict]:
            with self.engine.connect() as conn:
                agencies = [agency_from_json(s) for s in conn.execute(
                    select(t.agency.c.state).where(t.agency.c.gen == gen)).scalars()]
            return annual_rows(agencies, year, today)
        return {"year": year, "rows": self._memo(("annual", year), compute)}

    def training_statistics(self, year: int, as_of: AsOf | None = None) -> dict:
        """Sessions by kind, agencies trained, person-times (in total and by kind)."""
        if as_of is not None:
            position, _ = self.as_of_reader.resolve(as_of)
            model = self.as_of_reader.model(position)
            sessions = {s.id: s.kind for s in model.sessions.values() if s.held_on.year == year}
            people = [(a.session_id, code) for code, ag in model.agencies.items()
                      for a in ag.attendance if a.session_id in sessions]
        else:
            gen = self._gen()
            s, a = t.session.c, t.attendance.c
            with self.engine.connect() as conn:
                sessions = {r.id: r.kind for r in conn.execute(select(s.id, s.kind).where(
                    s.gen == gen, s.held_on >= date(year, 1, 1),
                    s.held_on <= date(year, 12, 31)))}
                people = [(r.session_id, r.agency) for r in conn.execute(
                    select(a.session_id, a.agency).where(a.gen == gen))
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
        return {"id": r.id, "kind": r.kind, "held_on": r.held_on, "topic": r.topic,
                "hours": Decimal(r.hours), "attendance": r.attendance}

    # -- operating the projections --------------------------------------------------------

    def projections(self) -> list[dict]:
        """Each projection's name, position, lag and status."""
        return self.runner.status()

    def rebuild(self, name: str, wait: bool = False) -> None:
        """Rebuild one projection in a new generation while the current one keeps serving."""
        if name not in NAMES:
            raise NotFound(f"No projection {name!r}; projections are {', '.join(NAMES)}.")
        running = self._rebuilds.get(name)
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(target=self.runner.rebuild, args=(name,), daemon=True)
        self._rebuilds[name] = thread
        thread.start()
        if wait:
            thread.join()


def annual_rows(agencies: list[AgencyState], year: int, today: date) -> list[dict]:
    """Annual standings rows: every agency with an annual score, ranked."""
    rows = []
    for a in agencies:
        ev = evaluation_resource(a, year, today)
        if ev["score"] is not None:
            rows.append({"agency": a.code, "name": a.name, "score": ev["score"],
                         "grade": ev["grade"]})
    return ranked(rows)


def month_last(month: str) -> date:
    return month_bounds(month)[1]
