"""`ledger calendar publish|show`: a regulator records a year's calendar from the command line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ledger.application import Ledger
from ledger.cli import main


@pytest.fixture
def cli(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def head(database_url) -> int:
    ledger = Ledger(url=database_url)
    try:
        return ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()


def test_show_prints_the_shipped_calendar_with_its_ranges(cli):
    result = cli("calendar", "show", "2026")
    assert result.exit_code == 0
    assert "2026 (shipped:2026; shipped with the ledger)" in result.output
    assert "2026-10-01..2026-10-07" in result.output and "2026-02-15..2026-02-23" in result.output
    assert "2026-10-10" in result.output


def test_show_says_weekdays_only_for_a_year_without_a_calendar(cli):
    assert "weekdays-only" in cli("calendar", "show", "2031").output


def test_publish_records_the_calendar_and_show_then_prints_it(cli, database_url):
    result = cli("calendar", "publish", "2026", "--holidays",
                 "2026-10-01..2026-10-08,2026-01-01", "--makeup", "2026-10-10",
                 "--source", "国办发明电", "--as", "li.regulator")
    assert result.exit_code == 0, result.output
    position = head(database_url)
    assert f"position {position}" in result.output and "9 days off" in result.output
    shown = cli("calendar", "show", "2026").output
    assert f"published@{position}" in shown and "2026-10-01..2026-10-08" in shown


def test_publish_refuses_a_weekday_make_up_day_and_records_nothing(cli, database_url):
    result = cli("calendar", "publish", "2026", "--holidays", "2026-10-01",
                 "--makeup", "2026-10-12", "--source", "x", "--as", "li.regulator")
    assert result.exit_code != 0
    assert "makeup_days" in result.output and "2026-10-12" in result.output
    assert head(database_url) == 0


def test_publish_refuses_an_unreadable_date_and_an_empty_recorder(cli, database_url):
    bad = cli("calendar", "publish", "2026", "--holidays", "2026-1O-01", "--source", "x",
              "--as", "li.regulator")
    blank = cli("calendar", "publish", "2026", "--holidays", "2026-10-01", "--source", "x",
                "--as", " ")
    assert bad.exit_code == 2 and "--holidays" in bad.output
    assert blank.exit_code == 2 and "--as" in blank.output
    assert head(database_url) == 0
