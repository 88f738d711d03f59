"""gunicorn running the API app in several worker processes (one app per worker)."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from ledger.config import database_url

# Address, time, method, path without its query string, status, bytes, duration: never a
# header (Authorization, Cookie) nor a query string, so no token or session reaches the log.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'

# Threads per worker process (gunicorn's gthread worker). Requests that arrive together in
# one process share a catch-up of the read model: the first applies every event recorded
# meanwhile in one transaction, and the others find their write already applied.
THREADS = 4

# gunicorn's largest request line and header (its own 414/431, plain text beyond them), above
# the app's URI limit, so an address too long for the ledger gets the app's JSON 414.
REQUEST_LIMITS = {"limit_request_line": 8190, "limit_request_fields": 100,
                  "limit_request_field_size": 8190}


def default_workers(url: str, cpus: int | None = None) -> int:
    """Worker processes when `ledger serve` is not given --workers.

    SQLite takes one writer at a time, and a process waiting for its lock sleeps in steps
    of up to 100 ms; processes beyond one per core only add such waits (measured in
    docs/PERFORMANCE.md), so one per core, at most 4. PostgreSQL: 2 x cores + 1, at most 8.
    """
    cpus = cpus or os.cpu_count() or 1
    if url.startswith("sqlite"):
        return min(4, cpus)
    return min(8, 2 * cpus + 1)


class Server(BaseApplication):
    """gunicorn configured in code; each worker builds its own app (and database engine).

    Any other gunicorn setting can be given in GUNICORN_CMD_ARGS, as for gunicorn's own
    command (e.g. `GUNICORN_CMD_ARGS="--threads 8"`); the address and worker count given to
    `ledger serve` win over it.
    """

    def __init__(self, bind: str, workers: int | None = None) -> None:
        self.settings = {"bind": bind, "workers": workers or default_workers(database_url()),
                         "threads": THREADS, "preload_app": False, "accesslog": "-",
                         "access_log_format": ACCESS_LOG_FORMAT, "timeout": 60,
                         **REQUEST_LIMITS}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)
        env_args = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for key, value in vars(env_args).items():
            if value is not None and key not in ("args", "bind", "workers"):
                self.cfg.set(key.lower(), value)

    def load(self):
        from ledger.api import create_app

        return create_app()
