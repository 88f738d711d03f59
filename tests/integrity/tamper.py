"""What an attacker with the database owner's rights can do: drop the guard, then edit rows."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ledger.integrity.chain import GENESIS, as_uuid, link_hash
from ledger.integrity.guard import unguarded
from ledger.integrity.verify import EVENTS_TABLE as TABLE

COLUMNS = ("id", "originator_id", "originator_version", "topic", "state", "seq", "hash")


def rows(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every stored row as the database returns it, in position order."""
    with engine.connect() as conn:
        result = conn.execute(sa.text(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY id"))
        return [dict(row._mapping) for row in result]


def run(engine: sa.Engine, sql: str, params: dict | list | None = None) -> None:
    """Execute SQL with the append-only guard removed, as the owner could."""
    with unguarded(engine, TABLE), engine.begin() as conn:
        conn.execute(sa.text(sql), params or {})


def replace_rows(engine: sa.Engine, new_rows: list[dict[str, Any]]) -> None:
    """Replace the whole table's contents with `new_rows`."""
    insert = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join(':' + c for c in COLUMNS)})"
    with unguarded(engine, TABLE), engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM {TABLE}"))
        if new_rows:
            conn.execute(sa.text(insert), new_rows)


def rehash(all_rows: list[dict[str, Any]], start: int = 0) -> list[dict[str, Any]]:
    """Recompute seq and hash from index `start` on, as an attacker who knows the algorithm."""
    out = [dict(r) for r in all_rows]
    for i in range(start, len(out)):
        prev = out[i - 1]["hash"] if i else GENESIS
        out[i]["seq"] = i + 1
        out[i]["hash"] = link_hash(seq=i + 1, position=out[i]["id"],
                                   originator_id=as_uuid(out[i]["originator_id"]),
                                   originator_version=out[i]["originator_version"],
                                   topic=out[i]["topic"], state=bytes(out[i]["state"]),
                                   prev_hash=prev)
    return out
