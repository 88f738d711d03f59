"""The session-signing key: from config or LEDGER_SECRET_KEY, else generated once and kept in the DB."""

from __future__ import annotations

import os
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ledger.storage import ensure_tables, metadata

secret_table = sa.Table(
    "ledger_web_secret", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("secret", sa.String(128), nullable=False),
)


def stored_secret(engine: sa.Engine) -> str:
    """The key kept in the database, created by the first worker that asks (all share it)."""
    ensure_tables(engine, secret_table)
    with engine.connect() as conn:
        found = conn.execute(sa.select(secret_table.c.secret)).scalar()
    if found:
        return found
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(secret_table).values(id=1, secret=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another worker created it first; read theirs
    with engine.connect() as conn:
        return conn.execute(sa.select(secret_table.c.secret)).scalar_one()


def secret_key(config: dict, engine: sa.Engine) -> str:
    return config.get("SECRET_KEY") or os.environ.get("LEDGER_SECRET_KEY") or stored_secret(engine)
