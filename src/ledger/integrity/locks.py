"""The write lock that serialises chain appends on each backend."""

from __future__ import annotations

import functools
import hashlib

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

# Built once (a statement object reused keeps its cache key): taken on every append.
ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:k)")


@functools.lru_cache(maxsize=64)
def advisory_key(name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory-lock key for a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock_for_append(session: Session | Connection, table: str) -> None:
    """Hold the log's write lock until this transaction ends, before the head is read.

    PostgreSQL: a transaction-scoped advisory lock, which (unlike LOCK TABLE ... EXCLUSIVE)
    needs no UPDATE/DELETE privilege, so the application role can be INSERT/SELECT only.
    SQLite: BEGIN IMMEDIATE takes the database write lock at once, across processes.
    """
    connection = session if isinstance(session, Connection) else session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(ADVISORY_LOCK, {"k": advisory_key("append:" + table)})
    elif dialect == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # plain SQL: nothing built or keyed
    else:
        raise NotImplementedError(f"no chain write lock for {dialect}")
