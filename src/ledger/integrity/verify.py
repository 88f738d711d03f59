"""Recompute the hash chain in one streaming pass and name the first damaged position."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.integrity.chain import GENESIS, as_uuid, link_hash
from ledger.integrity.signing import Checkpoint, signature_valid

EVENTS_TABLE = "ledger_events"
MAX_PROBLEMS = 100
# A forged publication file says nothing about the log; nor do damaged read models.
NOT_LOG_DAMAGE = {"signature", "projection", "standings"}


@dataclass(frozen=True)
class Problem:
    """One finding: where, and what kind (the kinds are listed in docs/TRUST.md)."""

    position: int | None
    kind: str
    detail: str


@dataclass(frozen=True)
class Report:
    """The verifier's answer; `verified` is False on any problem."""

    events: int
    head: str | None
    verified: bool
    first_damaged_position: int | None
    problems: tuple[Problem, ...] = ()
    last_seq: int | None = None
    last_position: int | None = None
    projections_match: bool | None = None  # None: the read models were not compared
    checked: str = "hash chain"


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class _Walk:
    """The running state of one pass along the log."""

    checkpoints: dict[int, list[Checkpoint]]
    expected_seq: int = 1
    prev: str = GENESIS
    events: int = 0
    last: tuple[Any, Any, Any] = (None, None, None)  # position, seq, stored hash
    seen: set[int] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    def note(self, position: Any, kind: str, detail: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(position if _int(position) else None, kind, detail))

    def row(self, position: Any, seq: Any, stored: Any, oid: Any, version: Any, topic: Any,
            state: Any) -> None:
        self.events += 1
        self.last = (position, seq, stored)
        try:
            self._check(position, seq, stored, oid, version, topic, state)
        except Exception as exc:  # noqa: BLE001 - any row we cannot read is damage, not a crash
            self.note(position, "unreadable", f"cannot read the event: {exc!r}"[:300])
        if _int(seq):
            self._compare_with_checkpoints(position, seq, stored)
        # Resynchronise on the stored values so later damage is reported on its own.
        self.expected_seq = seq + 1 if _int(seq) else self.expected_seq + 1
        self.prev = stored if isinstance(stored, str) else GENESIS

    def _compare_with_checkpoints(self, position: Any, seq: int, stored: Any) -> None:
        for checkpoint in self.checkpoints.get(seq, ()):
            self.seen.add(id(checkpoint))
            if (checkpoint.position, checkpoint.head) != (position, stored):
                self.note(checkpoint.position, "checkpoint",
                          f"the log differs from publication {checkpoint.month} "
                          f"r{checkpoint.revision} at seq {seq}: history up to position "
                          f"{checkpoint.position} was rewritten")

    def _check(self, position, seq, stored, oid, version, topic, state) -> None:
        if not _int(seq):
            return self.note(position, "sequence", f"seq is {seq!r}, not an integer")
        if seq > self.expected_seq:
            return self.note(position, "sequence", f"seq {self.expected_seq}..{seq - 1} missing "
                             f"before position {position} (rows removed)")
        if seq < self.expected_seq:
            return self.note(position, "sequence", f"seq {seq} where {self.expected_seq} was "
                             "expected (rows reordered, duplicated or inserted)")
        if not (_int(version) and isinstance(topic, str)):
            return self.note(position, "unreadable", "originator_version or topic has a wrong type")
        computed = link_hash(seq=seq, position=position, originator_id=as_uuid(oid),
                             originator_version=version, topic=topic, state=state,
                             prev_hash=self.prev)
        if stored != computed:
            self.note(position, "hash", "stored hash does not match the event and the hash "
                      "before it (the event, or the chain up to it, was altered)")


def _rows(engine: sa.Engine, table: str, batch_size: int) -> Iterator[sa.Row]:
    """Every row in position order, a batch at a time (keyset paging on the primary key)."""
    columns = f"SELECT id, seq, hash, originator_id, originator_version, topic, state FROM {table}"
    first = sa.text(f"{columns} ORDER BY id LIMIT :n")
    after = sa.text(f"{columns} WHERE id > :after ORDER BY id LIMIT :n")
    with engine.connect() as conn:
        rows = conn.execute(first, {"n": batch_size}).all()
        while rows:
            yield from rows
            if len(rows) < batch_size:
                return
            rows = conn.execute(after, {"n": batch_size, "after": rows[-1][0]}).all()


def _trusted(checkpoints: Iterable[Checkpoint], key: Ed25519PublicKey | None,
             walk: _Walk) -> None:
    for checkpoint in checkpoints:
        if key is None or not signature_valid(checkpoint, key):
            walk.note(checkpoint.position, "signature",
                      f"publication {checkpoint.month} r{checkpoint.revision} is not signed by "
                      "the bureau key; it was not used")
        else:
            walk.checkpoints.setdefault(checkpoint.seq, []).append(checkpoint)


def verify(engine: sa.Engine, checkpoints: Iterable[Checkpoint] | None = None,
           public_key: Ed25519PublicKey | None = None, table: str = EVENTS_TABLE,
           batch_size: int = 2000) -> Report:
    """Check the chain, seq contiguity and, given signed checkpoints, that the log extends them."""
    walk = _Walk({})
    _trusted(checkpoints or (), public_key, walk)
    try:
        for row in _rows(engine, table, batch_size):
            walk.row(*row)
    except Exception as exc:  # noqa: BLE001 - an unreadable table is reported, not raised
        walk.note(None, "unreadable", f"cannot read {table}: {exc!r}"[:300])
    for checkpoints_at_seq in walk.checkpoints.values():
        for checkpoint in checkpoints_at_seq:
            if id(checkpoint) not in walk.seen:
                walk.note(checkpoint.position, "truncated",
                          f"the log ends before publication {checkpoint.month} "
                          f"r{checkpoint.revision} (seq {checkpoint.seq}, position "
                          f"{checkpoint.position}): events were removed")
    damaged = [p.position for p in walk.problems
               if p.kind not in NOT_LOG_DAMAGE and p.position is not None]
    position, seq, head = walk.last
    return Report(events=walk.events, head=head if isinstance(head, str) else None,
                  verified=not walk.problems, first_damaged_position=min(damaged, default=None),
                  problems=tuple(walk.problems), last_seq=seq if _int(seq) else None,
                  last_position=position if _int(position) else None)
