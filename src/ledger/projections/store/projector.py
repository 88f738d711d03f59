"""One projector per store: a background thread feeding the read models from the log.

Under `ledger serve` every worker process starts a `Projector`, but only one at a time leads:
the one holding an exclusive `flock` on a lock file the server made before forking its
workers (`LOCK_ENV`). The others wait for that lock, so when the leading worker ends
(restart, crash, SIGKILL) the kernel releases it and another worker takes over within
`TAKE_OVER` seconds. Several followers would be safe (the tracking row's lock serialises the
batches) but wasteful: each batch applied by one process makes the others discard their
cached model and decode the agencies again.

The leader applies the pending events in batches as soon as a write rings its `Doorbell` (from
any worker), and otherwise looks at the log head every `BUSY_POLL` seconds (`IDLE_POLL` once
nothing has happened for `IDLE_AFTER` seconds). Reads and writes do not apply events themselves
while a projector runs: they wait until the read model holds the position they need (`wait`:
woken by the leader in its own process; in the others, reading the positions it posts on the
`Board`, a small mapped file), and only if that takes longer than `GRACE` (the leader gone,
stuck, failing or far behind) do they catch up themselves, as they do with no projector at all
(the CLI, tests, `create_app` without `PROJECTOR`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import mmap
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.projections.store.runner import ASSESSMENTS, BATCH, NAMES, Projections

log = logging.getLogger(__name__)

LOCK_ENV = "LEDGER_PROJECTOR_LOCK"  # the lock file's path, set by `ledger serve`
BUSY_POLL = 0.02  # seconds between looks at the log head while writes come in (besides rings)
IDLE_POLL = 0.1  # ... and once nothing has been written for IDLE_AFTER seconds
IDLE_AFTER = 2.0
TAKE_OVER = 0.5  # seconds between a waiting worker's attempts at the lock
GRACE = 0.1  # seconds a request waits for the projector before catching up itself
LAZY_EVENTS = 200  # the event index is applied once this many events are pending ...
LAZY_SECONDS = 0.05  # ... or this long after it fell behind, or when a request waits for it
FAILED_PAUSE = 1.0  # seconds before the projector retries a batch that failed


class Projector:
    """Follows the log in a daemon thread and applies it to every read model."""

    def __init__(self, runner: Projections, lock_path: str | None = None,
                 on_leading: Callable[[bool], None] = lambda leading: None,
                 on_applied: Callable[[str, int], None] = lambda name, count: None,
                 on_fallback: Callable[[str], None] = lambda name: None) -> None:
        self.runner = runner
        self.on_leading, self.on_applied = on_leading, on_applied
        self.on_fallback = on_fallback  # a request caught `name` up itself: not in time
        self.lock_path = lock_path
        self.grace = GRACE
        self.leading = False
        self.failed = False
        self._applied: dict[str, tuple[int, int]] = {}  # name -> (generation, position)
        self._behind_since: dict[str, float] = {}  # name -> when it was first seen behind
        self._wanted: dict[str, int] = {}  # read models requests wait for: how many
        self._full = False  # the last step applied a whole batch: more may be pending
        self._changed = threading.Condition()
        self._bell = Doorbell(lock_path + ".sock" if lock_path else None)
        self._board = Board(lock_path + ".pos" if lock_path else None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: Any = None

    # -- running ---------------------------------------------------------------------------

    def start(self) -> Projector:
        self._thread = threading.Thread(target=self._run, name="projector", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._bell.ring()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._release()

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    def nudge(self) -> None:
        """A write was just recorded (in any worker): the leader looks at the log now."""
        self._bell.ring()

    def _run(self) -> None:
        if not self._lead():
            return
        try:
            self._follow()
        finally:  # whatever ends the thread, another worker's projector may lead
            self._release()

    def _follow(self) -> None:
        last_work = time.monotonic()
        while not self._stop.is_set():
            try:
                worked = self.step()
                self.failed = False
            except Exception:  # noqa: BLE001 - reads catch up themselves and report it
                log.exception("projector: applying events failed; retrying")
                self.failed = True
                self._notify()
                self._stop.wait(FAILED_PAUSE)
                continue
            now = time.monotonic()
            if worked:
                last_work = now
                # A batch stops at BATCH events: after a full one, look again at once. After
                # a shorter one every event up to the head it read is applied; a write made
                # since rang the bell after its commit, so the wait below returns at once
                # (without the bell's socket, look again at once as well). Not looking at
                # the head again for nothing saves a query per batch.
                if self._full or not self._bell.listening:
                    continue
            self._bell.wait(BUSY_POLL if now - last_work < IDLE_AFTER else IDLE_POLL)

    def _lead(self) -> bool:
        """Wait until this projector holds the store's lock (at once without a lock file)."""
        if self.lock_path:
            self._lock_file = open(self.lock_path, "a+")  # noqa: SIM115 - held while leading
            while not self._stop.is_set():
                try:
                    fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    self._stop.wait(TAKE_OVER)
            else:
                return False
        self._bell.listen()
        self.leading = True
        self.on_leading(True)
        return True

    def _release(self) -> None:
        if self.leading:
            self.leading = False
            self.on_leading(False)
            self._notify()
        self._bell.close()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the flock
            self._lock_file = None

    def step(self) -> bool:
        """Apply one batch to each read model due for one; whether any was applied.

        `assessments` (what writes answer from) is applied as soon as it is behind. The event
        index is read far less often, so its events are gathered into larger batches: it is
        applied once `LAZY_EVENTS` are pending, `LAZY_SECONDS` after it fell behind, or at
        once when a request waits for it.
        """
        head, active = self.runner.positions()
        worked = self._full = False
        now = time.monotonic()
        for name in NAMES:
            gen, position = active[name]
            if position >= head:
                self._behind_since.pop(name, None)
            elif self._due(name, head - position, now):
                done = self.runner.process_batch(name, gen, limit=BATCH)
                if done:
                    self.on_applied(name, done)
                    worked = True
                    self._full = self._full or done >= BATCH
                    position = self.runner.reached.get((name, gen), position)
                else:  # switched to another generation meanwhile: look again next step
                    gen, position = self.runner.active(name)
                self._behind_since.pop(name, None)
            self._applied[name] = (gen, position)
            self._board.post(name, gen, position)
            self._notify()  # those waiting for this model need not wait for the next
        return worked

    def _due(self, name: str, pending: int, now: float) -> bool:
        if name == ASSESSMENTS or pending >= LAZY_EVENTS or self._wanted.get(name):
            return True
        since = self._behind_since.setdefault(name, now)
        return now - since >= LAZY_SECONDS

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # -- waiting for it --------------------------------------------------------------------

    def wait(self, name: str, position: int, timeout: float | None = None) -> int | None:
        """The generation of `name` that serves reads once it holds `position`, or None when
        the projector has not got there within `timeout` (default `grace`; the caller then
        catches up itself).
        """
        deadline = time.monotonic() + (self.grace if timeout is None else timeout)
        if self.leading:  # in this process: woken after each batch
            with self._changed:
                self._wanted[name] = self._wanted.get(name, 0) + 1
                try:
                    while self.leading and not self.failed:
                        applied = self._applied.get(name)
                        if applied is not None and applied[1] >= position:
                            return applied[0]
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            return None
                        self._bell.ring()
                        self._changed.wait(remaining)
                finally:
                    self._wanted[name] -= 1
                    if not self._wanted[name]:
                        del self._wanted[name]
            return None
        # In another worker: wake the leader, then watch the positions it posts on the board
        # every 2 ms (no query), or the tracking row without a board.
        self._bell.ring()
        delay = 0.002
        while True:
            posted = self._board.read(name)
            gen, reached = posted if posted is not None else self.runner.active(name)
            if reached >= position:
                return gen
            if time.monotonic() + delay > deadline:
                return self._confirm(name, position)
            time.sleep(delay)
            if posted is None:
                delay = min(delay * 1.5, 0.01)

    def _confirm(self, name: str, position: int) -> int | None:
        """The tracking row once more before giving up: a request may have applied it."""
        gen, reached = self.runner.active(name)
        return gen if reached >= position else None


