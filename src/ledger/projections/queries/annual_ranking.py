"""Current annual standings, read from the stored evaluation rows and kept ranked in memory.

A year's standings at one through (months of the year begun) are loaded once per generation:
every agency registered in some month of the year, with its evaluation row (an agency-year
without one has no fact: `evaluation_rows.empty_standing`). After that, each new read-model
position re-reads only the agencies whose evaluation row changed since (`valid_from` after the
kept position) or whose registration did (their agency stream, `ranking.touched_agencies`), and
moves their rows (`ranking.RankedMonth`, which ranks any rows with a score). See
docs/READ_SIDE.md.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, String, Text, cast, literal, null, or_, select, union_all
from sqlalchemy.engine import Connection

from ledger.domain.scoring import normalise
from ledger.projections.store import tables as t
from ledger.projections.model.evaluation_rows import empty_standing, standing_from_row
from ledger.projections.queries import history_reads as history
from ledger.projections.queries.asof import AsOfReader
from ledger.projections.model.state import AgencyState
from ledger.projections.queries.ranking import KeptRankings, RankedMonth, touched_agencies
from ledger.projections.store.runner import ASSESSMENTS, Projections
from ledger.projections.model.views import evaluation_resource

YEARS_KEPT = 3


def year_rows(conn: Connection, gen: int, year: int, through: int, reader: AsOfReader,
              codes: set[str] | None = None) -> tuple[dict[str, dict | None], int | None]:
    """The annual standings rows (no rank; None: no score) of every agency registered in the
    year, or of `codes`, and the read-model position they were read at (None: `gen` retired).

    One statement (a UNION ALL of index scans), so one consistent state. A row that does not
    hold `through` (only a clock set before the event that made it) is computed by folding
    the agency's streams up to that position (`reader`).
    """
    p, a, e = t.projection.c, t.agency.c, t.evaluation.c
    text = lambda: cast(null(), Text)  # noqa: E731 - typed NULLs for the other parts' columns
    name = lambda: cast(null(), String)  # noqa: E731
    tracking = select(literal(0), cast(p.position, Integer), name(), text(), name(), name(),
                      text()).where(p.name == ASSESSMENTS, p.gen == gen, p.status == "active")
    agencies = select(literal(1), literal(0), a.code, a.name, cast(a.registered_on, String),
                      cast(a.deregistered_on, String), text()).where(
        a.gen == gen, a.registered_on <= date(year, 12, 31),
        or_(a.deregistered_on.is_(None), a.deregistered_on >= date(year, 1, 1)))
    stored = select(literal(2), e.first_through, e.agency, text(), name(), name(),
                    e.standing).where(e.gen == gen, e.year == year)
    if codes is not None:
        agencies, stored = agencies.where(a.code.in_(codes)), stored.where(e.agency.in_(codes))
    position, registered, standing = None, {}, {}
    for part, number, code, agency_name, registered_on, deregistered_on, held in \
            conn.execute(union_all(tracking, agencies, stored)):
        if part == 0:
            position = number
        elif part == 1:
            registered[code] = (agency_name, _day(registered_on), _day(deregistered_on))
        else:
            standing[code] = (number, held)
    rows: dict[str, dict | None] = {}
    missing = []
    for code, (agency_name, registered_on, deregistered_on) in registered.items():
        row = annual_standing_row(code, agency_name, year, registered_on, deregistered_on,
                                  standing.get(code), through)
        if row is NOT_HELD:
            missing.append(code)
        else:
            rows[code] = row
    if missing and position is not None:
        rows.update(folded_rows(reader, position, year, through, missing))
    if codes is not None:
        rows.update({code: None for code in codes if code not in registered})
    return rows, position


NOT_HELD: dict = {}  # what `annual_standing_row` gives when the stored row lacks the through


def annual_standing_row(code: str, name: str, year: int, registered_on: date,
                        deregistered_on: date | None, stored: tuple[int, str] | None,
                        through: int) -> dict | None:
    """An agency's annual standings row (no rank; None: no annual score) from its evaluation
    row's (first_through, standing), or, with no row, from its registration (no fact in the
    year); `NOT_HELD` when the row does not hold `through` (a clock set back)."""
    if stored is not None:
        found = standing_from_row(*stored, through)
        if found is None:
            return NOT_HELD
        score, grade = found
        score = normalise(Decimal(score)) if score is not None else None
    else:
        score, grade = empty_standing(year, registered_on, deregistered_on, through)
    return None if score is None else \
        {"agency": code, "name": name, "score": score, "grade": grade}


def year_rows_as_of(conn: Connection, gen: int, year: int, through: int,
                    position: int) -> tuple[list[dict], list[str]]:
    """The annual standings rows (no rank) as of `position`, from the history rows: every
    agency registered then (its agency version) with its evaluation version (the greatest
    valid_from <= position per agency-year); and the agencies whose version does not hold
    `through` (the caller computes those)."""
    stored = history.evaluations_as_of(conn, gen, year, position)
    rows, missing = [], []
    for a in history.agencies_as_of(conn, gen, position):
        held = stored.get(a.code)
        row = annual_standing_row(a.code, a.name, year, a.registered_on, a.deregistered_on,
                                  None if held is None else (held.first_through, held.standing),
                                  through)
        if row is NOT_HELD:
            missing.append(a.code)
        elif row is not None:
            rows.append(row)
    return rows, missing


def _day(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def folded_rows(reader: AsOfReader, position: int, year: int, through: int,
                codes: list[str]) -> dict[str, dict | None]:
    """The annual rows of `codes` from the log folded up to `position`, agency by agency,
    for `through` (the rows that do not hold it: a clock set before their event)."""
    today = date(year, through, 1) if through else date(year - 1, 12, 31)
    return {code: annual_row(reader.model(position, code).agencies[code], year, today)
            for code in codes}


def annual_row(a: AgencyState, year: int, today: date) -> dict | None:
    """The agency's annual standings row (unranked), None without an annual score."""
    ev = evaluation_resource(a, year, today)
    if ev["score"] is None:
        return None
    return {"agency": a.code, "name": a.name, "score": ev["score"], "grade": ev["grade"]}


