"""Signed checkpoints of a year's final results, like those of the month publications.

A year's final results are one event (YearFinalized) carrying every agency's final evaluation.
Its checkpoint is an ordinary `Checkpoint` whose `month` is the label `"{year}-final"` and whose
`revision` is 1 (a year is finalized once), and whose `standings_digest` is the SHA-256 of the
canonical JSON of the final evaluations exactly as the event stores them. So the signature
vouches for the log up to the finalization (its chain hash) and for the final figures; `ledger
verify` checks both, and a rewritten or removed finalization shows as damage.
"""

from __future__ import annotations

import hashlib
import re

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.chain import canonical_json, decode_payload
from ledger.integrity.signing import Checkpoint, sign_checkpoint
from ledger.integrity.verify import EVENTS_TABLE

FINAL_TOPIC = "%.YearFinalized"
LABEL = re.compile(r"^(\d{4})-final$")


def final_label(year: int) -> str:
    return f"{year}-final"


def year_of_label(label: str) -> int | None:
    match = LABEL.match(label)
    return int(match.group(1)) if match else None


def evaluations_digest(payload: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of the event's `evaluations`, as stored."""
    return hashlib.sha256(canonical_json(payload.get("evaluations"))).hexdigest()


def finalizations(engine: sa.Engine, table: str = EVENTS_TABLE) -> list[tuple]:
    """(position, seq, hash, year, digest) of every finalization in the log, in log order."""
    query = sa.text(f"SELECT id, seq, hash, state FROM {table} WHERE topic LIKE :t ORDER BY id")
    with engine.connect() as conn:
        rows = conn.execute(query, {"t": FINAL_TOPIC}).all()
    found = []
    for position, seq, head, state in rows:
        payload = decode_payload(state)
        found.append((position, seq, head, int(payload["year"]), evaluations_digest(payload)))
    return found


def sign_finals(engine: sa.Engine, key: Ed25519PrivateKey, known: set[tuple[str, int]],
                position: int | None = None, table: str = EVENTS_TABLE) -> list[Checkpoint]:
    """A checkpoint for each finalization (or the one at `position`) that `known` lacks."""
    signed = []
    for pos, seq, head, year, digest in finalizations(engine, table):
        if (final_label(year), 1) in known or (position is not None and pos != position):
            continue
        signed.append(sign_checkpoint(key, month=final_label(year), revision=1, position=pos,
                                      seq=seq, head=head, standings_digest=digest))
    return signed


def final_problems(engine: sa.Engine, checkpoints, table: str = EVENTS_TABLE) -> list[tuple]:
    """(position, detail) for each signed final result the log no longer holds as signed."""
    in_log = {year: (pos, digest) for pos, _, _, year, digest in finalizations(engine, table)}
    problems = []
    for c in checkpoints:
        year = year_of_label(c.month)
        if year is None:
            continue
        found = in_log.get(year)
        if found is None:
            problems.append((c.position, f"the final results of {year} signed at position "
                                         f"{c.position} are no longer in the log"))
        elif found != (c.position, c.standings_digest):
            problems.append((c.position, f"the final results of {year} in the log no longer "
                                         "hash to the signed digest"))
    return problems
