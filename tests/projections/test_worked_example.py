"""The read side reproduces sample-expected.json below the HTTP layer, on both backends."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.projections.queries.queries import AsOf, ReadSide
from tests.projections.support import plain, ranking
from tests.scenario import replay


@pytest.fixture
def replayed(ledger, scenario):
    refs, refused, positions = replay(ledger, scenario)
    return ReadSide(ledger), refs, positions


def test_monthly_scores_match_the_example(replayed, expected):
    read_side, _, _ = replayed
    for code, months in expected["monthly_scores"].items():
        for month, score in months.items():
            result = read_side.month(code, month)
            assert plain(result["score"]) == score, (code, month)
            assert result["assessed"] is (score is not None)


def test_evaluations_match_the_example(replayed, expected):
    read_side, _, _ = replayed
    for code, fields in expected["evaluations"].items():
        result = read_side.evaluation(code, 2022)
        assert {k: plain(result[k]) for k in fields} == fields, code


def test_current_published_and_annual_standings_match_the_example(replayed, expected):
    read_side, _, _ = replayed
    for month, rows in expected["standings_current"].items():
        assert ranking(read_side.standings(month)["rows"]) == rows
    for month, rows in expected["standings_published"].items():
        published = read_side.standings(month, basis="published")
        assert ranking(published["rows"]) == rows
        assert published["revision"] == 1
    assert ranking(read_side.annual_standings(2022)["rows"]) == expected["annual_standings"]


def test_standings_without_a_month_use_the_latest_published_month(replayed):
    read_side, _, _ = replayed
    assert read_side.standings()["month"] == "2022-02"


def test_trails_match_the_example_entry_by_entry(replayed, scenario, expected):
    read_side, refs, positions = replayed
    for key, entries in expected["trails"].items():
        code, month = key.split()
        trail = read_side.trail(code, month)
        got = [e for e in trail["entries"] if e["event"] != "AgencyRegistered"]
        assert [(e["position"], e["event"], e["deduction_id"], plain(e["score_before"]),
                 plain(e["score_after"])) for e in got] == [
            (positions[e["op_index"]], e["event"], refs[e["deduction"]], e["score_before"],
             e["score_after"]) for e in entries], key
        assert trail["entries"][0]["event"] == "AgencyRegistered"


def test_training_statistics_match_the_example(replayed, expected):
    read_side, _, _ = replayed
    statistics = read_side.training_statistics(2022)
    statistics.pop("year")
    assert statistics == expected["training_statistics"]


def test_published_january_keeps_its_figures_after_the_dispute_is_resolved(replayed):
    read_side, refs, positions = replayed
    published = read_side.standings("2022-01", basis="published")
    current = read_side.standings("2022-01")
    b = "91341800NNDMLAR0UG"
    assert [plain(r["score"]) for r in published["rows"] if r["agency"] == b] == [100]
    assert [plain(r["pending_points"]) for r in published["rows"] if r["agency"] == b] == [6]
    assert [plain(r["score"]) for r in current["rows"] if r["agency"] == b] == [97]


def test_as_of_position_answers_from_the_events_up_to_it(replayed):
    read_side, _, positions = replayed
    b = "91341800NNDMLAR0UG"
    before_resolution = AsOf(position=positions[8] - 1)
    assert plain(read_side.month(b, "2022-01", before_resolution)["score"]) == 100
    assert plain(read_side.month(b, "2022-01", AsOf(position=positions[8]))["score"]) == 97
    c = "91341800WQD9LLEHT2"
    assert plain(read_side.month(c, "2022-07", AsOf(position=positions[43] - 1))["score"]) == 96
    assert plain(read_side.month(c, "2022-07", AsOf(position=positions[43]))["score"]) == 98


def test_as_of_a_timestamp_uses_the_events_recorded_by_then(replayed, ledger):
    read_side, _, positions = replayed
    events = read_side.agency_events("91341800WQD9LLEHT2")
    withdrawal = next(e for e in events if e["event"] == "DeductionWithdrawn")
    recorded = next(e for e in events if e["event"] == "DeductionRecorded"
                    and e["data"]["found_on"].month == 7)
    at = AsOf(timestamp=recorded["recorded_at"])
    assert plain(read_side.month("91341800WQD9LLEHT2", "2022-07", at)["score"]) == 96
    assert read_side.resolve_as_of(AsOf(timestamp=withdrawal["recorded_at"])) >= positions[43]


def test_disputes_show_review_due_and_outcome(replayed):
    read_side, refs, _ = replayed
    [dispute] = read_side.disputes()
    assert dispute["id"] == refs["x1"]
    assert (dispute["status"], plain(dispute["points"]), str(dispute["review_due"])) == (
        "reduced", 3, "2022-02-15")
    assert read_side.disputes(status="open") == []
    assert read_side.dispute(refs["x1"]) == dispute


def test_standings_of_a_month_that_has_not_begun_are_empty(ledger, scenario):
    replay(ledger, scenario)
    read_side = ReadSide(ledger, today=lambda: date(2022, 5, 20))
    assert read_side.standings("2022-06")["rows"] == []
    assert [r["agency"] for r in read_side.standings("2022-05")["rows"]] == [
        "91341800H9EH9J1GRF", "91341800NNDMLAR0UG", "91341800WQD9LLEHT2"]
