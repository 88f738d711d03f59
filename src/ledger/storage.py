"""Tables the ledger keeps beside its events (tokens, idempotency keys), created on first use."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def ensure_tables(engine: sa.Engine, *tables: sa.Table) -> None:
    """Create the tables unless they exist, under the schema lock (see ledger.schema)."""
    from ledger.schema import create_tables

    create_tables(engine, metadata, list(tables))
