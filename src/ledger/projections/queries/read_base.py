"""What every read shares: freshness, read-your-writes, as-of resolution, an agency folded."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, event, select
from sqlalchemy.engine import Connection

from ledger.config import today_in_china
from ledger.domain.errors import NotFound
from ledger.projections.store import tables as t
from ledger.projections.queries import history_reads as history
from ledger.projections.queries.asof import AsOf, AsOfReader
from ledger.projections.model.codec import loads
from ledger.projections.model.fold import Changes
from ledger.projections.store.projector import Projector
from ledger.projections.store.runner import ASSESSMENTS, NAMES, Projections, history_kinds, versioned
from ledger.projections.model.state import AgencyState

CATCH_UP_BATCH = 500  # events applied per transaction when a request catches a model up


def read_model_engine(ledger: Any) -> Engine:
    """An engine for the read models whose commits do not wait for the disk.

    The log's own commits (the ledger's engine) stay fully durable: a write is acknowledged
    only once its event is on disk. A read-model commit is only ever derived from the log and
    holds its own tracking position, so losing the last few to a power cut (never to a crash
    of the application: the database still has them) just leaves the projection a little
    behind, and the next read catches it up again. Both backends keep their log in order, so
    the next durable commit of an event also makes every read-model commit before it durable.
    SQLite in WAL mode: `synchronous=NORMAL`; PostgreSQL: `synchronous_commit=off`. An
    in-memory SQLite database cannot have a second engine and keeps the ledger's.
    """
    engine = ledger.engine
    url = engine.url
    if url.get_backend_name() == "postgresql":
        relaxed = create_engine(url, connect_args={"options": "-c synchronous_commit=off"})
    elif url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and "mode=memory" not in str(url):
        relaxed = create_engine(url)

        @event.listens_for(relaxed, "connect")
        def _normal(dbapi_connection, _record) -> None:
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
    else:
        return engine
    _share_disconnects(engine, relaxed)
    return relaxed


def _share_disconnects(one: Engine, other: Engine) -> None:
    """A lost database connection noticed on either engine drops the other's idle ones too.

    So one request answers 503 and the next one succeeds, as with a single engine, instead of
    each engine failing once in turn on connections the server already closed.
    """
    for noticed, stale in ((one, other), (other, one)):
        ref = weakref.ref(stale)

        def drop(context, ref=ref) -> None:
            engine = ref()
            if context.is_disconnect and engine is not None:
                engine.dispose(close=False)
        event.listen(noticed, "handle_error", drop)


# The resource a write's 201 reads back, built once (a reused statement keeps its cache key).
WRITTEN_DEDUCTION = select(t.deduction.c.resource).join(
    t.projection, (t.projection.c.gen == t.deduction.c.gen)
    & (t.projection.c.name == ASSESSMENTS) & (t.projection.c.status == "active")).where(
    t.deduction.c.id == bindparam("id"))


class _ReadModelStore:
    """The ledger as the projections see it: its log and mapper, the read models' engine."""

    def __init__(self, ledger: Any, engine: Engine) -> None:
        self._ledger = ledger
        self.engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ledger, name)


