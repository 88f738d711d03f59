"""Reads about one agency: its record, months, deductions, evaluation, trail and events."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection

from ledger.domain.errors import NotFound
from ledger.domain.scoring import assessed, month_bounds
from ledger.projections.store import tables as t
from ledger.projections.queries.asof import AsOf
from ledger.projections.model.codec import loads, state_fields
from ledger.projections.model.evaluation_rows import empty_evaluation, resource_from_row
from ledger.projections.model.fold import Changes
from ledger.projections.queries.read_base import ReadBase
from ledger.projections.store.runner import EVENT_INDEX
from ledger.projections.model.secondment_rows import KIND as SECONDMENT
from ledger.projections.model.state import AgencyState, AttendanceState
from ledger.projections.queries import history_reads as history
from ledger.projections.queries.state_rows import secondment_of_row
from ledger.projections.model.history_rows import AGENCY, DEDUCTION, MONTH
from ledger.projections.model.views import (
    deduction_effect, deduction_resource, evaluation_resource, month_answer, month_resource,
    registered_in, stored_figures, through_of,
)

MONTH_KINDS = (AGENCY, MONTH, DEDUCTION)  # what an as-of month, its deductions or trail read
LATEST = 2 ** 62  # a position after every event: history lookups at it find the newest version


def agency_resource(code: str, a: Any) -> dict:
    """An agency's registration, from its folded state or its aggregate (same attributes)."""
    return {"credit_code": code, "name": a.name, "registered_on": a.registered_on,
            "deregistered_on": a.deregistered_on}


def secondment_resource(code: str, s: Any) -> dict:
    """A secondment, from the folded state's or the aggregate's (same attributes)."""
    return {"id": s.id, "agency": code, "staff_ref": s.staff_ref,
            "staff_name": s.staff_name, "department": s.department,
            "started_on": s.started_on, "ended_on": s.ended_on,
            "days": (s.ended_on - s.started_on).days + 1 if s.ended_on else None}


