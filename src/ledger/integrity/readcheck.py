"""Compare the stored read models with a rebuild from the log, and name every difference."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ledger.integrity.digest import digests
from ledger.integrity.scratch import SCRATCH_GEN, RebuildFailed, rebuild
from ledger.projections.store import tables as t
from ledger.projections.store.runner import ASSESSMENTS, EVENT_INDEX, TABLES, history_kinds

JSON_COLUMNS = {"state", "resource", "rows", "data"}  # compared as values, not as text
SHOWN_PER_TABLE = 3
ATTEMPTS = 3  # the read models may move while they are compared; compare again


@dataclass
class ReadCheck:
    """The outcome: match is None when the read models could not be compared."""

    match: bool | None
    checked: str
    differences: list[tuple[int | None, str]] = field(default_factory=list)
    rebuilt_digests: dict[tuple[str, int], str] = field(default_factory=dict)


def _active(conn: sa.Connection) -> dict[str, tuple[int, int]] | None:
    if not sa.inspect(conn).has_table(t.projection.name):
        return None
    p = t.projection.c
    rows = conn.execute(sa.select(p.name, p.gen, p.position).where(p.status == "active")).all()
    found = {r.name: (r.gen, r.position) for r in rows}
    return found if set(found) >= {ASSESSMENTS, EVENT_INDEX} else None


def _key(table: sa.Table) -> list[str]:
    return [c.name for c in table.primary_key.columns if c.name != "gen"]


def _value(column: str, value: Any) -> Any:
    return json.loads(value) if column in JSON_COLUMNS and isinstance(value, str) else value


def _rows(conn: sa.Connection, table: sa.Table, gen: int) -> dict[tuple, dict]:
    key, out = _key(table), {}
    for row in conn.execute(sa.select(table).where(table.c.gen == gen)):
        values = {c: _value(c, v) for c, v in row._mapping.items() if c != "gen"}
        out[tuple(values[k] for k in key)] = values
    return out


def _differences(table: sa.Table, stored: dict, rebuilt: dict) -> list[tuple[int | None, str]]:
    found = []
    for k in sorted(set(stored) | set(rebuilt), key=str):
        have, want = stored.get(k), rebuilt.get(k)
        if have == want:
            continue
        where = ", ".join(f"{c}={v}" for c, v in zip(_key(table), k))
        if have is None:
            detail = f"{table.name} ({where}) is missing from the stored read model"
        elif want is None:
            detail = f"{table.name} ({where}) is stored but no event makes it"
        else:
            columns = sorted(c for c in want if have.get(c) != want[c])
            detail = (f"{table.name} ({where}) differs from a rebuild in "
                      f"{', '.join(columns)}")
        position = (have or want).get("position")
        found.append((position if isinstance(position, int) else None, detail))
    if len(found) > SHOWN_PER_TABLE:
        found = found[:SHOWN_PER_TABLE] + [(None, f"{table.name}: {len(found)} rows differ "
                                                  f"in all")]
    return found


def _compare_once(ledger: Any) -> ReadCheck | None:
    """One comparison; None when the read models moved meanwhile."""
    with ledger.engine.connect() as conn:
        before = _active(conn)
    if before is None:
        return ReadCheck(None, "read models: none stored, nothing to compare")
    (a_gen, a_pos), (e_gen, e_pos) = before[ASSESSMENTS], before[EVENT_INDEX]
    try:
        scratch = rebuild(ledger, a_pos, e_pos)
    except RebuildFailed as failed:
        return ReadCheck(False, "read models: the log could not be rebuilt",
                         [(failed.position, f"rebuild failed: {failed.detail}")])
    differences: list[tuple[int | None, str]] = []
    try:
        with ledger.engine.connect() as conn, scratch.connect() as fresh:
            # History a generation does not hold from its first event (built before that
            # kind existed: see tables.versioned), and the current rows of that kind, are not
            # compared; its reads compute them from the fold as before. Nor are history kinds
            # written in an older form (a mark of `tables.VERSION_MARKS` missing): their reads
            # answer alike, their rows differ.
            held = history_kinds(conn, a_gen)
            older = {kind for mark, kinds in t.VERSION_MARKS.items() if mark not in held
                     for kind in kinds}
            unheld = {table for kind, table in t.HISTORY.items()
                      if kind not in held or kind in older}
            unheld |= {table for kind, table in t.CURRENT.items() if kind not in held}
            for name, gen in ((ASSESSMENTS, a_gen), (EVENT_INDEX, e_gen)):
                for table in TABLES[name]:
                    if table in unheld:
                        continue
                    differences += _differences(table, _rows(conn, table, gen),
                                                _rows(fresh, table, SCRATCH_GEN))
            rebuilt_digests = digests(fresh, SCRATCH_GEN)
            after = _active(conn)
    finally:
        scratch.dispose()
    if after != before:
        return None
    checked = (f"read models: assessments up to position {a_pos} and event index up to "
               f"{e_pos} compared with a rebuild from the log")
    return ReadCheck(not differences, checked, differences, rebuilt_digests)


def compare_read_models(ledger: Any) -> ReadCheck:
    """Rebuild both projections in memory up to where the stored ones are, and compare."""
    for _ in range(ATTEMPTS):
        result = _compare_once(ledger)
        if result is not None:
            return result
    return ReadCheck(None, "read models: not compared, they kept moving (busy writers); "
                           "run verify again")
