"""The application layer: every command the API and the CLI may give, and nothing else."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder, RecordConflictError
from sqlalchemy.exc import DatabaseError

from ledger.config import database_url, today_in_china, with_busy_timeout
from ledger.domain.agency import Agency
from ledger.domain.catalogue import Catalogue, RuleItem
from ledger.domain.deduction import Deduction, deduction_id_for
from ledger.domain.errors import ConcurrentChange, InvalidInput, NotFound, RuleViolation
from ledger.domain.principals import (
    FILE_DISPUTE, RECORD, RESOLVE_DISPUTE, Principal, authorize,
)
from ledger.domain.publication import Month
from ledger.domain.ruleset import RuleSet
from ledger.domain.training import TrainingSession
from ledger.transcodings import DateAsISO

T = TypeVar("T")
RETRIES = 12
BACKOFF_CAP = 0.25  # seconds
SCHEMA_RACE = ("already exists", "pg_type_typname_nsp_index")


@dataclass(frozen=True)
class Recorded:
    """What a successful command recorded: the resource id, its log position and time."""

    id: str
    position: int
    recorded_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def parse_uuid(kind: str, value: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"No {kind} with id {value!r}.") from None


class Ledger(Application):
    """The assessment ledger's write side on the eventsourcing library."""

    name = "Ledger"

    def __init__(self, url: str | None = None, today: Callable[[], date] = today_in_china,
                 env: dict[str, str] | None = None) -> None:
        settings = {"PERSISTENCE_MODULE": "ledger.integrity.persistence",
                    "SQLALCHEMY_URL": with_busy_timeout(url) if url else database_url()}
        settings.update(env or {})
        super().__init__(env=settings)
        self.today = today
        self._batch = threading.local()

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

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def engine(self):
        """The SQLAlchemy engine the event store uses (read models share it)."""
        return self.recorder.datastore.engine

    # -- plumbing -------------------------------------------------------------------------

    def _commit(self, *aggregates: Any, resource_id: str, **data: Any) -> Recorded:
        batch = getattr(self._batch, "current", None)
        if batch is not None:
            return batch.add(aggregates, Recorded(resource_id, 0, aggregates[-1]
                                                  .pending_events[-1].timestamp, data))
        recordings = self.save(*aggregates)
        last = recordings[-1]
        return Recorded(resource_id, last.notification.id, last.domain_event.timestamp, data)

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """Commands given inside are checked as usual but saved together in one transaction.

        Aggregates stay loaded for the whole batch, so later commands see earlier ones.
        A command's Recorded has position 0 until the batch is saved; `Batch.recorded`
        then holds them with their positions. An exception raised out of the block saves
        nothing.
        """
        if getattr(self._batch, "current", None) is not None:
            raise RuntimeError("batches do not nest")
        batch = self._batch.current = Batch()
        try:
            yield batch
            batch.save(self)
        finally:
            self._batch.current = None

    def _load(self, aggregate_id: UUID) -> Any:
        batch = getattr(self._batch, "current", None)
        if batch is None:
            return self.repository.get(aggregate_id)
        if aggregate_id not in batch.aggregates:
            try:
                batch.aggregates[aggregate_id] = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                batch.aggregates[aggregate_id] = None  # known absent until created in the batch
        found = batch.aggregates[aggregate_id]
        if found is None:
            raise AggregateNotFoundError(aggregate_id)
        return found

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run a get–decide–save attempt again when another writer got there first."""
        for tries in range(RETRIES):
            try:
                return attempt()
            except RecordConflictError:
                # Jittered exponential backoff, so writers that collided do not collide again.
                time.sleep(random.uniform(0, min(BACKOFF_CAP, 0.002 * 2 ** tries)))
        raise ConcurrentChange("The record was changed by others at the same time; try again.")

    def _get(self, kind: str, aggregate_id: UUID, label: str, cls: type[T]) -> T:
        try:
            found = self._load(aggregate_id)
        except AggregateNotFoundError:
            found = None
        # An id of another kind of record (a session's id given as a deduction's) is unknown too.
        if not isinstance(found, cls):
            raise NotFound(f"No {kind} {label}.")
        return found

    def agency(self, code: str) -> Agency:
        """The Agency aggregate for a credit code, or NotFound."""
        return self._get("agency", Agency.create_id(code), f"with credit code {code}", Agency)

    def deduction(self, deduction_id: str) -> Deduction:
        return self._get("deduction", parse_uuid("deduction", deduction_id), deduction_id,
                         Deduction)

    def deduction_of_dispute(self, dispute_id: str) -> Deduction:
        ded_id = deduction_id_for(parse_uuid("dispute", dispute_id))
        try:
            deduction = self._load(ded_id)
        except AggregateNotFoundError:
            deduction = None
        if not isinstance(deduction, Deduction) or deduction.dispute is None:
            raise NotFound(f"No dispute {dispute_id}.")
        return deduction

    def training_session(self, session_id: str) -> TrainingSession:
        return self._get("training session", parse_uuid("training session", session_id),
                         session_id, TrainingSession)

    def catalogue(self) -> Catalogue:
        try:
            return self._load(RuleSet.create_id()).catalogue()
        except AggregateNotFoundError:
            return Catalogue()

    def exists(self, aggregate_id: UUID) -> bool:
        batch = getattr(self._batch, "current", None)
        if batch is not None and aggregate_id in batch.aggregates:
            return batch.aggregates[aggregate_id] is not None
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    # -- agencies -------------------------------------------------------------------------

    def register_agency(self, by: Principal, credit_code: str, name: str,
                        registered_on: date) -> Recorded:
        authorize(by, RECORD)
        agency = Agency.register(credit_code, name, registered_on, self.today(), by.name)
        if self.exists(agency.id):
            raise RuleViolation(f"Agency {credit_code} is already registered.")
        try:
            return self._commit(agency, resource_id=credit_code)
        except RecordConflictError:
            raise RuleViolation(f"Agency {credit_code} is already registered.") from None

    def deregister_agency(self, by: Principal, code: str, deregistered_on: date,
                          reason: str | None = None) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            agency = self.agency(code)
            agency.deregister(deregistered_on, reason, self.today(), by.name)
            return self._commit(agency, resource_id=code)
        return self._retrying(attempt)

    # -- deductions -----------------------------------------------------------------------

    def record_deduction(self, by: Principal, code: str, rule_code: str, found_on: date,
                         reason: str, notified_on: date | None = None,
                         project_ref: str | None = None, evidence: dict | None = None) -> Recorded:
        authorize(by, RECORD)
        agency = self.agency(code)
        catalogue = self.catalogue()
        version = catalogue.version_on(found_on)
        if version is None:
            raise InvalidInput.field(
                "found_on", f"no rule set version is in force on {found_on.isoformat()} "
                f"(the first takes effect {catalogue.versions[0].effective_from.isoformat()})")
        item = version.items.get(rule_code)
        if item is None:
            known = ", ".join(sorted(version.items))
            raise InvalidInput.field(
                "rule_code", f"unknown rule code {rule_code!r} in rule set {version.version}; "
                f"known codes: {known}")
        deduction = Deduction.record(code, item, version.version, found_on, notified_on, reason,
                                     project_ref, evidence, self.today(), by.name)
        agency.check_registered_on("found_on", found_on)
        return self._commit(deduction, resource_id=str(deduction.id))

    def withdraw_deduction(self, by: Principal, deduction_id: str, reason: str) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            deduction = self.deduction(deduction_id)
            deduction.withdraw(reason, by.name)
            return self._commit(deduction, resource_id=deduction_id)
        return self._retrying(attempt)

    def record_rectification(self, by: Principal, deduction_id: str, completed_on: date,
                             note: str | None = None) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            deduction = self.deduction(deduction_id)
            deduction.rectify(completed_on, note, self.today(), by.name)
            return self._commit(deduction, resource_id=deduction_id)
        return self._retrying(attempt)

    def file_dispute(self, by: Principal, deduction_id: str, grounds: str,
                     filed_on: date | None = None) -> Recorded:
        authorize(by, FILE_DISPUTE)

        def attempt() -> Recorded:
            deduction = self.deduction(deduction_id)
            authorize(by, FILE_DISPUTE, deduction.agency)
            dispute_id = deduction.file_dispute(grounds, filed_on or self.today(), self.today(),
                                                by.name)
            return self._commit(deduction, resource_id=str(dispute_id),
                                deduction_id=deduction_id)
        return self._retrying(attempt)

    def resolve_dispute(self, by: Principal, dispute_id: str, outcome: str, reasoning: str,
                        decided_on: date, points: Decimal | None = None) -> Recorded:
        authorize(by, RESOLVE_DISPUTE)

        def attempt() -> Recorded:
            deduction = self.deduction_of_dispute(dispute_id)
            deduction.resolve_dispute(outcome, points, reasoning, decided_on, self.today(),
                                      by.name)
            return self._commit(deduction, resource_id=dispute_id,
                                deduction_id=str(deduction.id))
        return self._retrying(attempt)

    # -- training and secondment ----------------------------------------------------------

    def hold_training_session(self, by: Principal, kind: str, held_on: date, topic: str,
                              hours: Decimal) -> Recorded:
        authorize(by, RECORD)
        session = TrainingSession.hold(kind, held_on, topic, hours, self.today(), by.name)
        return self._commit(session, resource_id=str(session.id))

    def record_attendance(self, by: Principal, session_id: str, agency: str, staff_ref: str,
                          staff_name: str) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            session = self.training_session(session_id)
            self.agency(agency).check_registered_on("held_on", session.held_on)
            session.record_attendance(agency, staff_ref, staff_name, by.name)
            return self._commit(session, resource_id=f"{session_id}/{agency}/{staff_ref}",
                                session_id=session_id)
        return self._retrying(attempt)

    def start_secondment(self, by: Principal, code: str, staff_ref: str, staff_name: str,
                         department: str, started_on: date) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            agency = self.agency(code)
            sid = agency.start_secondment(staff_ref, staff_name, department, started_on,
                                          self.today(), by.name)
            return self._commit(agency, resource_id=sid)
        return self._retrying(attempt)

    def complete_secondment(self, by: Principal, secondment_id: str, ended_on: date) -> Recorded:
        authorize(by, RECORD)
        code, sep, _ = secondment_id.rpartition("-S")

        def attempt() -> Recorded:
            try:
                agency = self.agency(code) if sep else None
            except NotFound:
                agency = None
            if agency is None or secondment_id not in agency.secondments:
                raise NotFound(f"No secondment {secondment_id}.")
            agency.complete_secondment(secondment_id, ended_on, self.today(), by.name)
            return self._commit(agency, resource_id=secondment_id)
        return self._retrying(attempt)

    # -- ratings, provincial scores, publications, rule sets ------------------------------

    def record_purchaser_rating(self, by: Principal, code: str, rated_on: date, purchaser: str,
                                project_ref: str, rating: Decimal) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            agency = self.agency(code)
            rid = agency.record_rating(rated_on, purchaser, project_ref, rating, self.today(),
                                       by.name)
            return self._commit(agency, resource_id=rid)
        return self._retrying(attempt)

    def record_provincial_evaluation(self, by: Principal, code: str, year: int,
                                     score: Decimal) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            agency = self.agency(code)
            agency.record_provincial(year, score, self.today(), by.name)
            return self._commit(agency, resource_id=f"{code}/{year}")
        return self._retrying(attempt)

    def publish_month(self, by: Principal, month: str, published_on: date) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            try:
                record = self._load(Month.create_id(month))
                revision = record.republish(published_on, self.today(), by.name)
            except AggregateNotFoundError:
                record = Month.publish_first(month, published_on, self.today(), by.name)
                revision = 1
            return self._commit(record, resource_id=month, revision=revision)
        return self._retrying(attempt)

    def publish_rule_set_version(self, by: Principal, version: str, effective_from: date,
                                 items: list[RuleItem]) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            try:
                rules = self._load(RuleSet.create_id())
            except AggregateNotFoundError:
                rules = RuleSet(recorded_by=by.name)
            rules.publish_version(version, effective_from, items, by.name)
            return self._commit(rules, resource_id=version)
        return self._retrying(attempt)


class Batch:
    """The aggregates and results of one `Ledger.batch()`: saved at once when it ends."""

    def __init__(self) -> None:
        self.aggregates: dict[UUID, Any] = {}
        self.recorded: list[Recorded] = []
        self.events: list[Any] = []  # in the order the commands were given: the log's order
        self._last: list[int] = []

    def add(self, aggregates: tuple[Any, ...], recorded: Recorded) -> Recorded:
        for aggregate in aggregates:
            self.aggregates[aggregate.id] = aggregate
            self.events.extend(aggregate.collect_events())
        self._last.append(len(self.events) - 1)
        self.recorded.append(recorded)
        return recorded

    def save(self, ledger: Ledger) -> None:
        if not self.events:
            return
        try:
            recordings = ledger.save(*self.events)
        except RecordConflictError:
            raise ConcurrentChange("Records in the batch were changed by others at the same "
                                   "time; nothing in it was saved.") from None
        self.recorded = [replace(r, position=recordings[i].notification.id)
                         for r, i in zip(self.recorded, self._last, strict=True)]
