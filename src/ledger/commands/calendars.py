"""Published calendars: a regulator records a year's calendar; deadlines computed after it use it."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent
from sqlalchemy import select

from ledger.domain.calendar import PUBLISHED, WorkingCalendar, YearCalendar
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.domain.published_calendars import CalendarPublished, PublishedCalendars

if TYPE_CHECKING:
    from ledger.application import Recorded

CALENDARS_ID = PublishedCalendars.create_id()


class CalendarCommands:
    """Commands of the Ledger: publishing a year's calendar, and the calendars in use."""

    def publish_calendar(self, by: Principal, year: int, holidays: list[date],
                         makeup_days: list[date], source: str) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            try:
                calendars = self._load(CALENDARS_ID)
            except AggregateNotFoundError:
                calendars = PublishedCalendars(recorded_by=by.name)
            calendars.publish(year, holidays, makeup_days, source, self.today(), by.name)
            return self._commit(calendars, resource_id=str(year))
        return self._retrying(attempt)

    def published_calendars(self, position: int | None = None,
                            timestamp: datetime | None = None) -> dict[int, YearCalendar]:
        """The latest calendar published for each year, among those recorded at or before
        `position` (or `timestamp`); every one recorded when neither is given."""
        table = self.recorder.events_record_cls.__table__
        query = (select(table.c.id, table.c.originator_version, table.c.topic, table.c.state)
                 .where(table.c.originator_id == CALENDARS_ID)
                 .order_by(table.c.originator_version))
        if position is not None:
            query = query.where(table.c.id <= position)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        years: dict[int, YearCalendar] = {}
        for pos, version, topic, state in rows:
            event = self.mapper.to_domain_event(StoredEvent(CALENDARS_ID, version, topic,
                                                            bytes(state)))
            if not isinstance(event, CalendarPublished) or (
                    timestamp is not None and event.timestamp > timestamp):
                continue
            years[event.year] = YearCalendar(
                event.year, frozenset(event.holidays), frozenset(event.makeup_days),
                event.source, PUBLISHED, pos, event.timestamp)
        return years

    def working_calendar(self) -> WorkingCalendar:
        """The calendars in use now: shipped ones, overridden by the latest published."""
        batch = getattr(self._batch, "current", None)
        if batch is None:
            return WorkingCalendar(self.published_calendars())
        # A batch (import, demo) reads them once: no calendar is published inside one.
        if batch.working_calendar is None:
            batch.working_calendar = WorkingCalendar(self.published_calendars())
        return batch.working_calendar

    def calendar_in_use(self, year: int, position: int | None = None,
                        timestamp: datetime | None = None) -> YearCalendar | None:
        """The calendar used for `year` (as of a moment when given), None when weekdays only."""
        return WorkingCalendar(self.published_calendars(position, timestamp)).for_year(year)
