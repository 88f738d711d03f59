"""Garbage-collector tuning for a process doing one bulk job (`ledger demo`, `ledger import`)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def bulk_collection(threshold: int = 50_000) -> Iterator[Callable[[], None]]:
    """Garbage collection for a process doing one bulk job (`ledger demo`, `ledger import`).

    A bulk job allocates millions of objects that live until it ends (loaded aggregates,
    pending events): the collector would scan them over and over. Inside, the youngest
    generation is collected every `threshold` allocations instead of 700, and the function
    yielded freezes what is alive (call it after a flush), so later collections skip it.
    Cycles are still collected; everything is unfrozen and the thresholds restored at the end.
    """
    before = gc.get_threshold()
    gc.set_threshold(threshold, before[1], before[2])
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
