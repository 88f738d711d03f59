"""What-if: the standings a draft rule-set version would have given, computed in memory.

A draft changes one thing in the fold: a deduction found on or after the draft's effective_from
whose code the draft lists is folded with the draft's base points and class instead of its
recorded ones (`LedgerModel(draft=…)`, `catalogue.drafted_item`). Those terms are set once, when
the fold applies the deduction's DeductionRecorded, and no later event reads them: every later
event (withdrawal, rectification, dispute, decision) and everything else the figures come from
(doubling, attendance, secondments, ratings, provincial scores) is folded the same with or
without the draft. So the fold of the log with the draft equals the fold without it with the
draft's terms put on those deductions and every figure derived from them forgotten
(`apply_draft`); and a month's figures depend on the terms of the deductions found in it only.

What is served, from the rows of the serving generation read in one snapshot
(`state_rows.one_state`): the current rows of every agency (`ranking.month_rows`, or
`annual_ranking.year_rows` for a year), and, for the agencies with a deduction of a drafted code
found in the asked month or year, their state put together from rows
(`state_rows.agencies_from_rows`: registration, the deductions found in the period or in the
doubling window before it, and for a year the other facts dated in it) with the draft put on
it; the others' draft rows are their current rows. A generation
built before the rows a state is put together from (`state_rows.NEEDED`) folds the log instead.
The fold's own cache, `rm_agency.state`, is never read. `fold_with_and_without` folds the log
itself, with and without the draft: the reference tests and `python -m bench.whatif` compare
with. Nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledger.domain.catalogue import RuleSetVersion, drafted_item
from ledger.domain.scoring import month_bounds, normalise
from ledger.projections.store import tables as t
from ledger.projections.model.fold import Changes, LedgerModel
from ledger.projections.queries.read_base import ReadBase
from ledger.projections.queries.annual_ranking import annual_row, year_rows
from ledger.projections.queries.ranking import month_rows
from ledger.projections.queries.state_rows import NEEDED, agencies_from_rows, one_state
from ledger.projections.store.runner import ASSESSMENTS
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import (
    forget_all_months, month_standing_row, ranked, registered_in, through_of, year_months,
)

FOLD_CHUNK = 20_000  # events read and decoded per query by `fold_with_and_without`


def apply_draft(agency: AgencyState, draft: RuleSetVersion) -> set[str]:
    """Put the draft's terms on an agency folded without it; the months of the deductions it
    changed (a month's figures depend on the terms of the deductions found in it only: those
    found before can double them, but that depends on their code, date and status alone).

    The same terms `LedgerModel(draft=…)` gives each deduction as it folds its DeductionRecorded,
    and every figure derived from them is forgotten (recomputed when next asked for).
    """
    months = set()
    for d in agency.deductions.values():
        item = drafted_item(draft, d.rule_code, d.found_on)
        if item is not None:
            d.base_points, d.serious, d.rectifiable = item.points, item.serious, item.rectifiable
            d.rule_version = draft.version
            months.add(d.month)
    if months:
        for d in agency.deductions.values():
            d.forget()
        forget_all_months(agency)
    return months


def fold_with_and_without(runner: Any, draft: RuleSetVersion,
                          position: int) -> tuple[LedgerModel, LedgerModel]:
    """Two models of every agency folded from the log up to `position`: with the draft, and
    without it. The reference for `apply_draft` (tests, `python -m bench.whatif`)."""
    drafted, current = LedgerModel(draft=draft), LedgerModel()
    drafted.complete = current.complete = True
    after = 0
    while after < position:
        with runner.engine.connect() as conn:
            events = runner.read_events(conn, after, FOLD_CHUNK)
        if not events:
            break
        changes = Changes()  # what changed is of no use here: dropped with each chunk
        for pos, event in events:
            if pos > position:
                return drafted, current
            drafted.apply(pos, event, changes)
            current.apply(pos, event, changes)
        after = events[-1][0]
    return drafted, current


def period_row(agency: AgencyState, month: str | None, year: int | None,
               today: date) -> dict | None:
    """The agency's standings row of the month (or annual row of the year), None if unranked."""
    if month is not None:
        return month_standing_row(agency, month) if registered_in(agency, month) else None
    assert year is not None
    return annual_row(agency, year, today)