class Board:
    """The leader's applied positions, shared with the other workers through a small mapped
    file beside the lock file (`<lock>.pos`): a waiting request in another worker reads it
    instead of querying the tracking rows. Each read model has a slot of two 64-bit integers
    (generation, position), written together. A reader that catches a slot half-written at
    worst looks once more, or reads a generation a rebuild has just retired, whose rows are
    kept for `RETIRED_GRACE` seconds after the switch."""

    SLOT = struct.Struct("<qq")

    def __init__(self, path: str | None) -> None:
        self._map: mmap.mmap | None = None
        if path is None:
            return
        try:
            with open(path, "a+b") as f:
                if os.fstat(f.fileno()).st_size < self.SLOT.size * len(NAMES):
                    f.truncate(self.SLOT.size * len(NAMES))
                self._map = mmap.mmap(f.fileno(), self.SLOT.size * len(NAMES))
        except OSError:
            log.warning("projector: cannot map %s; waiting requests query the database", path)

    def post(self, name: str, gen: int, position: int) -> None:
        if self._map is not None:
            self.SLOT.pack_into(self._map, self.SLOT.size * NAMES.index(name), gen, position)

    def read(self, name: str) -> tuple[int, int] | None:
        if self._map is None:
            return None
        gen, position = self.SLOT.unpack_from(self._map, self.SLOT.size * NAMES.index(name))
        return (gen, position) if gen else None


class Doorbell:
    """Wakes the leading projector from any thread or worker: a datagram to its socket.

    The leader listens on a UNIX datagram socket beside the lock file (`<lock>.sock`); without
    a lock file, on one end of a socket pair. Ringing never blocks and never fails: a bell
    that cannot be rung (no leader yet, its buffer full of rings already) leaves the leader
    to its next look at the log, at most `IDLE_POLL` later.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._in: socket.socket | None = None
        self._out: socket.socket | None = None
        if path is None:
            self._in, self._out = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        else:
            self._out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._out.setblocking(False)

    def listen(self) -> None:
        """Become the one the bell wakes (the leader, holding the lock)."""
        if self.path is None:
            return
        try:
            Path(self.path).unlink(missing_ok=True)  # left by a leader that died
            self._in = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._in.bind(self.path)
        except OSError:  # e.g. a path too long for a socket: the leader polls only
            log.warning("projector: cannot listen on %s; polling the log only", self.path)
            self._in = None

    def ring(self) -> None:
        try:
            if self.path is None:
                self._out.send(b"!")
            else:
                self._out.sendto(b"!", self.path)
        except OSError:
            pass

    @property
    def listening(self) -> bool:
        """Whether a ring can wake `wait` (else it only sleeps out its timeout)."""
        return self._in is not None

    def wait(self, timeout: float) -> None:
        """Until the bell rings or `timeout` seconds pass; every ring so far is taken."""
        if self._in is None:
            time.sleep(timeout)
            return
        if select.select([self._in], [], [], timeout)[0]:
            with contextlib.suppress(OSError):
                while self._in.recv(64, socket.MSG_DONTWAIT):
                    pass

    def close(self) -> None:
        if self.path is not None and self._in is not None:
            self._in.close()
            self._in = None


def lock_path_from_env() -> str | None:
    return os.environ.get(LOCK_ENV) or None
