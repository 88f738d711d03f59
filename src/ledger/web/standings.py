"""The public standings page: a month on either basis beside the other, and the year's grades."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from ledger.domain.errors import InvalidInput, NotFound
from ledger.web import web
from ledger.web.services import latest_month, month_arg, read_side, year_arg

BASES = ("current", "published")


def compared(primary: list[dict], other: list[dict] | None) -> list[dict]:
    """Primary rows, each with the other basis's rank and score and whether they differ."""
    others = {r["agency"]: r for r in other or []}
    rows = []
    for row in primary:
        twin = others.get(row["agency"])
        rows.append({**row, "other_score": twin["score"] if twin else None,
                     "other_rank": twin["rank"] if twin else None,
                     "changed": other is not None and (
                         twin is None or (twin["score"], twin["rank"]) != (row["score"], row["rank"]))})
    return rows


def month_standings(month: str, basis: str) -> tuple[dict | None, dict | None]:
    """The month on both bases (published is None when the month was never published)."""
    current = read_side().standings(month, "current")
    try:
        published = read_side().standings(month, "published")
    except NotFound:
        published = None
    return current, published


@web.get("/")
def home():
    from ledger.web.auth import viewer
    return redirect(url_for("web.today_page" if viewer() else "web.standings"))


@web.get("/standings")
def standings():
    month = month_arg(request.args.get("month")) or latest_month()
    basis = request.args.get("basis", "current")
    if basis not in BASES:
        raise InvalidInput.field("basis", "must be current or published")
    current, published = month_standings(month, basis)
    if basis == "published":
        primary, other = (published["rows"] if published else []), current["rows"]
    else:
        primary, other = current["rows"], (published["rows"] if published else None)
    year = year_arg(request.args.get("year"), int(month[:4]))
    annual = read_side().annual_standings(year)
    return render_template("standings.html", month=month, basis=basis, year=year,
                           rows=compared(primary, other), published=published,
                           annual=annual["rows"],
                           annual_provisional=annual.get("provisional", True))