def what_if_rows(agencies: Iterable[AgencyState], draft: RuleSetVersion, month: str | None,
                 year: int | None, today: date) -> list[dict]:
    """Rows ranked by the draft score, each with the current figures beside them.

    The agencies are folded without the draft; they are changed in place (`apply_draft`).
    """
    current, drafted = {}, {}
    asked = {month} if month is not None else set(year_months(year or 0))
    for agency in agencies:
        now = period_row(agency, month, year, today)
        if now is None:  # assessed or not whatever the rules: unranked either way
            continue
        current[agency.code] = now
        if apply_draft(agency, draft) & asked:
            drafted[agency.code] = period_row(agency, month, year, today)
    return beside(current, drafted, month)


def beside(current: dict[str, dict], drafted: dict[str, dict], month: str | None) -> list[dict]:
    """Rows ranked by the draft score, each with the current figures beside them: `current`
    the current row of every ranked agency, `drafted` the draft rows of those the draft
    changes (the others' draft row is their current row)."""
    draft_rows = [dict(drafted.get(code, row)) for code, row in current.items()]
    now = ranked([dict(row) for row in current.values()])
    names = ("score", "rank", "grade") if month is None else \
        ("score", "rank", "deducted_points", "pending_points")
    was = {row["agency"]: row for row in now}
    return [{**row, **{f"current_{name}": was[row["agency"]][name] for name in names},
             "delta": normalise(row["score"] - was[row["agency"]]["score"])}
            for row in ranked(draft_rows)]


class WhatIfReads(ReadBase):
    """The what-if preview of a draft rule-set version (regulators, auditors)."""

    def what_if_standings(self, draft: RuleSetVersion, month: str | None = None,
                          year: int | None = None) -> dict:
        """A month's or a year's standings as if `draft` had been in force from its
        effective_from, ranked by the draft score, with the current figures beside them.

        A month or a year that has not begun assesses nobody yet: no rows, as the standings.
        `position` is the log position the figures stand at.
        """
        if (month is None) == (year is None):
            raise ValueError("give a month or a year")
        today = self.today()
        head: dict = {"month": month} if month is not None else {"year": year}
        first, last = month_bounds(month) if month is not None else \
            (date(int(year or 0), 1, 1), date(int(year or 0), 12, 31))
        gen = self._gen()
        if first > today:
            return {**head, "effective_from": draft.effective_from,
                    "position": self.runner.active(ASSESSMENTS)[1], "rows": []}
        for _ in range(5):
            if not self._holds(gen, NEEDED):  # a generation built before those rows
                position, agencies = self._folded_all(gen)
                rows = what_if_rows(agencies, draft, month, year, today)
                break
            found = self._from_rows(gen, draft, month, year, first, last, today)
            if found is not None:
                position, rows = found
                break
            gen = self._gen()  # retired while read: read the generation now serving
        else:
            raise TimeoutError("the read models kept switching generations; try again")
        return {**head, "effective_from": draft.effective_from, "position": position,
                "rows": rows}

    def _from_rows(self, gen: int, draft: RuleSetVersion, month: str | None,
                   year: int | None, first: date, last: date,
                   today: date) -> tuple[int, list[dict]] | None:
        """(position, rows) from the rows of generation `gen`, all read in one snapshot;
        None when `gen` no longer serves."""
        asked = {month} if month is not None else set(year_months(year or 0))
        with one_state(self.engine) as conn:
            if month is not None:
                current, position = month_rows(conn, gen, month)
            else:
                current, position = year_rows(conn, gen, int(year or 0),
                                              through_of(int(year or 0), today),
                                              self.as_of_reader)
            if position is None:
                return None
            ranked_now = {code: row for code, row in current.items() if row is not None}
            codes = drafted_agencies(conn, gen, draft, first, last) & set(ranked_now)
            agencies = agencies_from_rows(conn, gen, codes, (first, last),
                                          facts=month is None)
        drafted = {}
        for code, agency in agencies.items():
            if apply_draft(agency, draft) & asked:
                row = period_row(agency, month, year, today)
                assert row is not None  # ranked now, whatever the rules
                drafted[code] = row
        return position, beside(ranked_now, drafted, month)


def drafted_agencies(conn: Connection, gen: int, draft: RuleSetVersion, first: date,
                     last: date) -> set[str]:
    """The agencies with a deduction of a code the draft lists found from `first` to `last`:
    those whose rows in that period the draft may change (`apply_draft` says which it does)."""
    d = t.deduction.c
    if not draft.items:
        return set()
    return set(conn.execute(select(d.agency).distinct().where(
        d.gen == gen, d.rule_code.in_(sorted(draft.items)), d.found_on >= first,
        d.found_on <= last)).scalars())
