"""What one app holds: one Ledger, one ReadSide, the token and idempotency stores."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ledger.api.idempotency import IdempotencyKeys
from ledger.application import Ledger, Recorded
from ledger.projections.queries import ReadSide
from ledger.tokens import Tokens


@dataclass
class Services:
    """The parts a view may call."""

    ledger: Ledger
    read_side: ReadSide
    tokens: Tokens
    idempotency: IdempotencyKeys

    def close(self) -> None:
        close = getattr(self.read_side, "close", None)
        if close:
            close()
        self.ledger.close()


def services() -> Services:
    return current_app.extensions["ledger"]


def ledger() -> Ledger:
    return services().ledger


def read_side() -> ReadSide:
    return services().read_side


def read_after(recorded: Recorded) -> ReadSide:
    """The read side once it has applied the write just made (read-your-writes)."""
    side = read_side()
    side.wait_for(recorded.position)
    return side