def changed_agencies(conn: Connection, runner: Projections, gen: int, year: int, after: int,
                     upto: int) -> set[str] | None:
    """Agencies whose annual row may differ between the two positions; None if unknown."""
    codes = touched_agencies(conn, runner, gen, after, upto)
    if codes is None:
        return None
    e = t.evaluation.c
    return codes | set(conn.execute(select(e.agency).where(
        e.gen == gen, e.year == year, e.valid_from > after)).scalars())


class AnnualStandings(KeptRankings):
    """The ranked years of one ReadSide, each kept at the newest read-model state it saw."""

    def __init__(self, runner: Projections, reader: AsOfReader) -> None:
        super().__init__(runner, YEARS_KEPT)
        self.reader = reader
        self.years: OrderedDict[tuple[int, int], RankedMonth] = self.lists

    def page(self, year: int, through: int, limit: int | None = None, offset: int = 0,
             agency: str | None = None) -> tuple[list[dict], int]:
        """The page (global ranks) as the active generation stands now, and the total."""
        with self.lock:
            ranked = self._ranked((year, through))
            return ranked.page(limit, offset, agency), ranked.total

    def _whole(self, conn: Connection, key: tuple[int, int], gen: int) -> RankedMonth | None:
        rows, at = year_rows(conn, gen, *key, self.reader)
        if at is None:
            return None
        return RankedMonth(gen, at, {code: row for code, row in rows.items() if row is not None})

    def _brought_to(self, conn: Connection, key: tuple[int, int], gen: int,
                    position: int) -> RankedMonth | None:
        year, through = key
        kept = self.years.get(key)
        if kept is not None and kept.gen == gen and kept.position == position:
            return kept
        codes = None
        if kept is not None and kept.gen == gen and kept.position < position:
            codes = changed_agencies(conn, self.runner, gen, year, kept.position, position)
        if codes is None:
            return self._whole(conn, key, gen)
        changed: dict[str, dict | None] = {}
        for tries in range(5):
            if not codes:
                break
            changed, at = year_rows(conn, gen, year, through, self.reader, codes)
            if at is None:
                return None
            if at == position or tries == 4:
                break  # (else a batch was applied meanwhile: trace its agencies too)
            more = changed_agencies(conn, self.runner, gen, year, position, at)
            if more is None:
                return self._whole(conn, key, gen)
            codes, position = codes | more, at
        kept.move({code: changed.get(code) for code in codes})
        kept.position = position
        return kept
