"""Published calendars: a regulator records a year's calendar; deadlines computed after it use it."""

from __future__ import annotations

from datetime import date, datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent
from sqlalchemy import select

from ledger.commands.base import Store, retrying
from ledger.domain.calendar import PUBLISHED, WorkingCalendar, YearCalendar
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.domain.published_calendars import CalendarPublished, PublishedCalendars
from ledger.unit_of_work import Recorded

CALENDARS_ID = PublishedCalendars.create_id()


@retrying
def publish_calendar(store: Store, by: Principal, year: int, holidays: list[date],
                     makeup_days: list[date], source: str) -> Recorded:
    authorize(by, RECORD)
    try:
        calendars = store.load(CALENDARS_ID)
    except AggregateNotFoundError:
        calendars = PublishedCalendars(recorded_by=by.name)
    calendars.publish(year, holidays, makeup_days, source, store.today(), by.name)
    return store.record(calendars, resource_id=str(year))


def published_calendars(store: Store, position: int | None = None,
                        timestamp: datetime | None = None) -> dict[int, YearCalendar]:
    """The latest calendar published for each year, among those recorded at or before
    `position` (or `timestamp`); every one recorded when neither is given."""
    table = store.recorder.events_record_cls.__table__
    query = (select(table.c.id, table.c.originator_version, table.c.topic, table.c.state)
             .where(table.c.originator_id == CALENDARS_ID)
             .order_by(table.c.originator_version))
    if position is not None:
        query = query.where(table.c.id <= position)
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    years: dict[int, YearCalendar] = {}
    for pos, version, topic, state in rows:
        event = store.mapper.to_domain_event(StoredEvent(CALENDARS_ID, version, topic,
                                                         bytes(state)))
        if not isinstance(event, CalendarPublished) or (
                timestamp is not None and event.timestamp > timestamp):
            continue
        years[event.year] = YearCalendar(
            event.year, frozenset(event.holidays), frozenset(event.makeup_days),
            event.source, PUBLISHED, pos, event.timestamp)
    return years


def calendar_in_use(store: Store, year: int, position: int | None = None,
                    timestamp: datetime | None = None) -> YearCalendar | None:
    """The calendar used for `year` (as of a moment when given), None when weekdays only."""
    return WorkingCalendar(published_calendars(store, position, timestamp)).for_year(year)