class ReadBase:
    """The read models of one ledger, always caught up with the log before answering."""

    def __init__(self, ledger: Any, today: Callable[[], date] = today_in_china) -> None:
        self._ledger_engine = ledger.engine
        self._own_engine = read_model_engine(ledger)
        store = ledger if self._own_engine is ledger.engine else \
            _ReadModelStore(ledger, self._own_engine)
        self.runner = Projections(store)
        self.engine = self.runner.engine
        self.as_of_reader = AsOfReader(self.runner)
        self.today = today
        self._rebuilds: dict[str, threading.Thread] = {}
        self._memo_rows: dict[tuple, list[dict]] = {}
        self._held: dict[int, frozenset[str]] = {}  # history kinds by generation
        self._versioned_gens: dict[tuple[int, str], bool] = {}
        # The store's projector when this process runs one (`ledger serve`): reads and writes
        # then wait for it instead of applying events themselves (projections/store/projector.py).
        self.projector: Projector | None = None

    def follow(self, lock_path: str | None = None, **callbacks: Any) -> Projector:
        """Start a projector feeding these read models from a background thread."""
        self.projector = Projector(self.runner, lock_path, **callbacks).start()
        return self.projector

    def nudge(self) -> None:
        """A write was recorded: the projector, if any, looks at the log now."""
        if self.projector is not None:
            self.projector.nudge()

    def close(self) -> None:
        """Stop the projector and release the read models' own connections (the ledger
        closes its engine)."""
        if self.projector is not None:
            self.projector.stop()
        if self._own_engine is not self._ledger_engine:
            self._own_engine.dispose()

    def lag_seconds(self) -> dict[str, float]:
        """How long each read model's oldest pending event has waited (0 when up to date)."""
        _, active = self._positions()
        lags = {}
        with self.engine.connect() as conn:
            for name, (_, position) in active.items():
                pending = self.runner.read_events(conn, position, 1)
                lags[name] = max(0.0, (datetime.now(timezone.utc) - pending[0][1].timestamp)
                                 .total_seconds()) if pending else 0.0
        return lags

    def _positions(self) -> tuple[int, dict[str, tuple[int, int]]]:
        """The log head and each projection's active (generation, position), in one query."""
        return self.runner.positions()

    def refresh(self, names: tuple[str, ...] = NAMES) -> dict[str, int]:
        """Apply the events recorded before this call that the named read models (default:
        all) have not seen yet; returns the generation of each that serves reads.

        It catches up to the head of the log as this call finds it, not to wherever the log
        has got to meanwhile: under a steady stream of writes a read would otherwise chase
        the head, applying other requests' events batch after batch before answering. With a
        projector running it waits for the projector to get there instead (`_reach`).
        """
        head, active = self._positions()
        deadline = time.monotonic() + 10.0
        gens = {}
        for name in names:
            gen, position = active[name]
            gens[name] = gen if position >= head else self._reach(name, head, deadline)
        return gens

    def wait_for(self, position: int, timeout: float = 10.0,
                 names: tuple[str, ...] = NAMES) -> None:
        """Block until the named projections (default: all) have applied `position`.

        A write's response waits for `assessments` only (what its resource is read from);
        the event index is caught up by the next read that needs it (see `_gen`), so the
        write still shows there on the client's next GET.
        """
        deadline = time.monotonic() + timeout
        self.nudge()
        for name in names:
            self._reach(name, position, deadline)

    def _reach(self, name: str, position: int, deadline: float) -> int:
        """`name` holding `position`: applied by the projector if one runs and gets there
        within its grace, else by this call; the generation that then serves."""
        projector = self.projector
        if projector is not None and projector.running():
            gen = projector.wait(name, position)
            if gen is not None:
                return gen
            projector.on_fallback(name)
        return self._apply_up_to(name, position, deadline)

    def _apply_up_to(self, name: str, position: int, deadline: float) -> int:
        """Apply events to `name` until it holds `position`; the generation that then serves."""
        gen, reached = self.runner.active(name)
        while reached < position:
            done = self.runner.process_batch(name, gen, limit=CATCH_UP_BATCH)
            if 0 < done < CATCH_UP_BATCH:
                # A batch stops short only at the head of the log, which held `position`
                # (committed before this call) when the batch read it under the lock.
                break
            gen, reached = self.runner.active(name)
            if done == 0 and reached < position:  # a rebuild is switching generations
                if time.monotonic() > deadline:
                    raise TimeoutError(f"projection {name} has not reached {position}")
                time.sleep(0.01)
        return gen

    def written_deduction(self, deduction_id: str) -> dict:
        """A deduction as the assessments read model holds it, without catching up first.

        For a write's response once `wait_for` has applied the write: the resource the fold
        stored with the deduction's row (the same `deduction_resource` that `deduction` builds
        from the agency's state) is read back in one query, instead of catching up again and
        decoding the agency's whole state.
        """
        with self.engine.connect() as conn:
            resource = conn.execute(WRITTEN_DEDUCTION, {"id": str(deduction_id)}).scalar()
        if resource is None:
            return self.deduction(deduction_id)  # type: ignore[attr-defined]
        return loads(resource)["deduction"]

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

    def _versioned(self, gen: int, kind: str = "evaluation") -> bool:
        """Whether generation `gen` of `assessments` holds the row versions of `kind` from its
        first event (else it was built before they existed: reads compute them as before)."""
        known = self._versioned_gens.get((gen, kind))
        if known is None:
            with self.engine.connect() as conn:
                known = versioned(conn, gen, kind)
            if known:  # a generation's kinds never change; one without may be retired soon
                self._versioned_gens[(gen, kind)] = known
        return known

    def _history_as_of(self, as_of: AsOf, kinds: tuple[str, ...]) -> tuple[int, int, date] | None:
        """(generation, position, today) for reading history rows of `kinds` as of a moment;
        None when the generation that serves reads does not hold them from its first event
        (built before they existed, see `tables.versioned`): the caller then folds the log
        (`AsOfReader.model`) as before, until a rebuild."""
        position, today = self.as_of_reader.resolve(as_of)
        gen = self._gen()  # caught up to the head, so at least to `position`
        return (gen, position, today) if self._holds(gen, kinds) else None

    def _agency_as_of(self, conn: Connection, gen: int, position: int,
                      code: str) -> AgencyState:
        """The agency's registration as of `position` (its version row); NotFound, as the
        fold would answer, when it was not registered then."""
        a = history.agency_as_of(conn, gen, code, position)
        if a is None:
            if history.agency_known(conn, gen, code):
                raise NotFound(f"No agency with credit code {code} as of position {position}.")
            raise NotFound(f"No agency with credit code {code}.")
        return a

    def _gen(self, name: str = ASSESSMENTS) -> int:
        """The generation of `name` that serves reads, caught up with the log first."""
        return self.refresh((name,))[name]

    def _agency_state(self, code: str, as_of: AsOf | None = None,
                      changes: Changes | None = None,
                      gen: int | None = None) -> tuple[AgencyState, date]:
        """One agency's folded state: as of a moment, or current (in `gen` if already fresh).

        Folded from the log (the agency's streams, `AsOfReader.model`): current, up to the
        position the generation has reached. Only for the readers whose rows cannot answer
        (docs/READ_SIDE.md, "What reads the fold's state: nothing in queries/"); the fold's
        stored state (`rm_agency.state`) is its own cache, which no query reads."""
        if as_of is not None:
            position, today = self.as_of_reader.resolve(as_of)
            model = self.as_of_reader.model(position, code, changes)
            return model.agencies[code], today
        if gen is None:
            gen = self._gen()
        return self._folded(code, gen, changes=changes), self.today()

    def _folded(self, code: str, gen: int, conn: Connection | None = None,
                changes: Changes | None = None) -> AgencyState:
        """The agency as the log folded up to the position generation `gen` has reached
        says (NotFound if not registered)."""
        try:
            return self.as_of_reader.model(self._tracked(gen, conn), code,
                                           changes).agencies[code]
        except NotFound:
            raise NotFound(f"No agency with credit code {code}.") from None

    def _folded_all(self, gen: int,
                    conn: Connection | None = None) -> tuple[int, list[AgencyState]]:
        """Every agency as the whole log folded up to the position generation `gen` has
        reached says, and that position (a generation built before the rows a reader needs)."""
        position = self._tracked(gen, conn)
        return position, list(self.as_of_reader.model(position).agencies.values())

    def _tracked(self, gen: int, conn: Connection | None = None) -> int:
        """The position generation `gen` of `assessments` has reached (its tracking row)."""
        p = t.projection.c
        query = select(p.position).where(p.name == ASSESSMENTS, p.gen == gen)
        if conn is None:
            with self.engine.connect() as own:
                found = own.execute(query).scalar()
        else:
            found = conn.execute(query).scalar()
        return found if found is not None else self.runner.active(ASSESSMENTS)[1]

    def _holds(self, gen: int, kinds: tuple[str, ...]) -> bool:
        """Whether generation `gen` holds the history rows of `kinds` from its first event."""
        held = self._held.get(gen)
        if held is None:
            with self.engine.connect() as conn:
                held = self._held[gen] = history_kinds(conn, gen)
        return held.issuperset(kinds)

