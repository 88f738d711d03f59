"""Current month standings kept ranked in memory, brought up to date by what each write touched.

A month's standings are loaded once per generation (every assessed agency with its month row),
sorted by (score descending, credit code); after that, each new read-model position re-reads
only the agencies whose streams the new events belong to (`rm_stream`), and moves their rows.
A page is then a slice, its ranks counted from the rows before it. See docs/READ_SIDE.md.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict

from sqlalchemy import Date, String, cast, literal, null, select, union_all
from sqlalchemy.engine import Connection

from ledger.domain.scoring import registered_in_month
from ledger.projections.store import tables as t
from ledger.projections.store.runner import ASSESSMENTS, Projections
from ledger.projections.model.views import rank_key, standing_row, stored_figures, tie_start

AGENCY_KINDS, NEUTRAL_KINDS = {"agency", "deduction"}, {"session", "month"}
MAX_GAP = 2000  # more new events than this: reload the month rather than trace each one
MONTHS_KEPT = 3  # ~12 MB each at 20,000 agencies


class RankedMonth:
    """One month's current standings at one read-model state (generation, position).

    `order` holds the rows in rank order, and each kept row its rank in the whole list (its
    "rank" key set last, as `views.ranked` leaves it) except between the places a move changed
    since (`dirty`): the whole list re-ranks those first (`_rank`), then is a copy of `order`;
    a page of `limit` rows counts its ranks as it goes, from the rows before it.
    """

    def __init__(self, gen: int, position: int, rows: dict[str, dict]) -> None:
        """`rows` (no rank) become the kept rows: the month owns them and sets their ranks."""
        self.gen, self.position, self.rows = gen, position, rows
        self.keys = sorted(rank_key(r) for r in rows.values())
        self.order = [rows[key[1]] for key in self.keys]
        self.dirty: tuple[int, int | None] | None = (0, None)  # ranks to set: (first, last)

    @property
    def total(self) -> int:
        return len(self.keys)

    def move(self, changed: dict[str, dict | None]) -> None:
        """Replace the rows of the agencies given (None: no longer ranked; rows without rank,
        owned from now on). The ranks from the first place changed on are to be set again:
        through the last place changed when each row only moved (the rows after it kept their
        places), else to the end (a row came or went: every row after it moved by one)."""
        keys, order = self.keys, self.order
        first, last = (len(keys), -1) if self.dirty is None else self.dirty
        for code, row in changed.items():
            old = self.rows.pop(code, None)
            left = taken = None
            if old is not None:
                left = bisect_left(keys, rank_key(old))
                del keys[left], order[left]
            if row is not None:
                self.rows[code] = row
                key = rank_key(row)
                taken = bisect_left(keys, key)
                keys.insert(taken, key)
                order.insert(taken, row)
            if left is None and taken is None:
                continue  # neither ranked before nor now
            if left is None or taken is None:
                first, last = min(first, left if taken is None else taken), None
            else:  # rows outside [left, taken] (either way round) kept their places
                first = min(first, left, taken)
                last = None if last is None else max(last, left, taken)
        if first < len(keys) or self.dirty is not None:
            self.dirty = (first, last)

    def _rank(self) -> None:
        """Set the ranks of the rows a move changed (`views.ranked`'s rule, counted from the
        rows before): every row from `first` through `last` (None: to the end), then on until a
        row already has its rank (from there on the rows, their places and ranks are as were)."""
        if self.dirty is None:
            return
        (first, last), keys, order = self.dirty, self.keys, self.order
        if first:
            previous, rank = tie_start(keys[first - 1]), order[first - 1]["rank"]
        else:
            previous, rank = None, 0
        for index in range(first, len(keys)):
            start = tie_start(keys[index])
            if start != previous:
                rank, previous = index + 1, start
            row = order[index]
            if last is not None and index > last and row.get("rank") == rank:
                break
            row["rank"] = rank
        self.dirty = None

    def page(self, limit: int | None = None, offset: int = 0,
             agency: str | None = None) -> list[dict]:
        """Rows from `offset` (all, or `limit` of them), or one agency's; global ranks, copied
        (a caller cannot change the kept rows)."""
        if agency is not None:
            row = self.rows.get(agency)
            if row is None:
                return []
            return [{**row, "rank": bisect_left(self.keys, tie_start(rank_key(row))) + 1}]
        if limit is None:  # the whole list (from offset): the kept ranks, brought up to date
            self._rank()
            return list(map(dict, self.order[offset:]))
        keys = self.keys[offset:offset + limit]
        out, previous, rank = [], None, 0
        for index, key in enumerate(keys, start=offset):
            start = tie_start(key)
            if start != previous:  # views.ranked's rule, counted from the rows before
                rank = index + 1 if previous is not None else \
                    bisect_left(self.keys, start) + 1  # the page may begin amid a tie
                previous = start
            out.append({**self.order[index], "rank": rank})
        return out


def month_rows(conn: Connection, gen: int, month: str,
               codes: set[str] | None = None) -> tuple[dict[str, dict], int | None]:
    """The standings rows (no rank) of every agency assessed in the month, or of `codes`,
    and the position of the read-model state they were read at (None: `gen` was retired).

    One statement, so one consistent state; a UNION ALL of three plain index scans rather than
    joins, whose plans PostgreSQL gets badly wrong on tables not yet analysed (a new generation).
    """
    p, a, m = t.projection.c, t.agency.c, t.month.c
    none = lambda: cast(null(), String)  # noqa: E731 - a typed NULL for the other parts' columns
    no_day = lambda: cast(null(), Date)  # noqa: E731
    # Every agency of the generation: who is registered in the month is scoring's rule, below.
    agencies = select(literal(1), literal(0), a.code, a.name, none(), none(), none(),
                      a.registered_on, a.deregistered_on).where(a.gen == gen)
    scores = select(literal(2), literal(0), m.agency, none(), m.score, m.deducted_points,
                    m.pending_points, no_day(), no_day()).where(m.gen == gen, m.month == month)
    if codes is not None:
        agencies, scores = agencies.where(a.code.in_(codes)), scores.where(m.agency.in_(codes))
    tracking = select(literal(0), p.position, none(), none(), none(), none(), none(), no_day(),
                      no_day()).where(p.name == ASSESSMENTS, p.gen == gen, p.status == "active")
    position, names, figures = None, {}, {}
    for part, at, code, name, *numbers, registered_on, deregistered_on in conn.execute(
            union_all(tracking, agencies, scores)):
        if part == 0:
            position = at
        elif part == 1:
            if registered_in_month(registered_on, deregistered_on, month):
                names[code] = name
        else:
            figures[code] = tuple(numbers)
    return {code: standing_row(code, name, stored_figures(figures.get(code)))
            for code, name in names.items()}, position


def touched_agencies(conn: Connection, runner: Projections, gen: int, after: int,
                     upto: int) -> set[str] | None:
    """Credit codes of the agencies the events after..upto belong to; None if unknown."""
    if upto - after > MAX_GAP:
        return None
    e, s = runner.events.c, t.stream.c
    originators = {str(o) for o in conn.execute(
        select(e.originator_id).where(e.id > after, e.id <= upto)).scalars()}
    if not originators:
        return set()
    found = conn.execute(select(s.kind, s.agency).where(
        s.gen == gen, s.originator_id.in_(originators))).all()
    if len(found) < len(originators) or any(
            r.kind not in AGENCY_KINDS | NEUTRAL_KINDS for r in found):
        return None  # a stream the read models do not index (a rule set): reload
    return {r.agency for r in found if r.kind in AGENCY_KINDS}


def window(rows: list[dict], limit: int | None, offset: int,
           agency: str | None) -> list[dict]:
    """The same page (or one agency's row) of a list already ranked whole, copied."""
    if agency is not None:
        chosen = [r for r in rows if r["agency"] == agency]
    else:
        chosen = rows[offset:] if limit is None else rows[offset:offset + limit]
    return [dict(r) for r in chosen]


class KeptRankings:
    """Ranked lists of one ReadSide by key (a month; a year and its months begun), the `kept`
    newest asked, each brought to the newest read-model state it was asked at.

    A subclass says how a kept list is brought to a (generation, position): `_brought_to`
    returns None when that generation was retired meanwhile, and the state is asked again.
    """

    def __init__(self, runner: Projections, kept: int) -> None:
        self.runner = runner
        self.lists: OrderedDict = OrderedDict()
        self.kept = kept
        self.lock = threading.Lock()

    def _brought_to(self, conn: Connection, key, gen: int,
                    position: int) -> RankedMonth | None:
        raise NotImplementedError

    def _ranked(self, key) -> RankedMonth:
        with self.runner.engine.connect() as conn:
            while True:
                gen, position = self.runner.active(ASSESSMENTS, conn)
                try:
                    ranked = self._brought_to(conn, key, gen, position)
                except BaseException:
                    self.lists.pop(key, None)  # it may be half moved
                    raise
                if ranked is not None:
                    break  # else the generation was retired meanwhile: ask again
        self.lists[key] = ranked
        self.lists.move_to_end(key)
        while len(self.lists) > self.kept:
            self.lists.popitem(last=False)
        return ranked


class CurrentStandings(KeptRankings):
    """The ranked months of one ReadSide, each kept at the newest read-model state it saw."""

    def __init__(self, runner: Projections) -> None:
        super().__init__(runner, MONTHS_KEPT)
        self.months: OrderedDict[str, RankedMonth] = self.lists

    def page(self, month: str, limit: int | None = None, offset: int = 0,
             agency: str | None = None) -> tuple[list[dict], int]:
        """`RankedMonth.page` of the month as the active generation stands now, and the total.

        The caller has caught the read models up. Sliced under the lock, since another thread
        may be moving the same month's rows.
        """
        with self.lock:
            ranked = self._ranked(month)
            return ranked.page(limit, offset, agency), ranked.total

    def _brought_to(self, conn: Connection, month: str, gen: int,
                    position: int) -> RankedMonth | None:
        kept = self.months.get(month)
        if kept is not None and kept.gen == gen and kept.position == position:
            return kept
        codes = None
        if kept is not None and kept.gen == gen and kept.position < position:
            codes = touched_agencies(conn, self.runner, gen, kept.position, position)
        if codes is None:
            rows, at = month_rows(conn, gen, month)
            return None if at is None else RankedMonth(gen, at, rows)
        changed: dict[str, dict] = {}
        for tries in range(5):
            if not codes:
                break
            changed, at = month_rows(conn, gen, month, codes)
            if at is None:
                return None
            if at == position or tries == 4:
                break  # (else a batch was applied meanwhile: trace its agencies too)
            more = touched_agencies(conn, self.runner, gen, position, at)
            if more is None:
                rows, at = month_rows(conn, gen, month)
                return None if at is None else RankedMonth(gen, at, rows)
            codes, position = codes | more, at
        kept.move({code: changed.get(code) for code in codes})
        kept.position = position
        return kept
