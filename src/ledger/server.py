"""gunicorn running the API app in several worker processes (one app per worker)."""

from __future__ import annotations

import os
import shutil
import tempfile

from gunicorn.app.base import BaseApplication

from ledger.config import database_url

METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"
PROJECTOR_LOCK_ENV = "LEDGER_PROJECTOR_LOCK"  # ledger.projections.store.projector.LOCK_ENV

# gunicorn's access log is off: the app writes one JSON line per request itself
# (ledger.api.requestlog), with control characters escaped and the request id.

# Threads per worker process (gunicorn's gthread worker). One projector thread per server
# feeds the read models (the worker holding the lock file PROJECTOR_LOCK_ENV names); requests
# wait for it rather than applying events themselves (projections/store/projector.py).
THREADS = 4

# gunicorn's largest request line and header (its own 414/431, plain text beyond them), above
# the app's URI limit, so an address too long for the ledger gets the app's JSON 414.
REQUEST_LIMITS = {"limit_request_line": 8190, "limit_request_fields": 100,
                  "limit_request_field_size": 8190}


def default_workers(url: str, cpus: int | None = None) -> int:
    """Worker processes when `ledger serve` is not given --workers.

    SQLite takes one writer at a time, and a process waiting for its lock sleeps in steps
    of up to 100 ms; with the projector feeding the read models from the leading worker, one
    process per two cores (at least one, at most 4) did best on two cores: the leader's
    requests wait for it without polling and meet no other process at the lock (measured in
    docs/PERFORMANCE.md). PostgreSQL: 2 x cores + 1, at most 8.
    """
    cpus = cpus or os.cpu_count() or 1
    if url.startswith("sqlite"):
        return max(1, min(4, cpus // 2))
    return min(8, 2 * cpus + 1)


def prepare_metrics_directory() -> str | None:
    """Make METRICS_ENV name an empty directory before gunicorn forks; the one made, if any.

    Every worker writes its counters to files there (prometheus-client's multiprocess mode,
    chosen when prometheus_client is first imported: so only after this, never in the master
    before it). Files left by an earlier server would be summed into this one's counters, so
    a directory given by the operator is emptied of them; without one, a temporary
    directory is made and removed when the server stops.
    """
    given = os.environ.get(METRICS_ENV)
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.remove(os.path.join(given, name))
        return None
    made = tempfile.mkdtemp(prefix="ledger-metrics-")
    os.environ[METRICS_ENV] = made
    return made


def child_exit(_server, worker) -> None:
    """gunicorn hook (in the master): a worker that ended no longer counts in live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class Server(BaseApplication):
    """gunicorn configured in code; each worker builds its own app (and database engine).

    Any other gunicorn setting can be given in GUNICORN_CMD_ARGS, as for gunicorn's own
    command (e.g. `GUNICORN_CMD_ARGS="--threads 8"`); the address and worker count given to
    `ledger serve` win over it.
    """

    def __init__(self, bind: str, workers: int | None = None) -> None:
        self.settings = {"bind": bind, "workers": workers or default_workers(database_url()),
                         "threads": THREADS, "preload_app": False, "accesslog": None,
                         "timeout": 60, "child_exit": child_exit,
                         "on_exit": self.on_exit, **REQUEST_LIMITS}
        self.metrics_directory: str | None = None
        self.projector_directory: str | None = None
        super().__init__()

    def run(self) -> None:
        # Before any worker is forked: each then writes its metrics to this directory, and
        # their projectors take turns at this lock file (one leads at a time).
        self.metrics_directory = prepare_metrics_directory()
        # The lock file, and the leader's socket and posted positions beside it.
        self.projector_directory = tempfile.mkdtemp(prefix="ledger-projector-")
        os.environ[PROJECTOR_LOCK_ENV] = os.path.join(self.projector_directory, "lock")
        super().run()

    def on_exit(self, _arbiter) -> None:
        if self.metrics_directory:
            shutil.rmtree(self.metrics_directory, ignore_errors=True)
        if self.projector_directory:
            shutil.rmtree(self.projector_directory, ignore_errors=True)

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)
        env_args = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for key, value in vars(env_args).items():
            if value is not None and key not in ("args", "bind", "workers"):
                self.cfg.set(key.lower(), value)

    def load(self):
        from ledger.api import create_app

        return create_app({"PROJECTOR": True})
