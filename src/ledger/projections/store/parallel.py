"""Rebuild several read models at once, one process each.

The read models are independent (each its own generation and tracking row), and a rebuild is
CPU-bound Python, so on a machine with more than one core building them side by side takes
about as long as the slowest alone instead of the sum. Each process opens the database itself
(spawned, not forked: nothing of the parent's connections is inherited) and reports its
position through shared memory, so the caller can show one progress bar.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any


PR_SET_PDEATHSIG = 1
REBUILD_BUSY_SECONDS = 1800


def _die_with_parent(parent: int) -> None:
    """Linux: be killed when the parent dies (a killed `ledger rebuild` leaves no builder)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: an orphan finishes its rebuild instead
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _rebuild_one(url: str, name: str, position: Any, parent: int) -> None:
    _die_with_parent(parent)
    from ledger.application import Ledger
    from ledger.config import with_busy_timeout
    from ledger.projections.store.runner import Projections

    # On SQLite the other builder's checkpoint holds the only write lock for minutes at nation
    # scale: wait for it (this is a background job) instead of failing after the usual 30 s.
    ledger = Ledger(url=with_busy_timeout(url, REBUILD_BUSY_SECONDS))
    try:
        def progress(at: int, _head: int) -> None:
            position.value = at
        Projections(ledger).rebuild(name, progress=progress)
    finally:
        ledger.close()


class RebuildFailed(RuntimeError):
    """A rebuild process ended with an error (its traceback is on standard error)."""


def rebuild_all(url: str, names: Sequence[str],
                progress: Callable[[int], None] | None = None, poll: float = 0.2) -> None:
    """Rebuild `names` in one process each, all at once.

    `progress` is called with the sum of the projections' positions while they run. A
    process that fails makes this raise once every process has ended; a half-built
    generation is resumed by the next rebuild.
    """
    ctx = multiprocessing.get_context("spawn")
    positions = {name: ctx.Value("q", 0) for name in names}
    processes = {name: ctx.Process(target=_rebuild_one, args=(url, name, positions[name], os.getpid()),
                                   name=f"rebuild {name}") for name in names}
    try:
        for process in processes.values():
            process.start()
        while any(process.is_alive() for process in processes.values()):
            if progress is not None:
                progress(sum(p.value for p in positions.values()))
            time.sleep(poll)
    finally:
        for process in processes.values():
            if process.is_alive():  # interrupted: stop the others too
                process.terminate()
            process.join()
    failed = [name for name, process in processes.items() if process.exitcode != 0]
    if failed:
        raise RebuildFailed(f"rebuilding {', '.join(failed)} failed")
    if progress is not None:
        progress(sum(p.value for p in positions.values()))
