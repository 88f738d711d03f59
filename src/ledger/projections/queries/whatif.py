"""What-if: the standings a draft rule-set version would have given, computed in memory.

A draft changes one thing in the fold: a deduction found on or after the draft's effective_from
whose code the draft lists is folded with the draft's base points and class instead of its
recorded ones (`LedgerModel(draft=…)`, `catalogue.drafted_item`). Those terms are set once, when
the fold applies the deduction's DeductionRecorded, and no later event reads them: every later
event (withdrawal, rectification, dispute, decision) and everything else the figures come from
(doubling, attendance, secondments, ratings, provincial scores) is folded the same with or
without the draft. So the fold of the log with the draft equals the fold without it -- the
`assessments` read model's agency states -- with the draft's terms put on those deductions and
every figure derived from them forgotten (`apply_draft`). That is what is served: folding the
whole log again takes ~30 s at province scale, reading the folded states a few seconds
(docs/PERFORMANCE.md, "What-if"). `fold_with_and_without` folds the log itself, with and without
the draft; tests check that both ways give the same states and rows.

Both the draft rows and the current rows beside them come from the same states (the read
model at one position, read in one statement), so they are consistent with each other and with
the standings read at that position. Nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select

from ledger.domain.catalogue import RuleSetVersion, drafted_item
from ledger.domain.scoring import month_bounds, normalise
from ledger.projections.store import tables as t
from ledger.projections.model.codec import agency_from_json
from ledger.projections.model.fold import Changes, LedgerModel
from ledger.projections.queries.read_base import ReadBase
from ledger.projections.queries.read_overview import annual_row
from ledger.projections.store.runner import ASSESSMENTS
from ledger.projections.model.state import AgencyState
from ledger.projections.model.views import (
    forget_all_months, month_standing_row, ranked, registered_in, year_months,
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
    current, drafted = [], []
    asked = {month} if month is not None else set(year_months(year or 0))
    for agency in agencies:
        now = period_row(agency, month, year, today)
        if now is None:  # assessed or not whatever the rules: unranked either way
            continue
        current.append(now)
        drafted.append(period_row(agency, month, year, today)
                       if apply_draft(agency, draft) & asked else dict(now))
    ranked(current)
    beside = ("score", "rank", "grade") if month is None else \
        ("score", "rank", "deducted_points", "pending_points")
    was = {row["agency"]: row for row in current}
    return [{**row, **{f"current_{name}": was[row["agency"]][name] for name in beside},
             "delta": normalise(row["score"] - was[row["agency"]]["score"])}
            for row in ranked(drafted)]


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
        first = month_bounds(month)[0] if month is not None else date(int(year or 0), 1, 1)
        gen = self._gen()
        if first > today:
            return {**head, "effective_from": draft.effective_from,
                    "position": self.runner.active(ASSESSMENTS)[1], "rows": []}
        states, position = self._agency_states(gen)
        # Decoded one at a time and dropped once its rows are taken: at nation scale every
        # agency's decoded state at once would take gigabytes.
        agencies = (agency_from_json(state) for state in states)
        return {**head, "effective_from": draft.effective_from, "position": position,
                "rows": what_if_rows(agencies, draft, month, year, today)}

    def _agency_states(self, gen: int) -> tuple[list[str], int]:
        """Every agency's stored state (JSON) in generation `gen`, and the position it stands
        at, from one statement (one snapshot of the read model)."""
        p = t.projection.c
        position = select(p.position).where(
            p.name == ASSESSMENTS, p.gen == gen).scalar_subquery()
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.agency.c.state, position.label("position")).where(
                t.agency.c.gen == gen)).all()
            if not rows:
                return [], conn.execute(select(position)).scalar() or 0
        return [r.state for r in rows], rows[0].position
