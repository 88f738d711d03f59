"""Tables the ledger keeps beside its events (tokens, idempotency keys), created on first use."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

metadata = sa.MetaData()


def ensure_tables(engine: sa.Engine, *tables: sa.Table) -> None:
    """Create the tables unless they exist; tolerate another process creating them first."""
    for attempt in range(3):
        try:
            metadata.create_all(engine, tables=list(tables), checkfirst=True)
            return
        except DBAPIError:
            # Two workers starting at once can both see "no table" and race to create it.
            if attempt == 2:
                raise
