"""A month's standings rows and ranks: one rule whether ranked whole, paged or read back stored."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from ledger.domain.agency import Agency
from ledger.projections.model.fold import LedgerModel
from ledger.projections.queries.ranking import RankedMonth
from ledger.projections.model.views import (
    month_standing_row, ranked, standing_row, stored_figures,
)

SCORES = {"C": 98, "A": 100, "D": 98, "B": 97, "E": 98, "F": 100}


def rows() -> list[dict]:
    return [{"agency": code, "name": code, "score": Decimal(score)}
            for code, score in SCORES.items()]


def test_equal_scores_share_the_rank_of_the_first_and_are_ordered_by_credit_code():
    assert [(r["agency"], r["rank"]) for r in ranked(rows())] == [
        ("A", 1), ("F", 1), ("C", 3), ("D", 3), ("E", 3), ("B", 6)]


def test_every_page_and_every_agency_of_a_ranked_month_has_its_rank_in_the_whole_list():
    whole = {r["agency"]: r["rank"] for r in ranked(rows())}
    month = RankedMonth(1, 0, {r["agency"]: r for r in rows()})
    for offset in range(len(SCORES)):
        for limit in range(1, len(SCORES) + 1):
            page = month.page(limit, offset)
            assert [r["rank"] for r in page] == [whole[r["agency"]] for r in page]
    assert all(month.page(agency=code)[0]["rank"] == rank for code, rank in whole.items())


def test_a_moved_row_takes_its_new_place_and_rank():
    month = RankedMonth(1, 0, {r["agency"]: r for r in rows()})
    month.move({"B": {"agency": "B", "name": "B", "score": Decimal(100)}, "F": None})
    assert [(r["agency"], r["rank"]) for r in month.page()] == [
        ("A", 1), ("B", 1), ("C", 3), ("D", 3), ("E", 3)]


def test_a_month_without_a_stored_row_stands_as_a_folded_month_without_deductions():
    model = LedgerModel()
    agency = Agency.register("91341800WQD9LLEHT2", "宁国青弋工程咨询有限公司", date(2022, 3, 15),
                             date(2022, 4, 1), "li.regulator")
    for position, event in enumerate(agency.collect_events(), start=1):
        model.apply(position, event)
    folded = month_standing_row(model.agencies["91341800WQD9LLEHT2"], "2022-03")
    assert folded["score"] == 100
    assert standing_row(folded["agency"], folded["name"], stored_figures(None)) == folded


def test_a_stored_month_row_reads_back_as_the_figures_it_was_written_from():
    row = standing_row("X", "x", stored_figures(("97.50", "2.5", "0")))
    assert (str(row["score"]), str(row["deducted_points"]), str(row["pending_points"])) == (
        "97.5", "2.5", "0")


def test_rows_moved_at_random_keep_the_ranks_and_order_of_a_fresh_ranking():
    # Few distinct scores, so that most moves enter, leave or split a tie; rows also come and
    # go. The whole list re-ranks only the rows between the places the moves since changed:
    # every row's rank must still be the one the whole list ranked afresh gives it.
    rng = random.Random(7)
    codes = [f"C{n:03d}" for n in range(60)]

    def row(code: str) -> dict:
        return {"agency": code, "name": code.lower(), "score": Decimal(rng.choice(
            ("100", "99.5", "99.50", "98", "97.25", "90")))}

    current = {code: row(code) for code in codes if rng.random() < 0.8}
    month = RankedMonth(1, 0, {code: dict(r) for code, r in current.items()})
    for _ in range(300):
        changed = {}
        for code in rng.sample(codes, rng.choice((1, 1, 1, 2, 5))):
            changed[code] = None if rng.random() < 0.15 else row(code)
        month.move({code: None if r is None else dict(r) for code, r in changed.items()})
        for code, r in changed.items():
            if r is None:
                current.pop(code, None)
            else:
                current[code] = r
        fresh = ranked([dict(r) for r in current.values()])
        at = rng.randrange(len(fresh) + 1)
        assert month.page(3, at) == fresh[at:at + 3]
        assert all(month.page(agency=r["agency"]) == [r] for r in fresh[at:at + 3])
        assert month.total == len(fresh)
        if rng.random() < 0.4:  # else the next moves add to the places to re-rank
            assert month.page() == fresh
            assert [list(r) for r in month.page()] == [list(r) for r in fresh]  # rank last
            assert month.page(offset=at) == fresh[at:]


def test_a_page_is_a_copy_that_cannot_change_the_kept_rows():
    month = RankedMonth(1, 0, {r["agency"]: r for r in rows()})
    for page in (month.page(), month.page(2, 1), month.page(agency="C")):
        for r in page:
            r["rank"], r["score"] = 0, Decimal(0)
    assert [(r["agency"], r["rank"]) for r in month.page()] == [
        ("A", 1), ("F", 1), ("C", 3), ("D", 3), ("E", 3), ("B", 6)]
    assert month.page(agency="C")[0]["score"] == 98
