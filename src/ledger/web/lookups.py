"""Read-side lookups only the forms need (recorded training sessions for the attendance form)."""

from __future__ import annotations

from sqlalchemy import select

from ledger.projections.store import tables as t
from ledger.web.services import read_side


def training_sessions(limit: int = 200) -> list[dict]:
    """Recorded training sessions, the latest held first."""
    side = read_side()
    gen = side._gen()
    s = t.session.c
    with side.engine.connect() as conn:
        rows = conn.execute(select(s.id, s.kind, s.held_on, s.topic).where(s.gen == gen)
                            .order_by(s.held_on.desc(), s.id).limit(limit)).all()
    return [dict(r._mapping) for r in rows]
