"""`ledger calendar publish|show`: a year's working-day calendar from the command line."""

from __future__ import annotations

from datetime import date, timedelta

import click

from ledger.domain.principals import REGULATOR, Principal

MAX_SPAN = 366


def parse_days(option: str, text: str) -> list[date]:
    """Comma-separated days, each `YYYY-MM-DD` or a range `YYYY-MM-DD..YYYY-MM-DD`."""
    days: list[date] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        first, _, last = part.partition("..")
        try:
            start = date.fromisoformat(first.strip())
            end = date.fromisoformat(last.strip()) if last else start
        except ValueError:
            raise click.BadParameter(f"{part!r} is not a date YYYY-MM-DD or a range "
                                     "YYYY-MM-DD..YYYY-MM-DD", param_hint=option) from None
        if not 0 <= (end - start).days < MAX_SPAN:
            raise click.BadParameter(f"{part!r}: a range runs forwards within one year",
                                     param_hint=option)
        days += [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return days


def add_calendar_commands(group: click.Group) -> None:
    """Register `ledger calendar` on the `ledger` group."""
    group.add_command(calendar)


@click.group()
def calendar() -> None:
    """Working-day calendars: the one in use for a year, and publishing one."""


@calendar.command("publish")
@click.argument("year", type=click.IntRange(1900, 2999))
@click.option("--holidays", required=True,
              help="Days off besides weekends: 2026-10-01..2026-10-07,2026-01-01,...")
@click.option("--makeup", default="", help="Weekend days that are worked (调休), same form.")
@click.option("--source", required=True, help="The notice the calendar comes from.")
@click.option("--as", "name", required=True, help="The regulator recorded as recorded_by.")
def publish(year: int, holidays: str, makeup: str, source: str, name: str) -> None:
    """Record YEAR's calendar: deadlines computed from now on use it."""
    from ledger.application import Ledger
    from ledger.domain.errors import LedgerError
    from ledger.domain.text import NAME_LIMIT, text_problem

    if text_problem(name, limit=NAME_LIMIT):
        raise click.BadParameter(text_problem(name, limit=NAME_LIMIT), param_hint="--as")
    days_off, worked = parse_days("--holidays", holidays), parse_days("--makeup", makeup)
    ledger = Ledger()
    try:
        recorded = ledger.publish_calendar(Principal(name, REGULATOR), year, days_off, worked,
                                           source)
    except LedgerError as error:
        raise click.ClickException(error.message) from None
    finally:
        ledger.close()
    click.echo(f"Published the {year} calendar at position {recorded.position}: "
               f"{len(days_off)} days off, {len(worked)} make-up working days. Deadlines "
               f"computed from now on say published@{recorded.position}.")


@calendar.command("show")
@click.argument("year", type=click.IntRange(1900, 2999))
def show(year: int) -> None:
    """Print the calendar in use for YEAR (shipped or published), or say it counts weekdays."""
    from ledger.application import Ledger

    ledger = Ledger()
    try:
        cal = ledger.calendar_in_use(year)
    finally:
        ledger.close()
    if cal is None:
        click.echo(f"{year}: no calendar is shipped or published; deadlines count Monday to "
                   "Friday only (weekdays-only).")
        return
    origin = (f"published at position {cal.position}, {cal.recorded_at:%Y-%m-%d %H:%M} UTC"
              if cal.position is not None else "shipped with the ledger")
    click.echo(f"{year} ({cal.label}; {origin})")
    click.echo(f"source: {cal.source}")
    click.echo("days off: " + ", ".join(spans(sorted(cal.holidays))))
    click.echo("make-up working days: " + (", ".join(d.isoformat() for d in
                                                     sorted(cal.makeup_days)) or "none"))


def spans(days: list[date]) -> list[str]:
    """Consecutive days written as one range: 2026-10-01..2026-10-07."""
    out: list[list[date]] = []
    for day in days:
        if out and day - out[-1][1] == timedelta(days=1):
            out[-1][1] = day
        else:
            out.append([day, day])
    return [a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}" for a, b in out]
