"""A store whose read models were built before history rows existed: as-of answers fold the log
(and stay right) until a rebuild, after which they are looked up in history rows."""

from __future__ import annotations

from sqlalchemy import delete, event, insert, select

from ledger.domain.errors import NotFound
from ledger.integrity.readcheck import compare_read_models
from ledger.projections.store import tables as t
from ledger.projections.model.codec import dumps
from ledger.projections.model.history_rows import KINDS, stored_of_versions
from ledger.projections.queries.queries import AsOf, ReadSide
from ledger.projections.store.runner import ASSESSMENTS
from tests.projections.support import snapshot
from tests.projections.test_row_readers import spoil_states
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
    for agency in (None, *CODES):
        found[f"disputes {agency}"] = _or_not_found(side.disputes, agency=agency, as_of=at)
        found[f"rectifications {agency}"] = _or_not_found(side.rectifications, agency=agency,
                                                          as_of=at)
    for year in (2021, 2022, 2023):
        found[f"training {year}"] = side.training_statistics(year, at)
    return found


def _or_not_found(read, **kwargs):
    try:
        return read(**kwargs)
    except NotFound as e:
        return str(e)


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
    assert all(with_history[head][f"{read} None"] for read in ("disputes", "rectifications"))
    before = snapshot(side, CODES, [2022])
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
    # Current reads (trails, evaluations, annual standings) of that generation fold the log
    # where rows cannot answer; none reads the fold's stored state.
    spoil_states(upgraded)
    assert snapshot(upgraded, CODES, [2022]) == before
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


def test_a_generation_that_wrote_every_deduction_whole_answers_alike(ledger, scenario):
    """Generations created before versions were written only on a change hold every deduction
    of a touched month again, whole, with each month version: the reads answer alike, and
    `ledger verify` compares those rows only for a generation marked as writing the new way."""
    replay(ledger, scenario)
    side = ReadSide(ledger)
    side.refresh()
    head = side.runner.head()
    positions = [head // 3, 2 * head // 3, head]
    answers = {p: _as_of_answers(side, p) for p in positions}
    gen = side.runner.active(ASSESSMENTS)[0]
    deduction_v, month_v = t.HISTORY["deduction"], t.HISTORY["month"]
    with side.engine.begin() as conn:
        versions: dict[str, list] = {}
        for row in conn.execute(select(deduction_v).where(deduction_v.c.gen == gen)
                                .order_by(deduction_v.c.valid_from)):
            versions.setdefault(row.id, []).append(row)
        assert any(not r.resource.startswith('{"deduction":')  # compact later versions
                   for rows in versions.values() for r in rows)
        old: dict[tuple, dict] = {}
        at = [(r.valid_from, r.agency, r.month) for r in conn.execute(
            select(month_v).where(month_v.c.gen == gen))]
        at += [(r.valid_from, r.agency, r.month) for rows in versions.values() for r in rows]
        at += [(head, rows[0].agency, rows[0].month) for rows in versions.values()]  # unchanged
        for valid_from, agency, month in at:
            for ded_id, rows in versions.items():
                upto = [r.resource for r in rows if r.valid_from <= valid_from]
                if upto and rows[0].agency == agency and rows[0].month == month:
                    old[(ded_id, valid_from)] = {
                        "gen": gen, "id": ded_id, "valid_from": valid_from, "agency": agency,
                        "month": month, "resource": dumps(stored_of_versions(upto))}
        assert len(old) > sum(len(rows) for rows in versions.values())
        conn.execute(delete(deduction_v).where(deduction_v.c.gen == gen))
        conn.execute(insert(deduction_v), list(old.values()))
    # Marked as writing only changes, the older rows differ from a scratch rebuild's.
    assert compare_read_models(ledger).match is False
    with side.engine.begin() as conn:
        conn.execute(delete(t.versioned).where(t.versioned.c.kind == t.CHANGED_ONLY))
    older = ReadSide(ledger)
    assert {p: _as_of_answers(older, p) for p in positions} == answers
    assert compare_read_models(ledger).match is True
