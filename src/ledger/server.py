"""gunicorn running the API app in several worker processes (one app per worker)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


# Address, time, method, path without its query string, status, bytes, duration: never a
# header (Authorization, Cookie) nor a query string, so no token or session reaches the log.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss'


class Server(BaseApplication):
    """gunicorn configured in code; each worker builds its own app (and database engine).

    Any other gunicorn setting can be given in GUNICORN_CMD_ARGS, as for gunicorn's own
    command (e.g. `GUNICORN_CMD_ARGS="--threads 4"`); the address and worker count given to
    `ledger serve` win over it.
    """

    def __init__(self, bind: str, workers: int) -> None:
        self.settings = {"bind": bind, "workers": workers, "preload_app": False,
                         "accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT,
                         "timeout": 60}
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
