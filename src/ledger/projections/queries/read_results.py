"""Reads of a year's results: notice, objections, final results, and the bases they freeze.

A year's results are one small stream (YearResults: the notice, each objection and decision,
the finalization), so they are folded straight from the log, up to the asked position, and
the fold is kept per (year, position of the stream's last event): a later event of the stream
makes a new key, an as-of answer folds only the events at or before its position.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ledger.domain.errors import InvalidInput, NotFound
from ledger.domain.results import YearResults, year_of_objection
from ledger.projections.store import tables as t
from ledger.projections.queries.asof import AsOf
from ledger.projections.queries.read_agency import AgencyReads
from ledger.projections.queries.ranking import window
from ledger.projections.queries.read_overview import OverviewReads
from ledger.projections.store.runner import ASSESSMENTS
from ledger.projections.model.views import evaluation_resource, ranked, through_of

BASES = ("current", "noticed", "final")
KEPT = 4  # folded years kept (a nation-scale notice holds ~20,000 evaluations)


@dataclass
class YearState:
    """A year's results as far as the events up to some position say."""

    year: int
    notice: dict | None = None
    noticed: dict[str, dict] = field(default_factory=dict)
    corrected: dict[str, int] = field(default_factory=dict)  # agency -> position re-frozen
    objections: dict[str, dict] = field(default_factory=dict)
    final: dict | None = None
    final_evaluations: dict[str, dict] = field(default_factory=dict)
    events: list[tuple[int, Any]] = field(default_factory=list)

    def copy(self) -> "YearState":
        """A copy to fold later events into, leaving this one as it is."""
        return YearState(self.year, dict(self.notice) if self.notice else None,
                         dict(self.noticed), dict(self.corrected),
                         {k: dict(v) for k, v in self.objections.items()},
                         dict(self.final) if self.final else None,
                         dict(self.final_evaluations), list(self.events))

    def apply(self, position: int, ev: Any) -> None:
        name = type(ev).__name__
        self.events.append((position, ev))
        stamp = {"position": position, "recorded_at": ev.timestamp,
                 "recorded_by": ev.recorded_by}
        if name == "NoticeOpened":
            self.noticed = dict(ev.evaluations)
            self.notice = {"year": ev.year, "opened_on": ev.opened_on, "closes_on": ev.closes_on,
                           "calendar": ev.calendar, "agencies": len(ev.evaluations),
                           "head_position": ev.head_position, **stamp}
        elif name == "ObjectionFiled":
            self.objections[ev.agency] = {
                "id": ev.objection_id, "year": ev.year, "agency": ev.agency,
                "grounds": ev.grounds, "filed_on": ev.filed_on, "review_due": ev.review_due,
                "calendar": ev.calendar, "status": "open", "reasoning": None,
                "decided_on": None, "decided_by": None, "filed_by": ev.recorded_by,
                "filed_position": position, "head_position": None, **stamp}
        elif name == "ObjectionResolved":
            o = self.objections[ev.agency]
            o.update(status=ev.outcome, reasoning=ev.reasoning, decided_on=ev.decided_on,
                     decided_by=ev.recorded_by, head_position=ev.head_position, **stamp)
            if ev.evaluation is not None:
                self.noticed[ev.agency] = ev.evaluation
                self.corrected[ev.agency] = position
        elif name == "YearFinalized":
            self.final_evaluations = dict(ev.evaluations)
            self.final = {"year": ev.year, "finalized_on": ev.finalized_on,
                          "agencies": len(ev.evaluations), **stamp}


