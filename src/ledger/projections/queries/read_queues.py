"""Reads across agencies that someone must act on: deductions, disputes, rectifications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ledger.domain.errors import NotFound
from ledger.projections.store import tables as t
from ledger.projections.queries.asof import AsOf
from ledger.projections.model.codec import loads
from ledger.projections.queries.read_base import ReadBase
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import (
    deduction_effect, deduction_resource, dispute_resource, rectification_state,
)


class QueueReads(ReadBase):
    """Deductions and disputes by id, the open-dispute and rectification queues."""

    def _deduction_row(self, where: Any) -> tuple[Any, int]:
        """The (agency, id) row matching `where`, and the generation it was read from."""
        gen = self._gen()
        with self.engine.connect() as conn:
            return conn.execute(select(t.deduction.c.agency, t.deduction.c.id).where(
                t.deduction.c.gen == gen, where)).first(), gen

    def deduction(self, deduction_id: str) -> dict:
        row, gen = self._deduction_row(t.deduction.c.id == str(deduction_id))
        if row is None:
            raise NotFound(f"No deduction {deduction_id}.")
        a, _ = self._agency_state(row.agency, gen=gen)
        d = a.deductions[row.id]
        return deduction_resource(d, deduction_effect(a, d))

    def dispute(self, dispute_id: str) -> dict:
        row, gen = self._deduction_row(t.deduction.c.dispute_id == str(dispute_id))
        if row is None:
            raise NotFound(f"No dispute {dispute_id}.")
        a, today = self._agency_state(row.agency, gen=gen)
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
                    states[row.agency] = self._agency_state(row.agency, gen=gen)[0]
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
