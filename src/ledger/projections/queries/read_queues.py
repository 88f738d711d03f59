"""Reads across agencies that someone must act on: deductions, disputes, rectifications."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from ledger.domain.errors import NotFound
from ledger.projections.store import tables as t
from ledger.projections.queries.asof import AsOf
from ledger.projections.model.codec import loads
from ledger.projections.model.history_rows import AGENCY, DEDUCTION
from ledger.projections.queries import history_reads as history
from ledger.projections.queries.read_base import ReadBase
from ledger.projections.model.views import (
    deduction_effect, deduction_resource, dispute_on, dispute_resource, rectification_state,
)


class QueueReads(ReadBase):
    """Deductions and disputes by id, the open-dispute and rectification queues."""

    def _stored(self, where: Any) -> dict | None:
        """The stored resources (`views.stored_deduction`) of the deduction row matching
        `where`; None when there is none."""
        gen = self._gen()
        with self.engine.connect() as conn:
            resource = conn.execute(select(t.deduction.c.resource).where(
                t.deduction.c.gen == gen, where)).scalar()
        return None if resource is None else loads(resource)

    def _deductions_as_of(self, as_of: AsOf,
                          agency: str | None) -> tuple[list[dict], date] | None:
        """The stored resources (`views.stored_deduction`) of every deduction (of `agency`,
        which must be registered then) as of the moment, from the deduction versions
        (`history_reads.deductions_as_of`), and the day of that moment; None when the
        generation that serves reads does not hold them (the caller folds the log)."""
        held = self._history_as_of(as_of, (AGENCY, DEDUCTION))
        if held is None:
            return None
        gen, position, today = held
        with self.engine.connect() as conn:
            if agency is not None:
                self._agency_as_of(conn, gen, position, agency)
            return history.deductions_as_of(conn, gen, agency, position), today

    def deduction(self, deduction_id: str) -> dict:
        found = self._stored(t.deduction.c.id == str(deduction_id))
        if found is None:
            raise NotFound(f"No deduction {deduction_id}.")
        return found["deduction"]

    def dispute(self, dispute_id: str) -> dict:
        found = self._stored(t.deduction.c.dispute_id == str(dispute_id))
        if found is None:
            raise NotFound(f"No dispute {dispute_id}.")
        return dispute_on(found["dispute"], self.today())

    def disputes(self, status: str | None = None, agency: str | None = None,
                 as_of: AsOf | None = None) -> list[dict]:
        """Disputes in filing order, optionally only those with a status or of one agency."""
        held = None if as_of is None else self._deductions_as_of(as_of, agency)
        if held is not None:  # the deduction versions as of the position
            stored, today = held
            result = [dispute_on(s["dispute"], today) for s in stored if s["dispute"] is not None]
        elif as_of is not None:  # a generation without deduction versions: fold the log
            position, today = self.as_of_reader.resolve(as_of)
            model = self.as_of_reader.model(position, agency)
            result = [dispute_resource(d, today) for a in model.agencies.values()
                      for d in a.deductions.values() if d.dispute is not None]
        else:
            gen, today = self._gen(), self.today()
            c = t.deduction.c
            query = select(c.resource).where(c.gen == gen, c.dispute_id.is_not(None))
            if agency is not None:
                query = query.where(c.agency == agency)
            if status is not None:
                query = query.where(c.dispute_status == status)
            with self.engine.connect() as conn:
                result = [dispute_on(loads(r)["dispute"], today)
                          for r in conn.execute(query).scalars()]
        result = [r for r in result if agency is None or r["agency"] == agency]
        if status is not None:
            result = [r for r in result if r["status"] == status]
        return sorted(result, key=lambda r: r["position"])

    def rectifications(self, state: str | None = None, agency: str | None = None,
                       as_of: AsOf | None = None) -> list[dict]:
        """The rectification queue: deductions that take one, with their state, due first.

        States: open (not yet rectified, due date not passed), overdue, on_time, late.
        """
        held = None if as_of is None else self._deductions_as_of(as_of, agency)
        if held is not None:  # the deduction versions as of the position
            stored, today = held
            found = [s["deduction"] for s in stored]
        elif as_of is not None:  # a generation without deduction versions: fold the log
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
