"""Downloads: standings, annual evaluations, a month's deductions, an agency's full trail, and
the exchange workbook the importer reads back."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, request

from ledger.domain.errors import InvalidInput
from ledger.projections.model.views import months_touched
from ledger.web import web
from ledger.web.auth import bureau
from ledger.web.files import MIMETYPES, to_csv, to_xlsx
from ledger.web.services import (
    default_year, latest_month, month_arg, read_side, today, year_arg,
)
from ledger.web.sheets import (
    GRADES, Table, agencies_table, attendance_table, deductions_table, evaluations_table,
    secondments_table, standings_table, trail_table,
)


def download(filename: str, fmt: str, *tables: Table) -> Response:
    if fmt not in MIMETYPES:
        raise InvalidInput.field("format", "must be csv or xlsx")
    body = to_csv(tables[0]) if fmt == "csv" else to_xlsx(*tables)
    name = f"{filename}.{fmt}"
    return Response(body, mimetype=MIMETYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@web.get("/exports/standings.<fmt>")
def export_standings(fmt: str):
    month = month_arg(request.args.get("month")) or latest_month()
    basis = request.args.get("basis", "current")
    if basis not in ("current", "published"):
        raise InvalidInput.field("basis", "must be current or published")
    return download(f"standings-{month}-{basis}", fmt,
                    standings_table(read_side().standings(month, basis)))


@web.get("/exports/annual-standings.<fmt>")
def export_annual_standings(fmt: str):
    year = year_arg(request.args.get("year"), default_year())
    standings = read_side().annual_standings(year)
    nature = "暂定" if standings["provisional"] else "最终"  # final only once the year is
    return download(f"annual-standings-{year}", fmt, Table(
        f"{year} 年度排名", ["名次", "统一社会信用代码", "机构名称", "年度得分", "等级", "结果性质"],
        [[r["rank"], r["agency"], r["name"], r["score"], GRADES.get(r["grade"], r["grade"]),
          nature] for r in standings["rows"]]))


@web.get("/exports/evaluations.<fmt>")
def export_evaluations(fmt: str):
    bureau()
    side = read_side()
    year = year_arg(request.args.get("year"), default_year())
    ranks = {r["agency"]: r["rank"] for r in side.annual_standings(year)["rows"]}
    evaluations = [side.evaluation(a["credit_code"], year) for a in side.agencies()]
    evaluations.sort(key=lambda e: (ranks.get(e["agency"], 10**6), e["agency"]))
    return download(f"evaluations-{year}", fmt, evaluations_table(year, evaluations, ranks))


@web.get("/exports/deductions.<fmt>")
def export_deductions(fmt: str):
    bureau()
    side = read_side()
    month = month_arg(request.args.get("month")) or latest_month()
    names = {a["credit_code"]: a["name"] for a in side.agencies()}
    found = [d for code in names for d in side.deductions(code, month=month)]
    return download(f"deductions-{month}", fmt,
                    deductions_table(f"{month} 扣分", found, names))


@web.get("/exports/agencies/<code>/trail.<fmt>")
def export_trail(code: str, fmt: str):
    """Every month's trail entries of one agency, from registration to today."""
    bureau()
    side = read_side()
    info = side.agency(code)
    last = info["deregistered_on"] or today()
    entries = [dict(e, month=m) for m in months_touched(info["registered_on"], last)
               for e in side.trail(code, m)["entries"]]
    # Registration opens every month's trail; the export shows it once, in its own month.
    first = next((e for e in entries if e["event"] == "AgencyRegistered"), None)
    entries = [e for e in entries if e["event"] != "AgencyRegistered" or e is first]
    return download(f"trail-{code}", fmt, trail_table(code, entries))


@web.get("/exports/exchange.xlsx")
def export_exchange():
    """Agencies, all deductions, attendance and secondments: the importer's own layout."""
    bureau()
    side = read_side()
    agencies = side.agencies()
    names = {a["credit_code"]: a["name"] for a in agencies}
    deductions, attendance, secondments = [], [], []
    sessions: dict[str, dict] = {}
    for code in names:
        deductions += side.deductions(code)
        records = side.staff_records(code)
        for a in records["attendance"]:
            s = sessions.setdefault(a["session_id"], side.training_session(a["session_id"]))
            attendance.append(dict(a, agency=code, topic=s["topic"], hours=s["hours"]))
        secondments += [dict(s, agency=code) for s in records["secondments"]]
    return download("exchange", "xlsx", agencies_table(agencies),
                    deductions_table("扣分", sorted(deductions, key=lambda d: d["position"]), names),
                    attendance_table(attendance), secondments_table(secondments))
