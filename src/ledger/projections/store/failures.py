"""A read model that failed on an event: where it stopped and why, kept until it moves on."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, Integer, String, Table, Text, delete, insert, select
from sqlalchemy.engine import Connection, Engine

from ledger.projections.store.tables import POS, UTCDateTime, metadata, projection

failure = Table(
    "rm_projection_failure", metadata,
    Column("name", String(40), primary_key=True),
    Column("gen", Integer, primary_key=True),
    Column("position", POS, nullable=False),  # the event it failed on
    Column("error", Text, nullable=False),
    Column("failed_at", UTCDateTime(), nullable=False),
)
MAX_ERROR = 2000  # characters of the error kept


class ProjectionFailed(RuntimeError):
    """A read model cannot apply the event at `position`; it stays before it until fixed."""

    def __init__(self, name: str, position: int, error: str) -> None:
        super().__init__(f"read model {name} failed on the event at position {position}: {error}")
        self.name, self.position, self.error = name, position, error


def describe(error: BaseException) -> str:
    """The error as one line an operator can search for."""
    text = f"{type(error).__name__}: {error}".replace("\x00", "\\x00")
    return " ".join(text.split())[:MAX_ERROR]


def record_failure(engine: Engine, name: str, gen: int, position: int, error: str) -> None:
    """Keep (name, gen)'s failure, replacing an earlier one; its own transaction.

    Under the generation's tracking row's lock, as a batch is applied: a batch reads whether a
    failure is kept when it takes that lock, and deletes it only if so (`runner.TRACKING`).
    On SQLite the DELETE below takes the database's write lock, which a batch holds throughout.
    """
    c = failure.c
    with engine.begin() as conn:
        if conn.dialect.name != "sqlite":
            p = projection.c
            conn.execute(select(p.gen).where(p.name == name, p.gen == gen).with_for_update())
        conn.execute(delete(failure).where(c.name == name, c.gen == gen))
        conn.execute(insert(failure).values(name=name, gen=gen, position=position, error=error,
                                            failed_at=datetime.now(timezone.utc)))


def clear_failure(conn: Connection, name: str, gen: int) -> None:
    """The generation applied events again: forget its failure (in the caller's transaction)."""
    conn.execute(delete(failure).where(failure.c.name == name, failure.c.gen == gen))


def failures(conn: Connection) -> dict[tuple[str, int], dict]:
    """Every kept failure by (name, gen): position, error, failed_at."""
    return {(r.name, r.gen): {"position": r.position, "error": r.error,
                              "failed_at": r.failed_at}
            for r in conn.execute(select(failure))}
