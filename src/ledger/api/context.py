"""What one app holds: one Ledger, one ReadSide, the token and idempotency stores."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from flask import current_app, g

from ledger.api.idempotency import IdempotencyKeys
from ledger.application import Ledger, Recorded
from ledger.integrity.autosign import PublicationSigner
from ledger.projections.queries.queries import ReadSide
from ledger.projections.store.runner import ASSESSMENTS
from ledger.tokens import Tokens

log = logging.getLogger(__name__)
WRITE_RESOURCES = (ASSESSMENTS,)  # the read models a write's response is read from


@dataclass
class Services:
    """The parts a view may call."""

    ledger: Ledger
    read_side: ReadSide
    tokens: Tokens
    idempotency: IdempotencyKeys
    signer: PublicationSigner | None = None  # signs each month publication when configured

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


def acknowledge(recorded: Recorded) -> None:
    """A write is recorded: from here on a failure must still acknowledge it, and the
    projector (if one runs) is told to apply it now.

    Writes whose resource holds no figure of the fold answer from the command's own
    aggregate after this, without waiting for the read models: read-your-writes is kept by
    the next read, which waits until the read model holds every write made before it.
    """
    g.recorded = recorded
    read_side().nudge()


def read_after(recorded: Recorded) -> ReadSide:
    """The read side once it has applied the write just made (read-your-writes).

    Used by the writes whose resource carries figures only the fold computes (a deduction's
    effective points, doubling and restoration depend on the agency's other deductions).
    Those resources are read from the `assessments` read model, so only that one is waited
    for; the event index catches up on the next read of it (`ReadBase._gen`).
    """
    acknowledge(recorded)
    side = read_side()
    side.wait_for(recorded.position, names=WRITE_RESOURCES)
    return side


def sign_publication(month: str, revision: int, position: int) -> dict | None:
    """The signed checkpoint of a publication just read back, or None without a key."""
    # The publication is recorded either way: a checkpoint that could not be written is
    # logged, and `ledger checkpoint export` signs it later.
    signer = services().signer
    if signer is None:
        return None
    try:
        return asdict(signer.sign(ledger().engine, month, revision, position))
    except Exception:  # noqa: BLE001 - the event is recorded; the checkpoint can follow
        log.exception("could not sign the checkpoint of %s revision %s", month, revision)
        return None


def sign_results(year: int, position: int) -> dict | None:
    """The signed checkpoint of a year's final results just recorded, or None without a key."""
    signer = services().signer
    if signer is None:
        return None
    from ledger.integrity.autosign import add_checkpoints
    from ledger.integrity.finals import sign_finals
    try:
        signed = sign_finals(ledger().engine, signer.key, set(), position=position)
        add_checkpoints(signer.path, signer.key, signed)
        return asdict(signed[0]) if signed else None
    except Exception:  # noqa: BLE001 - the event is recorded; `ledger checkpoint export` signs it
        log.exception("could not sign the checkpoint of the final results of %s", year)
        return None
