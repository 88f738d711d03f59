"""A store whose read models were built before history rows existed: as-of answers fold the log
(and stay right) until a rebuild, after which they are looked up in history rows."""

from __future__ import annotations

from sqlalchemy import delete, event, select

from ledger.integrity.readcheck import compare_read_models
from ledger.projections.store import tables as t
from ledger.projections.model.history_rows import KINDS
from ledger.projections.queries.queries import AsOf, ReadSide
from ledger.projections.store.runner import ASSESSMENTS
from tests.projections.support import snapshot
from tests.scenario import replay

CODES = ["91341800H9EH9J1GRF", "91341800NNDMLAR0UG", "91341800WQD9LLEHT2"]


def _as_of_answers(side: ReadSide, position: int) -> dict:
    at, found = AsOf(position=position), {}
    for code in CODES:
        found[f"deductions {code}"] = side.deductions(code, as_of=at)
        for month in ("2022-01", "2022-02", "2022-03", "2022-04"):
            found[f"month {code} {month}"] = side.month(code, month, at)
            found[f"trail {code} {month}"] = side.trail(code, month, at)
    for month in ("2022-01", "2022-02", "2022-03", "2022-04"):
        found[f"standings {month}"] = side.standings(month, as_of=at)
    return found


def _folds(side: ReadSide) -> list[str]:
    """Run a read; the statements that read the log itself (an as-of fold)."""
    log = side.runner.events.name
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):
        if log in statement and ("UNION ALL" in statement or "<=" in statement):
            seen.append(statement)
    event.listen(side.engine, "before_cursor_execute", record)
    return seen


def test_a_generation_built_before_history_folds_until_rebuilt(ledger, scenario):
    replay(ledger, scenario)
    side = ReadSide(ledger)
    side.refresh()
    head = side.runner.head()
    positions = [head // 3, 2 * head // 3, head]
    with_history = {p: _as_of_answers(side, p) for p in positions}
    # As an older version left it: versions written only from the middle of the log on, and
    # no record that the generation holds history.
    gen = side.runner.active(ASSESSMENTS)[0]
    with side.engine.begin() as conn:
        conn.execute(delete(t.versioned))
        for table in t.HISTORY.values():
            conn.execute(delete(table).where(table.c.valid_from <= head // 2))
    upgraded = ReadSide(ledger)
    folds = _folds(upgraded)
    assert {p: _as_of_answers(upgraded, p) for p in positions} == with_history
    assert folds, "as-of answers of a generation without history must fold the log"
    assert compare_read_models(ledger).match is True  # the partial history is not compared
    upgraded.rebuild(ASSESSMENTS, wait=True)
    rebuilt = upgraded.runner.active(ASSESSMENTS)[0]
    assert rebuilt != gen
    with upgraded.engine.connect() as conn:
        assert set(conn.execute(select(t.versioned.c.kind).where(
            t.versioned.c.gen == rebuilt)).scalars()) >= set(KINDS)
    folds.clear()
    assert {p: _as_of_answers(upgraded, p) for p in positions} == with_history
    assert not folds, folds
    assert compare_read_models(ledger).match is True
    current = snapshot(upgraded, CODES, [2022])
    assert snapshot(upgraded, CODES, [2022], AsOf(position=head)) == current
