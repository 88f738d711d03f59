"""The digest of a month's standings as published: SHA-256 of their canonical JSON."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from ledger.integrity.chain import canonical_json
from ledger.projections.store import tables as t

FIELDS = ("rank", "agency", "name", "score", "deducted_points", "pending_points")


def _number(value: Any) -> Any:
    """Exact figures as decimal strings ("97.5", "100"), the same whichever JSON reader read them."""
    if isinstance(value, dict) and set(value) == {"$n"}:  # the read side's stored form
        value = Decimal(value["$n"])
    if isinstance(value, (Decimal, float, int)) and not isinstance(value, bool):
        return format(Decimal(str(value)).normalize(), "f")
    return value


def standings_digest(rows: list[dict]) -> str:
    """SHA-256 (hex) of [{rank, agency, name, score, deducted_points, pending_points}, ...]."""
    plain = [{name: row.get(name) if name in ("rank", "agency", "name") else _number(row.get(name))
              for name in FIELDS} for row in rows]
    return hashlib.sha256(canonical_json(plain)).hexdigest()


def digests(conn: sa.Connection, gen: int) -> dict[tuple[str, int], str]:
    """(month, revision) -> digest of every publication frozen in one generation."""
    p = t.publication.c
    return {(r.month, r.revision): standings_digest(json.loads(r.rows))
            for r in conn.execute(sa.select(p.month, p.revision, p.rows).where(p.gen == gen))}


def published_digest(engine: sa.Engine, month: str, revision: int) -> str | None:
    """The digest of one publication's frozen standings in the active read model, if it is there."""
    p, g = t.publication.c, t.projection.c
    with engine.connect() as conn:
        text = conn.execute(sa.select(p.rows).join(
            t.projection, (g.gen == p.gen) & (g.name == "assessments") & (g.status == "active"))
            .where(p.month == month, p.revision == revision)).scalar()
    return standings_digest(json.loads(text)) if text is not None else None
