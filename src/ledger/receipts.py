"""Idempotency receipts: which request (Idempotency-Key, principal) recorded which event.

A receipt is written in the transaction that appends the request's events, so it exists if
and only if the write was recorded: a retry that takes over the claim of a request that died
learns from it whether that request's write is in the log (see docs/DESIGN.md "Input limits").
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from ledger.domain.errors import RuleViolation
from ledger.storage import metadata

receipts_table = sa.Table(
    "ledger_idempotency_receipts", metadata,
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("principal", sa.String(255), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("resource_id", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass
class Receipt:
    """The request being served, and (once its command saves) what it records."""

    key: str
    principal: str
    resource_id: str | None = None
    recorded_at: datetime | None = None


class AlreadyRecorded(RuleViolation):
    """Another request with the same Idempotency-Key recorded its write first."""


_current: ContextVar[Receipt | None] = ContextVar("idempotency_receipt", default=None)


@contextmanager
def receipt_for(key: str, principal: str) -> Iterator[Receipt]:
    """Writes saved inside leave a receipt for (key, principal)."""
    token = _current.set(Receipt(key, principal))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def begin(key: str, principal: str) -> None:
    """receipt_for, opened by a request's first hook and closed by `end` in its teardown."""
    _current.set(Receipt(key, principal))


def end() -> None:
    _current.set(None)


def saving(resource_id: str, recorded_at: datetime) -> None:
    """The command about to save: what its receipt will name."""
    receipt = _current.get()
    if receipt is not None:
        receipt.resource_id, receipt.recorded_at = resource_id, recorded_at


def current() -> Receipt | None:
    """The receipt of the request this thread serves, if any."""
    return _current.get()


def write_receipt(session: Any, positions: Sequence[int], receipt: Receipt | None) -> None:
    """In the appending transaction (write lock held): the receipt of the request whose
    events were appended at `positions` (`current()` in the thread that served it)."""
    if receipt is None or receipt.resource_id is None or not positions:
        return
    where = ((receipts_table.c.idempotency_key == receipt.key)
             & (receipts_table.c.principal == receipt.principal))
    earlier = session.execute(sa.select(receipts_table.c.position).where(where)).scalar()
    if earlier is not None:
        raise AlreadyRecorded(
            f"A request with Idempotency-Key {receipt.key!r} was already recorded at log "
            f"position {earlier}; this repeat records nothing.")
    session.execute(sa.insert(receipts_table).values(
        idempotency_key=receipt.key, principal=receipt.principal, position=positions[-1],
        resource_id=receipt.resource_id, recorded_at=receipt.recorded_at))


def find_receipt(engine: sa.Engine, key: str, principal: str) -> sa.Row | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(receipts_table).where(
            receipts_table.c.idempotency_key == key,
            receipts_table.c.principal == principal)).first()