class ResultsReads(AgencyReads, OverviewReads):
    """Notice, objections, final results; the evaluation and annual standings with them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._years: OrderedDict[tuple[int, int], YearState] = OrderedDict()
        self._years_lock = threading.Lock()

    # -- the year's stream -----------------------------------------------------------------

    def _position(self, as_of: AsOf | None) -> tuple[int | None, date]:
        if as_of is None:
            return None, self.today()
        return self.as_of_reader.resolve(as_of)

    def year_state(self, year: int, position: int | None = None) -> YearState:
        """The year's results from the events at or before `position` (all when None)."""
        e = self.runner.events.c
        oid = YearResults.create_id(year)
        where = [e.originator_id == oid]
        if position is not None:
            where.append(e.id <= position)
        with self.runner.engine.connect() as conn:
            # The stream's last event through its own index (originator, version): max(id)
            # walks the log's primary key backwards on PostgreSQL, all of it while the year
            # has no results yet (1.7-9 s a read at nation scale).
            last = conn.execute(select(e.id).where(*where).order_by(
                e.originator_version.desc()).limit(1)).scalar() or 0
            key = (year, last)
            with self._years_lock:
                state = self._years.get(key)
                # The newest fold of the year before `last`: only the events after it are read.
                earlier = max((k[1] for k in self._years if k[0] == year and k[1] < last),
                              default=0)
                base = self._years[(year, earlier)].copy() if earlier else YearState(year)
            if state is not None:
                return state
            rows = conn.execute(select(e.id, e.originator_id, e.originator_version, e.topic,
                                       e.state).where(e.originator_id == oid, e.id > earlier,
                                                      e.id <= last)
                                .order_by(e.id)).all() if last else []
        state = base
        for pos, ev in self.runner.decode(rows):
            state.apply(pos, ev)
        with self._years_lock:
            self._years[key] = state
            while len(self._years) > KEPT:
                self._years.popitem(last=False)
        return state

    # -- resources -------------------------------------------------------------------------

    def notice(self, year: int, as_of: AsOf | None = None) -> dict:
        position, _ = self._position(as_of)
        state = self.year_state(year, position)
        if state.notice is None:
            raise NotFound(f"The notice of {year} has not been opened"
                           + (" as of that moment." if as_of else " yet."))
        return {**state.notice, "finalized": state.final is not None,
                "objections": len(state.objections)}

    def final(self, year: int, as_of: AsOf | None = None) -> dict:
        position, _ = self._position(as_of)
        state = self.year_state(year, position)
        if state.final is None:
            raise NotFound(f"The results of {year} have not been finalized"
                           + (" as of that moment." if as_of else " yet."))
        return dict(state.final)

    def objections(self, year: int, as_of: AsOf | None = None, agency: str | None = None,
                   status: str | None = None) -> list[dict]:
        position, today = self._position(as_of)
        state = self.year_state(year, position)
        found = sorted(state.objections.values(), key=lambda o: o["filed_position"])
        return [objection_resource(o, today) for o in found
                if (agency is None or o["agency"] == agency)
                and (status is None or o["status"] == status)]

    def objection(self, objection_id: str, as_of: AsOf | None = None) -> dict:
        year = year_of_objection(objection_id)
        if year is not None:
            for o in self.objections(year, as_of):
                if o["id"] == objection_id:
                    return o
        raise NotFound(f"No objection {objection_id}.")

    def noticed_evaluations(self, year: int, basis: str = "noticed",
                            as_of: AsOf | None = None) -> tuple[YearState, dict[str, dict]]:
        """The frozen evaluations of a basis (`noticed` with its corrections, or `final`)."""
        position, _ = self._position(as_of)
        state = self.year_state(year, position)
        if basis == "final":
            if state.final is None:
                raise NotFound(f"The results of {year} have not been finalized.")
            return state, state.final_evaluations
        if state.notice is None:
            raise NotFound(f"The notice of {year} has not been opened.")
        return state, state.noticed

    # -- the evaluation and annual standings, with their frozen bases ----------------------

    def evaluation(self, code: str, year: int, as_of: AsOf | None = None) -> dict:
        result = super().evaluation(code, year, as_of)
        position, _ = self._position(as_of)
        state = self.year_state(year, position)
        result["provisional"] = state.final is None
        if code in state.noticed:
            result["noticed"] = dict(state.noticed[code])
        if code in state.final_evaluations:
            result["final"] = dict(state.final_evaluations[code])
        return result

    def annual_standings(self, year: int, as_of: AsOf | None = None, limit: int | None = None,
                         offset: int = 0, agency: str | None = None,
                         basis: str = "current") -> dict:
        if basis not in BASES:
            raise InvalidInput.field("basis", f"must be one of {', '.join(BASES)}, got {basis!r}")
        position, _ = self._position(as_of)
        state = self.year_state(year, position)
        provisional = state.final is None
        if basis == "current":
            result = super().annual_standings(year, as_of, limit, offset, agency)
        else:
            _, frozen = self.noticed_evaluations(year, basis, as_of)
            rows = frozen_rows(frozen)
            result = {"year": year, "limit": limit, "offset": offset, "total": len(rows),
                      "rows": window(rows, limit, offset, agency)}
        return {**result, "basis": basis, "provisional": provisional,
                "noticed_on": state.notice["opened_on"] if state.notice else None,
                "finalized_on": state.final["finalized_on"] if state.final else None}

    # -- what the results commands read (caught up to the head of the log) -----------------

    def _consistent(self, read):
        """`read(conn, gen)` with the assessments position it saw, retried until no read-model
        commit came between reading the position and the rows (so the rows are as of it)."""
        p = t.projection.c
        for _ in range(50):
            gen = self._gen()
            with self.engine.connect() as conn:
                def where():
                    return select(p.gen, p.position).where(
                        p.name == ASSESSMENTS, p.status == "active")
                before = conn.execute(where()).one()
                value = read(conn, before.gen)
                after = conn.execute(where()).one()
            if tuple(before) == tuple(after) and before.gen == gen:
                return before.position, value
        raise TimeoutError("the read models kept changing; try again")

    def assessed_evaluations(self, year: int) -> tuple[int, dict[str, dict]]:
        """Every agency assessed in at least one month of `year`: its evaluation, as of the
        log position returned (the stored evaluation rows, `year_evaluations`)."""
        today = self.today()

        def read(conn, gen) -> dict[str, dict]:
            if self._versioned(gen):
                every = self.year_evaluations(conn, gen, year, today)
            else:  # a generation built before evaluations were stored: fold the log
                every = {a.code: evaluation_resource(a, year, today)
                         for a in self._folded_all(gen, conn)[1]}
            return dict(sorted((code, ev) for code, ev in every.items()
                               if ev["assessed_months"] >= 1))
        return self._consistent(read)

    def current_evaluation(self, code: str, year: int) -> tuple[int, dict]:
        today = self.today()

        def read(conn, gen) -> dict:
            if self._versioned(gen):
                found = self._stored_evaluation(conn, gen, code, year,
                                                through_of(year, today), None)
                if found is not None:
                    return found
            return evaluation_resource(self._folded(code, gen, conn), year, today)
        return self._consistent(read)

    def deduction_recorders(self, code: str, year: int) -> set[str]:
        """Who recorded a deduction of the agency found in `year` (withdrawn ones too)."""
        gen = self._gen()
        with self.engine.connect() as conn:
            found = self._deductions_now(conn, gen, code)
        return {d["recorded_by"] for d in found if d["found_on"].year == year}

    # -- the agency's events: the notice and final results concern it too ------------------

    def agency_events(self, code: str, as_of: AsOf | None = None) -> list[dict]:
        events = super().agency_events(code, as_of)
        position, today = self._position(as_of)
        registered_on = self.agency(code)["registered_on"]
        extra = []
        for year in range(registered_on.year, today.year + 1):
            state = self.year_state(year, position)
            for pos, ev in state.events:
                name = type(ev).__name__
                if name not in ("NoticeOpened", "YearFinalized") or code not in ev.evaluations:
                    continue
                data = {"year": ev.year, "evaluation": ev.evaluations[code]}
                if name == "NoticeOpened":
                    data.update(opened_on=ev.opened_on, closes_on=ev.closes_on,
                                head_position=ev.head_position)
                else:
                    data["finalized_on"] = ev.finalized_on
                extra.append({"position": pos, "recorded_at": ev.timestamp,
                              "recorded_by": ev.recorded_by, "event": name, "data": data})
        return sorted(events + extra, key=lambda e: e["position"])


def objection_resource(o: dict, today: date) -> dict:
    keep = ("id", "year", "agency", "grounds", "filed_on", "review_due", "calendar", "status",
            "reasoning", "decided_on", "decided_by", "position", "recorded_at")
    return {**{k: o[k] for k in keep}, "outcome": None if o["status"] == "open" else o["status"],
            "overdue": o["status"] == "open" and today > o["review_due"]}


def frozen_rows(frozen: dict[str, dict]) -> list[dict]:
    """Annual standings rows from frozen evaluations: every one with a score, ranked."""
    return ranked([{"agency": code, "name": ev.get("name"), "score": Decimal(ev["score"]),
                    "grade": ev["grade"]} for code, ev in frozen.items()
                   if ev.get("score") is not None])

