"""The read side's one entry point for the API and the CLI: queries return plain values.

Values are str, int, bool, None, Decimal (exact scores and points), date, datetime (UTC), or
dicts and lists of those. Unknown ids raise NotFound. `as_of` answers from the events recorded
at or before that moment only: from the history rows as of its position, or, on a generation
built before the rows it needs, by folding the relevant streams up to it.
"""

from __future__ import annotations

import threading

from ledger.domain.errors import NotFound
from ledger.projections.queries.asof import AsOf
from ledger.projections.queries.read_agency import AgencyReads
from ledger.projections.queries.read_inspections import InspectionReads
from ledger.projections.queries.read_overview import OverviewReads
from ledger.projections.queries.read_queues import QueueReads
from ledger.projections.queries.read_results import ResultsReads
from ledger.projections.store.runner import NAMES
from ledger.projections.queries.whatif import WhatIfReads

__all__ = ["AsOf", "ReadSide"]


class ReadSide(ResultsReads, AgencyReads, QueueReads, OverviewReads, InspectionReads,
               WhatIfReads):
    """Every query over the read models, and operating them (status, rebuild)."""

    def projections(self) -> list[dict]:
        """Each projection's name, position, lag and status."""
        return self.runner.status()

    def rebuild(self, name: str, wait: bool = False) -> None:
        """Rebuild one projection in a new generation while the current one keeps serving."""
        if name not in NAMES:
            raise NotFound(f"No projection {name!r}; projections are {', '.join(NAMES)}.")
        thread = self._rebuilds.get(name)
        if thread is None or not thread.is_alive():  # one rebuild of a projection at a time
            thread = threading.Thread(target=self.runner.rebuild, args=(name,), daemon=True)
            self._rebuilds[name] = thread
            thread.start()
        if wait:
            thread.join()
