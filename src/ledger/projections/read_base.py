"""What every read shares: freshness, read-your-writes, as-of resolution, an agency's state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from ledger.config import today_in_china
from ledger.domain.errors import NotFound
from ledger.projections import tables as t
from ledger.projections.asof import AsOf, AsOfReader
from ledger.projections.codec import agency_from_json
from ledger.projections.fold import Changes
from ledger.projections.runner import ASSESSMENTS, NAMES, Projections
from ledger.projections.state import AgencyState


class ReadBase:
    """The read models of one ledger, always caught up with the log before answering."""

    def __init__(self, ledger: Any, today: Callable[[], date] = today_in_china) -> None:
        self.runner = Projections(ledger)
        self.engine = self.runner.engine
        self.as_of_reader = AsOfReader(self.runner)
        self.today = today
        self._rebuilds: dict[str, threading.Thread] = {}
        self._memo_rows: dict[tuple, list[dict]] = {}

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

    def _agency_state(self, code: str, as_of: AsOf | None = None,
                      changes: Changes | None = None,
                      gen: int | None = None) -> tuple[AgencyState, date]:
        """One agency's folded state: as of a moment, or current (in `gen` if already fresh)."""
        if as_of is not None:
            position, today = self.as_of_reader.resolve(as_of)
            model = self.as_of_reader.model(position, code, changes)
            return model.agencies[code], today
        if gen is None:
            gen = self._gen()
        with self.engine.connect() as conn:
            state = conn.execute(select(t.agency.c.state).where(
                t.agency.c.gen == gen, t.agency.c.code == code)).scalar()
        if state is None:
            raise NotFound(f"No agency with credit code {code}.")
        return agency_from_json(state), self.today()
