"""The draw's facts read straight from the stored events up to a position (no read model).

The command that draws a plan and the verifier that re-runs it both read the log here, so an
auditor's check trusts nothing but the stored events and their hash chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa

from ledger.domain.inspection import AgencyFacts
from ledger.integrity.chain import GENESIS
from ledger.projections.store.decoding import EventDecoder
from ledger.projections.model.fold import LedgerModel
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import evaluation_resource

BATCH = 5000


class LogReader:
    """The ledger's stored events, read and decoded directly from its table."""

    def __init__(self, ledger: Any) -> None:
        self.engine = ledger.engine
        self.table = ledger.recorder.qualified_table()
        self.stored = ledger.recorder.events_record_cls.__table__
        self.decoder = EventDecoder(ledger.mapper)

    def head(self) -> tuple[int, str]:
        """The newest position and its chain hash ((0, GENESIS) for an empty log)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.text(
                f"SELECT id, hash FROM {self.table} ORDER BY id DESC LIMIT 1")).first()
        return (0, GENESIS) if row is None else (int(row[0]), row[1])

    def batches(self, up_to: int, columns: str = "id, originator_id, originator_version, "
                "topic, state") -> Iterator[list]:
        """Stored rows with position <= up_to, in log order, a batch at a time."""
        query = sa.text(f"SELECT {columns} FROM {self.table} WHERE id > :after AND id <= :last "
                        "ORDER BY id LIMIT :n")
        after = 0
        with self.engine.connect() as conn:
            while True:
                batch = conn.execute(query, {"after": after, "last": up_to, "n": BATCH}).all()
                if batch:
                    yield batch
                if len(batch) < BATCH:
                    return
                after = batch[-1][0]

    def rows(self, up_to: int, columns: str = "id, originator_id, originator_version, topic, "
             "state") -> Iterator[tuple]:
        """Stored rows with position <= up_to, in log order."""
        for batch in self.batches(up_to, columns):
            yield from batch

    def events(self, up_to: int) -> Iterator[tuple[int, Any]]:
        """(position, domain event) for every event recorded at or before `up_to`."""
        for batch in self.batches(up_to):
            yield from self.decoder.decode(batch)

    def stream(self, originator_id: Any, up_to: int | None = None) -> list[tuple[int, Any]]:
        """One aggregate's events (at or before `up_to`), in log order."""
        e = self.stored.c
        query = sa.select(e.id, e.originator_id, e.originator_version, e.topic, e.state).where(
            e.originator_id == originator_id)
        if up_to is not None:
            query = query.where(e.id <= up_to)
        with self.engine.connect() as conn:
            return self.decoder.decode(conn.execute(query.order_by(e.id)).all())


def prior_year_key_inspection(agency: AgencyState, year: int, drawn_on: date,
                              final: dict[str, dict] | None) -> bool:
    """The key_inspection flag of the agency's evaluation of `year` (Y-1).

    The final basis when that year is finalized (`final`: the YearFinalized event's frozen
    evaluations), else the evaluation as it stands at the head position.
    """
    if final is not None and agency.code in final:
        return bool(final[agency.code]["key_inspection"])
    return bool(evaluation_resource(agency, year, drawn_on)["key_inspection"])


def agency_facts(events: Iterator[tuple[int, Any]], year: int,
                 drawn_on: date) -> list[AgencyFacts]:
    """Fold the events and state, for every agency, what the draw of `year` needs."""
    model = LedgerModel()
    inspected: dict[str, list[date]] = {}
    final: dict[str, dict] | None = None  # the final basis of Y-1, once finalized
    for position, event in events:
        name = type(event).__name__
        if name == "InspectionRecorded":
            inspected.setdefault(event.agency, []).append(event.inspected_on)
        elif name == "YearFinalized" and event.year == year - 1:
            final = event.evaluations
        model.apply(position, event)
    facts = []
    for code, agency in model.agencies.items():
        d12: dict[int, int] = {}
        serious: dict[int, int] = {}
        for deduction in agency.deductions.values():
            counted = deduction.facts()
            if not counted.counting:
                continue
            found = counted.found_on.year
            if counted.rule_code == "D12":
                d12[found] = d12.get(found, 0) + 1
            if counted.serious:
                serious[found] = serious.get(found, 0) + 1
        facts.append(AgencyFacts(
            credit_code=code, registered_on=agency.registered_on,
            deregistered_on=agency.deregistered_on,
            key_inspection=prior_year_key_inspection(agency, year - 1, drawn_on, final),
            counting_d12=d12, counting_serious=serious,
            inspected_on=tuple(sorted(inspected.get(code, ())))))
    return facts
