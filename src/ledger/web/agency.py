"""An agency's year (chart, evaluation, deductions) and one month's trail as it stands or stood."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request

from ledger.config import CHINA
from ledger.domain.errors import InvalidInput
from ledger.domain.periods import MAX_POSITION, moment_problem
from ledger.projections.queries.queries import AsOf
from ledger.projections.model.views import year_months
from ledger.web import web
from ledger.web.auth import may_read
from ledger.web.chart import score_chart
from ledger.projections.model.views import rectification_state
from ledger.web.i18n import translate
from ledger.web.services import default_year, month_arg, read_side, today, year_arg


@web.get("/agencies/<code>")
def agency(code: str):
    may_read(code)
    side = read_side()
    info = side.agency(code)
    year = year_arg(request.args.get("year"), default_year())
    months = [side.month(code, m) for m in year_months(year)]
    chart = score_chart([(m["month"], m["score"] if m["assessed"] else None) for m in months],
                        f"{info['name']} {year} {translate('chart')}")
    disputes = {d["id"]: d for d in side.disputes(agency=code)}
    deductions = [dict(d, rect=rectification_state(d, today()),
                       dispute=disputes.get(d["dispute_id"]))
                  for d in side.deductions(code) if d["found_on"].year == year]
    return render_template("agency.html", info=info, year=year, chart=chart,
                           months=months, evaluation=side.evaluation(code, year),
                           deductions=deductions)


def as_of_arg() -> AsOf | None:
    """?as_of_position=N or ?as_of=YYYY-MM-DDTHH:MM (China time, as the picker shows it)."""
    position, stamp = request.args.get("as_of_position"), request.args.get("as_of")
    if position:
        if not (position.isascii() and position.isdigit() and int(position) <= MAX_POSITION):
            raise InvalidInput.field("as_of_position",
                                     f"must be a whole number from 0 to {MAX_POSITION}")
        return AsOf(position=int(position))
    if stamp:
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            raise InvalidInput.field("as_of", f"{stamp!r} is not a date and time") from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=CHINA)
        if moment_problem(moment):
            raise InvalidInput.field("as_of", moment_problem(moment))
        return AsOf(timestamp=moment.astimezone(UTC))
    return None


@web.get("/agencies/<code>/months/<month>")
def month(code: str, month: str):
    may_read(code)
    month = month_arg(month)
    side = read_side()
    as_of = as_of_arg()
    full = side.trail(code, month)  # the picker offers every moment the month changed
    trail = side.trail(code, month, as_of) if as_of else full
    figures = side.month(code, month, as_of)
    disputes = {d["id"]: d for d in side.disputes(agency=code, as_of=as_of)}
    for d in figures["deductions"]:
        d["rect"] = rectification_state(d, today())
        d["dispute"] = disputes.get(d["dispute_id"])
    return render_template("month.html", info=side.agency(code), month=month, trail=trail,
                           moments=full["entries"], figures=figures, as_of=as_of,
                           china=CHINA)
