"""The application layer: every command the API and the CLI may give, and nothing else.

`Ledger` is the eventsourcing application: the store of aggregates its commands get and record,
and the unit of work (`batch()`). The commands themselves are plain functions in
`ledger.commands` (get, one domain call, record), exposed here as methods of the same names.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder
from sqlalchemy.exc import DatabaseError

from ledger.commands import (
    agencies, calendars, deductions, inspections, publications, results, training,
)
from ledger.commands.base import get
from ledger.config import database_url, today_in_china, with_busy_timeout
from ledger.domain.agency import Agency
from ledger.domain.calendar import WorkingCalendar
from ledger.domain.catalogue import Catalogue
from ledger.domain.deduction import Deduction, deduction_id_for
from ledger.domain.errors import NotFound
from ledger.domain.ruleset import RuleSet
from ledger.domain.training import TrainingSession
from ledger.receipts import saving
from ledger.transcodings import CanonicalMapper, DateAsISO
from ledger.unit_of_work import Batch, Recorded

SCHEMA_RACE = ("already exists", "pg_type_typname_nsp_index")


def parse_uuid(kind: str, value: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"No {kind} with id {value!r}.") from None


@lru_cache(maxsize=1 << 17)
def agency_id(code: str) -> UUID:
    """Agency.create_id, remembered: a name-based UUID costs a SHA-1 per command otherwise."""
    return Agency.create_id(code)


RULE_SET_ID = RuleSet.create_id()


T = TypeVar("T")


class Ledger(Application):
    """The assessment ledger's write side on the eventsourcing library."""

    name = "Ledger"

    # -- the commands (ledger.commands): each a function of the ledger, called as a method --
    register_agency = agencies.register_agency
    deregister_agency = agencies.deregister_agency
    start_secondment = agencies.start_secondment
    complete_secondment = agencies.complete_secondment
    record_purchaser_rating = agencies.record_purchaser_rating
    record_provincial_evaluation = agencies.record_provincial_evaluation
    record_deduction = deductions.record_deduction
    withdraw_deduction = deductions.withdraw_deduction
    record_rectification = deductions.record_rectification
    file_dispute = deductions.file_dispute
    resolve_dispute = deductions.resolve_dispute
    hold_training_session = training.hold_training_session
    record_attendance = training.record_attendance
    publish_month = publications.publish_month
    publish_rule_set_version = publications.publish_rule_set_version
    open_notice = results.open_notice
    file_objection = results.file_objection
    resolve_objection = results.resolve_objection
    finalize_year = results.finalize_year
    preview_inspection_plan = inspections.preview_inspection_plan
    draw_inspection_plan = inspections.draw_inspection_plan
    record_inspection = inspections.record_inspection
    publish_calendar = calendars.publish_calendar
    # ... and the reads that belong with them
    year_results = results.year_results
    objection_results = results.objection_results
    inspection_plan = inspections.inspection_plan
    published_calendars = calendars.published_calendars
    calendar_in_use = calendars.calendar_in_use

    def __init__(self, url: str | None = None, today: Callable[[], date] = today_in_china,
                 env: dict[str, str] | None = None) -> None:
        settings = {"PERSISTENCE_MODULE": "ledger.integrity.persistence",
                    "SQLALCHEMY_URL": with_busy_timeout(url) if url else database_url()}
        settings.update(env or {})
        super().__init__(env=settings)
        self.today = today
        self._batch = threading.local()
        # (the aggregate's version when read, what was derived from it): kept between
        # commands, rebuilt as soon as the store holds a later version (any process's).
        self._catalogue: tuple[int | None, Catalogue] | None = None
        self._calendar: tuple[int | None, WorkingCalendar] | None = None

    def construct_recorder(self):
        """The recorder, creating the schema on first use even when workers start at once."""
        for attempt in range(3):
            try:
                return super().construct_recorder()
            except DatabaseError as error:
                # Two processes on a new store can both see "no table" and race to create it;
                # the loser's retry finds the table.
                if attempt == 2 or not any(s in str(error) for s in SCHEMA_RACE):
                    raise

    def construct_mapper(self):
        """eventsourcing's mapper writing canonical JSON, so the chain need not re-encode it."""
        return self.factory.mapper(transcoder=self.construct_transcoder(),
                                   mapper_class=CanonicalMapper)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def engine(self):
        """The SQLAlchemy engine the event store uses (read models share it)."""
        return self.recorder.datastore.engine

    # -- getting and recording aggregates ---------------------------------------------------

    def _current_batch(self) -> Batch | None:
        return getattr(self._batch, "current", None)

    def load(self, aggregate_id: UUID) -> Any:
        """The aggregate, as stored or as the current batch left it; AggregateNotFoundError."""
        batch = self._current_batch()
        if batch is None:
            return self.repository.get(aggregate_id)
        return batch.load(aggregate_id)

    def read(self, aggregate_id: UUID) -> Any:
        """As `load`, for a command that only reads the aggregate (never changes or records it):
        the cached aggregate itself rather than a deep copy of it (`ledger serve` keeps an
        aggregate cache); AggregateNotFoundError."""
        batch = self._current_batch()
        if batch is None:
            return self.repository.get(aggregate_id, deepcopy_from_cache=False)
        return batch.load(aggregate_id)

    def exists(self, aggregate_id: UUID) -> bool:
        batch = self._current_batch()
        if batch is not None:
            return batch.exists(aggregate_id)
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def record(self, *aggregates: Any, resource_id: str, **data: Any) -> Recorded:
        """Save the aggregates' pending events in one transaction (inside a batch: add them to
        it); what the command recorded. A conflict raises the store's RecordConflictError."""
        batch = self._current_batch()
        if batch is not None:
            return batch.add(aggregates, Recorded(resource_id, 0, aggregates[-1]
                                                  .pending_events[-1].timestamp, data))
        saving(resource_id, aggregates[-1].pending_events[-1].timestamp)
        recordings = self.save(*aggregates)
        last = recordings[-1]
        return Recorded(resource_id, last.notification.id, last.domain_event.timestamp, data)

    @contextmanager
    def batch(self, keep: int = 2) -> Iterator[Batch]:
        """Commands given inside are checked as usual but saved together in one transaction.

        Aggregates stay loaded for the whole batch, so later commands see earlier ones.
        A command's Recorded has position 0 until it is saved; `Batch.recorded` then holds
        the ones saved last with their positions. An exception raised out of the block saves
        nothing that was not flushed; `Batch.cancel()` saves nothing either.

        `Batch.flush()` saves what is pending in one transaction and keeps going: a long bulk
        run (the demo) flushes every few tens of thousands of commands and keeps the
        aggregates used in the last `keep` flushes loaded, so they are not read again.
        `Batch.savepoint()` and `Batch.rollback()` undo part of a batch (a refused row).
        """
        if self._current_batch() is not None:
            raise RuntimeError("batches do not nest")
        batch = self._batch.current = Batch(self, keep)
        try:
            yield batch
            batch.save()
        finally:
            self._batch.current = None
            batch.close()

    def agency(self, code: str, read_only: bool = False) -> Agency:
        """The Agency aggregate for a credit code, or NotFound. `read_only`: for a command
        that only reads it (see `read`)."""
        return get(self, "agency", agency_id(code), f"with credit code {code}", Agency,
                   read_only)

    def deduction(self, deduction_id: str) -> Deduction:
        return get(self, "deduction", parse_uuid("deduction", deduction_id), deduction_id,
                   Deduction)

    def deduction_of_dispute(self, dispute_id: str) -> Deduction:
        ded_id = deduction_id_for(parse_uuid("dispute", dispute_id))
        deduction = get(self, "dispute", ded_id, dispute_id, Deduction)
        if deduction.dispute is None:
            raise NotFound(f"No dispute {dispute_id}.")
        return deduction

    def training_session(self, session_id: str) -> TrainingSession:
        return get(self, "training session", parse_uuid("training session", session_id),
                   session_id, TrainingSession)

    def _kept(self, slot: str, version: int | None, build: Callable[[], T]) -> T:
        """What `build` derives from an aggregate, kept between commands outside a batch and
        built again only when the store holds a version of the aggregate it was not built
        from (the caller asks the store for `version` on every call, one indexed lookup, so
        a version just published by any process is used at once)."""
        kept = getattr(self, slot)
        if kept is None or kept[0] != version:
            kept = (version, build())
            setattr(self, slot, kept)
        return kept[1]

    def catalogue(self) -> Catalogue:
        """The rule sets: shipped ones and those published (the rule set aggregate)."""
        batch = self._current_batch()
        if batch is None:
            return self._kept("_catalogue", self.recorder.last_version(RULE_SET_ID),
                              self._stored_catalogue)
        rules = self._rule_set()
        # A batch builds the catalogue once per state of the rule set it has loaded.
        key = None if rules is None else (id(rules), rules.version)
        if batch.catalogue is None or batch.catalogue[0] != key:
            batch.catalogue = (key, self._catalogue_of(rules))
        return batch.catalogue[1]

    def rules_and_calendar(self) -> tuple[Catalogue, WorkingCalendar]:
        """`catalogue()` and `working_calendar()` for a command that needs both: outside a
        batch, the store is asked for both aggregates' versions in one statement."""
        if self._current_batch() is not None:
            return self.catalogue(), self.working_calendar()
        rules, calendar = self.recorder.last_versions((RULE_SET_ID, calendars.CALENDARS_ID))
        return (self._kept("_catalogue", rules, self._stored_catalogue),
                self._kept("_calendar", calendar, self._published_calendar))

    def _stored_catalogue(self) -> Catalogue:
        return self._catalogue_of(self._rule_set())

    def _published_calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.published_calendars())

    def _rule_set(self) -> Any:
        try:
            return self.load(RULE_SET_ID)
        except AggregateNotFoundError:
            return None

    @staticmethod
    def _catalogue_of(rules: Any) -> Catalogue:
        return Catalogue() if rules is None else rules.catalogue()

    def working_calendar(self) -> WorkingCalendar:
        """The calendars in use now: shipped ones, overridden by the latest published."""
        batch = self._current_batch()
        if batch is None:
            return self._kept("_calendar", self.recorder.last_version(calendars.CALENDARS_ID),
                              self._published_calendar)
        # A batch (import, demo) reads them once: no calendar is published inside one.
        if batch.working_calendar is None:
            batch.working_calendar = self._published_calendar()
        return batch.working_calendar
