"""Property: history rows as of any position == the fold of the events up to it, from scratch;
the rows an incremental read model wrote == those of a fresh rebuild; as-of reads from history
rows == as-of reads folding the log (the path of generations built before history existed)."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.application import Ledger
from ledger.projections.store import tables as t
from ledger.projections.model.codec import loads
from ledger.projections.model.history_rows import AGENCY, DEDUCTION, KINDS, MONTH, agency_version, \
    month_versions, stored_of_versions
from ledger.projections.queries.queries import AsOf, ReadSide
from ledger.projections.store.runner import ASSESSMENTS
from ledger.projections.model.views import year_months
from tests.conftest import reset_postgres
from tests.projections.test_properties import CODES, START, TODAY, direct_fold, operation, run

BACKENDS = ["sqlite", "postgresql"]


def _key(kind: str) -> list[str]:
    return [c.name for c in t.HISTORY[kind].primary_key.columns
            if c.name not in ("gen", "valid_from")]


def _plain(kind: str, row: dict) -> tuple[tuple, dict]:
    """A row without generation and position, keyed; JSON compared as values."""
    values = {k: (loads(v) if k == "resource" else v) for k, v in row.items()
              if k not in ("gen", "valid_from")}
    return tuple(values[k] for k in _key(kind)), values


def stored_as_of(conn, gen: int, position: int) -> dict[str, dict]:
    """Every key's version as of `position`: the greatest valid_from <= position (a
    deduction's put together with its earlier versions: `history_rows.stored_of_versions`)."""
    found: dict[str, dict] = {}
    for kind in KINDS:
        table = t.HISTORY[kind]
        latest: dict[tuple, dict] = {}
        earlier: dict[tuple, list[str]] = {}
        for row in conn.execute(select(table).where(
                table.c.gen == gen, table.c.valid_from <= position).order_by(table.c.valid_from)):
            row = dict(row._mapping)
            key, values = _plain(kind, row)
            if kind == DEDUCTION:
                earlier.setdefault(key, []).append(row["resource"])
                values["resource"] = stored_of_versions(earlier[key])
            latest[key] = values
        found[kind] = latest
    return found


def folded(app: Ledger, position: int) -> dict[str, dict]:
    """The rows the versioner makes for the state folded from scratch up to `position`."""
    model = direct_fold(app, position)
    found: dict[str, dict] = {kind: {} for kind in KINDS}
    for a in model.agencies.values():
        key, values = _plain(AGENCY, agency_version(a, position))
        found[AGENCY][key] = values
        for month in sorted({d.month for d in a.deductions.values()}):
            for kind, row in month_versions(a, month, position):
                key, values = _plain(kind, row)
                found[kind][key] = values
    return found


def every_version(conn, gen: int) -> dict[str, list[dict]]:
    return {kind: sorted((({k: v for k, v in dict(r._mapping).items() if k != "gen"})
                          for r in conn.execute(select(table).where(table.c.gen == gen))),
                         key=repr)
            for kind, table in t.HISTORY.items() if kind in KINDS}


def as_of_reads(side: ReadSide, codes: list[str], position: int) -> dict:
    as_of, found = AsOf(position=position), {}
    for code in codes:
        try:
            found[f"deductions {code}"] = side.deductions(code, as_of=as_of)
        except Exception as exc:  # noqa: BLE001 - "not registered yet" must match too
            found[f"deductions {code}"] = repr(exc)
            continue
        for month in year_months(2022):
            found[f"month {code} {month}"] = side.month(code, month, as_of)
            found[f"trail {code} {month}"] = side.trail(code, month, as_of)
    for month in year_months(2022):
        found[f"standings {month}"] = side.standings(month, as_of=as_of)
    return found


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(registered=st.lists(st.integers(0, 90), min_size=3, max_size=3),
       ops=st.lists(operation, min_size=15, max_size=45), chunk=st.integers(1, 6),
       cuts=st.lists(st.floats(0, 1), min_size=1, max_size=3))
def test_history_rows_as_of_equal_the_fold_up_to_then(backend, request, registered, ops, chunk,
                                                      cuts):
    ops = [("register", c, START + timedelta(days=n)) for c, n in zip(CODES, registered)] + ops
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "postgresql":
            url = request.getfixturevalue("postgres_server")
            reset_postgres(url)
        else:
            url = f"sqlite:///{Path(tmp) / 'l.sqlite3'}"
        app = Ledger(url=url, today=lambda: TODAY)
        side = ReadSide(app, today=lambda: TODAY)
        try:
            for start in range(0, len(ops), chunk):  # incremental, a few operations a batch
                run(app, ops[start:start + chunk])
                side.refresh()
            head = side.runner.head()
            gen = side._gen()
            positions = sorted({int(c * head) for c in cuts} | {0, head})
            with side.engine.connect() as conn:
                for position in positions:
                    assert stored_as_of(conn, gen, position) == folded(app, position), position
                incremental = every_version(conn, gen)
            # The reads built on them answer what folding the log answers.
            for position in positions:
                side._held[gen] = frozenset(KINDS)
                from_rows = as_of_reads(side, CODES, position)
                side._held[gen] = frozenset()  # as for a generation built before history
                assert from_rows == as_of_reads(side, CODES, position), position
            side._held.clear()
            # Current rows: a fresh rebuild writes exactly the versions written incrementally.
            side.rebuild(ASSESSMENTS, wait=True)
            rebuilt = side._gen()
            assert rebuilt != gen
            with side.engine.connect() as conn:
                assert every_version(conn, rebuilt) == incremental
        finally:
            side.close()
            app.close()
