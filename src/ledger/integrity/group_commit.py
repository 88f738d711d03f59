"""Group commit: appends that arrive together from a process's threads share one transaction.

A thread appending while another's append is being committed waits; when that commit ends,
one of the waiting threads (the leader) appends every waiting thread's events in one
transaction, under one write lock and one commit (one fsync). Each thread's events go in
their own savepoint: one refused (its aggregate version already taken, its Idempotency-Key
already recorded) is rolled back alone and raised in its own thread, the others are kept.
Every thread returns, or raises, only once the transaction has committed or failed: a write
is answered only when it is durable, and a failed commit fails every append in it.
An append with no other waiting is committed alone, exactly as without the group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent


class Append:
    """One thread's events and what became of them: positions, or the error to raise."""

    __slots__ = ("events", "receipt", "positions", "error", "done")

    def __init__(self, events: Sequence[StoredEvent], receipt: Any) -> None:
        self.events, self.receipt = events, receipt
        self.positions: Sequence[int] | None = None
        self.error: BaseException | None = None
        self.done = False

    def result(self) -> Sequence[int]:
        if self.error is not None:
            raise self.error
        assert self.positions is not None
        return self.positions


class GroupCommit:
    """The queue of one recorder's appends, committed a group at a time by `commit_group`.

    `commit_group(appends)` appends each in one transaction, setting its `positions` or its
    `error`; an exception it raises fails every append of the group.
    """

    def __init__(self, commit_group: Callable[[list[Append]], None]) -> None:
        self._commit_group = commit_group
        self._changed = threading.Condition()
        self._waiting: list[Append] = []
        self._committing = False

    def append(self, events: Sequence[StoredEvent], receipt: Any) -> Sequence[int]:
        mine = Append(events, receipt)
        with self._changed:
            self._waiting.append(mine)
            while self._committing and not mine.done:
                self._changed.wait()
            if mine.done:  # a leader committed it meanwhile
                return mine.result()
            self._committing = True
            group, self._waiting = self._waiting, []
        try:
            self._commit_group(group)
        except BaseException as error:
            for append in group:
                append.positions, append.error = None, error
        finally:
            with self._changed:
                for append in group:
                    append.done = True
                self._committing = False
                self._changed.notify_all()
        return mine.result()