class AgencyReads(ReadBase):
    """One agency's figures, now or as of a past moment."""

    def agency(self, code: str) -> dict:
        gen, c = self._gen(), t.agency.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.name, c.registered_on, c.deregistered_on).where(
                c.gen == gen, c.code == code)).first()
        if row is None:
            raise NotFound(f"No agency with credit code {code}.")
        return agency_resource(code, row)

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
        gen = self._gen()
        if self._holds(gen, (SECONDMENT,)):
            ag, at, se = t.agency.c, t.attendance.c, t.session.c
            with self.engine.connect() as conn:
                if conn.execute(select(ag.code).where(ag.gen == gen, ag.code == code)) \
                        .first() is None:
                    raise NotFound(f"No agency with credit code {code}.")
                attendance = [AttendanceState(r.session_id, r.kind, r.held_on, r.staff_ref,
                                              r.staff_name)
                              for r in conn.execute(select(
                                  at.session_id, se.kind, se.held_on, at.staff_ref,
                                  at.staff_name).join(t.session, (se.gen == at.gen)
                                                      & (se.id == at.session_id))
                                  .where(at.gen == gen, at.agency == code)
                                  .order_by(at.position))]
                secondments = [secondment_of_row(r) for r in conn.execute(
                    select(t.secondment).where(t.secondment.c.gen == gen,
                                               t.secondment.c.agency == code)
                    .order_by(t.secondment.c.seq))]
        else:  # a generation built before secondment rows: the stored state
            a, _ = self._agency_state(code, gen=gen)
            attendance, secondments = a.attendance, list(a.secondments.values())
        return {"attendance": [{name: getattr(x, name) for name in state_fields(type(x))}
                               for x in attendance],
                "secondments": [dict(s.__dict__) for s in secondments]}

    def month(self, code: str, month: str, as_of: AsOf | None = None) -> dict:
        if as_of is not None:
            held = self._history_as_of(as_of, MONTH_KINDS)
            if held is not None:
                gen, position, today = held
                with self.engine.connect() as conn:
                    return self._month_as_of(conn, gen, position, today, code, month)[0]
            a, today = self._agency_state(code, as_of)  # a generation without history: fold
            return month_resource(a, month, today)
        gen = self._gen()
        with self.engine.connect() as conn:
            return self._month_now(conn, gen, code, month, self.today())

    def _month_now(self, conn: Connection, gen: int, code: str, month: str,
                   today: date) -> dict:
        """The month resource from the current rows (`rm_agency`, `rm_month`, `rm_deduction`),
        in one statement: a month has a month row exactly when it has deductions."""
        a, d, m = t.agency.c, t.deduction.c, t.month.c
        rows = conn.execute(select(
            a.registered_on, a.deregistered_on, d.resource, m.score, m.deducted_points,
            m.pending_points).select_from(t.agency.outerjoin(
                t.deduction, (d.gen == a.gen) & (d.agency == a.code) & (d.month == month))
            .outerjoin(t.month, (m.gen == a.gen) & (m.agency == a.code) & (m.month == month)))
            .where(a.gen == gen, a.code == code).order_by(d.position)).all()
        if not rows:
            raise NotFound(f"No agency with credit code {code}.")
        first = rows[0]
        figures = stored_figures(None if first.score is None else (
            first.score, first.deducted_points, first.pending_points))
        return month_answer(code, month, assessed(first.registered_on, first.deregistered_on,
                                                  month, today),
                            figures, [loads(r.resource)["deduction"] for r in rows
                                      if r.resource is not None])

    def _deductions_now(self, conn: Connection, gen: int, code: str) -> list[dict]:
        """The agency's deductions as their current rows hold them, in log order."""
        a, d = t.agency.c, t.deduction.c
        rows = conn.execute(select(a.code, d.resource).select_from(t.agency.outerjoin(
            t.deduction, (d.gen == a.gen) & (d.agency == a.code))).where(
            a.gen == gen, a.code == code).order_by(d.position)).all()
        if not rows:
            raise NotFound(f"No agency with credit code {code}.")
        return [loads(r.resource)["deduction"] for r in rows if r.resource is not None]

    def _month_as_of(self, conn: Connection, gen: int, position: int, today: date, code: str,
                     month: str) -> tuple[dict, AgencyState]:
        """The month resource as of `position`, from history rows; and the agency then."""
        a = self._agency_as_of(conn, gen, position, code)
        figures, stored = history.month_as_of(conn, gen, code, month, position)
        deductions = sorted((s["deduction"] for s in stored), key=lambda d: d["position"])
        return month_answer(code, month, assessed(a.registered_on, a.deregistered_on, month,
                                                  today), figures, deductions), a

    def deductions(self, code: str, month: str | None = None, status: str | None = None,
                   as_of: AsOf | None = None) -> list[dict]:
        if as_of is not None:
            held = self._history_as_of(as_of, MONTH_KINDS)
            if held is not None:
                gen, position, _ = held
                with self.engine.connect() as conn:
                    self._agency_as_of(conn, gen, position, code)
                    stored = history.deductions_as_of(conn, gen, code, position)
                found = sorted((s["deduction"] for s in stored), key=lambda d: d["position"])
            else:  # a generation without history: fold
                a, _ = self._agency_state(code, as_of)
                found = [deduction_resource(d, deduction_effect(a, d))
                         for d in sorted(a.deductions.values(), key=lambda d: d.position)]
        else:
            gen = self._gen()
            with self.engine.connect() as conn:
                found = self._deductions_now(conn, gen, code)
        return [d for d in found if (month is None or d["month"] == month)
                and (status is None or d["status"] == status)]

    def evaluation(self, code: str, year: int, as_of: AsOf | None = None) -> dict:
        """The stored evaluation row (current, or the version as of a position) for the
        months of the year begun; computed from the agency's state, by the same function,
        only when no row can say (a through no row holds: a clock set before the event; a
        generation built before evaluation or agency rows existed)."""
        if as_of is not None:
            position, today = self.as_of_reader.resolve(as_of)
        else:
            position, today = None, self.today()
        gen = self._gen()
        if self._versioned(gen) and (position is None or self._holds(gen, (AGENCY,))):
            with self.engine.connect() as conn:
                found = self._stored_evaluation(conn, gen, code, year, through_of(year, today),
                                                position)
            if found is not None:
                return found
        a, today = self._agency_state(code, as_of, gen=gen if as_of is None else None)
        return evaluation_resource(a, year, today)

    def _stored_evaluation(self, conn: Connection, gen: int, code: str, year: int,
                           through: int, position: int | None) -> dict | None:
        """The evaluation the rows hold (None: they do not hold this through).

        With no row the agency-year has no fact: its registration (current, or its agency
        version as of the position) decides the empty year's evaluation."""
        if position is None:
            e = t.evaluation.c
            query = select(e.first_through, e.resource).where(
                e.gen == gen, e.agency == code, e.year == year)
        else:
            e = t.evaluation_history.c
            query = select(e.first_through, e.resource).where(
                e.gen == gen, e.agency == code, e.year == year, e.valid_from <= position,
            ).order_by(e.valid_from.desc()).limit(1)
        row = conn.execute(query).first()
        if row is not None:
            return resource_from_row(row.first_through, row.resource, through)
        if position is None:
            a = t.agency.c
            agency = conn.execute(select(a.name, a.registered_on, a.deregistered_on).where(
                a.gen == gen, a.code == code)).first()
            if agency is None:
                raise NotFound(f"No agency with credit code {code}.")
        else:
            agency = self._agency_as_of(conn, gen, position, code)
        return empty_evaluation(code, agency.name, year, agency.registered_on,
                                agency.deregistered_on, through)

    def year_evaluations(self, conn: Connection, gen: int, year: int,
                         today: date) -> dict[str, dict]:
        """The current evaluation of every agency registered in some month of `year`, by
        credit code, from the rows (generation `gen` holds evaluation rows); a row that does
        not hold today's through (a clock set before its event) is computed by folding the
        agency's streams up to the generation's position."""
        through = through_of(year, today)
        a, e = t.agency.c, t.evaluation.c
        stored = {r.agency: r for r in conn.execute(select(
            e.agency, e.first_through, e.resource).where(e.gen == gen, e.year == year))}
        found = {}
        for r in conn.execute(select(a.code, a.name, a.registered_on, a.deregistered_on).where(
                a.gen == gen, a.registered_on <= date(year, 12, 31),
                or_(a.deregistered_on.is_(None), a.deregistered_on >= date(year, 1, 1)))):
            row = stored.get(r.code)
            if row is None:
                found[r.code] = empty_evaluation(r.code, r.name, year, r.registered_on,
                                                 r.deregistered_on, through)
                continue
            ev = resource_from_row(row.first_through, row.resource, through)
            if ev is None:
                ev = evaluation_resource(self._folded(r.code, gen, conn), year, today)
            found[r.code] = ev
        return found

    def secondment(self, secondment_id: str) -> dict:
        gen = self._gen()
        if self._holds(gen, (SECONDMENT,)):
            c = t.secondment.c
            with self.engine.connect() as conn:
                row = conn.execute(select(t.secondment).where(
                    c.gen == gen, c.id == secondment_id)).first()
            if row is None:
                raise NotFound(f"No secondment {secondment_id}.")
            return secondment_resource(row.agency, secondment_of_row(row))
        code = secondment_id.rpartition("-S")[0]  # a generation built before secondment rows
        try:
            a, _ = self._agency_state(code, gen=gen)
            s = a.secondments[secondment_id]
        except (NotFound, KeyError):
            raise NotFound(f"No secondment {secondment_id}.") from None
        return secondment_resource(a.code, s)

    def trail(self, code: str, month: str, as_of: AsOf | None = None) -> dict:
        """The month's audit trail: every event that made or changed its score, in log order."""
        held = None if as_of is None else self._history_as_of(as_of, MONTH_KINDS)
        if held is not None:
            # Trail entries depend only on the events up to their own position: as of P
            # they are the stored ones up to P.
            gen, position, today = held
            with self.engine.connect() as conn:
                result, a = self._month_as_of(conn, gen, position, today, code, month)
                entries = self._trail_rows(conn, gen, code, month, position)
        elif as_of is not None:
            changes = Changes()
            a, today = self._agency_state(code, as_of, changes)
            entries = [e._asdict() for e in changes.trail if e.month == month
                       and e.agency == code]
            result = month_resource(a, month, today)
        else:
            gen, today = self._gen(), self.today()
            if self._holds(gen, (AGENCY,)):
                # The current rows, and the registration's details from the agency's newest
                # version (rm_agency keeps only its dates).
                with self.engine.connect() as conn:
                    found = history.agency_as_of(conn, gen, code, LATEST)
                    if found is None:
                        raise NotFound(f"No agency with credit code {code}.")
                    a = found
                    result = self._month_now(conn, gen, code, month, today)
                    entries = self._trail_rows(conn, gen, code, month)
            else:  # a generation built before agency versions: the stored state
                a, today = self._agency_state(code, gen=gen)
                with self.engine.connect() as conn:
                    entries = self._trail_rows(conn, gen, code, month)
                result = month_resource(a, month, today)
        entries = self._with_registration(a, month, entries)
        return {"agency": code, "month": month, "score": result["score"],
                "entries": [{k: e[k] for k in (
                    "position", "recorded_at", "recorded_by", "event", "deduction_id",
                    "summary", "score_before", "score_after")} for e in entries]}

    def _trail_rows(self, conn: Connection, gen: int, code: str, month: str,
                    until: int | None = None) -> list[dict]:
        """The month's stored trail entries (up to position `until`), in log order."""
        c = t.trail.c
        query = select(t.trail).where(c.gen == gen, c.agency == code, c.month == month)
        if until is not None:
            query = query.where(c.position <= until)
        entries = [dict(r._mapping) for r in conn.execute(query.order_by(c.position))]
        for e in entries:
            for key in ("score_before", "score_after"):
                e[key] = Decimal(e[key]) if e[key] is not None else None
        return entries

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


def month_last(month: str) -> date:
    return month_bounds(month)[1]
